"""A real sync server process for the benchmarks, as the end-to-end tests start one."""

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop import local_server

ROOT = Path(__file__).resolve().parent.parent  # where ``python -m bench.seed`` can be found


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
    process, url = local_server.start(data_dir)
    try:
        yield url
    finally:
        local_server.stop(process)
