"""Directory targets: replicate a 15,000-authority directory, then search it as one types.

    python -m bench.directory [--authorities 15000] [--runs 3] [--keep]

1. A real server (``imi-server init --demo``) gets ``--authorities`` generated authorities
   (``bench.directorygen``, through ``add_authorities`` in a subprocess), then runs as a
   process on 127.0.0.1. New client profiles bootstrap from it (``engine.sync()`` over HTTP,
   the real sync engine and replica, FTS index built by the replica's triggers); each timed
   run is paired with a baseline that inserts the very same authority rows into a fresh
   replica with one ``executemany`` (same schema, same triggers), so the ratio shows what
   the sync itself costs.
2. On the synced replica, real queries in 14 languages are typed letter by letter; every
   prefix is one search (``DirectoryIndex.search``, as the window runs it on the database
   lane). The baseline, measured in the same run on the same replica, is a plain scan: every
   typed word ``LIKE '%word%'`` (SQLite's own, case-insensitive for ASCII) over the name and
   data of every authority. It finds no word forms, compounds, accents or other languages: it
   only shows what the simplest search costs per keystroke.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.clients import Server, make_client
from bench.initial_sync import quiesce
from bench.server import _run, init_server, running_server
from bench.stats import percentile, summary_ms
from desktop.models.directory import DirectoryIndex
from desktop.models.replica import Replica
from sync_server.seed import DEMO_PASSWORD

USER = "de.weber"
RESULTS = Path(__file__).parent / "results" / "directory.json"
QUERIES = (
    ("de", "Zahnärzte Ungarn"), ("de", "ungarische Zahnärzte"), ("de", "Zahnärztekammer"),
    ("hu", "fogorvos Németország"), ("fr", "médecins Autriche"), ("pl", "lekarze Niemcy"),
    ("es", "farmacéuticos Portugal"), ("it", "architetto Francia"), ("en", "nurse Ireland"),
    ("sv", "tandläkare Finland"), ("el", "οδοντίατρος Κύπρος"), ("cs", "lékař Rakousko"),
    ("nl", "tandarts België"), ("fi", "rakentaminen Ruotsi"), ("ro", "comerț cu amănuntul"),
    ("de", "Handwerk Österreich"), ("pt", "médico dentista Espanha"), ("hr", "ljekarnik"),
)


def keystrokes() -> list[tuple[str, str]]:
    """Every prefix of every query, as typed: (language, text so far)."""
    return [(lang, text[:n]) for lang, text in QUERIES for n in range(1, len(text) + 1)]


def search_latency(replica: Replica) -> dict[str, Any]:
    index = DirectoryIndex(replica.connection)
    started = time.perf_counter()
    index.search("", language="de")
    cold = time.perf_counter() - started
    typed = keystrokes()
    ours, scan = [], []
    for language, text in typed:  # interleaved, so drift hits both alike
        t0 = time.perf_counter()
        index.search(text, language=language)
        t1 = time.perf_counter()
        _like_scan(replica, text)
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        scan.append(t2 - t1)
    found = {text: index.search(text, language=lang).total for lang, text in QUERIES}
    return {
        "keystrokes": len(typed),
        "first_search_ms (loads the in-memory index)": round(cold * 1000, 1),
        "search_ms": _percentiles(ours),
        "like_scan_baseline_ms": _percentiles(scan),
        "p95_ratio_to_baseline": round(percentile(ours, 95) / percentile(scan, 95), 2),
        "results_per_full_query": found,
    }


def _like_scan(replica: Replica, text: str) -> int:
    typed = text.split()
    where = " AND ".join("(official_name || ' ' || data) LIKE ?" for _ in typed)
    sql = "SELECT count(*) FROM authorities" + (f" WHERE {where}" if typed else "")  # noqa: S608 (only placeholders)
    return int(replica.connection.execute(sql, [f"%{w}%" for w in typed]).fetchone()[0])


def _percentiles(seconds: list[float]) -> dict[str, float]:
    return {f"p{p}": round(percentile(seconds, p) * 1000, 2) for p in (50, 95, 99)} | {
        "max": round(max(seconds) * 1000, 2)}


def replicate(server: Server, workdir: Path, runs: int
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Timed bootstraps of new clients, each paired with a raw insert of the same rows; the
    search benchmark runs on the first client's replica once it is synced."""
    syncs, baselines = [], []
    search: dict[str, Any] = {}
    for run in range(runs):
        path = workdir / f"client-{run}"
        client = make_client(server, USER, path)
        try:
            quiesce()
            started = time.perf_counter()
            client.engine.sync()
            syncs.append(time.perf_counter() - started)
            print(f"bootstrap {run}: {syncs[-1]:.1f} s", file=sys.stderr, flush=True)
            rows = list(client.replica.connection.execute(
                "SELECT id, member_state, official_name, data FROM authorities ORDER BY rowid"))
            if run == 0:
                search = search_latency(client.replica)
        finally:
            client.close()
        shutil.rmtree(path)
        baselines.append(_raw_insert(workdir / f"raw-{run}", rows))
    result = {"authorities": len(rows), "sync": summary_ms(syncs),
              "raw_insert_baseline": summary_ms(baselines),
              "median_ratio": round(sorted(syncs)[len(syncs) // 2]
                                    / sorted(baselines)[len(baselines) // 2], 2)}
    return result, search


def _raw_insert(path: Path, rows: list[Any]) -> float:
    path.mkdir(parents=True)
    replica = Replica.open(path / "replica.db", os.urandom(32))
    try:
        quiesce()
        started = time.perf_counter()
        with replica.transaction():
            replica.connection.executemany("INSERT INTO authorities VALUES (?, ?, ?, ?)", rows)
        return time.perf_counter() - started
    finally:
        replica.close()
        shutil.rmtree(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.directory",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--authorities", type=int, default=15_000)
    parser.add_argument("--runs", type=int, default=3, help="timed bootstraps of new clients")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="imi-bench-dir-"))
    results: dict[str, Any] = {"load_average_at_start": os.getloadavg()[0]}
    try:
        data_dir = workdir / "server"
        init_server(data_dir)
        results["seed"] = json.loads(_run("bench.directory_seed", str(data_dir),
                                          "--authorities", str(options.authorities)))
        with running_server(data_dir) as url:
            server = Server(url=url, password=DEMO_PASSWORD)
            results["replicate"], results["search"] = replicate(server, workdir, options.runs)
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
