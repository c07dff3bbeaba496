"""Where an initial sync spends its time: one extra sync under cProfile, bucketed.

cProfile slows Python-heavy code more than C calls (SQLCipher, sockets), so the shares are a
guide, not a measurement; the timed runs are in ``bench.initial_sync``.
"""

import cProfile
import pstats
from pathlib import Path
from typing import Any

from bench.clients import make_client
from bench.initial_sync import USER

# (label, file suffix, function name): cumulative time of each in the profile.
MARKERS = (
    ("sync (total)", "models/sync_engine.py", "sync"),
    ("pull: HTTP round trips (server + transfer)", "models/transport.py", "_call"),
    ("pull: transport.pull (HTTP + parse)", "models/transport.py", "pull"),
    ("apply pages (total)", "models/cases.py", "apply_pull_page"),
    ("row building (row_values)", "models/cases.py", "row_values"),
    ("SQLCipher insert (put_cases)", "models/replica.py", "put_cases"),
    ("SQLCipher BEGIN/COMMIT", "models/replica.py", "transaction"),
    ("json.dumps", "json/__init__.py", "dumps"),
)


def profile_sync(url: str, path: Path) -> dict[str, Any]:
    client = make_client(url, USER, path)
    profiler = cProfile.Profile()
    try:
        profiler.runcall(client.engine.sync)
    finally:
        client.close()
    stats = pstats.Stats(profiler)
    cumulative: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for label, suffix, function in MARKERS:
            if name == function and filename.endswith(suffix):
                cumulative[label] = cumulative.get(label, 0.0) + ct
    result = {label: round(seconds * 1000, 1) for label, seconds in cumulative.items()}
    http = cumulative.get(MARKERS[1][0], 0.0)
    pull = cumulative.get(MARKERS[2][0], 0.0)
    if pull:
        result["pull: parse (transport.pull minus HTTP)"] = round((pull - http) * 1000, 1)
    result["top_functions_by_own_time"] = _top(stats)
    return result


def _top(stats: pstats.Stats, count: int = 12) -> list[str]:
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    return [f"{tt * 1000:8.1f} ms  {Path(f).name}:{line} {name}"
            for (f, line, name), (_cc, _nc, tt, _ct, _callers) in rows[:count]]
