"""Printing the results for people."""

import sys
from typing import Any

from bench import case_list


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def sync_target_met(results: dict[str, Any]) -> bool:
    sync = results["initial_sync"]
    return bool(sync["ratio_median"] <= sync["target_ratio"])


def latency_target_met(results: dict[str, Any]) -> bool:
    lat = results["latency"]
    return bool(lat["missed"] == 0 and lat["p50_ms"] < lat["targets"]["p50_ms"]
                and lat["p99_ms"] < lat["targets"]["p99_ms"])


def list_target_met(results: dict[str, Any]) -> bool:
    return case_list.target_met(results["case_list"])


def targets_met(results: dict[str, Any]) -> bool:
    checks = {"initial_sync": sync_target_met, "latency": latency_target_met,
              "case_list": list_target_met}
    return all(check(results) for name, check in checks.items() if name in results)


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_results(results: dict[str, Any]) -> None:
    if "initial_sync" in results:
        _print_sync(results)
    if "case_list" in results:
        _print_list(results)
    machine = results["machine"]
    print(f"\nWhole run {results['wall_seconds']} s; load average at start "
          f"{machine['load_average_at_start']:.2f} on {machine['cpus']} CPUs "
          "(other work on the machine skews every figure)")


def _print_list(results: dict[str, Any]) -> None:
    figures = results["case_list"]
    targets = figures["targets"]
    print(f"\nClient with {figures['cases']} cases ({figures['folders']}), "
          f"{figures['runs']} cold starts of a real client process")
    first = figures["first_screen_s"]
    print(f"  inbox shown after   median {first['median']} s   all {first['all']}   "
          f"target < {targets['first_screen_s']} s")
    print(f"  memory              {figures['rss_mb_at_first_screen']} MB at first screen, "
          f"peak {figures['peak_rss_mb_after_scrolls']} MB after scrolling every list to its "
          f"end   target < {targets['rss_mb']} MB")
    for name, scroll in figures["scrolls"].items():
        print(f"  scroll {name:<18} {scroll['rows']:>6} rows, {scroll['pages']:>3} pages; "
              f"per page (fetch + repaint) median {scroll['median_page_ms']} ms, p95 "
              f"{scroll['p95_page_ms']}, max {scroll['max_page_ms']}; fetch alone median "
              f"{scroll['median_fetch_ms']}, max {scroll['max_fetch_ms']}")
    print(f"  filter, per keystroke: GUI thread {figures['filter_gui_ms']} ms; first page "
          f"shown after {figures['filter_shown_ms']} ms (read on the database lane)")
    print(f"  target per page < {targets['page_ms']} ms (p95)   "
          f"{_mark(list_target_met(results))}")
    print(f"  (building the profile: {figures['generate_s']} s generating cases, "
          f"{figures['apply_s']} s applying them as pull pages)")


def _print_sync(results: dict[str, Any]) -> None:
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
    print(f"\nSeeding {results['seed']['seconds']} s")
