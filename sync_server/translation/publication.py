"""Keeping machine translations with their case: sealed rows, published to the case's audiences.

Apart from the service so that the case workflow (``cases.service``) can give a case's
translations the case's new audiences when it changes hands, without importing the engine.
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_protocol.cases import CaseRecord
from sync_protocol.messages import EntityKind
from sync_protocol.translation import MachineTranslation
from sync_protocol.visibility import case_audiences
from sync_server.crypto import Sealer, Unreadable, translation_binding
from sync_server.sync.publish import publish
from sync_server.sync.sequence import SequenceLock
from sync_server.translation.models import CaseTranslation

log = logging.getLogger("imi.server")


def republish(session: Session, seq: SequenceLock, sealer: Sealer, case: CaseRecord) -> set[str]:
    """Give a case's translations the case's audiences again (after it changed hands)."""
    changed: set[str] = set()
    rows = session.scalars(select(CaseTranslation).where(CaseTranslation.case_id == case.id))
    for row in rows:
        kept = _open(sealer, row)
        if kept is not None:
            changed |= _publish(session, seq, sealer, kept, case)
    return changed


def store(session: Session, seq: SequenceLock, sealer: Sealer, result: MachineTranslation,
           case: CaseRecord) -> set[str]:
    row = session.get(CaseTranslation, result.entity_id)
    if row is None:
        row = CaseTranslation(id=result.entity_id, case_id=case.id)
        session.add(row)
    row.sealed = sealer.seal(result.model_dump_json().encode(),
                             where=translation_binding(result.entity_id))
    row.translated_at = result.translated_at
    return _publish(session, seq, sealer, result, case)


def _publish(session: Session, seq: SequenceLock, sealer: Sealer, result: MachineTranslation,
             case: CaseRecord) -> set[str]:
    return publish(session, seq, kind=EntityKind.TRANSLATION, entity_id=result.entity_id,
                   version=case.version, payload=result.model_dump_json().encode(),
                   audiences=case_audiences(case), sealer=sealer)


def kept(session: Session, sealer: Sealer, entity_id: str) -> MachineTranslation | None:
    row = session.get(CaseTranslation, entity_id)
    return _open(sealer, row) if row is not None else None


def _open(sealer: Sealer, row: CaseTranslation) -> MachineTranslation | None:
    try:
        return MachineTranslation.model_validate_json(
            sealer.open(row.sealed, where=translation_binding(row.id)))
    except Unreadable as exc:
        log.error("translation %s does not open: %s", row.id, exc)
        return None
