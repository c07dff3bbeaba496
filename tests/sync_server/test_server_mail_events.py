"""Mail for the steps of the full workflow: each step tells the authority that must act next,
each of its officers as they chose (a mail per event, the daily digest, none), through the
transactional outbox, to a real SMTP server (aiosmtpd). SQLite and PostgreSQL."""

import datetime as dt

import pytest
from factories import PASSWORD, Peer, answer_args, create_args, new_id
from mail_world import Clock, SmtpServer, mail_runner, wants_mail
from sqlalchemy.orm import Session

from desktop.local_server import free_port
from sync_protocol.notices import INACTIVE_AFTER
from sync_server.directory.service import add_user
from sync_server.mail import outbox, texts
from sync_server.sync import routes

# Officers besides the test directory's handlers: (authority, roles, language, mail choice).
OFFICERS = {
    "hu.digest": ("HU-ENKK-T", ["request_handler"], "it", outbox.DIGEST),
    "hu.quiet": ("HU-ENKK-T", ["request_handler"], "pl", outbox.NONE),
    "hu.coordinator": ("nimic-HU", ["coordinator"], "hu", outbox.EACH),
    "de.coordinator": ("nimic-DE", ["coordinator"], "de", outbox.EACH),
    "eu.coordinator": ("commission", ["coordinator"], "fr", outbox.NONE),
}
HANDLERS = ("de.handler", "hu.handler", "fr.handler")  # a mail per event each


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _text(text: str) -> dict[str, str]:
    return {"text": text, "lang": "de"}


class Post:
    """The officers' mail as the job runner delivers it to the local SMTP server, on one clock
    with the server's steps (no digest falls due unless the test moves it)."""

    def __init__(self, server, inbox, port: int, monkeypatch) -> None:
        self.inbox, self.monkeypatch = inbox, monkeypatch
        self.clock = Clock(dt.datetime.now(dt.UTC))
        self.runner = mail_runner(server, port, self.clock)
        self.set_time(dt.datetime.combine(self.clock.now.date(), dt.time(10), tzinfo=dt.UTC))

    def set_time(self, now: dt.datetime) -> None:
        self.clock.now = now
        self.monkeypatch.setattr(routes, "utcnow", lambda: now)  # the time of pushed steps

    def delivered(self, *case_ids: str) -> list[tuple[str, str, str]]:
        """(officer, event, case id) of every mail sent since the last call, sorted; a
        digest is (officer, "digest", "")."""
        self.runner.tick()
        seen = []
        for message in self.inbox.take():
            language, subject = message["Content-Language"], str(message["Subject"])
            officer = str(message["To"]).split("@")[0]
            if subject == texts.translate(texts.DIGEST_SUBJECT, language):
                seen.append((officer, "digest", ""))
                continue
            (event, case_id), = [(e, c) for e in texts.EVENTS for c in case_ids
                                 if texts.event_mail(e, c, language).subject == subject]
            seen.append((officer, event, case_id))
        return sorted(seen)


@pytest.fixture
def officers(server):
    """Every officer signed in, with the mail choice of ``OFFICERS`` (handlers: each)."""
    with Session(server.engine) as session, session.begin():
        for username, (authority, roles, language, _choice) in OFFICERS.items():
            add_user(session, username=username, password=PASSWORD, display_name=username,
                     authority_id=authority, roles=roles, language=language)
    peers = {name: Peer.login(server.client, name) for name in (*HANDLERS, *OFFICERS)}
    for name, peer in peers.items():
        wants_mail(peer, f"{name}@example.eu",
                   OFFICERS[name][3] if name in OFFICERS else outbox.EACH)
    return peers


@pytest.fixture
def post(server, monkeypatch):
    port = free_port()
    with SmtpServer(port) as inbox:
        yield Post(server, inbox, port, monkeypatch)


def _applied(peer, name, args):
    result = peer.step(name, args)
    assert result["status"] == "applied", result
    return result


def test_each_step_mails_the_authority_that_must_act_next(server, officers, post):
    de, hu, fr = officers["de.handler"], officers["hu.handler"], officers["fr.handler"]
    case_id = new_id()
    results = de.push(de.mutation("case.create", create_args(responder=hu.authority_id,
                                                             case_id=case_id)),
                      de.mutation("case.send", {"case_id": case_id}))
    assert [r["status"] for r in results] == ["applied", "applied"], results
    # The responder's officers: one a mail now, one in the digest, one nothing.
    assert post.delivered(case_id) == [("hu.handler", "request_received", case_id)]

    proposed = (_today() + dt.timedelta(days=60)).isoformat()
    _applied(hu, "case.accept", {"case_id": case_id, "proposed_answer_by": proposed})
    assert post.delivered(case_id) == [("de.handler", "date_proposed", case_id)]
    _applied(de, "case.agree_date", {"case_id": case_id})
    # The responder learns that the date it proposed holds.
    assert post.delivered(case_id) == [("hu.handler", "date_agreed", case_id)]

    _applied(hu, "case.ask_info", {"case_id": case_id, "text": _text("Geburtsurkunde?")})
    assert post.delivered(case_id) == [("de.handler", "info_requested", case_id)]
    _applied(de, "case.give_info", {"case_id": case_id, "text": _text("Anbei.")})
    assert post.delivered(case_id) == [("hu.handler", "info_received", case_id)]
    _applied(de, "case.comment", {"case_id": case_id, "text": _text("Eilt.")})
    assert post.delivered(case_id) == [("hu.handler", "comment_received", case_id)]
    _applied(hu, "case.comment", {"case_id": case_id, "text": _text("Verstanden.")})
    assert post.delivered(case_id) == [("de.handler", "comment_received", case_id)]

    # Split: the new case is a new request for its responder; nobody else is told.
    split_id = new_id()
    _applied(hu, "case.split", {"case_id": case_id, "new_case_id": split_id,
                                "responder_authority_id": fr.authority_id,
                                "questions": ["PQ-GEN-Q02"]})
    assert post.delivered(case_id, split_id) == [("fr.handler", "request_received", split_id)]
    later = (_today() + dt.timedelta(days=90)).isoformat()  # the split case has ``proposed``
    _applied(fr, "case.accept", {"case_id": split_id, "proposed_answer_by": later})
    assert post.delivered(split_id) == [("de.handler", "date_proposed", split_id)]
    _applied(de, "case.decline_date", {"case_id": split_id, "reason": _text("Zu spät.")})
    assert post.delivered(split_id) == [("fr.handler", "date_declined", split_id)]

    # Forward: a new request for the authority it goes to; the forwarding one is not told.
    _applied(hu, "case.forward", {"case_id": case_id, "responder_authority_id": fr.authority_id,
                                  "note": _text("Zuständig ist Frankreich.")})
    assert post.delivered(case_id) == [("fr.handler", "request_received", case_id)]
    _applied(fr, "case.accept", {"case_id": case_id})
    assert post.delivered(case_id) == []
    _applied(fr, "case.answer", answer_args(case_id, questions=("PQ-GEN-Q01",)))
    assert post.delivered(case_id) == [("de.handler", "answer_received", case_id)]
    _applied(de, "case.request_more", {"case_id": case_id, "reason": _text("Unvollständig.")})
    assert post.delivered(case_id) == [("fr.handler", "more_requested", case_id)]

    # The digest officer of the first responder gets its day in one mail, in Italian; the
    # officer who chose no mail gets nothing.
    post.set_time(outbox.next_digest_at(post.clock.now) + dt.timedelta(minutes=1))
    post.runner.tick()
    (digest,) = post.inbox.take()
    assert (digest["To"], digest["Content-Language"]) == ("hu.digest@example.eu", "it")
    body = digest.get_content()
    for event in ("request_received", "info_received", "comment_received"):
        assert f"- {texts.translate(texts.EVENTS[event][0], 'it')}: " \
               f"{texts.reference(case_id)}" in body


def test_an_escalation_mails_the_responsible_coordinator_who_then_follows_the_comments(
        server, officers, post):
    de, hu = officers["de.handler"], officers["hu.handler"]
    case_id = new_id()
    de.push(de.mutation("case.create", create_args(
                responder=hu.authority_id, case_id=case_id,
                answer_by=_today() + dt.timedelta(days=200))),
            de.mutation("case.send", {"case_id": case_id}))
    _applied(hu, "case.accept", {"case_id": case_id})
    assert post.delivered(case_id) == [("hu.handler", "request_received", case_id)]

    post.set_time(post.clock.now + INACTIVE_AFTER + dt.timedelta(days=3))  # nothing happens
    _applied(de, "case.escalate", {"case_id": case_id, "reason": _text("Keine Antwort.")})
    assert post.delivered(case_id) == [("hu.coordinator", "escalated", case_id),
                                       ("hu.digest", "digest", "")]  # of the sending day
    _applied(de, "case.comment", {"case_id": case_id, "text": _text("Bitte um Klärung.")})
    assert post.delivered(case_id) == [("hu.coordinator", "comment_received", case_id),
                                       ("hu.handler", "comment_received", case_id)]
    _applied(officers["hu.coordinator"], "case.comment",
             {"case_id": case_id, "text": _text("Ich kläre das.")})
    assert post.delivered(case_id) == [("de.handler", "comment_received", case_id),
                                       ("hu.handler", "comment_received", case_id)]

    # Resolved: both sides learn it; the coordinator, out of the case, follows it no more.
    _applied(officers["hu.coordinator"], "case.resolve_escalation", {"case_id": case_id})
    assert post.delivered(case_id) == [("de.handler", "escalation_resolved", case_id),
                                       ("hu.handler", "escalation_resolved", case_id)]
    _applied(de, "case.comment", {"case_id": case_id, "text": _text("Danke.")})
    assert post.delivered(case_id) == [("hu.handler", "comment_received", case_id)]


def test_an_allocation_mails_the_handler_it_goes_to_as_they_chose_and_nobody_else(
        server, officers, post):
    de, hu = officers["de.handler"], officers["hu.handler"]
    with Session(server.engine) as session, session.begin():
        add_user(session, username="hu.allocator", password=PASSWORD,
                 display_name="hu.allocator", authority_id=hu.authority_id,
                 roles=["allocator", "request_handler"], language="lt")
    allocator = Peer.login(server.client, "hu.allocator")
    wants_mail(allocator, "hu.allocator@example.eu")
    case_id = new_id()
    de.push(de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id)),
            de.mutation("case.send", {"case_id": case_id}))
    assert post.delivered(case_id) == [("hu.allocator", "request_received", case_id),
                                       ("hu.handler", "request_received", case_id)]

    def allocate(peer) -> None:
        _applied(allocator, "case.allocate", {"case_id": case_id, "user_id": peer.user["user_id"],
                                              "user_name": "Someone"})

    allocate(hu)
    post.runner.tick()
    (mail,) = post.inbox.take()
    language = hu.user["language"]
    expected = texts.event_mail("case_assigned", case_id, language)
    assert (mail["To"], mail["Content-Language"], str(mail["Subject"])) == (
        "hu.handler@example.eu", language, expected.subject)
    # The reference and the link, no name: not the handler's, not the case's people.
    assert mail.get_content().replace("\r\n", "\n") == expected.body
    allocate(officers["hu.quiet"])  # chose no mail
    allocate(allocator)  # who allocates to themselves knows it
    assert post.delivered(case_id) == []
    allocate(officers["hu.digest"])  # in the next digest, not now
    assert post.delivered(case_id) == []
    post.set_time(outbox.next_digest_at(post.clock.now) + dt.timedelta(minutes=1))
    post.runner.tick()
    (digest,) = post.inbox.take()
    assert digest["To"] == "hu.digest@example.eu"
    assert (f"- {texts.translate(texts.EVENTS['case_assigned'][0], 'it')}: "
            f"{texts.reference(case_id)}") in digest.get_content()


def _rule(member_state, direction, coordinator):
    return {"rule": {"member_state": member_state, "area": "PQ", "direction": direction,
                     "coordinator_authority_id": coordinator}}


def test_a_step_waiting_for_approval_mails_the_coordinator_and_the_other_side_once_approved(
        server, officers, post):
    commission = officers["eu.coordinator"]
    for rule in (_rule("DE", "request", "nimic-DE"), _rule("HU", "reply", "nimic-HU")):
        response = commission.client.post("/v1/organisation/rules", json=rule,
                                          headers=commission.headers)
        assert response.status_code == 200, response.text
    de, hu = officers["de.handler"], officers["hu.handler"]
    case_id = new_id()
    de.push(de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id)),
            de.mutation("case.send", {"case_id": case_id}))
    # Not yet before the responder, who cannot see it: only its approver is told.
    assert post.delivered(case_id) == [("de.coordinator", "approval_requested", case_id)]
    _applied(officers["de.coordinator"], "case.approve", {"case_id": case_id})
    assert post.delivered(case_id) == [("hu.handler", "request_received", case_id)]

    _applied(hu, "case.accept", {"case_id": case_id})
    _applied(hu, "case.answer", answer_args(case_id))
    assert post.delivered(case_id) == [("hu.coordinator", "approval_requested", case_id)]
    _applied(officers["hu.coordinator"], "case.approve", {"case_id": case_id})
    assert post.delivered(case_id) == [("de.handler", "answer_received", case_id)]
