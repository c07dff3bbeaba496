"""The catalogue: legislative areas and their question sets, published to every replica.

Like the directory, the catalogue is public (audience ``public``). Functions write inside the
caller's transaction and take the sequence lock, so they combine with other writes.
"""


from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_protocol.catalogue import CatalogueFile, QuestionSet
from sync_protocol.errors import LocalProtocolError
from sync_protocol.messages import EntityKind
from sync_server.catalogue.models import LegislativeArea, QuestionSetRow
from sync_server.sync.models import SyncRow
from sync_server.sync.publish import PUBLIC, json_payload, publish
from sync_server.sync.sequence import SequenceLock


def load_catalogue(session: Session, seq: SequenceLock, catalogue: CatalogueFile) -> int:
    """Add the catalogue's areas and question sets that are not there yet; return how many.

    A question set already stored keeps its version as it is (cases were made with it). An
    area already stored gains the names in languages it did not have yet (a release that adds
    languages); a name already there is kept, as it may have been edited since.
    """
    added = 0
    for area in catalogue.areas:
        row = session.get(LegislativeArea, area.code)
        if row is None:
            session.add(LegislativeArea(code=area.code, names=dict(area.names)))
            publish(session, seq, kind=EntityKind.AREA, entity_id=area.code, version=1,
                    payload=json_payload(area.model_dump(mode="json")), audiences=PUBLIC)
            added += 1
        elif set(area.names) - set(row.names):
            row.names = {**area.names, **row.names}
            version = (session.scalar(select(func.max(SyncRow.version)).where(
                SyncRow.kind == EntityKind.AREA.value, SyncRow.entity_id == area.code)) or 0) + 1
            publish(session, seq, kind=EntityKind.AREA, entity_id=area.code, version=version,
                    payload=json_payload({"code": area.code, "names": row.names}),
                    audiences=PUBLIC)
            added += 1
    session.flush()
    for qs in catalogue.question_sets:
        if session.get(LegislativeArea, qs.area) is None:
            raise LocalProtocolError("unknown_area", f"question set {qs.code}: no area {qs.area}")
        if session.get(QuestionSetRow, (qs.code, qs.version)) is None:
            data = qs.model_dump(mode="json")
            session.add(QuestionSetRow(code=qs.code, version=qs.version, area=qs.area, data=data))
            publish(session, seq, kind=EntityKind.QUESTION_SET,
                    entity_id=f"{qs.code}@{qs.version}", version=qs.version,
                    payload=json_payload(data), audiences=PUBLIC)
            added += 1
    return added


# Validated question sets by (database, code, version). A published version never changes
# (``load_catalogue`` only adds; a change is a new version), so each is parsed once per process
# instead of on every ``case.create``. Bounded: catalogues hold hundreds of sets, not more.
_PARSED: dict[tuple[str, str, int], QuestionSet] = {}
_PARSED_MAX = 2_000


def question_set(session: Session, code: str, version: int) -> QuestionSet | None:
    key = (session.get_bind().engine.url.render_as_string(), code, version)
    parsed = _PARSED.get(key)
    if parsed is not None:
        return parsed
    row = session.get(QuestionSetRow, (code, version))
    if row is None:
        return None
    parsed = QuestionSet.model_validate(row.data)
    if len(_PARSED) < _PARSED_MAX:
        _PARSED[key] = parsed
    return parsed
