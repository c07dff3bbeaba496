"""``python -m bench``: seed a server, measure ARCHITECTURE.md's sync targets, report.

    python -m bench [--cases 10000] [--runs 5] [--samples 60] [--no-profile] [--keep]

Everything runs in a temporary directory: a fresh server (``imi-server init --demo``) seeded
with ``--cases`` cases for DE-LZK-BW, one real server process on 127.0.0.1 (always stopped at
the end), and new client profiles for every timed run.
"""

import argparse
import datetime as dt
import gc
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import breakdown, initial_sync, latency, report
from bench.casegen import HOME, make_cases
from bench.seed import seed_cases, visible_cases
from bench.server import init_server, running_server

RESULTS = Path(__file__).parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="timed initial syncs and baselines")
    parser.add_argument("--samples", type=int, default=60, help="latency samples")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile breakdown")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args(argv)

    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="imi-bench-"))
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    try:
        data_dir = workdir / "server"
        init_server(data_dir)
        seconds = seed_cases(data_dir, make_cases(options.cases))
        # The 10,000 records are garbage now: collect them, or every collection during the
        # timed syncs would walk them, which a real client's heap does not hold.
        gc.collect()
        expected = visible_cases(data_dir, HOME)  # the demo's own cases come on top
        results["seed"] = {"cases": options.cases, "authority": HOME, "visible": expected,
                           "seconds": round(seconds, 1)}
        report.progress(f"seeded {options.cases} cases in {seconds:.1f} s")
        with running_server(data_dir) as url:
            results["initial_sync"] = initial_sync.measure(
                url, workdir / "initial", expected=expected, runs=options.runs)
            report.progress("initial sync measured")
            results["pull_pages"] = initial_sync.page_times(url, workdir / "pages")
            if not options.no_profile:
                results["phases_ms"] = breakdown.phases(url, workdir / "phases")
                results["top_functions"] = breakdown.top_functions(url, workdir / "profile")
            results["latency"] = latency.measure(url, workdir / "latency",
                                                 samples=options.samples)
    finally:
        if options.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report.print_results(results)
    print(f"\nwritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0 if report.targets_met(results) else 1


if __name__ == "__main__":
    sys.exit(main())
