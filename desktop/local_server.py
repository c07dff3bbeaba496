"""A sync server as a separate process on 127.0.0.1: for the demo, the tests and the benchmarks.

The client only ever talks HTTP to it, as in production; this module starts ``imi-server``
with the same interpreter and waits until it answers.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import requests

START_TIMEOUT_S = 30.0
# ``imi-server`` run by this interpreter; the installed-package test passes a venv's script.
SERVER_COMMAND = (sys.executable, "-m", "sync_server.cli")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _where(source: Path | None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run the server's code from ``source`` (another checkout, for a before/after bench),
    with ``env`` added to the environment (settings such as ``IMI_LOGIN_LIMIT_PER_USER``)."""
    where: dict[str, Any] = {"env": {**os.environ, **(env or {})}}
    if source is not None:
        where["cwd"] = source
        where["env"]["PYTHONPATH"] = str(source)
    return where


def init(data_dir: Path, *, demo: bool = True, training: bool = False,
         server: Sequence[str] = SERVER_COMMAND, source: Path | None = None) -> None:
    """``imi-server init [--demo | --training]``; raises ``CalledProcessError`` with its output
    on failure."""
    command = [*server, "init", "--data", str(data_dir)]
    seeding = ["--training"] if training else ["--demo"] if demo else []
    subprocess.run([*command, *seeding], check=True, capture_output=True, **_where(source))


def start(data_dir: Path, port: int | None = None, *,
          server: Sequence[str] = SERVER_COMMAND, tls: tuple[Path, Path, Path] | None = None,
          source: Path | None = None, stdout: IO[bytes] | None = None,
          stderr: IO[bytes] | None = None,
          env: Mapping[str, str] | None = None, args: Sequence[str] = ()
          ) -> tuple["subprocess.Popen[bytes]", str]:
    """Run ``imi-server run`` and return the process and its URL once ``/v1/meta`` answers.

    ``tls`` is (certificate, key, CA bundle to check it with): the server speaks HTTPS.
    ``stdout`` (its start line) and ``stderr`` (its log) go to the caller's by default, or to
    files, to read what it printed. ``args``: more options for ``imi-server run``.
    """
    port = port or free_port()
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    extra = ["--ssl-certfile", str(tls[0]), "--ssl-keyfile", str(tls[1])] if tls else []
    process = subprocess.Popen([*server, "run", "--data", str(data_dir), "--port", str(port),
                                *extra, *args], stdout=stdout, stderr=stderr,
                               **_where(source, env))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the sync server exited with {process.returncode}")
        try:
            requests.get(url + "/v1/meta", timeout=1,
                         verify=str(tls[2]) if tls else True).raise_for_status()
            return process, url
        except requests.ConnectionError:
            time.sleep(0.05)  # the port is not open yet
    stop(process)
    raise RuntimeError(f"the sync server did not start within {START_TIMEOUT_S:.0f} s")


def stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
