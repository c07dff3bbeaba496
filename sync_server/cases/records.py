"""Reading one sealed case record: the one place that opens a case row."""

import logging

from sqlalchemy.orm import Session

from sync_protocol.cases import CaseRecord
from sync_server.cases.models import Case
from sync_server.crypto import Sealer, Unreadable, case_binding

log = logging.getLogger("imi.server")


def read_case(session: Session, sealer: Sealer, case_id: str, *,
              lock: bool = False) -> CaseRecord | None:
    """The case ``case_id`` (``None`` if there is none); raises ``Unreadable``, having logged
    the case id and the reason only (the record is personal data)."""
    row = session.get(Case, case_id, with_for_update=lock)
    if row is None:
        return None
    try:
        return CaseRecord.model_validate_json(sealer.open(row.sealed, where=case_binding(case_id)))
    except Unreadable as exc:
        log.error("case %s does not open: %s", case_id, exc)
        raise
