"""Prometheus metrics (``prometheus-client``), served at ``/metrics``.

Labels hold route *templates* (``/v1/sync/pull``), methods, status codes and refusal codes:
never a path as sent, a cursor, an id or anything a user typed, so the metrics hold no
personal data and their number of series stays bounded.

Several worker processes: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory writable by
the server before it starts (README "Metrics"); ``exposition`` then adds up every process.
Jobs: the only scheduled job, ``imi-server reset-training``, runs as its own process from a
systemd timer, not in the server, so the server counts no job runs (its journal has them).
"""

import ipaddress
import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

from sync_protocol.messages import PushResponse

REQUESTS = Counter("imi_http_requests", "HTTP requests answered",
                   ("method", "route", "status"))
LATENCY = Histogram("imi_http_request_duration_seconds", "Time to answer an HTTP request",
                    ("method", "route"))
PUSHED = Counter("imi_push_mutations", "Pushed mutations by outcome (applied, replayed, "
                 "rejected) and refusal code", ("outcome", "code"))
PULL_PAGES = Counter("imi_pull_pages", "Pull pages served")
PULL_ROWS = Counter("imi_pull_rows", "Rows (changes) served in pull pages")
LONG_POLLS = Gauge("imi_long_polls_open", "Long-polls (GET /v1/sync/wait) waiting now",
                   multiprocess_mode="livesum")

# Who may read /metrics: ``loopback`` (the default: the same machine, e.g. a local Prometheus
# or node exporter), ``open`` (anyone who reaches the server), ``off`` (nobody).
METRICS_ACCESS = ("loopback", "open", "off")


# The children of REQUESTS and LATENCY by (method, route, status): ``labels`` checks and
# looks them up under a lock on every call, a few microseconds of an idle check's hundred.
_REQUEST_CHILDREN: dict[tuple[object, str, int], tuple[Any, Any]] = {}


def count_request(method: str | None, route: str, status: int, seconds: float) -> None:
    """One answered request: counted by route template and status, and its duration."""
    key = (method, route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = _REQUEST_CHILDREN[key] = (
            REQUESTS.labels(method=method, route=route, status=status),
            LATENCY.labels(method=method, route=route))
    children[0].inc()
    children[1].observe(seconds)


def count_push(response: PushResponse) -> None:
    for result in response.results:
        if result.status == "rejected":
            PUSHED.labels(outcome="rejected", code=result.code or "-").inc()
        else:
            PUSHED.labels(outcome="replayed" if result.replayed else "applied", code="").inc()


def count_pull(rows: int) -> None:
    PULL_PAGES.inc()
    PULL_ROWS.inc(rows)


def may_read(access: str, client_host: str | None) -> bool:
    if access == "open":
        return True
    if access != "loopback" or client_host is None:
        return False
    try:
        return ipaddress.ip_address(client_host).is_loopback
    except ValueError:  # a Unix socket or a test client's made-up name
        return False


def exposition() -> tuple[bytes, str]:
    """The text format of every metric, summed over worker processes in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST
