"""Registration and user administration, as calls to the server. No Qt; run on a network lane.

These are online actions (unlike case steps, they are not queued): a coordinator decides an
application, an administrator changes a user, and the server answers at once or refuses with
a code (``ServerRefused``), which the window explains (``desktop.refusals``). Without an
account, ``apply``, ``status`` and ``activate`` need only the server's address.
"""

from desktop.models.transport import Transport
from sync_protocol import version
from sync_protocol.accounts import AccountState
from sync_protocol.registration import (
    Activation,
    ActivationCodeGiven,
    AdministratorDetails,
    AreaChoices,
    AuthorityDetails,
    AuthorityRegistration,
    NewUser,
    RegistrationDecision,
    RegistrationQueue,
    RegistrationReceipt,
    RegistrationStatus,
    Rejection,
    SelfRegistration,
    StatusQuery,
    UserList,
    UserRights,
    UserSummary,
)

V = version.PROTOCOL_VERSION


def area_choices(transport: Transport) -> AreaChoices:
    return transport.call("GET", "/v1/registrations/areas", AreaChoices)


def apply(transport: Transport, *, authority: AuthorityDetails,
          administrator: AdministratorDetails) -> RegistrationReceipt:
    body = SelfRegistration(protocol_version=V, authority=authority, administrator=administrator)
    return transport.call("POST", "/v1/registrations", RegistrationReceipt, body=body)


def status(transport: Transport, *, reference: str) -> RegistrationStatus:
    return transport.call("POST", "/v1/registrations/status", RegistrationStatus,
                          body=StatusQuery(protocol_version=V, reference=reference))


def activate(transport: Transport, *, username: str, code: str, password: str) -> AccountState:
    body = Activation(protocol_version=V, username=username, code=code, password=password)
    return transport.call("POST", "/v1/auth/activate", AccountState, body=body)


def queue(transport: Transport) -> RegistrationQueue:
    return transport.call("GET", "/v1/coordination/registrations", RegistrationQueue)


def approve(transport: Transport, registration_id: str) -> RegistrationDecision:
    return transport.call("POST", f"/v1/coordination/registrations/{registration_id}/approve",
                          RegistrationDecision)


def reject(transport: Transport, registration_id: str, reason: str) -> RegistrationDecision:
    return transport.call("POST", f"/v1/coordination/registrations/{registration_id}/reject",
                          RegistrationDecision, body=Rejection(reason=reason))


def register_authority(transport: Transport, *, authority: AuthorityDetails,
                       administrator: AdministratorDetails) -> RegistrationDecision:
    body = AuthorityRegistration(authority=authority, administrator=administrator)
    return transport.call("POST", "/v1/coordination/authorities", RegistrationDecision,
                          body=body)


def users(transport: Transport) -> UserList:
    return transport.call("GET", "/v1/admin/users", UserList)


def create_user(transport: Transport, user: NewUser) -> ActivationCodeGiven:
    return transport.call("POST", "/v1/admin/users", ActivationCodeGiven, body=user)


def set_rights(transport: Transport, user_id: str, rights: UserRights) -> UserSummary:
    return transport.call("PUT", f"/v1/admin/users/{user_id}/rights", UserSummary, body=rights)


def reset_password(transport: Transport, user_id: str) -> ActivationCodeGiven:
    return transport.call("POST", f"/v1/admin/users/{user_id}/reset-password",
                          ActivationCodeGiven)


def set_active(transport: Transport, user_id: str, active: bool) -> AccountState:
    action = "reactivate" if active else "deactivate"
    return transport.call("POST", f"/v1/admin/users/{user_id}/{action}", AccountState)
