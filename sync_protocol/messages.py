"""Wire messages: one definition each, used by the server as its models and by the client.

Messages are small frozen values that validate themselves when built. Every request message
carries ``protocol_version``; a peer on another version is refused with
``unsupported_protocol_version`` rather than misunderstood.
"""

import datetime as dt
import hashlib
import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from sync_protocol import version
from sync_protocol.bounds import Int32, MutationId, Timestamp, Version
from sync_protocol.frozen import Frozen
from sync_protocol.mutations import MUTATIONS
from sync_protocol.text import Label, UserName

MAX_MUTATIONS_PER_PUSH = 100
MAX_PULL_LIMIT = 2000
DEFAULT_PULL_LIMIT = 500
WAIT_SECONDS = 25.0

DeviceIdStr = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class Message(Frozen):
    """Base of every wire message."""


class Versioned(Message):
    # The schema names the accepted versions (this one and the one before, see ``version``);
    # the validator answers any other with the ``unsupported_protocol_version`` code rather
    # than a generic "invalid" one.
    protocol_version: int = Field(json_schema_extra={"enum": list(version.accepted_versions())})

    @field_validator("protocol_version")
    @classmethod
    def _supported(cls, value: int) -> int:
        accepted = version.accepted_versions()
        if value not in accepted:
            # The server maps this message to the ``unsupported_protocol_version`` code.
            raise ValueError(
                f"unsupported protocol version {value}; this peer accepts "
                f"{accepted.start} to {accepted.stop - 1}"
            )
        return value


class ErrorBody(Message):
    """Every 4xx/5xx answer: a code of ``sync_protocol.errors.CODES`` with its parameters,
    which the client renders in its user's language, and an English sentence for logs."""

    code: str
    message: str
    params: dict[str, str | int] = Field(default_factory=dict)
    expected_mutation_id: int | None = None
    # The mutation the error is about (``mutation_id_reused``): the ones before it were
    # applied or replayed in the same push.
    mutation_id: int | None = None


# Every answer of a server names the kind of system it is, so a client can check each one:
# a training profile never talks to a production server, nor the other way round.
SYSTEM_HEADER = "X-IMI-System"
TRAINING_SYSTEM, PRODUCTION_SYSTEM = "training", "production"


class Meta(Message):
    """``training`` is true on a practice system (``imi-server init --training``).

    A newer server may tell more about itself; an older client reads what it knows.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    protocol_version: int
    oldest_protocol_version: int = version.FIRST_PROTOCOL_VERSION
    server_time: dt.datetime
    server_epoch: str
    training: bool = False


class LoginRequest(Versioned):
    username: UserName
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    device_id: DeviceIdStr
    device_name: Label = ""


class UserInfo(Message):
    user_id: str
    username: str
    display_name: str
    authority_id: str
    authority_name: str
    member_state: str
    roles: tuple[str, ...]
    language: str


class LoginResponse(Message):
    token: str
    user: UserInfo


class NewDeviceRequest(Versioned):
    """Register another device for the signed-in user (a copied or restored profile)."""

    device_name: Annotated[str, StringConstraints(max_length=200)] = ""


class NewDeviceResponse(Message):
    """The new device's id and a token bound to it; the old token stays with the old device."""

    device_id: DeviceIdStr
    token: str


class MutationIn(Message):
    mutation_id: MutationId
    # The schema lists the names this revision knows; another name is refused as a whole
    # push with ``unknown_mutation`` (a client of a newer revision), never half-applied.
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_.]{0,63}$"),
                    Field(json_schema_extra={"enum": sorted(MUTATIONS)})]
    args: dict[str, Any]
    base_version: Version | None = None
    created_at: Timestamp


def mutation_digest(mutation: MutationIn) -> str:
    """SHA-256 of a mutation's content (name, arguments, base version, time), hex.

    A retry of the same step has the same digest; another step sent under the same id (a
    restored or copied profile) has another one.
    """
    content = json.dumps(mutation.model_dump(mode="json", exclude={"mutation_id"}),
                         sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


class PushRequest(Versioned):
    device_id: DeviceIdStr
    mutations: tuple[MutationIn, ...] = Field(min_length=1, max_length=MAX_MUTATIONS_PER_PUSH)

    @field_validator("mutations")
    @classmethod
    def _consecutive(cls, value: tuple[MutationIn, ...]) -> tuple[MutationIn, ...]:
        ids = [m.mutation_id for m in value]
        if ids != list(range(ids[0], ids[0] + len(ids))):
            raise ValueError("mutation ids in one push must be consecutive")
        return value


class EntityKind(StrEnum):
    CASE = "case"
    AUTHORITY = "authority"
    MEMBER_STATE = "member_state"
    AREA = "area"
    QUESTION_SET = "question_set"
    NOTICE = "notice"  # ``sync_protocol.notices.CaseNotice``: time-driven news about a case
    TRANSLATION = "translation"
    COMPETENCE = "competence"
    # The configurable organisation (``sync_protocol.organisation``).
    COORDINATOR = "coordinator"
    APPROVAL_RULE = "approval_rule"
    AUTHORITY_MODE = "authority_mode"
    # A user of the caller's own authority (``sync_protocol.colleagues.Colleague``).
    COLLEAGUE = "colleague"


class Change(Message):
    """An entity's current state, or a tombstone (``data`` is None) telling a replica to drop it.

    A tombstone with ``reason`` "revoked" means the caller lost sight of the entity (need to
    know): the replica deletes its local copy, offline copies included.
    """

    # A kind this peer does not know (a newer server's) stays a plain string: the client
    # keeps it and ignores it, instead of failing the whole page.
    kind: Annotated[EntityKind | Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")],
                    Field(union_mode="left_to_right")]
    id: str
    version: int
    data: dict[str, Any] | None
    reason: Literal["deleted", "revoked"] | None = None


class MutationResult(Message):
    mutation_id: int
    status: Literal["applied", "rejected"]
    code: str | None = None
    params: dict[str, str | int] = Field(default_factory=dict)
    message: str | None = None
    replayed: bool = False
    change: Change | None = None


class PushResponse(Message):
    last_mutation_id: int
    results: tuple[MutationResult, ...]


class PullQuery(Message):
    """``GET /v1/sync/pull``'s query: an unknown parameter is refused, not ignored."""

    cursor: str = ""  # opaque; anything but a cursor this server signed is ``invalid_cursor``
    limit: int = Field(default=DEFAULT_PULL_LIMIT, ge=1, le=MAX_PULL_LIMIT)
    # The client's version (clients before it did not send one: version 1). Any integer is
    # read, so that one the server does not speak is answered ``unsupported_protocol_version``.
    protocol_version: Int32 | None = None


class WaitQuery(Message):
    """``GET /v1/sync/wait``'s query: at most ``WAIT_SECONDS`` of waiting."""

    cursor: str = ""
    timeout: float = Field(default=WAIT_SECONDS, ge=0, le=WAIT_SECONDS)
    protocol_version: Int32 | None = None  # as in ``PullQuery``


class PullResponse(Message):
    changes: tuple[Change, ...]
    cursor: str
    has_more: bool


class WaitResponse(Message):
    changed: bool
