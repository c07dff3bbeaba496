"""Applying one workflow mutation to a case, inside the caller's transaction.

The rules themselves are ``sync_protocol.workflow``; this module adds what only the server can
know (does the addressed authority exist, and is it competent in the area) and persists the
result: the sealed case row, its publication to the authorities involved, the audit event.
"""

import datetime as dt

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from sync_protocol.attachments import refs_of
from sync_protocol.audiences import authority_audience
from sync_protocol.cases import Action, CaseRecord
from sync_protocol.errors import WorkflowRefused
from sync_protocol.messages import Change, EntityKind
from sync_protocol.mutations import (
    AllocateCase,
    CreateCase,
    EditDraft,
    ForwardCase,
    SplitCase,
    _Args,
)
from sync_protocol.visibility import case_audiences, case_views
from sync_protocol.workflow import HANDLER_ROLE, Actor, apply_step, area_allowed, split_off
from sync_server.auth.models import User
from sync_server.auth.service import user_areas
from sync_server.blobs.service import check_refs, record_refs
from sync_server.cases.models import Case, CaseParticipant
from sync_server.cases.records import read_case
from sync_server.catalogue.service import question_set
from sync_server.crypto import Sealer, Unreadable, case_binding
from sync_server.directory.models import Authority, AuthorityArea
from sync_server.jobs import case_jobs
from sync_server.organisation.service import organisation_for
from sync_server.sync.publish import publish_views
from sync_server.sync.sequence import SequenceLock
from sync_server.translation.publication import republish


def load_case(session: Session, sealer: Sealer, case_id: str, *, lock: bool) -> CaseRecord | None:
    try:
        return read_case(session, sealer, case_id, lock=lock)
    except Unreadable:
        raise WorkflowRefused(
            "record_unreadable",
            "the server cannot read its copy of this case; the problem is in its log") from None


def case_change(case: CaseRecord) -> Change:
    return Change(kind=EntityKind.CASE, id=case.id, version=case.version,
                  data=case.model_dump(mode="json"))


def view_change(case: CaseRecord, authority_id: str) -> Change | None:
    """The case as ``authority_id`` may see it now, or ``None`` if it may not."""
    view = case_views(case).get(authority_audience(authority_id))
    return case_change(view) if view is not None else None


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
        _check_responder(session, args.responder_authority_id, args.area)
        qs = question_set(session, args.question_set, args.question_set_version)
        involved = [actor.authority_id, args.responder_authority_id]
    else:
        qs = question_set(session, case.question_set, case.question_set_version) if case else None
        involved = [p.authority_id for p in case.participants] if case else []
    if isinstance(args, (EditDraft, ForwardCase, SplitCase)):
        involved.append(args.responder_authority_id)
    if isinstance(args, AllocateCase):
        args = _checked_allocation(session, args, actor, case)
    new = apply_step(case, action, args, actor=actor, now=now, question_set=qs,
                     base_version=base_version, acted_at=acted_at,
                     organisation=organisation_for(session, involved))
    split: CaseRecord | None = None
    if case is not None and isinstance(args, (ForwardCase, SplitCase)):
        # What only the server knows: the authority exists, is active and competent.
        _check_responder(session, args.responder_authority_id, case.area)
    if case is not None and isinstance(args, SplitCase):
        if session.get(Case, args.new_case_id) is not None:
            raise WorkflowRefused("already_exists", "a case with this id already exists")
        split = split_off(case, args, actor=actor, now=now, acted_at=acted_at)
    # The step's documents, after the step itself is allowed: held complete, within limits.
    check_refs(session, sealer, actor.authority_id, refs_of(args))
    audiences = store_case(session, seq, sealer, new, now=now)
    if case is not None and set(case_audiences(case)) != set(case_audiences(new)):
        # Its machine translations follow the case to whoever sees it now, and only to them.
        audiences |= republish(session, seq, sealer, new)
    case_jobs.after_step(session, new, action=action.value, actor_authority=actor.authority_id,
                         now=now, actor_user=actor.user_id)
    if split is not None:
        # The new case is stored and published with the original, in the same transaction;
        # for its new responder it is a request sent to it.
        audiences |= store_case(session, seq, sealer, split, now=now)
        case_jobs.after_step(session, split, action=Action.SEND.value,
                             actor_authority=actor.authority_id, now=now)
    return new, audiences


def store_case(session: Session, seq: SequenceLock, sealer: Sealer, case: CaseRecord, *,
               now: dt.datetime) -> set[str]:
    """Persist ``case`` (sealed, with its participants) and publish each audience its view;
    return the audiences whose view changed."""
    sealed = sealer.seal(case.model_dump_json().encode(), where=case_binding(case.id))
    row = session.get(Case, case.id)
    new = row is None
    if row is None:
        row = Case(id=case.id)
        session.add(row)
    row.version, row.state, row.area = case.version, case.state.value, case.area
    row.sealed, row.updated_at = sealed, now
    session.flush()  # the case row before its participants' (foreign key)
    if not new:  # a new case has none yet (their foreign key names it)
        session.execute(delete(CaseParticipant).where(CaseParticipant.case_id == case.id))
    if case.participants:
        session.connection().execute(insert(CaseParticipant), [
            {"case_id": case.id, "authority_id": p.authority_id, "role": p.role.value}
            for p in case.participants])
    record_refs(session, case, new=new)
    views = {audience: view.model_dump_json().encode()
             for audience, view in case_views(case).items()}
    return publish_views(session, seq, kind=EntityKind.CASE, entity_id=case.id,
                         version=case.version, views=views, sealer=sealer)


def _check_responder(session: Session, authority_id: str, area: str) -> None:
    """The authority a request is addressed, forwarded or split off to exists, is active and
    handles requests in ``area``."""
    # Columns, not the ``Authority``: that would load its competences too (see
    # ``organisation_for``).
    responder = session.execute(select(Authority.active, Authority.official_name)
                                .where(Authority.id == authority_id)).first()
    if responder is None or not responder.active:
        raise WorkflowRefused("unknown_authority", f"no active authority {authority_id}",
                              params={"authority": authority_id})
    competent = session.scalar(select(AuthorityArea.area).where(
        AuthorityArea.authority_id == authority_id, AuthorityArea.area == area))
    if competent is None:
        raise WorkflowRefused("not_competent",
                              f"{responder.official_name} does not handle requests in {area}",
                              params={"authority": authority_id, "area": area})


def _checked_allocation(session: Session, args: AllocateCase, actor: Actor,
                        case: CaseRecord | None) -> AllocateCase:
    """An allocation goes to an active request handler of the allocator's own authority, with
    rights in the case's area; the record keeps the name the server has for that user."""
    user = session.get(User, args.user_id)
    if (user is None or not user.active or user.authority_id != actor.authority_id
            or HANDLER_ROLE not in user.roles
            or (case is not None and not area_allowed(case.area,
                                                      user_areas(session, user.id)))):
        raise WorkflowRefused("unknown_handler",
                              "not an active request handler of your authority")
    return args.model_copy(update={"user_name": user.display_name})
