"""A real sync server process for the benchmarks, as the end-to-end tests start one."""

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent  # where ``python -m bench.seed`` can be found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(*args: str) -> str:
    """Run ``python -m ARGS`` to completion; its output, or an error that shows its stderr."""
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"python -m {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def init_server(data_dir: Path) -> None:
    """``imi-server init --demo``: schema, catalogue, demo directory and users."""
    _run("sync_server.cli", "init", "--data", str(data_dir), "--demo")


def seed_server(data_dir: Path, count: int) -> dict[str, Any]:
    """Seed ``count`` cases (``bench.seed``, in a subprocess); return what it reported."""
    report: dict[str, Any] = json.loads(_run("bench.seed", str(data_dir), "--cases", str(count)))
    return report


@contextlib.contextmanager
def running_server(data_dir: Path) -> Iterator[str]:
    """Run ``imi-server run`` on a free port; yield its URL; always stop it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "sync_server.cli", "run", "--data", str(data_dir),
         "--port", str(port)],
    )
    try:
        _wait_until_up(process, url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            requests.get(url + "/v1/meta", timeout=1).raise_for_status()
            return
        except requests.ConnectionError:
            time.sleep(0.05)  # waiting for the port to open
    raise RuntimeError("the server did not start within 30 s")
