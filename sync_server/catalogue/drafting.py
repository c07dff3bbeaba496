"""Drafting and publishing question sets: the Commission's catalogue editors only.

Functions own their transaction. A draft is stored whole (``PUT``), with the English each
translation follows brought up to date by the server (``authoring.with_sources``), never
taken from the payload. Publishing checks completeness (``authoring.publish_problems``) and
then adds the area (if new) and the set's next version to the catalogue exactly as the
shipped catalogue is loaded: public sync rows every replica pulls.
"""

import datetime as dt

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sync_protocol.authoring import (
    CATALOGUE_EDITOR_ROLE,
    Draft,
    ImportReport,
    PublishOutcome,
    publish_problems,
    with_sources,
)
from sync_protocol.catalogue import CatalogueFile
from sync_protocol.catalogue import LegislativeArea as Area
from sync_protocol.errors import LocalProtocolError
from sync_server.auth.service import Principal
from sync_server.catalogue import exchange
from sync_server.catalogue.draft_models import QuestionSetDraft
from sync_server.catalogue.models import LegislativeArea, QuestionSetRow
from sync_server.catalogue.service import load_catalogue, question_set
from sync_server.sync.notifier import ChangeNotifier
from sync_server.sync.publish import PUBLIC
from sync_server.sync.sequence import SequenceLock


def require_editor(principal: Principal) -> None:
    if CATALOGUE_EDITOR_ROLE not in principal.roles:
        raise LocalProtocolError("not_catalogue_editor",
                                 "only the Commission's catalogue editors work on drafts",
                                 status_hint=403)


def list_drafts(*, sessions: sessionmaker[Session], principal: Principal) -> list[Draft]:
    require_editor(principal)
    with sessions() as session:
        rows = session.scalars(select(QuestionSetDraft).order_by(QuestionSetDraft.code))
        return [Draft.model_validate(row.data) for row in rows]


def save_draft(*, sessions: sessionmaker[Session], principal: Principal, code: str,
               draft: Draft, now: dt.datetime) -> Draft:
    require_editor(principal)
    if draft.code != code or draft.question_set.area != draft.area.code:
        raise LocalProtocolError("area_mismatch", "the draft's code or area does not fit",
                                 params={"question_set": code, "area": draft.area.code},
                                 status_hint=422)
    with sessions.begin() as session:
        latest, area = _published(session, code)
        if latest is not None and area != draft.area.code:
            raise LocalProtocolError("area_mismatch", f"{code} belongs to the area {area}",
                                     params={"question_set": code, "area": area or ""},
                                     status_hint=409)
        if draft.base_version != latest:
            raise LocalProtocolError(
                "draft_outdated", f"{code} was published as version {latest} meanwhile",
                params={"question_set": code, "version": latest or 0}, status_hint=409)
        row = session.get(QuestionSetDraft, code, with_for_update=True)
        old = Draft.model_validate(row.data) if row is not None else None
        next_version = (latest or 0) + 1
        qs = draft.question_set.model_copy(update={"version": next_version})
        stored = with_sources(old, draft.model_copy(update={"question_set": qs}))
        _store(session, row, stored, principal, now)
    return stored


def publish_draft(*, sessions: sessionmaker[Session], notifier: ChangeNotifier,
                  principal: Principal, code: str, now: dt.datetime) -> PublishOutcome:
    require_editor(principal)
    with sessions.begin() as session:
        seq = SequenceLock(session).acquire()
        row, draft = _draft(session, code)
        problems = publish_problems(draft)
        if problems:
            return PublishOutcome(published=False, problems=tuple(problems))
        latest, _area = _published(session, code)
        if draft.base_version != latest:
            raise LocalProtocolError(
                "draft_outdated", f"{code} was published as version {latest} meanwhile",
                params={"question_set": code, "version": latest or 0}, status_hint=409)
        try:
            catalogue = CatalogueFile(format=1, areas=(draft.area,),
                                      question_sets=(draft.question_set,))
        except ValidationError:  # pragma: no cover - a stored draft is a valid model
            raise LocalProtocolError("invalid_arguments", "the draft is not valid") from None
        load_catalogue(session, seq, catalogue)
        version = draft.question_set.version
        following = draft.question_set.model_copy(update={"version": version + 1})
        _store(session, row, draft.model_copy(update={"base_version": version,
                                                      "question_set": following}),
               principal, now)
        seq.flush()
        notifier.announce(session, PUBLIC)  # the other instances' long-polls too
    notifier.notify(set(PUBLIC))
    return PublishOutcome(published=True, version=version)


def export_draft(*, sessions: sessionmaker[Session], principal: Principal, code: str,
                 language: str, file_format: exchange.Format) -> bytes:
    require_editor(principal)
    with sessions() as session:
        _row, draft = _draft(session, code, published=True)
    return exchange.export(draft, language, file_format)


def import_file(*, sessions: sessionmaker[Session], principal: Principal, code: str,
                language: str, file_format: exchange.Format, data: bytes,
                now: dt.datetime) -> ImportReport:
    require_editor(principal)
    with sessions.begin() as session:
        row, draft = _draft(session, code, lock=True, published=True)
        updated, report = exchange.read(draft, language, file_format, data)
        if report.accepted:
            _store(session, row, updated, principal, now)
    return report


def _draft(session: Session, code: str, *, lock: bool = False, published: bool = False
           ) -> tuple[QuestionSetDraft | None, Draft]:
    """The stored draft of ``code``; with ``published``, else a new one from its latest
    published version (every translation in it current), so that a published set can be
    exported and filled by an agency before anyone edited it."""
    row = session.get(QuestionSetDraft, code, with_for_update=lock)
    if row is not None:
        return row, Draft.model_validate(row.data)
    latest, area_code = _published(session, code) if published else (None, None)
    if latest is None or area_code is None:
        raise LocalProtocolError("draft_not_found", f"no draft of {code}",
                                 params={"question_set": code}, status_hint=404)
    qs = question_set(session, code, latest)
    area = session.get_one(LegislativeArea, area_code)
    assert qs is not None
    return None, with_sources(None, Draft(
        area=Area(code=area.code, names=area.names), base_version=latest,
        question_set=qs.model_copy(update={"version": latest + 1})))


def _published(session: Session, code: str) -> tuple[int | None, str | None]:
    """The latest published version of ``code`` and its area, or (None, None)."""
    latest = session.scalar(select(func.max(QuestionSetRow.version))
                            .where(QuestionSetRow.code == code))
    if latest is None:
        return None, None
    return int(latest), session.get_one(QuestionSetRow, (code, latest)).area


def _store(session: Session, row: QuestionSetDraft | None, draft: Draft, principal: Principal,
           now: dt.datetime) -> None:
    if row is None:
        row = QuestionSetDraft(code=draft.code)
        session.add(row)
    row.data = draft.model_dump(mode="json")
    row.updated_at, row.updated_by = now, principal.user_id
