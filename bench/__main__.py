"""``python -m bench``: seed a server, measure ARCHITECTURE.md's sync targets, report.

    python -m bench [--cases 10000] [--runs 5] [--samples 100] [--no-profile] [--keep] [--check]
                    [--list-cases 50000] [--only-list]

Everything runs in a temporary directory: a fresh server (``imi-server init --demo``) seeded
with ``--cases`` cases for DE-LZK-BW, one real server process on 127.0.0.1 (always stopped at
the end), and new client profiles for every timed run. This process is the client: it never
imports the server's stack (seeding runs in a subprocess), so its heap is a client's heap.
Then (``bench.case_list``) a profile of ``--list-cases`` cases is opened by new client
processes: first screen, memory, and scrolls to the end (``--only-list``: only this part,
no server). With ``--check`` it exits 1 when a target is missed. Other load on the machine
shows in the figures: the load average at the start is recorded with them.
"""

import argparse
import datetime as dt
import gc
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import breakdown, case_list, initial_sync, latency, report
from bench.clients import Server
from bench.server import init_server, running_server, seed_server

RESULTS = Path(__file__).parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="timed initial syncs and baselines")
    parser.add_argument("--samples", type=int, default=100, help="latency samples")
    parser.add_argument("--no-profile", action="store_true", help="skip the time breakdown")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--list-cases", type=int, default=50_000,
                        help="cases in the client list benchmark (0: skip it)")
    parser.add_argument("--only-list", action="store_true",
                        help="run only the client list benchmark")
    options = parser.parse_args(argv)
    # SIGTERM ends Python without unwinding; as SystemExit, the ``finally`` blocks still stop
    # the server process and remove the temporary directory.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))

    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="imi-bench-"))
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]},
    }
    try:
        if not options.only_list:
            _sync_figures(options, workdir, results)
        if options.list_cases:
            results["case_list"] = case_list.measure(workdir / "list", count=options.list_cases)
            report.progress("case list measured")
    finally:
        if options.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report.print_results(results)
    print(f"\nwritten to {RESULTS}")
    return 1 if options.check and not report.targets_met(results) else 0


def _sync_figures(options: argparse.Namespace, workdir: Path, results: dict[str, Any]) -> None:
    """The server-side figures: initial sync, pull pages, breakdown, send-to-visible."""
    data_dir = workdir / "server"
    init_server(data_dir)
    seeded = seed_server(data_dir, options.cases)
    server_password = seeded.pop("password")
    results["seed"] = seeded
    report.progress(f"seeded {seeded['cases']} cases in {seeded['seconds']} s")
    gc.collect()
    results["machine"]["client_heap_tracked_objects"] = len(gc.get_objects())
    with running_server(data_dir) as url:
        server = Server(url=url, password=server_password)
        results["initial_sync"] = initial_sync.measure(
            server, workdir / "initial", expected=seeded["visible"], runs=options.runs)
        report.progress("initial sync measured")
        results["pull_pages"] = initial_sync.page_times(server, workdir / "pages")
        if not options.no_profile:
            results["phases_ms"] = breakdown.phases(server, workdir / "phases")
            results["top_functions"] = breakdown.top_functions(server, workdir / "profile")
        results["latency"] = latency.measure(server, workdir / "latency",
                                             samples=options.samples)


if __name__ == "__main__":
    sys.exit(main())
