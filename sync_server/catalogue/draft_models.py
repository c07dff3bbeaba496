"""The Commission's drafts of question sets: one working copy per question set code.

Never synced: a draft is seen and edited only by catalogue editors, through the drafting
routes. Publishing turns it into a new version of the set (public, synced to every replica)
and keeps it as the starting point of the next version.
"""

import datetime as dt
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import Base


class QuestionSetDraft(Base):
    __tablename__ = "question_set_drafts"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]]  # sync_protocol.authoring.Draft
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(32))
