"""Seeding cases straight into the server's database, through the server's own persistence.

Pushing 10,000 cases through HTTP (or ``apply_case_mutation`` step by step: ~30,000 steps,
each reloading and unsealing its case) would take minutes. Each case's *final* state is built
by the real workflow (``bench.casegen``), then persisted the way ``apply_case_mutation`` does:
the sealed ``cases`` row, and ``sync_server.sync.publish.publish`` itself for the sync rows, all in
one transaction under the ``SequenceLock``. What replicas pull is then what the server would
have published after the last step of each case.

Run as a subprocess (``python -m bench.seed DATA_DIR --cases N``, JSON on stdout) so that the
measuring process never imports the server's stack: a client process does not hold
SQLAlchemy's ~35,000 objects, and every garbage collection during a timed sync would walk them.
"""

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.casegen import HOME, make_cases
from sync_protocol.cases import CaseRecord
from sync_protocol.messages import EntityKind
from sync_protocol.visibility import case_views
from sync_server.cases.models import Case, CaseParticipant
from sync_server.config import load_settings
from sync_server.crypto import Sealer, case_binding
from sync_server.db import make_engine
from sync_server.seed import DEMO_PASSWORD
from sync_server.sync.models import SyncRow
from sync_server.sync.publish import publish_views
from sync_server.sync.sequence import SequenceLock


def seed_cases(data_dir: Path, cases: Sequence[CaseRecord]) -> float:
    """Persist and publish ``cases`` (oldest first) in one transaction; return the seconds."""
    started = time.perf_counter()
    settings = load_settings(data_dir)
    sealer = Sealer(settings.keyring)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session, session.begin():
            seq = SequenceLock(session).acquire()
            # Each case is published once, so publish()'s lookup of existing rows needs no
            # flush of the rows added before it; without this every lookup flushes one case.
            with session.no_autoflush:
                for case in cases:
                    _persist(session, seq, sealer, case)
            session.flush()  # the cases before their participants (foreign key)
            session.add_all(CaseParticipant(case_id=case.id, authority_id=p.authority_id,
                                            role=p.role.value)
                            for case in cases for p in case.participants)
            seq.flush()
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _persist(session: Session, seq: SequenceLock, sealer: Sealer, case: CaseRecord) -> None:
    # As sync_server.cases.service.store_case writes a new case (participants: by the caller).
    payload = case.model_dump_json().encode()
    session.add(Case(
        id=case.id, version=case.version, state=case.state.value, area=case.area,
        sealed=sealer.seal(payload, where=case_binding(case.id)), updated_at=case.updated_at,
    ))
    views = {audience: view.model_dump_json().encode()
             for audience, view in case_views(case).items()}
    publish_views(session, seq, kind=EntityKind.CASE, entity_id=case.id, version=case.version,
                  views=views, sealer=sealer)


def visible_cases(data_dir: Path, authority_id: str) -> int:
    """How many cases a new replica of ``authority_id`` receives (demo cases included)."""
    engine = make_engine(load_settings(data_dir).database_url)
    try:
        with Session(engine) as session:
            return int(session.scalar(
                select(func.count()).select_from(SyncRow).where(
                    SyncRow.kind == EntityKind.CASE.value,
                    SyncRow.audience == f"authority:{authority_id}",
                    SyncRow.payload.is_not(None))) or 0)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--cases", type=int, required=True)
    options = parser.parse_args()
    seconds = seed_cases(options.data_dir, make_cases(options.cases))
    print(json.dumps({
        "cases": options.cases,
        "authority": HOME,
        "visible": visible_cases(options.data_dir, HOME),  # the demo's own cases on top
        "seconds": round(seconds, 1),
        "password": DEMO_PASSWORD,  # the demo users' password, as the server seeds them
    }))


if __name__ == "__main__":
    main()
