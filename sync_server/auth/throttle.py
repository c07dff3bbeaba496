"""Failed sign-ins, limited per user name and per client address (the ``limits`` library).

A moving window counts failures only: once a user name or an address has used its allowance,
further attempts are refused with ``429 too_many_attempts`` and ``Retry-After`` *before* any
password is hashed, so guessing costs the server nothing. A successful sign-in clears its user
name's count (an officer who mistyped twice is not held back), never the address's.

The counts live in ``limits`` storage: in this process's memory by default, which is right for
one instance. Several instances behind a load balancer share one storage, named by a ``limits``
storage URI in ``IMI_LOGIN_LIMITS_STORAGE`` (``redis://host:6379``, ``memcached://host:11211``).

Every failure is logged (user name as typed, address, time), never the password.
"""

import dataclasses
import logging
import math
import os
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from sync_protocol.errors import LocalProtocolError

log = logging.getLogger("imi.auth")

DEFAULT_PER_USER = "10 per 15 minutes"
DEFAULT_PER_ADDRESS = "50 per 15 minutes"
# Calls without an account besides signing in (applying to register an authority, asking how
# an application stands, activating an account), per address: every call counts.
DEFAULT_UNAUTHENTICATED = "20 per hour"


class TooManyAttempts(LocalProtocolError):
    """Sign-in refused before checking the password: too many failures lately."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too_many_attempts",
                         f"too many failed sign-ins: try again in {retry_after} seconds",
                         params={"retry_after": retry_after}, status_hint=429)
        self.headers = {"Retry-After": str(retry_after)}


class TooManyRegistrations(LocalProtocolError):
    """An unauthenticated registration call refused: this address made too many lately."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too_many_registrations",
                         f"too many registration calls: try again in {retry_after} seconds",
                         params={"retry_after": retry_after}, status_hint=429)
        self.headers = {"Retry-After": str(retry_after)}


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoginLimits:
    """How many failed sign-ins are allowed, in ``limits`` notation, and where they count."""

    per_user: str = DEFAULT_PER_USER
    per_address: str = DEFAULT_PER_ADDRESS
    unauthenticated: str = DEFAULT_UNAUTHENTICATED
    storage_uri: str = "memory://"
    # Refused sign-ins (429, 503) are answered after this pause: a client flooding without
    # heeding Retry-After then has its connections sitting idle instead of keeping the event
    # loop, which signed-in users' sync shares, busy.
    refusal_pause_s: float = 1.0

    @classmethod
    def from_environment(cls) -> "LoginLimits":
        env = os.environ
        return cls(per_user=env.get("IMI_LOGIN_LIMIT_PER_USER", DEFAULT_PER_USER),
                   per_address=env.get("IMI_LOGIN_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS),
                   unauthenticated=env.get("IMI_REGISTRATION_LIMIT_PER_ADDRESS",
                                           DEFAULT_UNAUTHENTICATED),
                   storage_uri=env.get("IMI_LOGIN_LIMITS_STORAGE", "memory://"),
                   refusal_pause_s=float(env.get("IMI_LOGIN_REFUSAL_PAUSE", "1")))


class LoginThrottle:
    """Counts failed sign-ins; blocking calls (a shared storage is a network round trip)."""

    def __init__(self, limits: LoginLimits) -> None:
        try:
            self._per_user: RateLimitItem = parse(limits.per_user)
            self._per_address: RateLimitItem = parse(limits.per_address)
            self._unauthenticated: RateLimitItem = parse(limits.unauthenticated)
        except ValueError as exc:
            raise ValueError(f"a sign-in limit is not in 'N per PERIOD' notation: {exc}") from None
        storage = storage_from_string(limits.storage_uri)
        self._limiter = MovingWindowRateLimiter(storage)
        # In-memory counts are microseconds away; any other storage is a network round trip,
        # to be made off the event loop.
        self.blocking = not isinstance(storage, MemoryStorage)
        self.refusal_pause_s = limits.refusal_pause_s

    def _keys(self, username: str, address: str) -> tuple[tuple[RateLimitItem, str, str], ...]:
        # Case-folded: "Weber" and "weber" are one guessing target.
        return ((self._per_user, "user", username.casefold()),
                (self._per_address, "address", address))

    def check(self, *, username: str, address: str) -> None:
        """Raise ``TooManyAttempts`` if the user name or the address has no attempt left."""
        waits = [
            self._limiter.get_window_stats(item, kind, key).reset_time - time.time()
            for item, kind, key in self._keys(username, address)
            if not self._limiter.test(item, kind, key)
        ]
        if waits:
            raise TooManyAttempts(max(1, math.ceil(max(waits))))

    def failed(self, *, username: str, address: str) -> None:
        # %r: a user name as typed may hold anything, line breaks included; never the password.
        log.warning("failed sign-in for user name %r from %s", username[:100], address)
        for item, kind, key in self._keys(username, address):
            self._limiter.hit(item, kind, key)

    def succeeded(self, *, username: str) -> None:
        self._limiter.clear(self._per_user, "user", username.casefold())

    def registration_call(self, *, address: str) -> None:
        """Count one unauthenticated registration call from ``address``; raise
        ``TooManyRegistrations`` when its allowance is used up."""
        if not self._limiter.hit(self._unauthenticated, "registration", address):
            stats = self._limiter.get_window_stats(self._unauthenticated, "registration",
                                                   address)
            raise TooManyRegistrations(max(1, math.ceil(stats.reset_time - time.time())))
