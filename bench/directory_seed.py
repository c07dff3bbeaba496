"""Adding the generated directory to a server's database (``python -m bench.directory_seed``).

Run as a subprocess, like ``bench.seed``, so the measuring process never imports the server's
stack. The authorities go in through ``add_authorities`` (validation, relational competences,
publication as public sync rows) in one transaction; JSON on stdout says how long it took.
"""

import argparse
import json
import time
from pathlib import Path

from sqlalchemy.orm import Session

from bench.directorygen import generate
from sync_server.config import load_settings
from sync_server.db import make_engine
from sync_server.directory.service import add_authorities
from sync_server.sync.sequence import SequenceLock


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--authorities", type=int, default=15_000)
    options = parser.parse_args()
    entries = generate(options.authorities)
    engine = make_engine(load_settings(options.data_dir).database_url)
    started = time.perf_counter()
    try:
        with Session(engine) as session, session.begin():
            seq = SequenceLock(session).acquire()
            add_authorities(session, seq, entries)
            session.flush()
            seq.flush()
    finally:
        engine.dispose()
    print(json.dumps({"authorities": len(entries),
                      "seconds": round(time.perf_counter() - started, 2)}))


if __name__ == "__main__":
    main()
