"""Machine translations kept with their case: sealed like the case they translate."""

import datetime as dt

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import Base


class CaseTranslation(Base):
    """One machine translation of one free text of a case into one language.

    ``id`` is ``sync_protocol.translation.translation_id``; ``sealed`` the
    ``MachineTranslation`` JSON, bound to its id (``crypto.binding``)."""

    __tablename__ = "case_translations"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    translated_at: Mapped[dt.datetime]
