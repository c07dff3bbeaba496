"""Target: client cold start to a usable inbox of 50,000 cases, and a scroll to the end.

The profile is built through the client's own write path: a real encrypted replica, the
directory, then 50,000 realistic cases (``bench.casegen``, walked through the workflow) applied
as pull pages by ``cases.apply_pull_page``, triggers and list table included, as a sync would.
Then a new process (``bench.list_window``) is started for each run and timed from just before
its start until it reports its first painted screen; it also reports its memory and every
page of three scrolls to the end, measured on its GUI thread.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.casegen import HOME, make_cases
from bench.clients import PASSPHRASE
from desktop.local_server import free_port
from desktop.models import case_list, cases
from desktop.models import profile as profiles
from desktop.models.replica import Replica
from sync_protocol.messages import Change, EntityKind
from sync_server.seed import DIRECTORY_FILE

USER = "de.weber"
TARGETS = {"first_screen_s": 2.0, "rss_mb": 300.0, "page_ms": 16.0}


def build_profile(path: Path, count: int) -> dict[str, Any]:
    directory = json.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))
    user = next(u for u in directory["users"] if u["username"] == USER)
    home = next(a for a in directory["authorities"] if a["id"] == HOME)
    profile, key = profiles.create(path, server_url=f"http://127.0.0.1:{free_port()}",
                                   username=USER, passphrase=PASSPHRASE)
    replica = Replica.open(profile.replica_path, key)
    started = time.perf_counter()
    try:
        with replica.transaction():
            replica.set_meta("token", "offline-bench")
            replica.set_meta("user", {
                "user_id": "bench", "username": USER, "display_name": user["display_name"],
                "authority_id": HOME, "authority_name": home["official_name"],
                "member_state": home["member_state"], "roles": user["roles"],
                "language": "de"})
        cases.apply_pull_page(replica, [
            Change(kind=EntityKind.AUTHORITY, id=a["id"], version=1, data=a)
            for a in directory["authorities"]], "directory", complete=False)
        made = make_cases(count)
        generated = time.perf_counter() - started
        for start in range(0, len(made), 2000):
            page = made[start:start + 2000]
            cases.apply_pull_page(replica, [
                Change(kind=EntityKind.CASE, id=c.id, version=c.version,
                       data=c.model_dump(mode="json")) for c in page],
                f"page-{start}", complete=start + 2000 >= len(made))
        counts = {folder: total for folder, (total, _unread) in
                  case_list.folder_counts(replica).items()}
    finally:
        replica.close()
    return {"cases": count, "folders": counts, "generate_s": round(generated, 1),
            "apply_s": round(time.perf_counter() - started - generated, 1)}


def one_run(profile_dir: Path) -> dict[str, Any]:
    env = dict(os.environ, IMI_PASSPHRASE=PASSPHRASE, QT_QPA_PLATFORM="offscreen")
    started = time.time()
    child = subprocess.Popen([sys.executable, "-m", "bench.list_window", str(profile_dir)],
                             stdout=subprocess.PIPE, env=env, text=True)
    assert child.stdout is not None
    lines = [json.loads(line) for line in child.stdout]
    if child.wait(120) != 0 or len(lines) != 2:
        raise RuntimeError(f"bench.list_window failed ({child.returncode}): {lines}")
    first, scrolled = lines
    return {"first_screen_s": round(first["at"] - started, 3),
            "rss_mb_at_first_screen": first["rss_mb"], "first_rows": first["rows"], **scrolled}


def measure(workdir: Path, *, count: int = 50_000, runs: int = 3) -> dict[str, Any]:
    profile_dir = workdir / "list-profile"
    built = build_profile(profile_dir, count)
    results = [one_run(profile_dir) for _ in range(runs)]
    starts = [r["first_screen_s"] for r in results]
    last = results[-1]
    worst_p95 = max(s["p95_page_ms"] for s in last["scrolls"].values())
    return {
        **built,
        "runs": runs,
        "first_screen_s": {"median": statistics.median(starts), "all": starts},
        "rss_mb_at_first_screen": max(r["rss_mb_at_first_screen"] for r in results),
        "peak_rss_mb_after_scrolls": max(r["peak_rss_mb"] for r in results),
        "scrolls": last["scrolls"],
        "worst_p95_page_ms": worst_p95,
        "filter_gui_ms": last["filter_gui_ms"],
        "filter_shown_ms": last["filter_shown_ms"],
        "filter_bar": last["filter_bar"],
        "targets": TARGETS,
    }


def target_met(figures: dict[str, Any]) -> bool:
    return bool(figures["first_screen_s"]["median"] < TARGETS["first_screen_s"]
                and figures["peak_rss_mb_after_scrolls"] < TARGETS["rss_mb"]
                and figures["worst_p95_page_ms"] < TARGETS["page_ms"])
