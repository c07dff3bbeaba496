"""Where an initial sync spends its time, two ways, each on one extra (untimed) sync.

1. Phase timers: the sync's own functions wrapped with a clock for the run (and restored
   after), plus the garbage collector's pauses via ``gc.callbacks``. Cheap enough that the
   phases add up to the sync's real time.
2. cProfile's top functions by own time, for detail. cProfile slows Python code far more than
   C calls (SQLCipher, sockets), so read it for *what*, not *how much*.
"""

import contextlib
import cProfile
import gc
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.clients import Server, make_client
from bench.initial_sync import USER, quiesce
from desktop.models import cases, transport
from desktop.models.replica import Replica

# (owner, attribute, label): each call's duration is added to the label's total.
PHASES: tuple[tuple[Any, str, str], ...] = (
    (transport.Transport, "_call", "http"),
    (transport.Transport, "pull", "pull"),
    (cases, "apply_pull_page", "apply"),
    (cases, "json_text", "rows"),
    (cases, "row_values", "rows"),
    (Replica, "put_cases", "insert"),
)


@contextlib.contextmanager
def _timed_phases(totals: defaultdict[str, float]) -> Iterator[None]:
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in PHASES]

    def timed(function: Callable[..., Any], label: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - started
        return wrapper

    gc_started: list[float] = []

    def on_gc(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            gc_started.append(time.perf_counter())
        elif gc_started:
            totals["gc"] += time.perf_counter() - gc_started.pop()

    for (owner, name, label), (_, _, original) in zip(PHASES, originals, strict=True):
        setattr(owner, name, timed(original, label))
    gc.callbacks.append(on_gc)
    try:
        yield
    finally:
        gc.callbacks.remove(on_gc)
        for owner, name, original in originals:
            setattr(owner, name, original)


def phases(server: Server, path: Path) -> dict[str, float]:
    """Milliseconds per phase of one initial sync (phases are disjoint except ``gc``)."""
    client = make_client(server, USER, path)
    totals: defaultdict[str, float] = defaultdict(float)
    try:
        quiesce()
        with _timed_phases(totals):
            started = time.perf_counter()
            client.engine.sync()
            total = time.perf_counter() - started
    finally:
        client.close()
    ms = {label: seconds * 1000 for label, seconds in totals.items()}
    result = {
        "sync (total)": total * 1000,
        "HTTP round trips (server builds page + transfer)": ms["http"],
        "parse + validate page (transport.pull minus HTTP)": ms["pull"] - ms["http"],
        "build rows (JSON text of each case + columns)": ms["rows"],
        "SQLCipher insert (put_cases executemany)": ms["insert"],
        "SQLCipher BEGIN/COMMIT + rest of apply": ms["apply"] - ms["rows"] - ms["insert"],
        # Fetching page N+1 overlaps applying page N (two threads), so the phases add up to
        # more than the total; this line is how much the overlap saved (negative) or, if
        # positive, what the engine spent outside the phases.
        "overlap saved (-) / engine outside the phases (+)":
            total * 1000 - ms["pull"] - ms["apply"],
        "of all these: garbage collector pauses": ms.get("gc", 0.0),
    }
    return {label: round(value, 1) for label, value in result.items()}


def top_functions(server: Server, path: Path, count: int = 12) -> list[str]:
    client = make_client(server, USER, path)
    profiler = cProfile.Profile()
    try:
        quiesce()
        profiler.runcall(client.engine.sync)
    finally:
        client.close()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
    return [f"{own * 1000:7.1f} ms  {Path(file).name}:{line} {name}"
            for (file, line, name), (_cc, _nc, own, _cum, _callers) in rows[:count]]
