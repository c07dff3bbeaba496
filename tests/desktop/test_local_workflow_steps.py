"""Issue 9 item 1 in the client, without a server: every new step is taken on the replica at
once (offline), waits in the outbox, stays on top of whatever newer state a pull brings, and
settles when the server's result arrives, through the same mechanism as the first steps."""

import datetime as dt
import json
import uuid

import pytest

from desktop.models import cases
from desktop.models import profile as profiles
from desktop.models.replica import Replica
from sync_protocol.cases import Action, CaseRecord, CaseStatus
from sync_protocol.catalogue import CatalogueFile
from sync_protocol.messages import Change, EntityKind, MutationResult
from sync_protocol.mutations import parse_args
from sync_protocol.visibility import case_views
from sync_protocol.workflow import Actor, apply_step
from sync_server.seed import CATALOGUE_FILE
from tests import factories

QS = CatalogueFile.model_validate_json(CATALOGUE_FILE.read_bytes()).question_sets[0]
QUESTIONS = ("PQ-GEN-Q01", "PQ-GEN-Q04")
DE, HU, FR, NIMIC = "DE-LZK-BW", "HU-ENKK", "FR-ONCD", "nimic-HU"
ROLES = {DE: ["request_handler", "allocator"], HU: ["request_handler", "allocator"],
         NIMIC: ["coordinator"]}
TEXT = {"text": "Bitte ergänzen.", "lang": "de"}
START = dt.datetime.now(dt.UTC) - dt.timedelta(days=70)  # the case is old and quiet
LATER = dt.datetime.now(dt.UTC)
PROPOSED = (LATER + dt.timedelta(days=40)).date().isoformat()


def actor(authority):
    return Actor(user_id=f"u-{authority}", user_name=f"Officer {authority}",
                 authority_id=authority, roles=frozenset(ROLES[authority]))


def server_step(case, name, args, authority, now=START):
    checked, action = parse_args(name, {"case_id": case.id if case else args["case_id"],
                                        **args})
    return apply_step(case, action, checked, actor=actor(authority), now=now, question_set=QS)


def case_in(state, case_id):
    """The server's case of DE to HU, brought to ``state`` (a date proposed on accepting)."""
    case = server_step(None, "case.create", factories.create_args(
        responder=HU, case_id=case_id, questions=QUESTIONS,
        answer_by=(LATER + dt.timedelta(days=30)).date()), DE, now=START)
    path = {"sent": [], "accepted": ["accept"], "answered": ["accept", "answer"],
            "closed": ["accept", "answer", "accept_reply"], "escalated": ["escalate"]}[state]
    case = server_step(case, "case.send", {}, DE)
    for step in path:
        if step == "accept":
            case = server_step(case, "case.accept", {"proposed_answer_by": PROPOSED}, HU)
        elif step == "answer":
            case = server_step(case, "case.answer", {"answers": [
                {"question": q, "answer": f"{q}-A1"} for q in QUESTIONS]}, HU)
        elif step == "accept_reply":
            case = server_step(case, "case.accept_reply", {}, DE)
        elif step == "escalate":
            coordinator = {"coordinators": {HU: NIMIC}}
            case = apply_step(case, Action.ESCALATE, parse_args("case.escalate", {
                "case_id": case.id, "reason": TEXT})[0], actor=actor(DE), now=LATER,
                question_set=QS, organisation=_org(**coordinator))
    return case


def _org(**kwargs):
    from sync_protocol.organisation import Organisation
    return Organisation.of(**kwargs)


@pytest.fixture
def replica_of(tmp_path):
    opened = []

    def make(authority):
        profile, key = profiles.create(tmp_path / authority, server_url="http://127.0.0.1:1",
                                       username=authority, passphrase="correct horse battery")
        made = Replica.open(profile.replica_path, key)
        with made.transaction():
            made.set_meta("user", {
                "user_id": f"u-{authority}", "username": authority,
                "display_name": f"Officer {authority}", "authority_id": authority,
                "authority_name": authority, "member_state": authority[:2].upper(),
                "roles": ROLES[authority], "language": "de"})
            made.put_directory("question_set", f"{QS.code}@{QS.version}",
                               json.loads(QS.model_dump_json()))
            made.put_directory("authority", HU, {"id": HU, "member_state": "HU",
                                                 "official_name": "ENKK",
                                                 "coordinator_id": NIMIC})
        opened.append(made)
        return made

    yield make
    for made in opened:
        made.close()


# (who, state of the case, mutation, its arguments beyond the case id, what the replica then
# shows). ``give_info`` answers the other side's request, asked on the server first.
STEPS = [
    (HU, "sent", "case.accept", {"proposed_answer_by": PROPOSED},
     lambda c: c.state is CaseStatus.ACCEPTED and c.proposed_answer_by is not None),
    (DE, "accepted", "case.agree_date", {}, lambda c: c.answer_by.isoformat() == PROPOSED),
    (DE, "accepted", "case.decline_date", {"reason": TEXT},
     lambda c: c.proposed_answer_by is None),
    (HU, "accepted", "case.forward", {"responder_authority_id": FR},
     lambda c: c.responder_authority_id == FR and c.state is CaseStatus.SENT),
    (HU, "sent", "case.split", {"new_case_id": "ab" * 16, "responder_authority_id": FR,
                                "questions": [QUESTIONS[0]]},
     lambda c: c.questions == QUESTIONS[1:] and c.links[0].kind == "split_into"),
    (DE, "sent", "case.ask_info", {"text": TEXT}, lambda c: c.open_info_request is not None),
    (HU, "sent", "case.ask_info", {"text": TEXT}, lambda c: c.open_info_request is not None),
    (DE, "sent", "case.give_info", {"text": TEXT},
     lambda c: c.open_info_request is None and c.messages[-1].kind == "info_reply"),
    (HU, "answered", "case.comment", {"text": TEXT},
     lambda c: c.messages[-1].kind == "comment"),
    (DE, "answered", "case.request_more", {"reason": TEXT},
     lambda c: c.state is CaseStatus.ACCEPTED),
    (DE, "answered", "case.withdraw", {"reason": TEXT},
     lambda c: c.state is CaseStatus.WITHDRAWN),
    (DE, "closed", "case.rate", {"timeliness": 5, "effort": 4},
     lambda c: c.rating is not None and c.rating.timeliness == 5),
    (HU, "accepted", "case.escalate", {"reason": TEXT},
     lambda c: c.escalation is not None and c.escalation.coordinator_id == NIMIC),
    (DE, "sent", "case.allocate", {"user_id": "u-DE", "user_name": "Anna Weber"},
     lambda c: [a.user_id for a in c.assignments] == ["u-DE"]),
    (NIMIC, "escalated", "case.resolve_escalation", {},
     lambda c: c.escalation is not None and not c.escalation.open),
]


@pytest.mark.parametrize(("who", "state", "name", "extra", "shows"), STEPS,
                         ids=[f"{s[2]}-{s[0]}" for s in STEPS])
def test_each_new_step_is_queued_offline_and_replayed_on_newer_states(
        replica_of, who, state, name, extra, shows):
    replica = replica_of(who)
    case_id = uuid.uuid4().hex
    server = case_in(state, case_id)
    if name == "case.give_info":
        server = server_step(server, "case.ask_info", {"text": TEXT}, HU)
    view = case_views(server)[f"authority:{who}"]
    cases.apply_pull_page(replica, [Change(kind=EntityKind.CASE, id=case_id,
                                           version=view.version,
                                           data=view.model_dump(mode="json"))], "c1")

    shown = cases.perform(replica, name=name, args={"case_id": case_id, **extra}, now=LATER)

    assert shows(shown)
    [queued] = replica.outbox(case_id=case_id)
    assert (queued["name"], queued["base_version"]) == (name, server.version)
    # The other side adds a comment meanwhile (dated while the case was still quiet, so that
    # an escalation stays possible): the pull brings a newer state, and the queued step stays
    # on top of it.
    other = DE if who != DE else HU
    newer = server_step(server, "case.comment", {"text": TEXT}, other, now=START)
    newer_view = case_views(newer)[f"authority:{who}"]
    cases.apply_pull_page(replica, [Change(kind=EntityKind.CASE, id=case_id,
                                           version=newer_view.version,
                                           data=newer_view.model_dump(mode="json"))], "c2")
    replayed = cases.get_case(replica, case_id)
    assert shows(replayed)
    assert replayed.version == newer.version + 1
    assert any(m.authority_id == other and m.kind == "comment" for m in replayed.messages)
    # The server applies the queued step: the outbox empties, the server's state is shown.
    checked, action = parse_args(name, {"case_id": case_id, **extra})
    applied = apply_step(newer, action, checked, actor=actor(who), now=LATER,
                         question_set=QS, organisation=_org(coordinators={HU: NIMIC}))
    mine = case_views(applied).get(f"authority:{who}")
    change = None if mine is None else Change(kind=EntityKind.CASE, id=case_id,
                                              version=mine.version,
                                              data=mine.model_dump(mode="json"))
    refused = cases.apply_push_results(replica, [MutationResult(
        mutation_id=queued["mutation_id"], status="applied", change=change)])

    assert refused == [] and replica.pending_count() == 0
    settled = cases.get_case(replica, case_id)
    if mine is None:
        assert settled is None  # forwarded away, or the escalation resolved: out of sight
    else:
        assert settled == CaseRecord.model_validate(mine.model_dump(mode="json"))
        assert shows(settled)
