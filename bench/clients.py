"""Headless clients, built as the desktop app builds them (see tests/conftest.py)."""

import dataclasses
from pathlib import Path

from desktop.models import account
from desktop.models.db_lane import DatabaseLane
from desktop.models.profile import Profile
from desktop.models.replica import Replica
from desktop.models.sync_engine import SyncEngine
from desktop.models.transport import Transport

PASSPHRASE = "correct horse battery"


@dataclasses.dataclass(frozen=True)
class Server:
    url: str
    password: str  # the demo users' password


@dataclasses.dataclass
class Client:
    profile: Profile
    replica: Replica  # this thread's own connection, for reading what arrived
    engine: SyncEngine
    lane: DatabaseLane

    def close(self) -> None:
        self.engine.transport.close()
        self.lane.close()
        self.replica.close()


def make_client(server: Server, username: str, path: Path) -> Client:
    """A new profile with an empty replica (signs in once; nothing pulled yet).

    Like the desktop client, it writes through a database thread of its own, so pulling the
    next page overlaps applying the last one.
    """
    profile, key, replica = account.set_up(path, server_url=server.url, username=username,
                                            password=server.password, passphrase=PASSPHRASE)
    transport = Transport(server.url, token=replica.get_meta("token"))
    lane = DatabaseLane(profile.replica_path, key)
    engine = SyncEngine(transport=transport, device_id=profile.device_id, db=lane)
    return Client(profile=profile, replica=replica, engine=engine, lane=lane)
