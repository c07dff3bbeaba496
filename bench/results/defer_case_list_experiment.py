"""Experiment (issue 12, not part of the product): CPU seconds of inserting N bootstrap case rows
into a fresh replica with the case-list trigger and sort indexes in place (False), and with them
dropped during the insert and rebuilt afterwards in the same transaction (True).

    PYTHONPATH=. .venv/bin/python bench/results/defer_case_list_experiment.py 100000
"""
import os, time, json, tempfile
from pathlib import Path
from bench.casegen import make_cases
from desktop.models.replica import Replica, CASE_COLUMNS
from desktop.models.cases import row_values
from desktop.models import schema
import sys
n = int(sys.argv[1])  # rows; run: PYTHONPATH=. .venv/bin/python bench/results/defer_case_list_experiment.py 100000
cases = make_cases(n)
rows = []
for c in cases:
    data = json.loads(c.model_dump_json())
    rows.append(row_values(data, json.dumps(data, ensure_ascii=False, separators=(",", ":")), "DE-LZK-BW", None))
ins = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"
def run(defer):
    d = Path(tempfile.mkdtemp())
    r = Replica.open(d / "r.db", os.urandom(32))
    db = r._db
    t0 = time.process_time()
    with r.transaction():
        if defer:
            db.execute("DROP TRIGGER cases_listed")
            for c in schema.SORT_COLUMNS: db.execute(f"DROP INDEX ix_case_list_{c}")
        db.executemany(ins, rows)
        if defer:
            db.execute(f"INSERT INTO case_list (id, {schema._LIST_NAMES}) SELECT c.id, {', '.join(e.format(r='c') for e in schema._LISTED_V7.values())} FROM cases c")
            for c in schema.SORT_COLUMNS:
                db.execute(f"CREATE INDEX ix_case_list_{c} ON case_list ({'id' if c == 'id' else f'{c}, id'}, folder)")
    t = time.process_time() - t0
    print(defer, round(t, 2), r.read("SELECT count(*) FROM case_list")[0][0])
    r.close()
run(False); run(True)
