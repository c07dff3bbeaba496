"""Small statistics helpers (no numpy needed)."""

import math
import statistics
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``p``% of values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    return {
        "runs": len(ms),
        "best_ms": round(min(ms), 1),
        "median_ms": round(statistics.median(ms), 1),
        "all_ms": [round(v, 1) for v in ms],
    }
