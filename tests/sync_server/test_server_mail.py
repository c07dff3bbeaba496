"""Mail: the outbox delivered to a real local SMTP server (aiosmtpd), in the reader's language,
without personal data; retried when the SMTP server is down; bundled in a daily digest."""

import datetime as dt

import pytest
from factories import answer_args, create_args, new_id
from mail_world import Clock, SmtpServer, mail_runner, wants_mail
from sqlalchemy import select

from desktop.local_server import free_port
from sync_server.config import SmtpSettings
from sync_server.mail import texts
from sync_server.mail.models import OutboxMail
from sync_server.mail.outbox import next_digest_at


@pytest.fixture
def smtp_port() -> int:
    return free_port()


def _send(de, hu, family_name="Kovács"):
    case_id = new_id()
    results = de.push(
        de.mutation("case.create", create_args(
            responder=hu.authority_id, case_id=case_id, family_name=family_name,
            request_text={"text": "Bitte Diplom von Frau Kovács prüfen", "lang": "de"})),
        de.mutation("case.send", {"case_id": case_id}, base_version=1))
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return case_id


def test_a_sent_request_mails_the_responder_in_their_language_without_personal_data(
        server, smtp_port):
    de, hu = server.peer("DE"), server.peer("HU")
    wants_mail(hu, "ugyintezo@enkk.example.hu")
    case_id = _send(de, hu, family_name="Kovács")
    runner = mail_runner(server, smtp_port, Clock(dt.datetime.now(dt.UTC)))

    with SmtpServer(smtp_port) as inbox:
        runner.tick()
        runner.tick()  # nothing twice

    (message,) = inbox.messages
    assert message["To"] == "ugyintezo@enkk.example.hu"
    assert message["Subject"] == f"IMI: Új megkeresés – {texts.reference(case_id)} ügy"
    assert message["Content-Language"] == "hu"
    body = message.get_content()
    assert "Hatósága új információkérési megkeresést kapott." in body
    assert f"imi://case/{case_id}" in body
    for personal in ("Kovács", "Éva", "Diplom", "dentist"):
        assert personal not in body and personal not in str(message["Subject"])
    assert message["Message-ID"].endswith("@imi.example.eu>")


def test_when_the_smtp_server_is_down_the_mail_waits_and_goes_out_once_later(server, smtp_port):
    de, hu = server.peer("DE"), server.peer("HU")
    wants_mail(de, "sachbearbeitung@lzk.example.de")
    case_id = _send(de, hu)
    assert hu.step("case.accept", {"case_id": case_id}, base_version=2)["status"] == "applied"
    assert hu.step("case.answer", answer_args(case_id), base_version=3)["status"] == "applied"
    clock = Clock(dt.datetime.now(dt.UTC))
    runner = mail_runner(server, smtp_port, clock)

    runner.tick()  # nobody listens on the port
    (mail,) = server.rows(select(OutboxMail.state, OutboxMail.attempts, OutboxMail.due_at))
    assert (mail.state, mail.attempts) == ("pending", 1)
    assert mail.due_at.replace(tzinfo=dt.UTC) > clock.now  # later, not in a busy loop

    with SmtpServer(smtp_port) as inbox:
        runner.tick()
        assert inbox.messages == []  # not yet due again
        clock.now = mail.due_at.replace(tzinfo=dt.UTC) + dt.timedelta(seconds=1)
        runner.tick()
        runner.tick()
    (message,) = inbox.messages
    assert message["Subject"] == f"IMI: Antwort eingegangen – Vorgang {texts.reference(case_id)}"
    assert server.rows(select(OutboxMail.state)) == [("done",)]


def test_a_sender_that_dies_after_the_hand_over_sends_the_same_message_again(
        server, smtp_port, monkeypatch):
    de, hu = server.peer("DE"), server.peer("HU")
    wants_mail(hu, "ugyintezo@enkk.example.hu")
    _send(de, hu)
    now = dt.datetime.now(dt.UTC)
    dying = mail_runner(server, smtp_port, Clock(now))

    def die(*_args, **_kwargs):
        raise SystemExit("the server stops between the SMTP hand-over and the mark")

    with SmtpServer(smtp_port) as inbox:
        with monkeypatch.context() as patch:
            patch.setattr(dying.mailer, "_settle", die)
            with pytest.raises(SystemExit):
                dying.tick()
        later = mail_runner(server, smtp_port, Clock(now + dt.timedelta(minutes=6)))
        later.tick()
        later.tick()
    first, again = inbox.messages
    assert first["Message-ID"] == again["Message-ID"]  # one message to every mail client
    assert server.rows(select(OutboxMail.state, OutboxMail.attempts)) == [("done", 2)]


def test_a_digest_user_gets_one_mail_a_day_listing_every_case(server, smtp_port):
    de, hu = server.peer("DE"), server.peer("HU")
    wants_mail(hu, "ugyintezo@enkk.example.hu", choice="digest")
    cases = [_send(de, hu), _send(de, hu)]
    clock = Clock(dt.datetime.now(dt.UTC))
    runner = mail_runner(server, smtp_port, clock)

    with SmtpServer(smtp_port) as inbox:
        runner.tick()
        assert inbox.messages == []
        clock.now = next_digest_at(clock.now) + dt.timedelta(minutes=1)
        runner.tick()
        runner.tick()
    (digest,) = inbox.messages
    assert digest["Subject"] == "IMI: napi összefoglaló"
    body = digest.get_content()
    for case_id in cases:
        assert f"Új megkeresés: {texts.reference(case_id)} (imi://case/{case_id})" in body
    assert "Kovács" not in body


def test_mail_settings_are_each_users_own_and_checked(server):
    de, hu = server.peer("DE"), server.peer("HU")
    assert de.client.get("/v1/account/mail", headers=de.headers).json() == {
        "address": "", "choice": "none"}
    wants_mail(de, "sachbearbeitung@lzk.example.de", choice="digest")
    assert hu.client.get("/v1/account/mail", headers=hu.headers).json()["choice"] == "none"
    assert de.client.get("/v1/account/mail", headers=de.headers).json() == {
        "address": "sachbearbeitung@lzk.example.de", "choice": "digest"}
    for body, code in (({"address": "not an address", "choice": "each"},
                        "invalid_mail_address"),
                       ({"address": "", "choice": "each"}, "mail_address_missing")):
        response = de.client.put("/v1/account/mail", json=body, headers=de.headers)
        assert (response.status_code, response.json()["code"]) == (422, code)
    assert de.client.get("/v1/account/mail").status_code == 401


def test_mail_is_off_until_an_smtp_server_is_configured(monkeypatch):
    for variable in ("IMI_SMTP_HOST", "IMI_SMTP_PORT", "IMI_SMTP_SECURITY"):
        monkeypatch.delenv(variable, raising=False)
    assert SmtpSettings.from_environment() is None
    monkeypatch.setenv("IMI_SMTP_HOST", "smtp.example.eu")
    monkeypatch.setenv("IMI_SMTP_SECURITY", "ssl")
    smtp = SmtpSettings.from_environment()
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.example.eu", 465, "ssl")
