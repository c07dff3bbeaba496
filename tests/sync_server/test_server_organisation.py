"""The approval and configuration part of the permission matrix, on the server, from the
token: every role against every approval and configuration action, allowed or refused; and
how approval rules route a request and a reply through the API. SQLite and PostgreSQL."""

import pytest
from factories import PASSWORD, Peer, answer_args, create_args, new_id
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from sync_protocol.organisation import ApprovalRule
from sync_server.cases.models import CaseParticipant
from sync_server.directory.service import add_user
from sync_server.organisation.models import ApprovalRuleRow, AuthorityModeRow
from sync_server.organisation.service import organisation_for
from sync_server.orm import ServerState
from sync_server.sync.models import SyncRow

# Who acts: (user name, authority, roles). The test directory's authorities have no region;
# the coordinators are the seeded ones (``seed_base``).
ACTORS = {
    "commission": ("eu.coordinator", "commission", ["coordinator"]),
    "nimic_de": ("de.coordinator", "nimic-DE", ["coordinator"]),
    "nimic_hu": ("hu.coordinator", "nimic-HU", ["coordinator"]),
    "nimic_de_admin": ("de.nimic.admin", "nimic-DE", ["local_data_administrator"]),
    "requester_handler": ("de.handler", None, None),  # from the test directory
    "responder_handler": ("hu.handler", None, None),
    "handler_as_coordinator": ("de.fake", "DE-LZK-T", ["coordinator", "request_handler"]),
}


@pytest.fixture
def actors(server):
    with Session(server.engine) as session, session.begin():
        for username, authority, roles in ACTORS.values():
            if authority is not None:
                add_user(session, username=username, password=PASSWORD, display_name=username,
                         authority_id=authority, roles=roles, language="en")
    return {name: Peer.login(server.client, username) for name, (username, _a, _r)
            in ACTORS.items()}


def _rule(member_state, direction, coordinator, area="PQ"):
    return {"rule": {"member_state": member_state, "area": area, "direction": direction,
                     "coordinator_authority_id": coordinator}}


def _post(peer, path, body):
    response = peer.client.post(f"/v1/organisation/{path}", json=body, headers=peer.headers)
    return "allowed" if response.status_code == 200 else response.json()["code"]


# Configuration actions: who may set what.
CONFIGURATION = {
    "rule_de": ("rules", _rule("DE", "request", "nimic-DE")),
    "rule_hu": ("rules", _rule("HU", "reply", "nimic-HU")),
    "mode_de": ("modes", {"authority_id": "DE-LZK-T", "area": "PQ", "mode": "send"}),
    "mode_hu": ("modes", {"authority_id": "HU-ENKK-T", "area": "PQ", "mode": "answer"}),
    "rule_de_foreign_approver": ("rules", _rule("DE", "request", "nimic-HU")),
}
NOT_COORDINATOR = dict.fromkeys(CONFIGURATION, "not_a_coordinator")
EXPECTED_CONFIGURATION = {
    "commission": {"rule_de": "allowed", "rule_hu": "allowed", "mode_de": "allowed",
                   "mode_hu": "allowed", "rule_de_foreign_approver": "approver_outside_scope"},
    "nimic_de": {"rule_de": "allowed", "rule_hu": "outside_scope", "mode_de": "allowed",
                 "mode_hu": "outside_scope",
                 "rule_de_foreign_approver": "approver_outside_scope"},
    "nimic_hu": {"rule_de": "outside_scope", "rule_hu": "allowed", "mode_de": "outside_scope",
                 "mode_hu": "allowed", "rule_de_foreign_approver": "outside_scope"},
    "nimic_de_admin": NOT_COORDINATOR,
    "requester_handler": NOT_COORDINATOR,
    "responder_handler": NOT_COORDINATOR,
    "handler_as_coordinator": NOT_COORDINATOR,
}


def test_configuration_permission_matrix(server, actors):
    seen = {name: {action: _post(actors[name], path, body)
                   for action, (path, body) in CONFIGURATION.items()}
            for name in EXPECTED_CONFIGURATION}

    assert seen == EXPECTED_CONFIGURATION
    # What was allowed is stored once per rule and mode, and public for every replica.
    assert server.count(ApprovalRuleRow) == 2
    assert server.count(AuthorityModeRow) == 2
    audiences = {a for (a,) in server.rows(select(SyncRow.audience).where(
        SyncRow.kind.in_(["approval_rule", "authority_mode"])))}
    assert audiences == {"public"}


def _requested(server, actors, *, rules):
    """DE asks HU under ``rules`` (set by the Commission); the case id and its first result."""
    for member_state, direction, coordinator in rules:
        assert _post(actors["commission"], "rules",
                     _rule(member_state, direction, coordinator)) == "allowed"
    de = actors["requester_handler"]
    case_id = new_id()
    created, sent = de.push(
        de.mutation("case.create", create_args(responder="HU-ENKK-T", case_id=case_id)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1))
    assert created["status"] == "applied", created
    return case_id, sent


# Approval actions on a request waiting for nimic-DE (and, replies, for nimic-HU).
DECISIONS = {
    "approve_request": ("case.approve", {}),
    "refuse_request": ("case.refuse", {"reason": {"text": "Nein", "lang": "de"}}),
}
EXPECTED_DECISIONS = {
    "commission": "not_involved",
    "nimic_de": "applied",
    "nimic_hu": "not_involved",
    "nimic_de_admin": "forbidden",
    "requester_handler": "invalid_transition",
    "responder_handler": "not_involved",  # the request has not reached it
    "handler_as_coordinator": "invalid_transition",  # the requester's own authority
}


@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_request_approval_permission_matrix(server, actors, decision):
    name, extra = DECISIONS[decision]
    seen = {}
    for actor in EXPECTED_DECISIONS:
        case_id, sent = _requested(server, actors, rules=[("DE", "request", "nimic-DE")])
        assert sent["change"]["data"]["state"] == "awaiting_approval"
        result = actors[actor].step(name, {"case_id": case_id, **extra})
        seen[actor] = result["status"] if result["status"] == "applied" else result["code"]
        if actor == "responder_handler":
            assert result["change"] is None  # nothing of the case is shown to it
    assert seen == EXPECTED_DECISIONS


def _replied(server, actors):
    """A request DE -> HU answered by HU under a reply rule for nimic-HU."""
    case_id, _sent = _requested(server, actors, rules=[("HU", "reply", "nimic-HU")])
    hu = actors["responder_handler"]
    assert hu.step("case.accept", {"case_id": case_id})["status"] == "applied"
    answered = hu.step("case.answer", answer_args(case_id))
    assert answered["change"]["data"]["state"] == "reply_awaiting_approval"
    return case_id


EXPECTED_REPLY_DECISIONS = {
    "commission": "not_involved",
    "nimic_de": "not_involved",
    "nimic_hu": "applied",
    "requester_handler": "invalid_transition",
    "responder_handler": "invalid_transition",
}


@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_reply_approval_permission_matrix(server, actors, decision):
    name, extra = DECISIONS[decision]
    seen = {}
    for actor in EXPECTED_REPLY_DECISIONS:
        case_id = _replied(server, actors)
        result = actors[actor].step(name, {"case_id": case_id, **extra})
        seen[actor] = result["status"] if result["status"] == "applied" else result["code"]
    assert seen == EXPECTED_REPLY_DECISIONS


def test_a_reply_reaches_the_requester_only_when_approved(server, actors):
    case_id = _replied(server, actors)
    de, coordinator = actors["requester_handler"], actors["nimic_hu"]

    waiting = de.cases(de.pull_all())[case_id]["data"]
    queued = coordinator.cases(coordinator.pull_all())[case_id]["data"]
    assert waiting["state"] == "reply_awaiting_approval" and waiting["answers"] == []
    assert queued["answers"] and queued["state"] == "reply_awaiting_approval"
    assert coordinator.step("case.approve", {"case_id": case_id})["status"] == "applied"

    answered = de.cases(de.pull_all())[case_id]
    revoked = coordinator.cases(coordinator.pull_all())[case_id]
    assert answered["data"]["state"] == "answered" and answered["data"]["answers"]
    assert (revoked["data"], revoked["reason"]) == (None, "revoked")  # its queue empties
    participants = {tuple(row) for row in server.rows(
        select(CaseParticipant.authority_id, CaseParticipant.role)
        .where(CaseParticipant.case_id == case_id))}
    assert participants == {("DE-LZK-T", "requester"), ("HU-ENKK-T", "responder"),
                            ("nimic-HU", "responder_coordinator")}


def test_a_refused_request_returns_to_the_sender_and_never_reaches_the_responder(server, actors):
    case_id, _sent = _requested(server, actors, rules=[("DE", "request", "nimic-DE")])
    hu, de = actors["responder_handler"], actors["requester_handler"]

    refused = actors["nimic_de"].step(
        "case.refuse", {"case_id": case_id, "reason": {"text": "Bitte begründen", "lang": "de"}})

    assert refused["status"] == "applied" and refused["change"] is None
    draft = de.cases(de.pull_all())[case_id]["data"]
    assert draft["state"] == "draft"
    assert draft["timeline"][-1]["note"]["text"] == "Bitte begründen"
    assert case_id not in hu.cases(hu.pull_all())


def _created_and_sent(de):
    """A new request created and sent by ``de``; the state the send left it in."""
    case_id = new_id()
    _created, sent = de.push(
        de.mutation("case.create", create_args(responder="HU-ENKK-T", case_id=case_id)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1))
    return sent["change"]["data"]["state"]


def test_a_rule_set_or_lifted_after_a_step_counts_at_the_next_step(server, actors):
    """The organisation a step reads is cached per process (``organisation_for``); a change
    to the rules, even one written past the API, is seen at the very next step."""
    def send():
        return _created_and_sent(actors["requester_handler"])

    assert send() == "sent"  # read and cached without a rule
    assert _post(actors["commission"], "rules", _rule("DE", "request", "nimic-DE")) == "allowed"
    assert send() == "awaiting_approval"
    with Session(server.engine) as session, session.begin():  # past the API: a plain UPDATE
        session.execute(update(ApprovalRuleRow).values(active=False))
    assert send() == "sent"


def test_a_restored_database_is_read_afresh_even_at_the_same_auth_version(server, actors):
    """A restore starts a new epoch; the organisation cached from the history before it is
    not used, even where the restored ``auth_version`` happens to equal the cached one."""
    def send():
        return _created_and_sent(actors["requester_handler"])

    assert _post(actors["commission"], "rules", _rule("DE", "request", "nimic-DE")) == "allowed"
    assert send() == "awaiting_approval"  # cached with the rule
    with Session(server.engine) as session, session.begin():
        # What a restore of an older backup looks like to the cache: the rule is not there,
        # the version is the same, the epoch is new (statements as plain text: no bump).
        session.execute(text("UPDATE approval_rules SET active = false"))
        session.execute(text("UPDATE server_state SET epoch = :epoch"), {"epoch": new_id()})
    assert send() == "sent"


def test_a_transaction_that_changes_a_rule_reads_its_change_and_caches_nothing_of_it(server):
    """``organisation_for`` caches by ``auth_version``; a transaction that bumped it (here by
    adding a rule) reads the organisation as it sees it, and what it read is not cached under
    its uncommitted version: after its rollback the rule is gone again."""
    ids = ("DE-LZK-T", "HU-ENKK-T")
    rule = ApprovalRule.model_validate(_rule("DE", "request", "nimic-DE")["rule"])

    def rules(session):
        return organisation_for(session, ids).rules

    with Session(server.engine) as session, session.begin():
        assert rules(session) == ()  # read and cached under the committed version
        session.add(ApprovalRuleRow(id=rule.id, member_state="DE", region=None, area="PQ",
                                    direction="request", coordinator_authority_id="nimic-DE",
                                    version=1))
        assert rules(session) == (rule,)  # its own change, not the cached entry
        session.rollback()
    with Session(server.engine) as session, session.begin():
        assert rules(session) == ()  # nothing of the rolled-back change was cached
    # Read first after the change: cached under the version it bumped to, that entry would
    # be served once another change commits that same version number.
    with Session(server.engine) as session, session.begin():
        session.add(ApprovalRuleRow(id=rule.id, member_state="DE", region=None, area="PQ",
                                    direction="request", coordinator_authority_id="nimic-DE",
                                    version=1))
        assert rules(session) == (rule,)
        session.rollback()
    with Session(server.engine) as session, session.begin():
        session.execute(update(ServerState).values(auth_version=ServerState.auth_version + 1))
    with Session(server.engine) as session, session.begin():
        assert rules(session) == ()
    with Session(server.engine) as session, session.begin():
        session.add(ApprovalRuleRow(id=rule.id, member_state="DE", region=None, area="PQ",
                                    direction="request", coordinator_authority_id="nimic-DE",
                                    version=1))
        session.flush()
        assert rules(session) == (rule,)
    with Session(server.engine) as session, session.begin():
        assert rules(session) == (rule,)
