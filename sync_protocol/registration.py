"""Registering authorities and administering their users: the wire messages and the rules.

Who may do what (the server enforces it from the token; the client shows only what applies):

* anybody, without an account, may **apply** to register an authority (``SelfRegistration``);
  the application waits for a coordinator whose scope covers the authority, who **approves**
  or **rejects** it with a reason the applicant is told (``RegistrationStatus``, asked with
  the application's secret ``reference``);
* a **coordinator** (role ``coordinator`` in a coordinator authority) **registers** an
  authority within its scope at once, and an SDIMIC (or a NIMIC, or the Commission) registers
  a **DIMIC** within its own scope;
* an authority's **local data administrator** creates, changes (roles and legislative areas)
  and deactivates its users, and resets their passwords.

No password is ever chosen for somebody else: creating an account (the first administrator of
an approved authority, a new user) or resetting a password gives a one-time **activation
code**, which the coordinator or the administrator hands over; the user then sets their own
password with it (``Activation``). The code is valid for ``ACTIVATION_DAYS`` and only once.
"""

import datetime as dt
from typing import Annotated, Final, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from sync_protocol.catalogue import Code, LegislativeArea
from sync_protocol.messages import Message, Versioned
from sync_protocol.text import FreeText, Label, Name, UserName

RegistrationStatusName = Literal["pending", "approved", "rejected"]
Level = Literal["national", "regional", "local"]
LEVELS: Final[tuple[Level, ...]] = ("national", "regional", "local")

LOCAL_DATA_ADMINISTRATOR: Final = "local_data_administrator"
COORDINATOR: Final = "coordinator"
# The roles a local data administrator hands out; ``coordinator`` only in a coordinator
# authority (``assignable_roles``).
AUTHORITY_ROLES: Final = ("request_handler", "allocator", "referral_handler",
                          LOCAL_DATA_ADMINISTRATOR)
# The roles whose work is per legislative area: a user with one of them needs at least one.
AREA_ROLES: Final = frozenset({"request_handler", "allocator", "referral_handler"})

ACTIVATION_DAYS: Final = 14
MIN_PASSWORD_LENGTH: Final = 12

MemberState = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50,
                                         pattern=r"^[0-9+()/. -]*$")]
Reference = Annotated[str, StringConstraints(min_length=16, max_length=64,
                                             pattern=r"^[A-Za-z0-9_-]+$")]
Password = Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=1000)]
ActivationCode = Annotated[str, StringConstraints(min_length=8, max_length=100)]
Role = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]


def assignable_roles(*, coordinator_authority: bool) -> tuple[str, ...]:
    """The roles an authority's administrator may give its users."""
    return AUTHORITY_ROLES + ((COORDINATOR,) if coordinator_authority else ())


def rights_problem(roles: tuple[str, ...], areas: tuple[str, ...], *,
                   coordinator_authority: bool) -> str | None:
    """The code of what is wrong with these roles and areas for one user, or None."""
    if not roles or set(roles) - set(assignable_roles(coordinator_authority=coordinator_authority)):
        return "invalid_role"
    if set(roles) & AREA_ROLES and not areas:
        return "areas_required"
    return None


class AuthorityDetails(Message):
    """What the directory needs of an authority that registers."""

    official_name: Name
    member_state: MemberState
    region: Label = ""
    level: Level = "national"
    city: Label = ""
    email: Email
    phone: Phone = ""
    areas: tuple[Code, ...] = Field(min_length=1, max_length=50)

    @field_validator("areas")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("names an area twice")
        return value


class AdministratorDetails(Message):
    """The authority's first local data administrator (who will set their own password)."""

    username: UserName
    display_name: Name
    language: Language


class AreaChoices(Message):
    """The legislative areas an applicant may name (``GET /v1/registrations/areas``)."""

    areas: tuple[LegislativeArea, ...]


class SelfRegistration(Versioned):
    """An authority applies, with no account yet (``POST /v1/registrations``)."""

    authority: AuthorityDetails
    administrator: AdministratorDetails


class RegistrationReceipt(Message):
    """The applicant's receipt: keep ``reference`` to ask for the decision (it is secret)."""

    reference: Reference
    status: RegistrationStatusName


class StatusQuery(Versioned):
    reference: Reference


class RegistrationStatus(Message):
    """How an application stands; a rejection says why."""

    status: RegistrationStatusName
    reason: str = ""
    authority_id: str | None = None


class Registration(Message):
    """One application in a coordinator's queue."""

    id: str
    authority: AuthorityDetails
    administrator: AdministratorDetails
    status: RegistrationStatusName
    reason: str = ""
    submitted_at: dt.datetime
    coordinator_id: str


class RegistrationQueue(Message):
    registrations: tuple[Registration, ...]


class Rejection(Message):
    reason: FreeText = Field(max_length=2000)


class ActivationCodeGiven(Message):
    """A one-time activation code for ``username``, shown once to who created it."""

    user_id: str
    username: str
    code: str
    expires_at: dt.datetime


class RegistrationDecision(Message):
    """An approval (with the authority and its first administrator's code) or a rejection."""

    registration_id: str | None = None
    status: RegistrationStatusName
    authority_id: str | None = None
    activation: ActivationCodeGiven | None = None


class AuthorityRegistration(Message):
    """A coordinator registers an authority in its scope (``POST /v1/registration/...``)."""

    authority: AuthorityDetails
    administrator: AdministratorDetails


class DimicRegistration(Message):
    """A coordinator registers a delegated coordinator (DIMIC) in its scope, for a region
    and/or a legislative area."""

    authority: AuthorityDetails
    administrator: AdministratorDetails
    region: Label = ""
    area: Code | None = None

    @model_validator(mode="after")
    def _delegated(self) -> "DimicRegistration":
        if not self.region and self.area is None:
            raise ValueError("a DIMIC coordinates a region or a legislative area: name one")
        return self


class NewUser(Message):
    username: UserName
    display_name: Name
    language: Language
    roles: tuple[Role, ...] = Field(min_length=1, max_length=10)
    areas: tuple[Code, ...] = Field(default=(), max_length=50)


class UserRights(Message):
    roles: tuple[Role, ...] = Field(min_length=1, max_length=10)
    areas: tuple[Code, ...] = Field(default=(), max_length=50)


class UserSummary(Message):
    id: str
    username: str
    display_name: str
    language: str
    roles: tuple[str, ...]
    areas: tuple[str, ...]
    active: bool
    activation_pending: bool


class UserList(Message):
    """An authority's users, for its administrator; ``roles`` are those they may hand out."""

    authority_id: str
    users: tuple[UserSummary, ...]
    roles: tuple[str, ...]
    areas: tuple[str, ...]


class Activation(Versioned):
    """A user sets their own password with the one-time code (``POST /v1/auth/activate``)."""

    username: UserName
    code: ActivationCode
    password: Password
