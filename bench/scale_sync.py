"""``python -m bench.scale_sync``: initial sync at scale, against a raw insert and PouchDB.

    python -m bench.scale_sync [--cases 100000] [--runs 2] [--pouch-batches 100 500]
                               [--no-pouch]

Seeds a server with ``--cases`` cases visible to one user (``bench.seed``), runs it on
127.0.0.1, and for each run starts a **fresh client process** that signs in (untimed), then
times ``engine.sync()`` from an empty replica until it is up to date; its peak resident memory
during the sync is read from ``/proc/self/status`` (``VmHWM``, reset after the sign-in, whose
key derivation is not the sync's). The same process then times the raw baseline: the very
rows the sync stored, inserted with one ``executemany`` in one transaction into a fresh
replica-shaped SQLCipher database (``bench.initial_sync.timed_baseline``).

PouchDB, in the same run: the first client also writes every case document it received
(``DOCS.jsonl``); ``bench/pouchdb_js/serve.js`` serves them over the CouchDB protocol
(express-pouchdb, in-memory, its own node process on 127.0.0.1) and ``replicate.js`` replicates
them into a new on-disk PouchDB (LevelDB) in another node process, once per batch size.
Set-up, once: ``cd bench/pouchdb_js && npm ci`` (npm registry; packages in package.json).

Results go to ``bench/results/scale_sync.json``.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "scale_sync.json"
POUCH = Path(__file__).parent / "pouchdb_js"
NODE = shutil.which("node") or "node"


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its threads so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(url: str, password: str, path: Path, docs: Path | None,
           server_pid: int) -> dict[str, Any]:
    """In a fresh process: one timed initial sync, its memory, then the raw baseline.

    Besides wall time, the CPU seconds the sync cost this process (all its threads) and the
    server: on a machine shared with other work, the figure that compares across runs.
    """
    from bench.clients import Server, make_client
    from bench.initial_sync import USER, quiesce, timed_baseline
    from desktop.models.replica import CASE_COLUMNS

    made = make_client(Server(url=url, password=password), USER, path / "profile")
    try:
        rss_before = _status_mb("VmRSS")
        # Peak memory from here on: the sign-in's key derivation is not the sync's.
        Path("/proc/self/clear_refs").write_text("5")
        quiesce()
        server_before, own_before = cpu_seconds(server_pid), cpu_seconds(os.getpid())
        started = time.perf_counter()
        made.engine.sync()
        elapsed = time.perf_counter() - started
        client_cpu = cpu_seconds(os.getpid()) - own_before
        server_cpu = cpu_seconds(server_pid) - server_before
        peak = _status_mb("VmHWM")
        rows = list(made.replica._db.execute(
            f"SELECT {', '.join(CASE_COLUMNS)} FROM cases ORDER BY rowid"))  # noqa: S608
    finally:
        made.close()
    if docs is not None:
        data = CASE_COLUMNS.index("data")
        with docs.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(row[data] + "\n")
    own_before = cpu_seconds(os.getpid())
    baseline = timed_baseline(path / "baseline", rows)
    baseline_cpu = cpu_seconds(os.getpid()) - own_before
    return {"cases": len(rows), "sync_s": elapsed, "baseline_s": baseline,
            "sync_cpu_client_s": round(client_cpu, 2), "sync_cpu_server_s": round(server_cpu, 2),
            "baseline_cpu_s": round(baseline_cpu, 2),
            "rss_before_sync_mb": round(rss_before, 1), "peak_rss_during_sync_mb": round(peak, 1)}


@contextlib.contextmanager
def _pouch_source(docs: Path) -> Iterator[tuple[str, int]]:
    process = subprocess.Popen([NODE, str(POUCH / "serve.js"), str(docs)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the PouchDB source did not start (npm ci in bench/pouchdb_js?)")
        yield f"http://127.0.0.1:{json.loads(line)['port']}/cases", process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


def _pouch(docs: Path, batches: list[int]) -> list[dict[str, Any]]:
    from bench import report
    from bench.initial_sync import quiesce

    runs = []
    with _pouch_source(docs) as (url, source_pid):
        for batch in batches:
            quiesce()
            source_before = cpu_seconds(source_pid)
            done = subprocess.run([NODE, str(POUCH / "replicate.js"), url, str(batch)],
                                  capture_output=True, text=True, check=True, timeout=1800)
            run = json.loads(done.stdout)
            # The replicating process reports its own CPU; the source's is read here.
            run["cpu_source_s"] = round(cpu_seconds(source_pid) - source_before, 2)
            runs.append(run)
            report.progress(f"PouchDB batch {batch}: {run['seconds']:.1f} s, CPU "
                            f"{run['cpu_target_s']:.1f} s + source {run['cpu_source_s']:.1f} s")
    return runs


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "client":
        url, password, path, docs_arg, server_pid = sys.argv[2:7]
        print(json.dumps(client(url, password, Path(path), Path(docs_arg) if docs_arg else None,
                                int(server_pid))))
        return 0
    from bench import report
    from bench.server import init_server, seed_server
    from desktop import local_server

    parser = argparse.ArgumentParser(prog="python -m bench.scale_sync",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--pouch-batches", nargs="*", type=int, default=[100, 500])
    parser.add_argument("--no-pouch", action="store_true")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="imi-scale-"))
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0],
        "cases": options.cases,
    }
    try:
        init_server(workdir / "server")
        seeded = seed_server(workdir / "server", options.cases)
        report.progress(f"seeded {seeded['cases']} cases in {seeded['seconds']} s")
        docs = workdir / "docs.jsonl"
        runs = []
        server, url = local_server.start(workdir / "server")
        try:
            for run in range(options.runs):
                done = subprocess.run(
                    [sys.executable, "-m", "bench.scale_sync", "client", url,
                     seeded["password"], str(workdir / f"client-{run}"),
                     str(docs) if run == 0 else "", str(server.pid)],
                    capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise RuntimeError(f"the client failed:\n{done.stderr}")
                runs.append(json.loads(done.stdout))
                report.progress(f"run {run}: {runs[-1]}")
        finally:
            local_server.stop(server)
        results["runs"] = runs
        sync = statistics.median(r["sync_s"] for r in runs)
        baseline = statistics.median(r["baseline_s"] for r in runs)
        results["sync_median_s"] = round(sync, 2)
        results["baseline_median_s"] = round(baseline, 2)
        results["sync_vs_raw_insert"] = round(sync / baseline, 2)
        results["peak_rss_during_sync_mb"] = max(r["peak_rss_during_sync_mb"] for r in runs)
        # CPU seconds, client and server together: what the sync costs whatever share of the
        # machine it got (wall times swing with other work on a shared machine).
        sync_cpu = statistics.median(r["sync_cpu_client_s"] + r["sync_cpu_server_s"]
                                     for r in runs)
        baseline_cpu = statistics.median(r["baseline_cpu_s"] for r in runs)
        results["sync_cpu_median_s"] = round(sync_cpu, 2)
        results["sync_client_cpu_vs_raw_insert_cpu"] = round(
            statistics.median(r["sync_cpu_client_s"] for r in runs) / baseline_cpu, 2)
        if not options.no_pouch:
            results["pouchdb"] = _pouch(docs, options.pouch_batches)
            for pouch in results["pouchdb"]:
                pouch["sync_faster_by"] = round(pouch["seconds"] / sync, 2)
                pouch["cpu_s"] = round(pouch["cpu_target_s"] + pouch["cpu_source_s"], 2)
                pouch["sync_cpu_cheaper_by"] = round(pouch["cpu_s"] / sync_cpu, 2)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
