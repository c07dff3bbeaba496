"""Applying one workflow mutation to a case, inside the caller's transaction.

The rules themselves are ``sync_protocol.workflow``; this module adds what only the server can
know (does the addressed authority exist, and is it competent in the area) and persists the
result: the sealed case row, its publication to the authorities involved, the audit event.
"""

import datetime as dt
import logging

from sqlalchemy.orm import Session

from sync_protocol.audiences import authority_audience
from sync_protocol.cases import Action, CaseRecord
from sync_protocol.errors import WorkflowRefused
from sync_protocol.messages import Change, EntityKind
from sync_protocol.mutations import CreateCase, _Args
from sync_protocol.workflow import Actor, apply_step
from sync_server.cases.models import Case
from sync_server.catalogue.service import question_set
from sync_server.crypto import Sealer, Unreadable, case_binding
from sync_server.directory.models import Authority
from sync_server.jobs import case_jobs
from sync_server.sync.publish import publish
from sync_server.sync.sequence import SequenceLock
from sync_server.translation.publication import republish

log = logging.getLogger("imi.server")


def load_case(session: Session, sealer: Sealer, case_id: str, *, lock: bool) -> CaseRecord | None:
    row = session.get(Case, case_id, with_for_update=lock)
    if row is None:
        return None
    try:
        return CaseRecord.model_validate_json(sealer.open(row.sealed, where=case_binding(case_id)))
    except Unreadable as exc:
        # The case id and the reason only: the record is personal data.
        log.error("case %s does not open: %s", case_id, exc)
        raise WorkflowRefused(
            "record_unreadable",
            "the server cannot read its copy of this case; the problem is in its log") from None


def case_change(case: CaseRecord) -> Change:
    return Change(kind=EntityKind.CASE, id=case.id, version=case.version,
                  data=case.model_dump(mode="json"))


def visible_to(case: CaseRecord, authority_id: str) -> bool:
    return authority_audience(authority_id) in case.audiences()


def apply_case_mutation(
    session: Session,
    seq: SequenceLock,
    sealer: Sealer,
    *,
    action: Action,
    args: _Args,
    actor: Actor,
    base_version: int | None,
    now: dt.datetime,
    acted_at: dt.datetime | None = None,
) -> tuple[CaseRecord, set[str]]:
    """Apply and persist; return the new case and the audiences whose view changed.

    Raises ``WorkflowRefused`` having written nothing.
    """
    case = load_case(session, sealer, args.case_id, lock=True)
    if isinstance(args, CreateCase):
        _check_responder(session, args)
        qs = question_set(session, args.question_set, args.question_set_version)
    else:
        qs = question_set(session, case.question_set, case.question_set_version) if case else None
    new = apply_step(case, action, args, actor=actor, now=now, question_set=qs,
                     base_version=base_version, acted_at=acted_at)
    sealed = sealer.seal(new.model_dump_json().encode(), where=case_binding(new.id))
    row = session.get(Case, new.id)
    if row is None:
        row = Case(id=new.id)
        session.add(row)
    row.version, row.state, row.area = new.version, new.state.value, new.area
    row.requester_authority_id = new.requester_authority_id
    row.responder_authority_id = new.responder_authority_id
    row.sealed, row.updated_at = sealed, now
    audiences = publish(session, seq, kind=EntityKind.CASE, entity_id=new.id, version=new.version,
                        payload=new.model_dump_json().encode(), audiences=new.audiences(),
                        sealer=sealer)
    if case is not None and set(case.audiences()) != set(new.audiences()):
        # Its machine translations follow the case to whoever sees it now, and only to them.
        audiences |= republish(session, seq, sealer, new)
    case_jobs.after_step(session, new, action=action.value, actor_authority=actor.authority_id,
                         now=now)
    return new, audiences


def _check_responder(session: Session, args: CreateCase) -> None:
    responder = session.get(Authority, args.responder_authority_id)
    if responder is None or not responder.active:
        raise WorkflowRefused("unknown_authority",
                              f"no active authority {args.responder_authority_id}",
                              params={"authority": args.responder_authority_id})
    if args.area not in responder.areas:
        raise WorkflowRefused("not_competent",
                              f"{responder.official_name} does not handle requests in {args.area}",
                              params={"authority": responder.id, "area": args.area})
