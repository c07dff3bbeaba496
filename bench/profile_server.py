"""``python -m bench.profile_server``: where a loaded server's time goes (py-spy).

    python -m bench.profile_server [--database sqlite|postgres] [--seconds 15] [--out DIR]

Starts one server (this checkout), signs in 64 devices, and while ``bench.load`` drives first
idle checks (closed-loop, 32 at a time), then mutations (create + send, 4 at a time), samples
the server process with ``py-spy record --gil`` (from outside: the server runs unmodified; only
the thread holding the GIL is sampled, so waiting threads and the event loop's idle wait do not
count, and the shares are of the one core a Python process can use).
Writes the collapsed stacks of each (``DIR/idle.txt``, ``DIR/mutations.txt``, loadable in any
flame graph viewer, e.g. speedscope) and prints, per load, the share of samples spent in the
functions that matter (inclusive) and the top functions by own time.
"""

import argparse
import asyncio
import collections
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import load as load_bench
from desktop import local_server

# Inclusive shares worth naming: (label, substring of a frame).
MARKERS = (
    ("uvicorn HTTP parsing + protocol", "uvicorn/protocols/http"),
    ("starlette/fastapi routing + deps", "fastapi/routing.py"),
    ("thread-pool hand-offs (anyio)", "anyio/_backends/_asyncio.py"),
    ("authentication (principal_and_state)", "principal_and_state"),
    ("pull page (pull.py)", "sync/pull.py"),
    ("push (push.py)", "sync/push.py"),
    ("ORM flush/commit", "orm/session.py"),
    ("sealing / opening (crypto.py)", "sync_server/crypto.py"),
    ("pydantic validation", "pydantic"),
    ("SQLite / PostgreSQL driver calls", "sqlalchemy/engine/default.py"),
    ("publish (publish.py)", "sync/publish.py"),
    ("question set", "catalogue/service.py"),
    ("json / response building", "json"),
)


def _summary(path: Path, top: int = 15) -> list[str]:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        if not count_text.isdigit():
            continue  # a frame name with a space in it, split over lines by py-spy
        count = int(count_text)
        total += count
        frames = stack.split(";")
        own[frames[-1]] += count
        for label, marker in MARKERS:
            if any(marker in frame for frame in frames):
                inclusive[label] += count
    lines = [f"{total} samples"]
    lines += [f"  {100 * inclusive[label] / total:5.1f} %  {label}" for label, _ in MARKERS]
    lines.append("  top own time:")
    lines += [f"  {100 * n / total:5.1f} %  {frame}" for frame, n in own.most_common(top)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_server",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    options = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    options.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="imi-profile-"))
    try:
        with load_bench._database(options.database) as url:
            if url is not None:
                os.environ["IMI_DATABASE_URL"] = url
            local_server.init(workdir / "data", demo=True)
            process, server_url = local_server.start(workdir / "data")
            try:
                bench = load_bench.Load([server_url], [process.pid], options.seconds)

                async def drive(kind: str) -> None:
                    record = subprocess.Popen(
                        [py_spy, "record", "--pid", str(process.pid), "--format", "raw",
                         "--duration", str(int(options.seconds)), "--rate", "200",
                         "--output", str(options.out / f"{kind}.txt"), "--nonblocking",
                         "--gil"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    if kind == "idle":
                        await bench.closed_loop("idle", 32, bench.idle_check)
                    else:
                        await bench.mutations_closed(4)
                    await asyncio.to_thread(record.wait)

                async def go() -> None:
                    async with bench.session():
                        await bench.sign_in(64)
                        await drive("idle")
                        await drive("mutations")

                asyncio.run(go())
            finally:
                local_server.stop(process)
                os.environ.pop("IMI_DATABASE_URL", None)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for kind in ("idle", "mutations"):
        print(f"\n{kind} ({options.database}): " + "\n".join(_summary(options.out / f"{kind}.txt")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
