"""Target: a login flood leaves signed-in users' sync within 2x (ARCHITECTURE.md).

    python -m bench.login_flood [--flood 120] [--samples 300] [--min-seconds 10] [--seconds 30]
                                [--source DIR] [--json FILE]

One real server process (``imi-server init --demo``, then ``run``) on 127.0.0.1. A signed-in
officer pulls (``GET /v1/sync/pull``, the first page of everything she may see) back to back,
``--samples`` times and for ``--min-seconds`` at least, alone, then again while ``--flood``
threads (in a process of their own) send wrong passwords as fast as the server answers. Two
floods:

- *one address*: every attempt from 127.0.0.1 for one user name, as one attacking machine;
- *many addresses*: every attempt for another user name from another address (the server
  trusts ``X-Forwarded-For`` from 127.0.0.1, as behind a reverse proxy), as a botnet: the
  per-name and per-address limits never trigger, so only the password-hashing pool stands
  between the flood and sync.

Reported: pull p50/p99 alone and during each flood, their ratios, the answers the flood got,
and the server's peak resident memory. ``--source DIR`` runs the server from another
checkout (e.g. a ``git worktree`` of main), to measure the code before a change.
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import requests

from bench.report import progress
from bench.stats import percentile
from desktop import local_server
from sync_protocol.version import PROTOCOL_VERSION
from sync_server.seed import DEMO_PASSWORD

OFFICER = "de.weber"
PULL_TIMEOUT_S = 120.0
FLOOD_WARM_UP_S = 2.0
FIRST_PAGE: dict[str, str | int] = {"cursor": "", "limit": 500}


def _login(url: str, username: str, password: str, device: int,
           http: requests.Session, headers: dict[str, str] | None = None) -> requests.Response:
    body: dict[str, Any] = {"protocol_version": PROTOCOL_VERSION, "username": username,
                            "password": password, "device_id": f"{device:032x}",
                            "device_name": "bench"}
    return http.post(url + "/v1/auth/login", json=body, headers=headers, timeout=PULL_TIMEOUT_S)


def _pulls(url: str, token: str, *, samples: int, seconds: float,
           min_seconds: float = 0.0) -> list[float]:
    """Pull latencies (s), back to back: at least ``samples`` and ``min_seconds`` of them,
    unless ``seconds`` run out first."""
    times: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        while time.perf_counter() < deadline and (
                len(times) < samples or time.perf_counter() - started < min_seconds):
            started = time.perf_counter()
            response = http.get(url + "/v1/sync/pull", params=FIRST_PAGE, timeout=PULL_TIMEOUT_S)
            response.raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def _flood(url: str, threads: int, spread: bool, stop: "EventType",
           answers: "multiprocessing.Queue[dict[str, int]]") -> None:
    """The flood's process: its own interpreter, so its threads never take the measuring
    thread's GIL (in one process they would, and the figures would measure the client)."""
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def attack(number: int) -> None:
        attempt = 0
        with requests.Session() as http:
            while not stop.is_set():
                attempt += 1
                if spread:  # another name from another address, every time
                    name = f"guess.{number}.{attempt}"
                    headers = {"X-Forwarded-For": f"10.{number % 250}.{attempt // 250 % 250}."
                                                  f"{attempt % 250 + 1}"}
                else:
                    name, headers = OFFICER, None
                try:
                    status = str(_login(url, name, "not-the-password", 0xF000 + number, http,
                                        headers).status_code)
                except requests.RequestException as exc:
                    status = type(exc).__name__
                with lock:
                    counts[status] += 1

    workers = [threading.Thread(target=attack, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    answers.put(dict(counts))


class Flood:
    """``threads`` clients in another process, sending wrong passwords back to back."""

    def __init__(self, url: str, *, threads: int, spread: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._answers: multiprocessing.Queue[dict[str, int]] = context.Queue()
        self._process = context.Process(target=_flood, daemon=True, args=(
            url, threads, spread, self._stop, self._answers))
        self.answers: dict[str, int] = {}

    @contextlib.contextmanager
    def running(self) -> Iterator["Flood"]:
        self._process.start()
        time.sleep(FLOOD_WARM_UP_S)  # the flood reaches the server before measuring starts
        try:
            yield self
        finally:
            self._stop.set()
            self.answers = self._answers.get(timeout=PULL_TIMEOUT_S * 2)
            self._process.join(timeout=PULL_TIMEOUT_S)


class PeakMemory:
    """Samples a process's resident memory (Linux /proc) until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            with contextlib.suppress(OSError):
                for line in self.path.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))

    @contextlib.contextmanager
    def watching(self) -> Iterator["PeakMemory"]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


def _figures(times: list[float]) -> dict[str, Any]:
    ms = [t * 1000 for t in times]
    return {"samples": len(ms), "p50_ms": round(percentile(ms, 50), 1),
            "p99_ms": round(percentile(ms, 99), 1), "max_ms": round(max(ms), 1)}


def measure(url: str, pid: int, *, flood: int, samples: int, seconds: float,
            min_seconds: float) -> dict[str, Any]:
    with requests.Session() as http:
        answer = _login(url, OFFICER, DEMO_PASSWORD, 0xBE7C4, http)
        answer.raise_for_status()
        token = answer.json()["token"]
    _pulls(url, token, samples=5, seconds=seconds)  # warm-up
    alone = _figures(_pulls(url, token, samples=samples, seconds=seconds,
                            min_seconds=min_seconds))
    progress(f"pull alone: p50 {alone['p50_ms']} ms, p99 {alone['p99_ms']} ms")
    results: dict[str, Any] = {"flood_threads": flood, "alone": alone,
                               "load_average_at_start": os.getloadavg()[0]}
    for name, spread in (("one_address", False), ("many_addresses", True)):
        memory = PeakMemory(pid)
        with memory.watching(), Flood(url, threads=flood, spread=spread).running() as attack:
            started = time.perf_counter()
            during = _figures(_pulls(url, token, samples=samples, seconds=seconds,
                                     min_seconds=min_seconds))
            flooded_s = time.perf_counter() - started + FLOOD_WARM_UP_S
        results[name] = {
            **during,
            "ratio_p50": round(during["p50_ms"] / alone["p50_ms"], 2),
            "ratio_p99": round(during["p99_ms"] / alone["p99_ms"], 2),
            "flood_answers": dict(sorted(attack.answers.items())),
            "flood_answers_per_s": round(sum(attack.answers.values()) / flooded_s),
            "server_peak_rss_mib": round(memory.peak_kib / 1024),
        }
        progress(f"pull during {name} flood: {results[name]}")
    return results


def run(*, flood: int, samples: int, seconds: float, min_seconds: float,
        source: Path | None) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="imi-bench-flood-"))
    try:
        data_dir = workdir / "server"
        local_server.init(data_dir, demo=True, source=source)
        process, url = local_server.start(data_dir, source=source)
        try:
            return measure(url, process.pid, flood=flood, samples=samples, seconds=seconds,
                           min_seconds=min_seconds)
        finally:
            local_server.stop(process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_results(results: dict[str, Any]) -> None:
    alone = results["alone"]
    print(f"\nLogin flood ({results['flood_threads']} concurrent wrong sign-ins): "
          f"authenticated pull alone p50 {alone['p50_ms']} ms, p99 {alone['p99_ms']} ms "
          f"({alone['samples']} samples)")
    for name in ("one_address", "many_addresses"):
        figures = results[name]
        mark = "ok" if figures["ratio_p50"] <= 2 else "MISSED"
        print(f"  during flood from {name.replace('_', ' ')}: p50 {figures['p50_ms']} ms "
              f"(x{figures['ratio_p50']}), p99 {figures['p99_ms']} ms (x{figures['ratio_p99']}),"
              f" {figures['samples']} samples; server peak {figures['server_peak_rss_mib']} MiB;"
              f" flood answers {figures['flood_answers']} ({figures['flood_answers_per_s']}/s)"
              f"   target p50 within 2x: {mark}")
    print(f"  (load average at start {results['load_average_at_start']:.2f}: other work on the"
          " machine skews every figure)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.login_flood",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=120, help="concurrent wrong sign-ins")
    parser.add_argument("--samples", type=int, default=300, help="pulls per measurement")
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="at most this long per measurement")
    parser.add_argument("--min-seconds", type=float, default=10.0,
                        help="keep pulling at least this long per measurement")
    parser.add_argument("--source", type=Path, help="run the server from this checkout")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args(argv)
    results = run(flood=options.flood, samples=options.samples, seconds=options.seconds,
                  min_seconds=options.min_seconds, source=options.source)
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_results(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
