"""Experiment (issue 12, not part of the product): CPU seconds of applying N pulled cases in
pages of 2000 (``cases.apply_pull_page``, no network) to a fresh replica, with the lists
deferred to one bulk build at the end (``defer``, the product) and with every row through
the per-row triggers (``rows``: ``Replica.deferring_lists`` made a no-op).

    PYTHONPATH=. .venv/bin/python bench/results/bootstrap_apply_experiment.py 100000 defer
"""
import contextlib, json, os, sys, tempfile, time
from pathlib import Path
from bench.casegen import make_cases
from desktop.models import cases
from desktop.models.replica import Replica
from sync_protocol.messages import Change
from tests.desktop.interrupted_set_up import LOGIN

n, mode = int(sys.argv[1]), sys.argv[2]
changes = [Change(kind="case", id=c.id, version=c.version, data=json.loads(c.model_dump_json()))
           for c in make_cases(n)]
if mode == "rows":
    Replica.deferring_lists = lambda self: contextlib.nullcontext()  # type: ignore
replica = Replica.open(Path(tempfile.mkdtemp()) / "r.db", os.urandom(32))
replica.save_meta("user", LOGIN.user.model_dump(mode="json"))
started = time.process_time()
for i in range(0, n, 2000):
    cases.apply_pull_page(replica, changes[i:i + 2000], f"c{i}", complete=i + 2000 >= n)
print(mode, n, "cpu", round(time.process_time() - started, 2),
      replica.read("SELECT count(*), sum(unread) FROM case_list")[0],
      replica.read("SELECT count(*) FROM case_text")[0][0])
