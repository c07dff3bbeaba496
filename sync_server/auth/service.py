"""Login and token checks. A token is bound to one user and one device.

A token stops working when it is revoked, when it has not been used for the idle period or is
older than the maximum age (``config.Settings``), and whenever its user or the user's
authority is deactivated. Each refusal is a 401 with its own code, so the client can say why
it asks its user to sign in again.
"""

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from sync_protocol.audiences import PUBLIC, authority_audience
from sync_protocol.errors import LocalProtocolError
from sync_protocol.messages import (
    LoginRequest,
    LoginResponse,
    NewDeviceRequest,
    NewDeviceResponse,
    UserInfo,
)
from sync_protocol.workflow import Actor
from sync_server.auth.hash_pool import HashPool
from sync_server.auth.models import Device, Token, User, UserArea
from sync_server.auth.passwords import DUMMY_HASH, new_token, token_digest, verify_password
from sync_server.auth.throttle import LoginThrottle
from sync_server.auth.token_cache import RENEWAL, TokenCache, Verified
from sync_server.directory.models import Authority


@dataclasses.dataclass(frozen=True, kw_only=True)
class Principal:
    """The caller, as the token says: never as the payload says."""

    user_id: str
    username: str
    display_name: str
    authority_id: str
    roles: frozenset[str]
    scope_version: int
    device_id: str
    # The user's legislative areas (``user_areas``); ``None`` when they have no rows: then the
    # user is not limited per area (``sync_protocol.workflow.Actor.areas``).
    areas: frozenset[str] | None = None

    @property
    def audiences(self) -> tuple[str, ...]:
        return (PUBLIC, authority_audience(self.authority_id))

    @property
    def actor(self) -> Actor:
        return Actor(
            user_id=self.user_id,
            user_name=self.display_name,
            authority_id=self.authority_id,
            roles=self.roles,
            areas=self.areas,
        )


# A token's last use is written at most this often: a sync check is not a database write.
RENEW_EVERY = dt.timedelta(hours=1)


def _unauthorised(message: str, code: str = "unauthorised") -> LocalProtocolError:
    return LocalProtocolError(code, message, status_hint=401)


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every time the server stores is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _deactivated(user: User, authority: Authority, status: int) -> LocalProtocolError | None:
    if not authority.active:
        return LocalProtocolError("authority_deactivated",
                                  "your authority's access to IMI is deactivated",
                                  status_hint=status)
    if not user.active:
        return LocalProtocolError("account_deactivated", "your IMI account is deactivated",
                                  status_hint=status)
    return None


T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class _Account:
    user_id: str
    password_hash: str


def _account(sessions: sessionmaker[Session], username: str) -> _Account | None:
    with sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        return _Account(user.id, user.password_hash) if user else None


async def login(*, sessions: sessionmaker[Session], throttle: LoginThrottle, hashes: HashPool,
                request: LoginRequest, address: str, now: dt.datetime) -> LoginResponse:
    """Check the password and issue a token for this device.

    The database runs on the request thread pool (and the failure counts too, when they live
    in a shared storage); the hash runs on ``hashes`` and holds neither a request thread nor
    a database connection.
    Refusals: ``too_many_attempts`` (429) before hashing when this user name or address failed
    too often, ``server_busy`` (503) when the hash pool is full, ``wrong_credentials`` (401, counted
    as a failure), ``account_deactivated``/``authority_deactivated`` (403, the password was
    right: not counted).
    """
    username = request.username

    async def blocking(work: Callable[[], T]) -> T:
        return await run_in_threadpool(work) if throttle.blocking else work()

    # The cheap refusals first: a flood is answered without a thread hop or a query.
    await blocking(partial(throttle.check, username=username, address=address))
    hashes.check_room()
    account = await run_in_threadpool(_account, sessions, username)
    # A user name nobody has is checked against a dummy hash: the answer takes as long, so a
    # caller cannot learn which user names exist.
    password_ok = await hashes.run(verify_password,
                                   account.password_hash if account else DUMMY_HASH,
                                   request.password)
    if account is None or not password_ok:
        await blocking(partial(throttle.failed, username=username, address=address))
        raise LocalProtocolError("wrong_credentials", "unknown user name or wrong password",
                                 status_hint=401)
    response = await run_in_threadpool(_issue_token, sessions, account.user_id, request, now)
    await blocking(partial(throttle.succeeded, username=username))
    return response


def _issue_token(sessions: sessionmaker[Session], user_id: str, request: LoginRequest,
                 now: dt.datetime) -> LoginResponse:
    with sessions.begin() as session:
        user = session.get_one(User, user_id)
        authority = session.get_one(Authority, user.authority_id)
        refused = _deactivated(user, authority, 403)
        if refused is not None:
            raise refused
        device = session.get(Device, request.device_id)
        if device is None:
            device = Device(id=request.device_id, user_id=user.id, name=request.device_name,
                            last_mutation_id=0, created_at=now)
            session.add(device)
        elif device.user_id != user.id:
            raise LocalProtocolError(
                "device_in_use", "this device is registered to another user", status_hint=403
            )
        token = new_token()
        session.add(
            Token(token_hash=token_digest(token), user_id=user.id, device_id=device.id,
                  created_at=now, last_used_at=now)
        )
        info = UserInfo(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            authority_id=authority.id,
            authority_name=authority.official_name,
            member_state=authority.member_state,
            roles=tuple(user.roles),
            language=user.language,
        )
    return LoginResponse(token=token, user=info)


def register_device(*, session: Session, principal: Principal, request: NewDeviceRequest,
                    now: dt.datetime) -> NewDeviceResponse:
    """A new device for the caller's user, with a token bound to it.

    For a profile that finds its device id used by another copy of itself
    (``mutation_id_reused``): the caller proves who it is with its current token (checked like
    any other call: active, not expired, not revoked), as a sign-in does with the password. The
    old token keeps working for the old device, which the other copy still uses.
    """
    with session.begin():
        device = Device(id=uuid.uuid4().hex, user_id=principal.user_id,
                        name=request.device_name, last_mutation_id=0, created_at=now)
        session.add(device)
        session.flush()
        token = new_token()
        session.add(Token(token_hash=token_digest(token), user_id=principal.user_id,
                          device_id=device.id, created_at=now, last_used_at=now))
    return NewDeviceResponse(device_id=device.id, token=token)


def authenticate(*, session: Session, token: str, now: dt.datetime, idle: dt.timedelta,
                 max_age: dt.timedelta, cache: TokenCache | None = None,
                 auth_version: int | None = None) -> Principal:
    """The caller a token names, or a 401 refusal saying why not.

    With a ``cache`` and the ``auth_version`` read from the server state at the start of this
    request (``auth.token_cache``): a token verified under the same version, recently, is not
    looked up again; its idle and age limits are still checked.
    """
    digest = token_digest(token)
    if cache is not None and auth_version is not None:
        hit = cached_principal(cache=cache, digest=digest, now=now, idle=idle,
                               max_age=max_age, auth_version=auth_version)
        if hit is not None:
            return hit
    row = session.execute(
        select(Token, User, Authority)
        .join(User, User.id == Token.user_id)
        .join(Authority, Authority.id == User.authority_id)
        .where(Token.token_hash == digest)
    ).first()
    if row is None:
        raise _unauthorised("the session token is not valid: sign in again")
    tok, user, authority = row
    if tok.revoked:
        raise _unauthorised("the session token was revoked: sign in again", "token_revoked")
    refused = _deactivated(user, authority, 401)
    if refused is not None:
        raise refused
    last_used, created = _utc(tok.last_used_at), _utc(tok.created_at)
    if _expired(created, last_used, now, idle, max_age):
        raise _unauthorised("the session token has expired: sign in again", "token_expired")
    if now - last_used > RENEW_EVERY:
        session.execute(update(Token).where(Token.token_hash == digest)
                        .values(last_used_at=now).execution_options(**{RENEWAL: True}))
        session.commit()
        last_used = now
    principal = Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        authority_id=user.authority_id,
        roles=frozenset(user.roles),
        scope_version=user.scope_version,
        device_id=tok.device_id,
        areas=user_areas(session, user.id),
    )
    if cache is not None and auth_version is not None:
        cache.put(digest, auth_version, Verified(principal=principal, created_at=created,
                                                 last_used_at=last_used))
    return principal


def cached_principal(*, cache: TokenCache, digest: str, now: dt.datetime, idle: dt.timedelta,
                     max_age: dt.timedelta, auth_version: int) -> Principal | None:
    """The principal of a token verified recently under ``auth_version``, or None: then
    ``authenticate`` looks it up. No database: the event loop may call it."""
    hit = cache.get(digest, auth_version)
    if hit is None or _expired(hit.created_at, hit.last_used_at, now, idle, max_age) \
            or now - hit.last_used_at > RENEW_EVERY:
        return None
    principal: Principal = hit.principal
    return principal


def user_areas(session: Session, user_id: str) -> frozenset[str] | None:
    """The user's legislative areas, or ``None`` when no area rows limit them."""
    areas = frozenset(session.scalars(select(UserArea.area).where(UserArea.user_id == user_id)))
    return areas or None


def _expired(created: dt.datetime, last_used: dt.datetime, now: dt.datetime,
             idle: dt.timedelta, max_age: dt.timedelta) -> bool:
    return now - last_used > idle or now - created > max_age
