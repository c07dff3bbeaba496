"""Pushes at the same time, on SQLite and PostgreSQL: each lands once, in order, whole or not.

Sync rows are numbered and written at the end of a push (``sync.sequence``): on PostgreSQL the
sequence lock is taken there, after the push's case locks; on SQLite the writers of a process
queue on an in-process lock. These tests push from several threads at once while a reader
pulls with its cursor (a pull that could skip a row would miss a case), and break a push in
its middle to show that nothing of it stays.
"""

import threading

import pytest
from factories import create_args, new_id
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sync_protocol.messages import EntityKind
from sync_server.auth.models import Device
from sync_server.cases.models import Case
from sync_server.jobs import case_jobs
from sync_server.orm import ServerState
from sync_server.sync import sequence
from sync_server.sync.models import AppliedMutation, SyncRow
from sync_server.sync.publish import publish
from sync_server.sync.sequence import SequenceLock

WRITERS = 4
PUSHES = 3
TIMEOUT = 60.0


def _last_seq(server):
    return server.scalar(select(ServerState.last_seq))


def _assert_unique_seqs(server):
    duplicated = server.rows(select(SyncRow.seq).group_by(SyncRow.seq)
                             .having(func.count() > 1))
    assert duplicated == [], "two sync rows share a sequence number"
    assert server.scalar(select(func.max(SyncRow.seq))) == _last_seq(server)


def test_concurrent_pushes_all_land_once_and_a_pulling_reader_misses_none(server):
    writers = [server.peer("DE") for _ in range(WRITERS)]
    reader = server.peer("HU")
    reader.pull_all()
    start = _last_seq(server)
    created: list[list[str]] = [[] for _ in writers]
    statuses: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()
    seen: dict[str, int] = {}

    def write(index):
        peer = writers[index]
        try:
            for _ in range(PUSHES):
                case_id = new_id()
                response = peer.push_raw(
                    peer.mutation("case.create",
                                  create_args(responder=reader.authority_id, case_id=case_id)),
                    peer.mutation("case.send", {"case_id": case_id}, base_version=1))
                statuses.append(response.status_code)
                if response.status_code == 200:
                    assert [r["status"] for r in response.json()["results"]] == \
                        ["applied", "applied"], response.text
                    created[index].append(case_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,), daemon=True)
               for i in range(WRITERS)]
    for thread in threads:
        thread.start()

    def read():
        # Pulls with its cursor while the pushes commit: every page must be final.
        try:
            while not done.is_set():
                for change in reader.pull_all():
                    seen[change["id"]] = change["version"]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    reading = threading.Thread(target=read, daemon=True)
    reading.start()
    for thread in threads:
        thread.join(TIMEOUT)
    done.set()
    reading.join(TIMEOUT)
    assert not errors, errors
    assert statuses == [200] * (WRITERS * PUSHES)
    for change in reader.pull_all():
        seen[change["id"]] = change["version"]

    every = {case_id for ids in created for case_id in ids}
    assert len(every) == WRITERS * PUSHES
    # The reader holds every case, each in its sent version (2): none skipped, none stale.
    assert {case_id: seen.get(case_id) for case_id in every} == dict.fromkeys(every, 2)
    assert server.count(Case) == WRITERS * PUSHES
    for peer in writers:
        assert server.count(AppliedMutation,
                            AppliedMutation.device_id == peer.device_id) == 2 * PUSHES
        assert server.scalar(select(Device.last_mutation_id)
                             .where(Device.id == peer.device_id)) == 2 * PUSHES
    _assert_unique_seqs(server)
    # Each case has one row per authority involved, numbered after what was there before.
    rows = server.rows(select(SyncRow.entity_id, SyncRow.seq)
                       .where(SyncRow.kind == EntityKind.CASE.value))
    assert {entity_id for entity_id, _ in rows} == every
    assert len(rows) == 2 * len(every)
    assert min(seq for _, seq in rows) > start


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_pushes_touching_the_same_cases_in_opposite_orders_do_not_deadlock(server):
    """Each push locks its cases in id order before the sequence lock: two pushes with the
    same two cases in opposite orders queue instead of each holding one the other needs."""
    first, second = server.peer("DE"), server.peer("DE")
    hu = server.peer("HU")
    case_ids = sorted([new_id(), new_id()])
    for case_id in case_ids:
        first.push(first.mutation("case.create",
                                  create_args(responder=hu.authority_id, case_id=case_id)))
    rounds = 6
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def comment(peer, order):
        try:
            for n in range(rounds):
                barrier.wait(TIMEOUT)
                response = peer.push_raw(*[
                    peer.mutation("case.edit_draft", create_args(
                        responder=hu.authority_id, case_id=case_id,
                        family_name=f"Edit {n}"))
                    for case_id in order])
                statuses.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=comment, args=(first, case_ids), daemon=True),
               threading.Thread(target=comment, args=(second, case_ids[::-1]), daemon=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not errors, errors
    assert statuses == [200] * (2 * rounds)
    _assert_unique_seqs(server)


def test_a_push_that_fails_in_its_middle_leaves_nothing(server, monkeypatch):
    de, hu = server.peer("DE"), server.peer("HU")
    hu.pull_all()
    before = _last_seq(server)
    case_id = new_id()
    real_after_step = case_jobs.after_step
    calls = []

    def failing_after_step(session, case, **kwargs):
        calls.append(case.id)
        if len(calls) == 2:  # the send, after the create was stored and published
            raise RuntimeError("broken in the middle")
        real_after_step(session, case, **kwargs)

    monkeypatch.setattr(case_jobs, "after_step", failing_after_step)
    mutations = [de.mutation("case.create", create_args(responder=hu.authority_id,
                                                        case_id=case_id)),
                 de.mutation("case.send", {"case_id": case_id}, base_version=1)]
    assert de.push_raw(*mutations).status_code == 500
    assert len(calls) == 2
    assert server.count(Case, Case.id == case_id) == 0
    assert server.count(SyncRow, SyncRow.entity_id == case_id) == 0
    assert server.count(AppliedMutation, AppliedMutation.device_id == de.device_id) == 0
    assert _last_seq(server) == before
    assert hu.pull_all() == []

    # The retry applies it from the first step (and the writer lock was let go).
    monkeypatch.setattr(case_jobs, "after_step", real_after_step)
    response = de.push_raw(*mutations)
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["applied", "applied"]
    assert [c["id"] for c in hu.pull_all()] == [case_id]
    _assert_unique_seqs(server)


def test_a_rolled_back_savepoint_takes_its_queued_rows_back(db_engine):
    with Session(db_engine) as session, session.begin():
        seq = SequenceLock(session).acquire(at_first_number=True)
        publish(session, seq, kind=EntityKind.AREA, entity_id="KEPT", version=1,
                payload=b"{}", audiences=["public"])

        def refused_step():
            with session.begin_nested():
                publish(session, seq, kind=EntityKind.AREA, entity_id="DROPPED", version=1,
                        payload=b"{}", audiences=["public"])
                raise RuntimeError("refused")

        with pytest.raises(RuntimeError):
            refused_step()
        # A second SequenceLock in the same transaction is the same one.
        assert SequenceLock(session) is seq
    with Session(db_engine) as session:
        ids = set(session.scalars(select(SyncRow.entity_id)
                                  .where(SyncRow.entity_id.in_(["KEPT", "DROPPED"]))))
        top = session.scalar(select(func.max(SyncRow.seq)))
        kept = session.scalar(select(SyncRow.seq).where(SyncRow.entity_id == "KEPT"))
        last = session.scalar(select(ServerState.last_seq))
    assert ids == {"KEPT"}
    assert kept == top == last


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_sqlite_writer_lock_is_held_to_the_end_of_the_transaction(db_engine):
    """SQLite only: on PostgreSQL writers queue on the ``server_state`` row lock."""
    lock = sequence._writer_lock(db_engine)
    for end in ("commit", "rollback", "close"):
        session = Session(db_engine)
        session.begin()
        SequenceLock(session).acquire(at_first_number=True)
        assert lock.locked()
        # A second writer of this process queues behind it, in the process.
        assert not lock.acquire(blocking=False)
        if end == "commit":
            session.commit()
        elif end == "rollback":
            session.rollback()
        session.close()
        assert not lock.locked(), end


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_on_postgresql_a_push_takes_the_sequence_lock_only_to_write_its_rows(server):
    """Everything a push validates, seals and stores runs before the sequence lock; under it
    only the sync rows and the committed number are written."""
    de, hu = server.peer("DE"), server.peer("HU")
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()[:3]))

    event.listen(server.context.engine, "before_cursor_execute", record)
    try:
        case_id = new_id()
        de.push(de.mutation("case.create", create_args(responder=hu.authority_id,
                                                       case_id=case_id)),
                de.mutation("case.send", {"case_id": case_id}, base_version=1))
    finally:
        event.remove(server.context.engine, "before_cursor_execute", record)
    locks = [i for i, s in enumerate(statements) if s == "UPDATE server_state SET"]
    assert len(locks) == 2, statements  # the lock (first number), then the last number
    under_lock = statements[locks[0]:]
    assert [s for s in under_lock if not s.startswith(("UPDATE server_state",
                                                       "INSERT INTO sync_rows",
                                                       "SELECT pg_notify"))] == []
    assert any(s.startswith("INSERT INTO cases") for s in statements[:locks[0]])


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("made_in_savepoint", [False, True])
def test_a_lock_first_taken_in_a_rolled_back_savepoint_is_taken_again(db_engine,
                                                                       made_in_savepoint):
    """PostgreSQL lets go of a row lock taken in a savepoint rolled back: the next number must
    lock ``server_state`` again, or it is handed out unlocked (and a pull could skip it)."""
    with Session(db_engine) as session:
        before = session.scalar(select(ServerState.last_seq))
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(db_engine, "before_cursor_execute", record)
    try:
        with Session(db_engine) as session, session.begin():
            if not made_in_savepoint:
                SequenceLock(session).acquire(at_first_number=True)

            def refused_step():
                with session.begin_nested():
                    seq = SequenceLock(session).acquire(at_first_number=True)
                    assert seq.next() == before + 1
                    seq.flush()  # writes last_seq in the savepoint
                    raise RuntimeError("refused")

            with pytest.raises(RuntimeError):
                refused_step()
            seq = SequenceLock(session)
            assert seq.next() == before + 1
            locks = [s for s in statements
                     if s.startswith("UPDATE server_state") and "RETURNING" in s]
            assert len(locks) == 2, statements
            # Held now: another transaction cannot take it.
            with db_engine.connect() as other, pytest.raises(OperationalError):
                other.execute(select(ServerState.last_seq).with_for_update(nowait=True))
            seq.flush()
    finally:
        event.remove(db_engine, "before_cursor_execute", record)
    with Session(db_engine) as session:
        assert session.scalar(select(ServerState.last_seq)) == before + 1
