"""What the mail tests share: a real local SMTP server (aiosmtpd) keeping what it accepts, a
clock the test moves, a job runner that delivers through it, and a user's mail choice."""

import datetime as dt
import email
import email.policy

from aiosmtpd.controller import Controller

from sync_server.config import SmtpSettings
from sync_server.jobs.runner import JobRunner
from sync_server.mail.sender import MailSender


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, _server, _session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def take(self) -> list[email.message.EmailMessage]:
        """The messages received since the last take."""
        taken, self.messages = self.messages, []
        return taken


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self.inbox

    def __exit__(self, *_exc) -> None:
        self.controller.stop()


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def mail_runner(server, port: int, clock: Clock) -> JobRunner:
    """A job runner of ``server`` that sends its mail to the SMTP server on ``port``."""
    smtp = SmtpSettings(host="127.0.0.1", port=port, security="none",
                        sender="imi@imi.example.eu", timeout=5)
    runner = JobRunner(sessions=server.context.sessions, sealer=server.context.sealer,
                       notifier=server.context.notifier, clock=clock)
    runner.mailer = MailSender(server.context.sessions, smtp, owner=runner.owner)
    return runner


def wants_mail(peer, address: str, choice: str = "each") -> None:
    response = peer.client.put("/v1/account/mail", json={"address": address, "choice": choice},
                               headers=peer.headers)
    assert response.status_code == 200, response.text
