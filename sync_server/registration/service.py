"""Registering authorities: applications, coordinators' decisions, direct registration (M2).

* ``apply``: an authority with no account applies; the application waits for the most specific
  coordinator whose scope covers it (a DIMIC before an SDIMIC before the NIMIC). Its secret
  reference (only a digest is stored) lets the applicant ask how it stands (``status``).
* ``queue``, ``approve``, ``reject``: a coordinator sees and decides the pending applications
  its scope covers (``sync_protocol.organisation.covers``, for the authority's state, region
  and every one of its areas). A rejection carries a reason the applicant is told.
* ``register_authority``: a coordinator registers an authority in its scope at once.
* ``register_dimic``: the Commission, a NIMIC or an SDIMIC registers a delegated coordinator
  (DIMIC) within its own scope, for a region and/or a legislative area.

Every registration publishes the authority to the directory (public sync rows), records the
registering coordinator as the authority's ``coordinator_id``, and creates its first local
data administrator with a one-time activation code (``auth.activation``) that the coordinator
hands over. Each writes the administration audit trail in its transaction.
"""

import dataclasses
import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sync_protocol.catalogue import LegislativeArea as CatalogueArea
from sync_protocol.errors import LocalProtocolError
from sync_protocol.organisation import CoordinatorKind, CoordinatorScope, covers
from sync_protocol.registration import (
    COORDINATOR,
    LOCAL_DATA_ADMINISTRATOR,
    AdministratorDetails,
    AreaChoices,
    AuthorityDetails,
    AuthorityRegistration,
    DimicRegistration,
    Registration,
    RegistrationDecision,
    RegistrationQueue,
    RegistrationReceipt,
    RegistrationStatus,
    SelfRegistration,
)
from sync_server.auth import audit
from sync_server.auth.models import User
from sync_server.auth.service import Principal
from sync_server.auth.users import new_account
from sync_server.catalogue.models import LegislativeArea
from sync_server.directory.models import Authority, MemberState
from sync_server.directory.service import add_authority
from sync_server.organisation.models import Coordinator
from sync_server.organisation.service import add_coordinator, coordinator_scope, scope_of
from sync_server.registration.models import Application
from sync_server.sync.sequence import SequenceLock

# Which coordinator an application goes to first: the most specific one covering it.
_SPECIFIC = {CoordinatorKind.DIMIC: 0, CoordinatorKind.SDIMIC: 1, CoordinatorKind.NIMIC: 2,
             CoordinatorKind.COMMISSION: 3}


@dataclasses.dataclass(frozen=True, kw_only=True)
class CoordinatorActor:
    """The caller acting for a coordinator authority, with that authority's scope."""

    user_id: str
    scope: CoordinatorScope

    @property
    def authority_id(self) -> str:
        return self.scope.authority_id


def coordinator_of(session: Session, principal: Principal) -> CoordinatorActor:
    """The caller as a coordinator; 403 ``not_a_coordinator`` for anyone else."""
    scope = coordinator_scope(session, principal.authority_id)
    session.rollback()
    if COORDINATOR not in principal.roles or scope is None:
        raise LocalProtocolError("not_a_coordinator", "only coordinators may do this",
                                 status_hint=403)
    return CoordinatorActor(user_id=principal.user_id, scope=scope)


def _covers(scope: CoordinatorScope, details: AuthorityDetails) -> bool:
    region = details.region or None
    return all(covers(scope, details.member_state, region, area) for area in details.areas)


def _out_of_scope() -> LocalProtocolError:
    return LocalProtocolError("out_of_scope", "the authority is outside your scope",
                              status_hint=403)


def _digest(reference: str) -> str:
    return hashlib.sha256(reference.encode()).hexdigest()


def _check_details(session: Session, details: AuthorityDetails,
                   administrator: AdministratorDetails) -> None:
    if session.get(MemberState, details.member_state) is None:
        raise LocalProtocolError("unknown_member_state",
                                 f"no member state {details.member_state}")
    twin = select(Authority.id).where(Authority.member_state == details.member_state,
                                      Authority.official_name == details.official_name)
    if session.scalars(twin).first() is not None:
        raise LocalProtocolError("authority_exists", "an authority of this name is registered",
                                 status_hint=409)
    known = set(session.scalars(select(LegislativeArea.code)
                                .where(LegislativeArea.code.in_(details.areas))))
    if known != set(details.areas):
        raise LocalProtocolError("unknown_area", "an area of the authority does not exist")
    taken = session.scalars(select(User.id).where(User.username == administrator.username)
                            ).first() is not None or session.scalars(
        select(Application.id).where(Application.status == "pending",
                                     Application.administrator["username"].as_string()
                                     == administrator.username)).first() is not None
    if taken:
        raise LocalProtocolError("username_taken", "the user name is taken",
                                 params={"username": administrator.username}, status_hint=409)


def _handling_coordinator(session: Session, details: AuthorityDetails) -> str:
    rows = session.scalars(select(Coordinator).where(or_(
        Coordinator.member_state == details.member_state, Coordinator.member_state.is_(None))))
    scopes = sorted((scope for scope in map(scope_of, rows) if _covers(scope, details)),
                    key=lambda s: (_SPECIFIC[s.kind], s.authority_id))
    if not scopes:
        raise LocalProtocolError("unknown_member_state",
                                 f"no coordinator for {details.member_state}")
    return scopes[0].authority_id


def area_choices(session: Session) -> AreaChoices:
    with session.begin():
        rows = session.scalars(select(LegislativeArea).order_by(LegislativeArea.code))
        return AreaChoices(areas=tuple(CatalogueArea(code=r.code, names=r.names) for r in rows))


def apply(session: Session, *, request: SelfRegistration, now: dt.datetime
          ) -> RegistrationReceipt:
    reference = secrets.token_urlsafe(24)
    with session.begin():
        _check_details(session, request.authority, request.administrator)
        session.add(Application(
            id=uuid.uuid4().hex, reference_hash=_digest(reference), status="pending",
            member_state=request.authority.member_state,
            coordinator_id=_handling_coordinator(session, request.authority),
            authority=request.authority.model_dump(mode="json"),
            administrator=request.administrator.model_dump(mode="json"),
            reason="", submitted_at=now, decided_at=None, decided_by=None, authority_id=None))
    return RegistrationReceipt(reference=reference, status="pending")


def status(session: Session, *, reference: str) -> RegistrationStatus:
    with session.begin():
        row = session.scalars(select(Application)
                              .where(Application.reference_hash == _digest(reference))).first()
        if row is None:
            raise LocalProtocolError("unknown_registration", "no application has this reference",
                                     status_hint=404)
        return RegistrationStatus(status=row.status,
                                  reason=row.reason, authority_id=row.authority_id)


def _registration(row: Application) -> Registration:
    return Registration(id=row.id, authority=AuthorityDetails.model_validate(row.authority),
                        administrator=AdministratorDetails.model_validate(row.administrator),
                        status=row.status,
                        reason=row.reason, submitted_at=row.submitted_at,
                        coordinator_id=row.coordinator_id)


def queue(session: Session, *, coordinator: CoordinatorActor) -> RegistrationQueue:
    """The pending applications the coordinator's scope covers, oldest first."""
    scope = coordinator.scope
    with session.begin():
        query = select(Application).where(Application.status == "pending")
        if scope.member_state is not None:
            query = query.where(Application.member_state == scope.member_state)
        rows = session.scalars(query.order_by(Application.submitted_at, Application.id))
        found = [_registration(row) for row in rows]
    return RegistrationQueue(registrations=tuple(r for r in found
                                                 if _covers(scope, r.authority)))


def _new_authority_id(member_state: str) -> str:
    return f"{member_state}-{secrets.token_hex(5).upper()}"


def _register(session: Session, *, details: AuthorityDetails,
              administrator: AdministratorDetails, coordinator: CoordinatorActor,
              now: dt.datetime, dimic: DimicRegistration | None = None) -> RegistrationDecision:
    """Publish the authority (and, for a DIMIC, its coordinator scope) and create its first
    administrator, in the caller's transaction."""
    seq = SequenceLock(session).acquire()
    data: dict[str, Any] = {**details.model_dump(mode="json", exclude={"areas"}),
                            "id": _new_authority_id(details.member_state),
                            "areas": list(details.areas), "competences": [],
                            "coordinator_id": coordinator.authority_id}
    authority = add_authority(session, seq, data)
    session.flush()
    roles = [LOCAL_DATA_ADMINISTRATOR]
    if dimic is not None:
        add_coordinator(session, seq, CoordinatorScope(
            authority_id=authority.id, kind=CoordinatorKind.DIMIC,
            member_state=details.member_state, region=dimic.region or None, area=dimic.area,
            parent_authority_id=coordinator.authority_id))
        roles.append(COORDINATOR)
    given = new_account(session, authority_id=authority.id, details=administrator, roles=roles,
                        areas=(), created_by=coordinator.user_id, now=now)
    seq.flush()
    audit.record(session, at=now, actor=coordinator.user_id,
                 actor_authority_id=coordinator.authority_id,
                 action="authority.register_dimic" if dimic else "authority.register",
                 target_kind="authority", target_id=authority.id)
    return RegistrationDecision(status="approved", authority_id=authority.id, activation=given)


def _pending(session: Session, coordinator: CoordinatorActor, registration_id: str
             ) -> Application:
    row = session.get(Application, registration_id, with_for_update=True)
    if row is None:
        raise LocalProtocolError("unknown_registration", f"no application {registration_id}",
                                 status_hint=404)
    if not _covers(coordinator.scope, AuthorityDetails.model_validate(row.authority)):
        raise _out_of_scope()
    if row.status != "pending":
        raise LocalProtocolError("registration_decided", f"the application is {row.status}",
                                 params={"status": row.status}, status_hint=409)
    return row


def approve(session: Session, *, coordinator: CoordinatorActor, registration_id: str,
            now: dt.datetime) -> RegistrationDecision:
    with session.begin():
        row = _pending(session, coordinator, registration_id)
        decision = _register(session, details=AuthorityDetails.model_validate(row.authority),
                             administrator=AdministratorDetails.model_validate(row.administrator),
                             coordinator=coordinator, now=now)
        row.status, row.decided_at, row.decided_by = "approved", now, coordinator.user_id
        row.authority_id = decision.authority_id
    return decision.model_copy(update={"registration_id": registration_id})


def reject(session: Session, *, coordinator: CoordinatorActor, registration_id: str,
           reason: str, now: dt.datetime) -> RegistrationDecision:
    with session.begin():
        row = _pending(session, coordinator, registration_id)
        row.status, row.reason = "rejected", reason
        row.decided_at, row.decided_by = now, coordinator.user_id
        audit.record(session, at=now, actor=coordinator.user_id,
                     actor_authority_id=coordinator.authority_id, action="registration.reject",
                     target_kind="registration", target_id=row.id)
    return RegistrationDecision(registration_id=registration_id, status="rejected")


def register_authority(session: Session, *, coordinator: CoordinatorActor,
                       request: AuthorityRegistration, now: dt.datetime
                       ) -> RegistrationDecision:
    with session.begin():
        if not _covers(coordinator.scope, request.authority):
            raise _out_of_scope()
        _check_details(session, request.authority, request.administrator)
        return _register(session, details=request.authority,
                         administrator=request.administrator, coordinator=coordinator, now=now)


def register_dimic(session: Session, *, coordinator: CoordinatorActor,
                   request: DimicRegistration, now: dt.datetime) -> RegistrationDecision:
    """A DIMIC in the caller's scope. A DIMIC registers none; an SDIMIC only in its region."""
    scope = coordinator.scope
    details = request.authority
    region = request.region or None
    if scope.kind is CoordinatorKind.DIMIC or not covers(scope, details.member_state, region,
                                                          request.area):
        raise _out_of_scope()
    with session.begin():
        _check_details(session, details, request.administrator)
        if request.area is not None and session.get(LegislativeArea, request.area) is None:
            raise LocalProtocolError("unknown_area", f"no area {request.area}")
        return _register(session, details=details, administrator=request.administrator,
                         coordinator=coordinator, now=now, dimic=request)

