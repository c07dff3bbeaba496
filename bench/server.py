"""A real sync server process for the benchmarks, as the end-to-end tests start one."""

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def init_server(data_dir: Path) -> None:
    """``imi-server init --demo``: schema, catalogue, demo directory and users."""
    subprocess.run([sys.executable, "-m", "sync_server.cli", "init", "--data", str(data_dir),
                    "--demo"], check=True, capture_output=True)


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
