"""Printing the results for people."""

import sys
from typing import Any


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def sync_target_met(results: dict[str, Any]) -> bool:
    sync = results["initial_sync"]
    return bool(sync["ratio_median"] <= sync["target_ratio"])


def latency_target_met(results: dict[str, Any]) -> bool:
    lat = results["latency"]
    return bool(lat["missed"] == 0 and lat["p50_ms"] < lat["targets"]["p50_ms"]
                and lat["p99_ms"] < lat["targets"]["p99_ms"])


def targets_met(results: dict[str, Any]) -> bool:
    return sync_target_met(results) and latency_target_met(results)


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_results(results: dict[str, Any]) -> None:
    sync = results["initial_sync"]
    print(f"\nInitial sync of {sync['cases']} cases (page {sync['pull_page']}), "
          f"{sync['sync']['runs']} runs each")
    for name in ("sync", "baseline"):
        figures = sync[name]
        print(f"  {name:<9} median {figures['median_ms']:8.1f} ms   best {figures['best_ms']:8.1f}"
              f" ms   all {figures['all_ms']}")
    print(f"  (untimed warm-up sync before them, the server's first: {sync['warm_up_sync_ms']} ms)")
    print(f"  ratio     median {sync['ratio_median']:.2f}   best {sync['ratio_best']:.2f}   "
          f"target <= {sync['target_ratio']:.0f}   {_mark(sync_target_met(results))}")

    pages = results["pull_pages"]
    print(f"\nServer pull pages (limit {pages['limit']}, HTTP round trip, body read): "
          f"{pages['pages']} pages, {pages['total_ms']} ms total, "
          f"~{pages['page_bytes_avg'] // 1024} KiB each: {pages['page_ms']}")

    if "phases_ms" in results:
        print("\nWhere one more initial sync's time goes (phase timers):")
        for label, value in results["phases_ms"].items():
            print(f"  {label:<52} {value:8.1f} ms")
        print("  cProfile, top functions by own time (inflates Python code):")
        for line in results["top_functions"]:
            print(f"    {line}")

    lat = results["latency"]
    print(f"\nSend -> visible to an online peer: {lat['samples']} samples"
          f" ({lat['missed']} missed)")
    print(f"  p50 {lat['p50_ms']} ms   p95 {lat['p95_ms']} ms   p99 {lat['p99_ms']} ms   "
          f"max {lat['max_ms']} ms   targets p50 < {lat['targets']['p50_ms']}, "
          f"p99 < {lat['targets']['p99_ms']}   {_mark(latency_target_met(results))}")
    print(f"  (sender's push+pull sync p50 {lat['sender_sync_p50_ms']} ms; "
          f"peer sync passes {lat['peer_passes']})")
    machine = results["machine"]
    print(f"\nSeeding {results['seed']['seconds']} s; whole run {results['wall_seconds']} s; "
          f"load average at start {machine['load_average_at_start']:.2f} on "
          f"{machine['cpus']} CPUs (other work on the machine skews every figure)")
