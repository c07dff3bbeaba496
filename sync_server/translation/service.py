"""Translating a free text of a case for a reader, and keeping the result with the case.

The engine is called outside any transaction (it may take seconds); what it answers is
checked, then written in one short transaction that first checks again that the caller still
sees the case and that the text is still the one translated. Any failure leaves the case and
its translations exactly as they were. The case record itself is never changed: a translation
is an entity of its own, synced to the case's audiences and sealed like the case.
"""

import datetime as dt
import logging

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from sync_protocol.cases import CaseRecord
from sync_protocol.errors import LocalProtocolError, RemoteProtocolError
from sync_protocol.translation import (
    MachineTranslation,
    TranslateRequest,
    free_text,
    source_digest,
    translation_id,
)
from sync_protocol.visibility import visible_to
from sync_server.auth.service import Principal
from sync_server.cases.service import load_case
from sync_server.crypto import Sealer
from sync_server.sync.notifier import ChangeNotifier
from sync_server.sync.sequence import SequenceLock
from sync_server.translation.provider import ProviderFailed, TranslationProvider
from sync_server.translation.publication import kept, store

log = logging.getLogger("imi.server")


def translate(
    *,
    sessions: sessionmaker[Session],
    sealer: Sealer,
    notifier: ChangeNotifier,
    provider: TranslationProvider | None,
    principal: Principal,
    request: TranslateRequest,
    now: dt.datetime,
) -> MachineTranslation:
    if provider is None:
        raise LocalProtocolError("translation_off",
                                 "machine translation is not configured on this server",
                                 status_hint=409)
    with sessions() as session:
        case = _visible_case(session, sealer, principal, request.case_id, lock=False)
        original = free_text(case, request.field)
        if original is None or original.lang == request.target:
            raise LocalProtocolError("nothing_to_translate",
                                     f"no free text {request.field} to translate",
                                     params={"field": request.field}, status_hint=409)
        cached = kept(session, sealer, translation_id(case.id, request.field, request.target))
        if cached is not None and cached.translates(original):
            return cached
    try:
        translated = provider.translate(original.text, source=original.lang,
                                        target=request.target)
    except ProviderFailed as failed:
        log.warning("machine translation %s -> %s failed (%s): %s", original.lang,
                    request.target, failed.code, failed)
        params: dict[str, str | int] = {"engine": provider.name}
        if failed.code == "translation_language_unsupported":
            params |= {"source": original.lang, "target": request.target}
        raise RemoteProtocolError(failed.code, str(failed), params=params,
                                  status_hint=409) from None
    try:
        result = MachineTranslation(
            case_id=case.id, field=request.field, source_lang=original.lang,
            target_lang=request.target, source_sha256=source_digest(original),
            text=translated, engine=provider.name, translated_at=now)
    except ValidationError:  # too long, control characters: not a translation of a free text
        raise RemoteProtocolError("translation_garbled", "the engine's text is not a free text",
                                  params={"engine": provider.name}, status_hint=409) from None
    with sessions.begin() as session:
        seq = SequenceLock(session).acquire(at_first_number=True)
        # The case row locked (before the sequence lock, as a push and the job runner do):
        # a push that forwards the case meanwhile waits for this commit and republishes the
        # translation to the new audiences, instead of this one publishing to the old ones.
        case = _visible_case(session, sealer, principal, request.case_id, lock=True)
        if not result.translates(free_text(case, request.field)):
            # The text changed while the engine worked: its translation is of an older text.
            raise LocalProtocolError("nothing_to_translate", "the text changed meanwhile",
                                     params={"field": request.field}, status_hint=409)
        audiences = store(session, seq, sealer, result, case)
        seq.flush()
    notifier.notify(audiences)
    return result


def _visible_case(session: Session, sealer: Sealer, principal: Principal,
                  case_id: str, *, lock: bool) -> CaseRecord:
    case = load_case(session, sealer, case_id, lock=lock)
    if case is None or not visible_to(case, principal.authority_id):
        # The same answer for a case that does not exist and one the caller may not see.
        raise LocalProtocolError("not_found", "no such case", status_hint=404)
    return case
