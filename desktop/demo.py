"""``imi-desk demo``: the dentist case of MISSION.md on one machine.

Starts a real sync server process on 127.0.0.1 with demo data, sets up two officers'
profiles, and opens a window for each, in their own language: Anna Weber of the dental
chamber of Baden-Württemberg (German) and Kovács Péter of the Hungarian health registry
(Hungarian). The server is stopped when both windows are closed.
"""

import os
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


def start_server(data_dir: Path) -> tuple["subprocess.Popen[bytes]", str]:
    if not (data_dir / "server.key").exists():
        print("Preparing the demo server (member states, authorities, users, cases)…")
        local_server.init(data_dir, demo=True)
    return local_server.start(data_dir)


def run_demo(base: Path | None = None) -> int:
    # SIGTERM would end Python without unwinding; as SystemExit, ``finally`` still stops the
    # server and the clients, so no process is left behind.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    base = base or Path(tempfile.mkdtemp(prefix="imi-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    server, url = start_server(base / "server")
    clients: list[subprocess.Popen[bytes]] = []
    try:
        for username, language, geometry in OFFICERS:
            profile_dir = base / username
            if not (profile_dir / "profile.json").exists():
                _profile, _key, replica = account.set_up(
                    profile_dir, server_url=url, username=username, password=DEMO_PASSWORD,
                    passphrase=DEMO_PASSPHRASE)
                replica.close()
            else:
                # A kept demo directory: the server moved to a new port.
                profiles.set_server_url(profile_dir, url)
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

