"""Target 1: initial sync of N cases into a new encrypted replica, vs a raw bulk insert.

The sync is timed from ``engine.sync()`` on an empty replica (profile set-up and sign-in are
not timed) until it is up to date, over HTTP to the real server process. The baseline opens a
fresh database exactly as a replica is opened (``Replica.open``: raw key, same pragmas, same
schema) and inserts the very row tuples the sync stored, with one ``executemany`` in one
transaction. Runs alternate (sync, baseline, sync, ...) so drift hits both alike, after one
untimed warm-up sync (a production server has served pages before), and each timed run starts
with the disk's write-back queue flushed (``quiesce``): the previous run's 15 MB must not make
this run's fsyncs wait.
"""

import os
import time
from pathlib import Path
from typing import Any

import requests

from bench.clients import Server, make_client
from bench.stats import summary_ms
from desktop.models.replica import CASE_COLUMNS, Replica
from desktop.models.sync_engine import PULL_PAGE

USER = "de.weber"


def quiesce() -> None:
    """Flush dirty pages to disk before a timed run, so no run pays for the one before it."""
    os.sync()


def timed_sync(server: Server, path: Path) -> tuple[float, list[tuple[Any, ...]]]:
    """One initial sync into a new profile; the seconds, and the ``cases`` rows it stored."""
    client = make_client(server, USER, path)
    try:
        quiesce()
        started = time.perf_counter()
        client.engine.sync()
        elapsed = time.perf_counter() - started
        # The stored rows as they are, in insertion order, straight off the connection.
        rows = list(client.replica._db.execute(
            f"SELECT {', '.join(CASE_COLUMNS)} FROM cases ORDER BY rowid"))  # noqa: S608
    finally:
        client.close()
    return elapsed, rows


def timed_baseline(path: Path, rows: list[tuple[Any, ...]]) -> float:
    """A raw SQLCipher bulk insert of ``rows`` into a fresh replica-shaped database."""
    path.mkdir(parents=True)
    replica = Replica.open(path / "replica.db", os.urandom(32))
    try:
        quiesce()
        insert = (f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) "  # noqa: S608
                  f"VALUES ({', '.join('?' * len(CASE_COLUMNS))})")
        started = time.perf_counter()
        with replica.transaction():  # BEGIN IMMEDIATE ... COMMIT, as every replica write
            replica._db.executemany(insert, rows)  # the bare connection: nothing but SQLCipher
        elapsed = time.perf_counter() - started
        count = int(replica.read("SELECT count(*) FROM cases")[0][0])
    finally:
        replica.close()
    assert count == len(rows), f"baseline stored {count} of {len(rows)} rows"
    return elapsed


def measure(server: Server, workdir: Path, *, expected: int, runs: int = 5) -> dict[str, Any]:
    syncs: list[float] = []
    baselines: list[float] = []
    warm_up, _rows = timed_sync(server, workdir / "warm-up")
    del _rows
    for run in range(runs):
        elapsed, rows = timed_sync(server, workdir / f"sync-{run}")
        if len(rows) != expected:
            raise RuntimeError(f"the sync stored {len(rows)} cases, expected {expected}")
        syncs.append(elapsed)
        baselines.append(timed_baseline(workdir / f"baseline-{run}", rows))
        # Not kept across runs: 10,000 live tuples would make the next sync's garbage
        # collections slower than a real client's.
        del rows
    sync, baseline = summary_ms(syncs), summary_ms(baselines)
    return {
        "cases": expected,
        "pull_page": PULL_PAGE,
        "sync": sync,
        "baseline": baseline,
        "warm_up_sync_ms": round(warm_up * 1000, 1),  # the server's first pages: not counted
        "ratio_median": round(sync["median_ms"] / baseline["median_ms"], 2),
        "ratio_best": round(sync["best_ms"] / baseline["best_ms"], 2),
        "target_ratio": 3.0,
    }


def page_times(server: Server, path: Path) -> dict[str, Any]:
    """The server's pull pages as a client fetches them, body read but not parsed."""
    client = make_client(server, USER, path)
    token = client.replica.get_meta("token")
    client.close()
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    cursor, times, sizes, pages_more = "", [], [], True
    try:
        while pages_more:
            started = time.perf_counter()
            params: dict[str, str | int] = {"cursor": cursor, "limit": PULL_PAGE}
            response = session.get(server.url + "/v1/sync/pull", headers=headers,
                                   params=params, timeout=60)
            body = response.content
            times.append(time.perf_counter() - started)
            response.raise_for_status()
            sizes.append(len(body))
            page = response.json()
            cursor, pages_more = page["cursor"], page["has_more"]
    finally:
        session.close()
    return {
        "limit": PULL_PAGE,
        "pages": len(times),
        "page_ms": [round(t * 1000, 1) for t in times],
        "total_ms": round(sum(times) * 1000, 1),
        "page_bytes_avg": round(sum(sizes) / len(sizes)),
    }
