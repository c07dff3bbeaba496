"""Mail tables: each user's choice of mail, and the transactional outbox.

An outbox row is written in the same transaction as the event it tells of, so a mail exists
if and only if its event committed. The sender claims rows like scheduled jobs
(``jobs.leases``) and marks them sent; each row has its own ``Message-ID``, so a mail sent again
after a crash between the SMTP hand-over and the mark is the same message to the receiving
servers. The address is an officer's work address, not personal data of a case; mails hold
no personal data of cases at all (a reference and a link).
"""

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import AutoId, Base


class MailPreference(Base):
    """``choice``: ``each`` (a mail per event), ``digest`` (one a day) or ``none``."""

    __tablename__ = "mail_preferences"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    choice: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[dt.datetime]


class OutboxMail(Base):
    """One mail to send, or one event held for a user's daily digest.

    States: ``held`` (waits for the digest), ``bundled`` (went out in a digest), ``pending``,
    ``running`` (leased to a sender), ``done`` (sent), ``failed`` (gave up; in the log).
    """

    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_state_due", "state", "due_at"),
                      Index("ix_outbox_mails_user_state", "user_id", "state"))
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str] = mapped_column(String(64))
    # For a digest: the case ids and events it bundles, one "event case_id" per line.
    bundle: Mapped[str] = mapped_column(String, default="")
    due_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
