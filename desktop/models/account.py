"""Setting up a profile: the one step that needs the server (opening it never does)."""

import platform
import uuid
from collections.abc import Callable
from pathlib import Path

from desktop.models import profile as profiles
from desktop.models.profile import Profile
from desktop.models.replica import Replica
from desktop.models.transport import Transport


class Cancelled(Exception):
    """The user cancelled the set-up before anything was written."""


def set_up(path: Path, *, server_url: str, username: str, password: str, passphrase: str,
           progress: Callable[[str], None] | None = None,
           proceed: Callable[[], bool] | None = None) -> tuple[Profile, bytes, Replica]:
    """Sign in once and create the encrypted replica. Raises ``Offline``/``ServerRefused``
    before anything is written, ``ProfileError`` for a bad passphrase or an existing profile.

    ``progress`` hears each stage ("connecting", "signing_in", "creating"); when ``proceed``
    says no after signing in, ``Cancelled`` is raised and nothing is written.
    """
    report = progress or (lambda _stage: None)
    profiles.check_new(path, passphrase)
    transport = Transport(server_url)
    try:
        report("connecting")
        transport.meta()  # fails fast and clearly on a wrong address
        device_id = uuid.uuid4().hex
        report("signing_in")
        login = transport.login(username=username, password=password, device_id=device_id,
                                device_name=platform.node()[:200])
    finally:
        transport.close()
    if proceed is not None and not proceed():
        raise Cancelled
    report("creating")
    profile, key = profiles.create(path, server_url=server_url, username=username,
                                   passphrase=passphrase, device_id=device_id)
    replica = Replica.open(profile.replica_path, key)
    with replica.transaction():
        replica.set_meta("user", login.user.model_dump(mode="json"))
        replica.set_meta("token", login.token)
    return profile, key, replica

