"""``imi-desk demo``: the dentist case of MISSION.md on one machine.

Starts a real sync server process on 127.0.0.1 with demo data, sets up two officers'
profiles, and opens a window for each, in their own language: Anna Weber of the dental
chamber of Baden-Württemberg (German) and Kovács Péter of the Hungarian health registry
(Hungarian). The server is stopped when both windows are closed.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from desktop import local_server
from desktop.models import account
from desktop.models import profile as profiles

# The password every demo user has on a server initialised with ``imi-server init --demo``.
DEMO_PASSWORD = "imi-demo"
DEMO_PASSPHRASE = "demo-passphrase"
OFFICERS = (
    ("de.weber", "de", "0,0,960,1000"),
    ("hu.kovacs", "hu", "960,0,960,1000"),
)


# Written into the server's data directory once ``init --demo`` has finished, and only then.
READY_MARKER = "demo-ready"


def prepare_server(base: Path) -> Path:
    """The demo server's data directory, initialised with the demo data.

    Only the marker, written last, says a directory is ready: one without it (an ``init``
    that was interrupted, or a demo of an earlier version) is made again from nothing, and
    the officers' profiles go with it, since they belong to that server.
    """
    data_dir = base / "server"
    if (data_dir / READY_MARKER).exists():
        return data_dir
    if data_dir.exists():
        print(f"The demo server's data in {data_dir} are incomplete: starting them afresh.")
        shutil.rmtree(data_dir)
        for username, _language, _geometry in OFFICERS:
            if (base / username).is_dir():
                profiles.discard(base / username)
    print("Preparing the demo server (member states, authorities, users, cases)…")
    local_server.init(data_dir, demo=True)
    (data_dir / READY_MARKER).touch()
    fd = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(fd)  # the marker's name is on disk before anyone relies on it
    finally:
        os.close(fd)
    return data_dir


def prepare_profile(profile_dir: Path, *, server_url: str, username: str) -> None:
    """A working profile for ``username`` on this server: kept if there is one, else set up
    (also over a profile whose set-up an earlier version left half-made)."""
    if profiles.exists(profile_dir):
        try:
            account.unlock(profile_dir, DEMO_PASSPHRASE)
        except profiles.IncompleteProfile:
            profiles.discard(profile_dir)
        else:
            profiles.set_server_url(profile_dir, server_url)  # the server has a new port
            return
    _profile, _key, replica = account.set_up(profile_dir, server_url=server_url,
                                             username=username, password=DEMO_PASSWORD,
                                             passphrase=DEMO_PASSPHRASE)
    replica.close()


def run_demo(base: Path | None = None) -> int:
    # SIGTERM would end Python without unwinding; as SystemExit, ``finally`` still stops the
    # server and the clients, so no process is left behind.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    base = base or Path(tempfile.mkdtemp(prefix="imi-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    server, url = local_server.start(prepare_server(base))
    clients: list[subprocess.Popen[bytes]] = []
    try:
        for username, language, geometry in OFFICERS:
            profile_dir = base / username
            prepare_profile(profile_dir, server_url=url, username=username)
            env = dict(os.environ, IMI_PASSPHRASE=DEMO_PASSPHRASE)
            clients.append(subprocess.Popen(
                [sys.executable, "-m", "desktop.app", "--profile", str(profile_dir),
                 "--language", language, "--geometry", geometry], env=env))
        print(f"IMI demo running: server {url}, data in {base}")
        print(f"Profiles unlock with the passphrase '{DEMO_PASSPHRASE}'; "
              f"every demo user's password is '{DEMO_PASSWORD}'.")
        for client in clients:
            client.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (*clients, server):
            if process.poll() is None:
                process.terminate()
        for process in (*clients, server):
            local_server.stop(process)
    return 0

