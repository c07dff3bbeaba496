"""Setting up a profile: the one step that needs the server (opening it never does)."""

import platform
import uuid
from pathlib import Path

from desktop.models import profile as profiles
from desktop.models import server_address
from desktop.models.profile import Profile
from desktop.models.replica import Replica
from desktop.models.transport import Transport


def set_up(path: Path, *, server_url: str, username: str, password: str,
           passphrase: str) -> tuple[Profile, bytes, Replica]:
    """Sign in once and create the encrypted replica. Raises ``Offline``/``ServerRefused``
    before anything is written, ``ProfileError`` for a bad passphrase or an existing profile,
    ``NotAServerAddress``/``InsecureServerAddress`` for an address it may not use."""
    server_address.check(server_url)
    profiles.check_new(path, passphrase)
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

