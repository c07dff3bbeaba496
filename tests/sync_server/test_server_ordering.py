"""The ordering trap, on PostgreSQL: sequence numbers are handed out in commit order.

If a transaction could take sequence 7 and commit after another took 8 and was pulled, the
puller's cursor would pass 7 and never see it. ``SequenceLock`` serialises writers on the
``server_state`` row: these tests hold that lock open in one transaction (T1) and show that a
second writer (T2) waits for T1's commit, that a pull meanwhile serves nothing past what is
committed, and that a pull from the earlier cursor afterwards sees both writes, in order.
"""

import threading

import pytest
from factories import create_args, new_id
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sync_protocol.cursor import decode_cursor
from sync_server.directory.service import add_authority
from sync_server.orm import ServerState
from sync_server.sync.models import SyncRow
from sync_server.sync.sequence import SequenceLock

pytestmark = pytest.mark.postgres

TIMEOUT = 10.0


@pytest.fixture
def backend():
    return "postgres"


def _blocked_by(server, pid):
    """Backends of this database waiting for a lock that ``pid`` holds."""
    # A new transaction per look: pg_stat_activity is a snapshot per transaction.
    with server.engine.connect() as connection:
        return set(connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                 "AND :pid = ANY(pg_blocking_pids(pid))"), {"pid": pid}).scalars())


def _until(condition, *, seconds=TIMEOUT):
    tick = threading.Event()
    for _ in range(int(seconds / 0.01)):
        if result := condition():
            return result
        tick.wait(0.01)
    return condition()


def _authority(authority_id):
    return {"id": authority_id, "member_state": "AT", "official_name": authority_id,
            "areas": ["PQ"]}


def _committed_seq(server):
    return server.scalar(select(ServerState.last_seq))


def _seq(server, cursor):
    return decode_cursor(cursor, key=server.settings.cursor_key).seq


def test_second_writer_waits_for_the_first_commit(server):
    reader = server.peer("HU")
    reader.pull_all()
    start = reader.cursor
    committed = _committed_seq(server)
    assert _seq(server, start) == committed

    t2_pid: list[int] = []
    t2_acquired, t2_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def second_writer():
        try:
            with Session(server.engine) as session:
                t2_pid.append(session.scalar(text("SELECT pg_backend_pid()")))
                seq = SequenceLock(session).acquire()
                t2_acquired.set()
                add_authority(session, seq, _authority("AT-T2"))
                seq.flush()
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            t2_done.set()

    t1 = Session(server.engine)
    thread = threading.Thread(target=second_writer, daemon=True)
    try:
        t1_pid = t1.scalar(text("SELECT pg_backend_pid()"))
        seq1 = SequenceLock(t1).acquire()
        add_authority(t1, seq1, _authority("AT-T1"))
        seq1.flush()
        t1.flush()  # T1's sync row is written, with the next number, and not committed

        thread.start()
        blocked = _until(lambda: _blocked_by(server, t1_pid))
        assert blocked, "T2 never waited for T1's lock"
        assert t2_pid and blocked == {t2_pid[0]}
        assert not t2_acquired.is_set()

        # A pull now serves nothing past the committed sequence.
        during = reader.pull_raw(start)
        assert during.status_code == 200
        assert during.json()["changes"] == []
        assert _seq(server, during.json()["cursor"]) == committed
        assert _committed_seq(server) == committed

        t1.commit()
        assert t2_acquired.wait(TIMEOUT), "T2 did not get the lock after T1 committed"
        assert t2_done.wait(TIMEOUT)
        assert not errors, errors
    finally:
        t1.close()
        thread.join(TIMEOUT)
    assert not thread.is_alive()

    after = reader.pull_all()
    assert [(c["kind"], c["id"]) for c in after] == [
        ("authority", "AT-T1"), ("authority", "AT-T2")]
    seqs = dict(server.rows(select(SyncRow.entity_id, SyncRow.seq)
                            .where(SyncRow.entity_id.in_(["AT-T1", "AT-T2"]))))
    assert committed < seqs["AT-T1"] < seqs["AT-T2"] == _committed_seq(server)
    _assert_unique_seqs(server)


def test_a_push_waits_behind_an_open_writer_and_lands_after_it(server):
    de, hu = server.peer("DE"), server.peer("HU")
    hu.pull_all()
    start = hu.cursor
    committed = _committed_seq(server)
    case_id = new_id()
    mutations = [
        de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1),
    ]
    responses = []
    pushed = threading.Event()

    def push():
        try:
            responses.append(de.push_raw(*mutations))
        finally:
            pushed.set()

    t1 = Session(server.engine)
    thread = threading.Thread(target=push, daemon=True)
    try:
        t1_pid = t1.scalar(text("SELECT pg_backend_pid()"))
        seq1 = SequenceLock(t1).acquire()
        add_authority(t1, seq1, _authority("AT-T1"))
        seq1.flush()
        t1.flush()

        thread.start()
        assert _until(lambda: _blocked_by(server, t1_pid)), "the push never waited"
        assert not pushed.is_set()
        during = hu.pull_raw(start).json()
        assert during["changes"] == []
        assert _seq(server, during["cursor"]) == committed

        t1.commit()
        assert pushed.wait(TIMEOUT), "the push did not finish after T1 committed"
    finally:
        t1.close()
        thread.join(TIMEOUT)

    assert responses[0].status_code == 200
    assert [r["status"] for r in responses[0].json()["results"]] == ["applied", "applied"]
    after = hu.pull_all()
    assert [(c["kind"], c["id"]) for c in after] == [("authority", "AT-T1"), ("case", case_id)]
    _assert_unique_seqs(server)
    t1_seq = server.scalar(select(SyncRow.seq).where(SyncRow.entity_id == "AT-T1"))
    case_seqs = [s for (s,) in server.rows(select(SyncRow.seq)
                                          .where(SyncRow.entity_id == case_id))]
    assert len(case_seqs) == 2
    assert committed < t1_seq < min(case_seqs)
    assert max(case_seqs) == _committed_seq(server)


def _assert_unique_seqs(server):
    duplicated = server.rows(select(SyncRow.seq).group_by(SyncRow.seq)
                             .having(func.count() > 1))
    assert duplicated == [], "two sync rows share a sequence number"
