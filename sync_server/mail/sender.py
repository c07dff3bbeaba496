"""Delivering the outbox over SMTP: claim due mails, send, mark sent; retry what failed.

A mail is marked sent only after the SMTP server accepted it, in a transaction that checks the
sender still holds its lease. A crash between the two sends the mail again after the lease
expires, under the same ``Message-ID`` (made from the row's token), so receiving servers and
mail clients see one message; nothing is lost either way. An unreachable server, a refused
login or a refused message puts the mail back with a growing delay (``leases.retry_delay``);
after ``MAX_ATTEMPTS`` it is marked ``failed`` and the log says so (without the address).
"""

import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync_server.auth.models import User
from sync_server.config import SmtpSettings
from sync_server.jobs import leases
from sync_server.mail import texts
from sync_server.mail.models import MailPreference, OutboxMail
from sync_server.mail.outbox import NONE

log = logging.getLogger("imi.server")

MAX_ATTEMPTS = 30  # with back-off capped at 6 hours: about a week of trying
BATCH = 50


class MailSender:
    def __init__(self, sessions: sessionmaker[Session], smtp: SmtpSettings, *, owner: str,
                 lease: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        self.sessions, self.smtp, self.owner, self.lease = sessions, smtp, owner, lease

    def send_due(self, now: dt.datetime) -> int:
        """Send every mail due at ``now``; return how many the SMTP server accepted."""
        with self.sessions.begin() as session:
            ids = leases.claim(session, OutboxMail, now=now, owner=self.owner,
                               lease=self.lease, limit=BATCH)
        if not ids:
            return 0
        with self.sessions() as session:
            rows = session.execute(
                select(OutboxMail, User.language, MailPreference.address, MailPreference.choice)
                .join(User, User.id == OutboxMail.user_id)
                .outerjoin(MailPreference, MailPreference.user_id == OutboxMail.user_id)
                .where(OutboxMail.id.in_(ids)).order_by(OutboxMail.id)).all()
        sent = 0
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail: cannot reach the SMTP server %s:%s (%s); %d mails wait",
                        self.smtp.host, self.smtp.port, type(exc).__name__, len(ids))
            for mail_id in ids:
                self._settle(mail_id, now=now, error=type(exc).__name__)
            return 0
        with smtp:
            for mail, language, address, choice in rows:
                if not address or choice == NONE:
                    self._settle(mail.id, now=now, error=None, note="no longer wanted")
                    continue
                try:
                    smtp.send_message(self._message(mail, language, address))
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning("mail %s not accepted by the SMTP server: %s", mail.id,
                                type(exc).__name__)
                    self._settle(mail.id, now=now, error=type(exc).__name__)
                    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                        for rest in ids[ids.index(mail.id) + 1:]:
                            self._settle(rest, now=now, error=type(exc).__name__)
                        break
                    continue
                self._settle(mail.id, now=now, error=None)
                sent += 1
        return sent

    def _connect(self) -> smtplib.SMTP:
        settings = self.smtp
        context = ssl.create_default_context()
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port,
                                                  timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        return smtp

    def _message(self, mail: OutboxMail, language: str, address: str) -> EmailMessage:
        if mail.event == "digest":
            items = [tuple(line.split(" ", 1)) for line in mail.bundle.splitlines() if line]
            text = texts.digest_mail([(e, c) for e, c in items], language)
        else:
            text = texts.event_mail(mail.event, mail.case_id, language)
        message = EmailMessage()
        message.set_content(text.body)  # first: it resets every Content-* header
        message["From"] = self.smtp.sender
        message["To"] = address
        message["Subject"] = text.subject
        message["Date"] = format_datetime(mail.created_at)
        domain = self.smtp.sender.rpartition("@")[2].strip(">") or "imi.invalid"
        message["Message-ID"] = f"<{mail.message_id}@{domain}>"
        message["Content-Language"] = language
        message["Auto-Submitted"] = "auto-generated"
        return message

    def _settle(self, mail_id: int, *, now: dt.datetime, error: str | None,
                note: str | None = None) -> None:
        with self.sessions.begin() as session:
            mail = leases.hold(session, OutboxMail, mail_id, owner=self.owner)
            if mail is None:
                return  # another sender took it over after our lease ran out
            mail.owner, mail.lease_until = None, None
            if error is None:
                mail.state, mail.sent_at, mail.last_error = leases.DONE, now, note
            elif mail.attempts >= MAX_ATTEMPTS:
                mail.state, mail.last_error = leases.FAILED, error[:200]
                log.error("mail %s failed %d times; giving up (%s)", mail.id, mail.attempts,
                          error)
            else:
                mail.state, mail.last_error = leases.PENDING, error[:200]
                mail.due_at = now + leases.retry_delay(mail.attempts)
