"""Setting up a profile (needs the server once) and opening it (never needs the server)."""

import platform
import uuid
from pathlib import Path

from desktop.models import profile as profiles
from desktop.models.profile import Profile
from desktop.models.replica import Replica
from desktop.models.transport import Transport


def set_up(path: Path, *, server_url: str, username: str, password: str,
           passphrase: str) -> tuple[Profile, bytes, Replica]:
    """Sign in once and create the encrypted replica. Raises ``Offline``/``ServerRefused``
    before anything is written, ``ProfileError`` for a bad passphrase or an existing profile."""
    if len(passphrase) < 8:
        raise profiles.ProfileError("the passphrase must have at least 8 characters")
    if profiles.exists(path):
        raise profiles.ProfileError(f"there is already a profile in {path}")
    transport = Transport(server_url)
    try:
        transport.meta()  # fails fast and clearly on a wrong address
        device_id = uuid.uuid4().hex
        login = transport.login(username=username, password=password, device_id=device_id,
                                device_name=platform.node()[:200])
    finally:
        transport.close()
    profile, key = profiles.create(path, server_url=server_url, username=username,
                                   passphrase=passphrase, device_id=device_id)
    replica = Replica.open(profile.replica_path, key)
    with replica.transaction():
        replica.set_meta("user", login.user.model_dump(mode="json"))
        replica.set_meta("token", login.token)
    return profile, key, replica


def open_profile(path: Path, passphrase: str) -> tuple[Profile, Replica]:
    """Unlock with the passphrase alone: works with no server. ``WrongPassphrase`` otherwise."""
    profile, key = profiles.unlock(path, passphrase)
    return profile, Replica.open(profile.replica_path, key)
