"""Experiment (issue 12, not part of the product): the floor under an initial sync of N cases.
CPU and wall seconds of (1) turning the N case documents' JSON (one array, as a pull page
carries them) into Python objects, and (2) storing the same rows with one executemany in one
transaction into a bare ``cases`` table (primary key only: no trigger, no list, no full-text
index): in SQLCipher as the replica opens it, with 16 KiB cipher pages, and in plain sqlite3.

    PYTHONPATH=. .venv/bin/python bench/results/sync_floor_experiment.py 100000
"""
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import sqlcipher3

from bench.casegen import make_cases
from desktop.models.cases import json_text, row_values
from desktop.models.replica import CASE_COLUMNS

n = int(sys.argv[1])
texts = [case.model_dump_json() for case in make_cases(n)]
page = ("[" + ",".join(texts) + "]").encode()
started = time.process_time()
documents = json.loads(page)
print(f"json.loads of {len(page) // 1_000_000} MB: {time.process_time() - started:.2f} s CPU")
rows = [row_values(d, json_text(d), "DE-LZK-BW", None) for d in documents]
columns = ", ".join(CASE_COLUMNS)
insert = f"INSERT INTO cases ({columns}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"  # noqa: S608 (column names of our own)
key = os.urandom(32).hex()
for label, module, pragmas in (
        ("sqlcipher, as the replica", sqlcipher3, [f"PRAGMA key = \"x'{key}'\""]),
        ("sqlcipher, 16 KiB pages", sqlcipher3,
         [f"PRAGMA key = \"x'{key}'\"", "PRAGMA cipher_page_size = 16384"]),
        ("plain sqlite3", sqlite3, [])):
    connection = module.connect(str(Path(tempfile.mkdtemp()) / "r.db"), isolation_level=None)
    for pragma in [*pragmas, "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"]:
        connection.execute(pragma)
    connection.execute(f"CREATE TABLE cases ({columns.replace('id,', 'id PRIMARY KEY,', 1)})")
    cpu, wall = time.process_time(), time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(insert, rows)
    connection.execute("COMMIT")
    print(f"{label}: insert {time.process_time() - cpu:.2f} s CPU, "
          f"{time.perf_counter() - wall:.2f} s wall")
