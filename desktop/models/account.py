"""Setting up a profile, and signing in again: the only steps that need the password.

Opening a profile never needs the server. The token a sign-in returns is kept in the
replica; when the server stops accepting it (expired, revoked), ``sign_in`` on the same
device gets a new one and ``save_sign_in`` stores it, touching nothing else (the outbox, the
cursor and the mutation ids stay as they are).
"""

import functools
import platform
import uuid
from collections.abc import Callable
from pathlib import Path

from desktop.models import profile as profiles
from desktop.models import server_address
from desktop.models.profile import IncompleteProfile, Profile
from desktop.models.replica import Replica
from desktop.models.transport import Connection, Transport
from sync_protocol.messages import LoginResponse


class Cancelled(Exception):
    """The user cancelled the set-up before anything was written."""


def set_up(path: Path, *, server_url: str, username: str, password: str,
           passphrase: str, training: bool = False, connection: Connection | None = None,
           progress: Callable[[str], None] | None = None,
           proceed: Callable[[], bool] | None = None) -> tuple[Profile, bytes, Replica]:
    """Sign in once and create the encrypted replica. Raises ``Offline``/``ServerRefused``
    before anything is written, ``ProfileError`` for a bad passphrase or an existing profile,
    ``NotAServerAddress``/``InsecureServerAddress`` for an address it may not use.

    ``training`` is the kind of profile wanted: a server of the other kind is refused
    (``WrongSystem``) before signing in, so training and production never mix.
    ``progress`` hears each stage ("connecting", "signing_in", "creating"); when ``proceed``
    says no after signing in, ``Cancelled`` is raised and nothing is written.
    """
    server_address.check(server_url)
    report = progress or (lambda _stage: None)
    profiles.check_new(path, passphrase)
    transport = Transport(server_url, connection=connection, training=training)
    try:
        report("connecting")
        transport.meta()  # fails fast and clearly on a wrong address or the wrong system
        device_id = uuid.uuid4().hex
        report("signing_in")
        login = sign_in(transport, username=username, password=password, device_id=device_id)
    finally:
        transport.close()
    if proceed is not None and not proceed():
        raise Cancelled
    report("creating")
    profile, key = create_signed_in(path, server_url=server_url, username=username,
                                    passphrase=passphrase, device_id=device_id, login=login,
                                    training=training)
    return profile, key, Replica.open(profile.replica_path, key)


def sign_in(transport: Transport, *, username: str, password: str,
            device_id: str) -> LoginResponse:
    """Sign this device in; ``transport`` uses the new token from now on."""
    return transport.login(username=username, password=password, device_id=device_id,
                           device_name=platform.node()[:200])


def save_sign_in(replica: Replica, login: LoginResponse) -> None:
    """Keep a new sign-in (after the server refused the old token): nothing else changes."""
    with replica.transaction():
        _fill(replica, login)


def create_signed_in(path: Path, *, server_url: str, username: str, passphrase: str,
                     device_id: str, login: LoginResponse,
                     training: bool = False) -> tuple[Profile, bytes]:
    """The writing half of ``set_up``: a replica holding the sign-in, then the profile."""
    return profiles.create(path, server_url=server_url, username=username,
                           passphrase=passphrase, device_id=device_id,
                           fill=functools.partial(_fill, login=login),
                           training=training)


def _fill(replica: Replica, login: LoginResponse) -> None:
    replica.set_meta("user", login.user.model_dump(mode="json"))
    replica.set_meta("token", login.token)


def unlock(path: Path, passphrase: str) -> tuple[Profile, bytes]:
    """``profile.unlock``, and ``IncompleteProfile`` if its replica never got the sign-in
    (set-up of an earlier version interrupted between its steps)."""
    profile, key = profiles.unlock(path, passphrase)
    if not profile.replica_path.exists():
        raise IncompleteProfile()
    replica = Replica.open(profile.replica_path, key)
    try:
        signed_in = replica.user() is not None and replica.get_meta("token") is not None
    finally:
        replica.close()
    if not signed_in:
        raise IncompleteProfile()
    return profile, key
