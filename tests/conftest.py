"""Shared fixtures: a real sync server process on 127.0.0.1, and headless clients for it."""

import contextlib
import dataclasses
import fcntl
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pytestqt.qtbot import QtBot

from desktop import local_server
from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.local_server import free_port
from desktop.models import account, identity
from desktop.models import profile as profiles
from desktop.models.db_lane import InlineLane
from desktop.models.profile import Profile
from desktop.models.replica import Replica
from desktop.models.sync_engine import SyncEngine, SyncReport
from desktop.models.transport import Transport
from desktop.qt_locale import apply_language
from sync_server.seed import DEMO_PASSWORD

if TYPE_CHECKING:
    from tests.misbehaving_proxy import MisbehavingProxy

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def _own_settings_folders(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads this machine's /etc/xdg/IMI nor writes the developer's ~/.config/IMI."""
    from desktop.qt import QSettings

    os.environ["IMI_SYSTEM_CONFIG_DIR"] = str(tmp_path_factory.mktemp("system-settings"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("user-settings")))

# The files whose tests together take longest (seconds, all their tests, measured on two busy
# cores with ``--durations``/``--junitxml``; only their order matters). pytest-xdist gives each
# worker whole files (``--dist loadfile``) in the order of the collection (``run.sh`` turns off
# its own reordering by number of tests, which put these few-test files last): they go first,
# so that no worker starts one of them when the others have nothing left to do.
LONG_FILES = {
    "tests/test_packaging.py": 190,  # the .deb build (PyInstaller), on a clean checkout
    "tests/test_api_schema.py": 180,
    "tests/desktop/test_gallery.py": 150,
    "tests/test_e2e_server_restore.py": 110,
    "tests/sync_server/test_server_training.py": 100,
    "tests/sync_server/test_server_cli.py": 90,
    "tests/desktop/test_training_client.py": 70,
    "tests/test_e2e_sync_failures.py": 70,
    "tests/test_installed_package.py": 60,
    "tests/desktop/test_administration.py": 45,
    "tests/test_e2e_workflow.py": 40,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long files first, longest first; the others after them in the collection's order."""
    items.sort(key=lambda item: -LONG_FILES.get(item.nodeid.split("::")[0], 0))


PASSPHRASE = "correct horse battery"
# scrypt at the smallest cost, through the same code: milliseconds instead of ~0.6 s a profile.
CHEAP_KDF = {"kdf": "scrypt", "n": 2**8, "r": 8, "p": 1}


@pytest.fixture(autouse=True)
def _cheap_profile_kdf(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Profiles made in tests use ``CHEAP_KDF``; ``@pytest.mark.real_kdf`` keeps the default."""
    if request.node.get_closest_marker("real_kdf") is None:
        monkeypatch.setattr(profiles, "KDF_PARAMS", CHEAP_KDF)


@dataclasses.dataclass
class LiveServer:
    data_dir: Path
    port: int
    process: "subprocess.Popen[bytes] | None" = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process, _url = local_server.start(self.data_dir, self.port)

    def stop(self) -> None:
        if self.process is not None:
            local_server.stop(self.process)
            self.process = None


def demo_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A server data folder freshly initialised with the demo data, made once per test run:
    the pytest-xdist workers share it (the first one seeds, under a lock, the others wait)
    instead of each seeding its own (``init --demo`` hashes every demo user's password).
    Servers run on copies of it (``server_data``), never on it."""
    basetemp = tmp_path_factory.getbasetemp()
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    seed = shared / "demo-seed"
    with (shared / "demo-seed.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (seed / ".complete").is_file():
            shutil.rmtree(seed, ignore_errors=True)
            local_server.init(seed, demo=True)
            (seed / ".complete").touch()
    return seed


def server_data(source: Path, data_dir: Path) -> Path:
    """A server's data folder holding a copy of ``source``'s (key and database)."""
    data_dir.mkdir(exist_ok=True)
    shutil.copy(source / "server.key", data_dir)
    copy_database(source / "imi.db", data_dir / "imi.db")
    return data_dir


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = server_data(demo_seed(tmp_path_factory), tmp_path_factory.mktemp("server"))
    server = LiveServer(data_dir=data_dir, port=free_port())
    server.start()
    yield server
    server.stop()


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, even while a server writes to it."""
    with contextlib.closing(sqlite3.connect(source)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture
def own_server(live_server: LiveServer, tmp_path: Path) -> Iterator[LiveServer]:
    """A server process of the test's own, to stop, restore and start again: a copy of the
    live server's data (far cheaper than seeding anew)."""
    data_dir = server_data(live_server.data_dir, tmp_path / "own-server")
    server = LiveServer(data_dir=data_dir, port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator["MisbehavingProxy"]:
    """A real HTTP server before the live server that misbehaves on demand."""
    from tests.misbehaving_proxy import MisbehavingProxy

    made = MisbehavingProxy(live_server.url)
    yield made
    made.close()


@dataclasses.dataclass
class Client:
    """A headless client: a profile, its encrypted replica and a sync engine."""

    profile: Profile
    replica: Replica
    engine: SyncEngine

    def sync(self) -> SyncReport:
        return self.engine.sync()

    def go_offline(self) -> None:
        # A port nobody listens on: real connection refusals, as when the line drops.
        self.engine.transport.base_url = f"http://127.0.0.1:{free_port()}"

    def go_online(self) -> None:
        self.engine.transport.base_url = self.profile.server_url

    def close(self) -> None:
        self.engine.transport.close()
        self.replica.close()


def _client(profile: Profile, replica: Replica) -> Client:
    transport = Transport(profile.server_url, token=replica.get_meta("token"))
    engine = SyncEngine(transport=transport, device_id=identity.device_id(replica,
                                                                          profile.device_id),
                        db=InlineLane(replica))
    return Client(profile=profile, replica=replica, engine=engine)



@contextlib.contextmanager
def signed_in_window(qtbot: QtBot, server_url: str, folder: Path, username: str,
                     language: str) -> Iterator[AppController]:
    """An officer's whole window (profile set up against ``server_url``, first sync done),
    shut down and the process's language put back to English afterwards."""
    profile, key, replica = account.set_up(folder, server_url=server_url, username=username,
                                           password=DEMO_PASSWORD, passphrase=PASSPHRASE)
    replica.close()
    made = AppController(profile, key, language=language)
    qtbot.addWidget(made.window)
    with qtbot.waitSignal(made.sync.sig_status_changed, timeout=15_000):
        made.start()
    try:
        yield made
    finally:
        made.shutdown()
        set_language("en")
        apply_language("en")


def make_client(server_url: str, username: str, path: Path) -> Client:
    profile, _key, replica = account.set_up(path, server_url=server_url, username=username,
                                            password=DEMO_PASSWORD, passphrase=PASSPHRASE)
    return _client(profile, replica)


def open_client(path: Path) -> Client:
    """A client on an existing profile, opened as the app opens it (no server needed)."""
    profile, key = profiles.unlock(path, PASSPHRASE)
    return _client(profile, Replica.open(profile.replica_path, key))


@pytest.fixture
def clients(live_server: LiveServer, tmp_path: Path) -> Iterator[dict[str, Client]]:
    made = {
        name: make_client(live_server.url, name, tmp_path / name)
        for name in ("de.weber", "hu.kovacs", "fr.martin")
    }
    yield made
    for client in made.values():
        client.close()
