"""Registration routes. Thin: every one authorised, from the token or, without one, limited.

Without an account (each call counted per address, ``429 too_many_registrations`` beyond the
allowance): applying to register an authority, asking how an application stands, and setting
one's password with an activation code (which also counts as a failed sign-in when the code is
wrong, like a wrong password). With a coordinator's token: the queue of applications in the
coordinator's scope, approving and rejecting them, registering an authority or a DIMIC.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from sync_protocol.accounts import AccountState
from sync_protocol.audiences import PUBLIC
from sync_protocol.errors import LocalProtocolError
from sync_protocol.registration import (
    Activation,
    AreaChoices,
    AuthorityRegistration,
    DimicRegistration,
    RegistrationDecision,
    RegistrationQueue,
    RegistrationReceipt,
    RegistrationStatus,
    Rejection,
    SelfRegistration,
    StatusQuery,
)
from sync_server.auth import activation
from sync_server.deps import ERROR_RESPONSES, ContextDep, CurrentPrincipal, SessionDep, utcnow
from sync_server.registration import service
from sync_server.registration.service import CoordinatorActor

router = APIRouter(prefix="/v1", tags=["registration"])
_errors: dict[int | str, dict[str, object]] = {**ERROR_RESPONSES, 404: ERROR_RESPONSES[400],
                                               429: ERROR_RESPONSES[400]}


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limited(request: Request, context: ContextDep) -> None:
    """Counts one unauthenticated call of this address; refuses beyond the allowance."""
    context.throttle.registration_call(address=_address(request))


Limited = Depends(_limited)


def _coordinator(principal: CurrentPrincipal, session: SessionDep) -> CoordinatorActor:
    return service.coordinator_of(session, principal)


CoordinatorDep = Annotated[CoordinatorActor, Depends(_coordinator)]


@router.get("/registrations/areas", responses=_errors, dependencies=[Limited])
def areas(session: SessionDep) -> AreaChoices:
    return service.area_choices(session)


@router.post("/registrations", responses=_errors, dependencies=[Limited])
def apply(body: SelfRegistration, session: SessionDep) -> RegistrationReceipt:
    return service.apply(session, request=body, now=utcnow())


@router.post("/registrations/status", responses=_errors, dependencies=[Limited])
def status(body: StatusQuery, session: SessionDep) -> RegistrationStatus:
    return service.status(session, reference=body.reference)


@router.post("/auth/activate", responses=_errors, dependencies=[Limited])
def activate(body: Activation, request: Request, context: ContextDep,
             session: SessionDep) -> AccountState:
    address = _address(request)
    context.throttle.check(username=body.username, address=address)
    try:
        user_id = activation.activate(session, request=body, now=utcnow())
    except LocalProtocolError:
        context.throttle.failed(username=body.username, address=address)
        raise
    return AccountState(kind="user", id=user_id, active=True)


@router.get("/coordination/registrations", responses=_errors)
def registration_queue(coordinator: CoordinatorDep, session: SessionDep) -> RegistrationQueue:
    return service.queue(session, coordinator=coordinator)


@router.post("/coordination/registrations/{registration_id}/approve", responses=_errors)
def approve(registration_id: str, coordinator: CoordinatorDep, session: SessionDep,
            context: ContextDep) -> RegistrationDecision:
    decision = service.approve(session, coordinator=coordinator,
                               registration_id=registration_id, now=utcnow())
    context.notifier.notify((PUBLIC,))
    return decision


@router.post("/coordination/registrations/{registration_id}/reject", responses=_errors)
def reject(registration_id: str, body: Rejection, coordinator: CoordinatorDep,
           session: SessionDep) -> RegistrationDecision:
    return service.reject(session, coordinator=coordinator, registration_id=registration_id,
                          reason=body.reason, now=utcnow())


@router.post("/coordination/authorities", responses=_errors)
def register_authority(body: AuthorityRegistration, coordinator: CoordinatorDep,
                       session: SessionDep, context: ContextDep) -> RegistrationDecision:
    decision = service.register_authority(session, coordinator=coordinator, request=body,
                                          now=utcnow())
    context.notifier.notify((PUBLIC,))
    return decision


@router.post("/coordination/dimics", responses=_errors)
def register_dimic(body: DimicRegistration, coordinator: CoordinatorDep,
                   session: SessionDep, context: ContextDep) -> RegistrationDecision:
    decision = service.register_dimic(session, coordinator=coordinator, request=body,
                                      now=utcnow())
    context.notifier.notify((PUBLIC,))
    return decision
