"""Pull and wait: paging, re-delivery, signed cursors and when they stop being valid."""

import asyncio
import gc
import threading
import weakref
from collections import Counter

import pytest
from factories import create_args, new_id
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sync_protocol.cursor import Cursor, decode_cursor, encode_cursor
from sync_server.auth.models import User
from sync_server.catalogue.models import LegislativeArea as Area
from sync_server.catalogue.models import QuestionSetRow
from sync_server.directory.models import Authority, Competence, MemberState
from sync_server.directory.service import add_authority
from sync_server.migrate import new_epoch
from sync_server.organisation.models import Coordinator
from sync_server.sync.epoch import Committed
from sync_server.sync.sequence import SequenceLock
from sync_server.sync.state import AudienceMarks, ReaderClosed, StateReader


def _expected_public(server):
    """What DE's bootstrap holds besides cases: the public rows, and its own users (the
    ``colleague`` rows of its authority's audience; the test directory has one)."""
    return Counter({
        "colleague": server.count(User, User.authority_id == server.directory.de.authority_id),
        "member_state": server.count(MemberState),
        "area": server.count(Area),
        "question_set": server.count(QuestionSetRow),
        "authority": server.count(Authority),
        "competence": server.count(Competence),
        "coordinator": server.count(Coordinator),
    })


def test_bootstrap_has_the_directory_and_catalogue(server):
    de = server.peer("DE")

    changes = de.pull_all()

    kinds = Counter(c["kind"] for c in changes)
    assert kinds == _expected_public(server)
    assert kinds["member_state"] == 30
    # the test directory's three, the Commission, 30 national and 16 German Land coordinators
    assert kinds["authority"] == 3 + 1 + 30 + 16
    assert kinds["competence"] >= 19
    assert kinds["coordinator"] == 1 + 30 + 16  # and their scopes
    question_set = next(c for c in changes if c["kind"] == "question_set")
    assert question_set["id"] == "PQ-GEN@1"
    assert question_set["data"]["questions"][0]["code"] == "PQ-GEN-Q01"
    assert all(c["data"] is not None and c["reason"] is None for c in changes)


def _add_authority(server, authority_id):
    with Session(server.engine) as session, session.begin():
        seq = SequenceLock(session).acquire()
        add_authority(session, seq, {"id": authority_id, "member_state": "AT",
                                     "official_name": authority_id, "areas": ["PQ"]})
        seq.flush()


def test_paging_walks_every_entity_exactly_once(server):
    de = server.peer("DE")
    hu_id = server.directory.authorities["HU"]
    # Public and private changes interleaved: pages merge the caller's audiences by sequence.
    expected_tail = []
    for n in range(3):
        case_id = new_id()
        de.step("case.create", create_args(responder=hu_id, case_id=case_id))
        _add_authority(server, f"AT-NEW-{n}")
        expected_tail += [("case", case_id), ("authority", f"AT-NEW-{n}")]
    case_ids = {i for k, i in expected_tail if k == "case"}

    pages = []
    while True:
        page = de.pull_page(limit=2)
        pages.append(page)
        if not page["has_more"]:
            break

    changes = [c for page in pages for c in page["changes"]]
    keys = [(c["kind"], c["id"]) for c in changes]
    assert len(keys) == len(set(keys)), "an entity came twice"
    assert Counter(k for k, _ in keys) == _expected_public(server) + Counter(case=3)
    assert {i for k, i in keys if k == "case"} == case_ids
    assert keys[-6:] == expected_tail
    assert all(len(p["changes"]) <= 2 for p in pages)
    assert all(p["has_more"] for p in pages[:-1])
    assert len(pages) >= len(changes) // 2
    # Cursors only move forward.
    seqs = [decode_cursor(p["cursor"], key=server.settings.cursor_key).seq for p in pages]
    assert seqs == sorted(seqs)
    # Done means done: the next pull is empty and keeps the cursor where it was.
    last = de.pull_page(limit=2)
    assert (last["changes"], last["has_more"]) == ([], False)
    assert decode_cursor(last["cursor"], key=server.settings.cursor_key).seq == seqs[-1]


def test_a_later_change_redelivers_the_entity_with_its_new_version(server):
    de = server.peer("DE")
    hu_id = server.directory.authorities["HU"]
    kept, sent = new_id(), new_id()
    de.push(de.mutation("case.create", create_args(responder=hu_id, case_id=kept)),
            de.mutation("case.create", create_args(responder=hu_id, case_id=sent)))
    first = de.cases(de.pull_all(limit=2))
    assert {i: c["version"] for i, c in first.items()} == {kept: 1, sent: 1}

    de.step("case.send", {"case_id": sent})

    again = de.pull_all(limit=2)
    assert [(c["kind"], c["id"], c["version"], c["data"]["state"]) for c in again] == [
        ("case", sent, 2, "sent")]


def test_invalid_cursors_are_400(server):
    de = server.peer("DE")
    good = de.pull_page()["cursor"]
    body, mac = good.split(".")
    other_key = encode_cursor(Cursor(epoch=server.epoch, scope=1, seq=0),
                              key=b"k" * 32)
    bad = ["garbage", "a.b.c", "é.é", f"{body}.{mac[::-1]}", other_key, ".", "x" * 5000]

    for cursor in bad:
        for path in ("/v1/sync/pull", "/v1/sync/wait"):
            # Pull takes no timeout: an unknown query parameter is refused (422).
            params = {"cursor": cursor, **({"timeout": 0} if path.endswith("wait") else {})}
            response = server.client.get(path, params=params, headers=de.headers)
            assert response.status_code == 400, (cursor, path)
            assert response.json()["code"] == "invalid_cursor"


def test_pull_query_of_the_wrong_type_is_422(server):
    de = server.peer("DE")

    for params in ({"limit": "many"}, {"limit": 0}, {"limit": 10**6}):
        response = server.client.get("/v1/sync/pull", params=params, headers=de.headers)
        assert response.status_code == 422, params
        assert response.json()["code"] == "invalid_message"


def test_cursor_from_another_epoch_requires_a_reset(server):
    de = server.peer("DE")
    cursor = de.pull_page()["cursor"]
    # The database is restored from a backup and a new epoch started: the running server
    # reads the epoch per request, so it needs no restart.
    old = server.epoch
    new_epoch(server.engine)
    client = server.client
    assert server.epoch != old

    for path in ("/v1/sync/pull", "/v1/sync/wait"):
        params = {"cursor": cursor, **({"timeout": 0} if path.endswith("wait") else {})}
        response = client.get(path, params=params, headers=de.headers)
        assert response.status_code == 409, path
        assert response.json()["code"] == "reset_required"
    # Starting over works.
    assert client.get("/v1/sync/pull", headers=de.headers).status_code == 200


def test_signed_cursor_naming_another_epoch_requires_a_reset(server):
    de = server.peer("DE")
    cursor = encode_cursor(Cursor(epoch="0123456789abcdef", scope=1, seq=3),
                           key=server.settings.cursor_key)

    response = de.pull_raw(cursor)

    assert response.status_code == 409
    assert response.json()["code"] == "reset_required"


def test_scope_change_requires_a_reset(server):
    de = server.peer("DE")
    cursor = de.pull_page()["cursor"]
    with server.engine.begin() as connection:
        connection.execute(update(User).where(User.id == server.directory.de.user_id)
                           .values(scope_version=User.scope_version + 1))

    stale = de.pull_raw(cursor)
    fresh = de.pull_raw("")

    assert stale.status_code == 409
    assert stale.json()["code"] == "reset_required"
    assert fresh.status_code == 200
    assert decode_cursor(fresh.json()["cursor"], key=server.settings.cursor_key).scope == 2
    # Another user's cursors are not affected.
    hu = server.peer("HU")
    assert hu.pull_raw(hu.pull_page()["cursor"]).status_code == 200


def test_wait_times_out_with_nothing_new(server):
    de = server.peer("DE")
    de.pull_all()

    response = de.wait_raw(timeout=0.2)

    assert response.status_code == 200
    assert response.json() == {"changed": False}


def test_wait_says_changed_when_something_is_newer_than_the_cursor(server):
    de, hu = server.peer("DE"), server.peer("HU")
    de.pull_all()
    hu.pull_all()
    case_id = new_id()
    de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id))

    assert de.wait_raw(timeout=5).json() == {"changed": True}
    assert hu.wait_raw(timeout=0.2).json() == {"changed": False}  # a draft is not news to HU
    # From the start, everything is news.
    assert hu.wait_raw(cursor="", timeout=5).json() == {"changed": True}


def test_wait_wakes_up_when_a_request_arrives(server):
    de, hu = server.peer("DE"), server.peer("HU")
    hu.pull_all()
    case_id = new_id()
    de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id))
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(hu.wait_raw(timeout=20)))
    notifier = server.context.notifier

    waiter.start()
    try:
        assert _until(lambda: bool(notifier._waiters), seconds=10), "the wait never started"
        de.step("case.send", {"case_id": case_id})
    finally:
        waiter.join(timeout=25)
    assert not waiter.is_alive()

    # A timed-out wait answers changed=false: true means the send woke it.
    assert answers[0].json() == {"changed": True}
    assert [c["id"] for c in hu.pull_all()] == [case_id]


def _until(condition, *, seconds):
    event = threading.Event()
    for _ in range(int(seconds / 0.01)):
        if condition():
            return True
        event.wait(0.01)
    return condition()


@pytest.mark.parametrize("limit", [1, 3])
def test_has_more_is_exact_at_the_page_boundary(server, limit):
    de = server.peer("DE")
    de.pull_all()
    hu_id = server.directory.authorities["HU"]
    de.push(*(de.mutation("case.create", create_args(responder=hu_id)) for _ in range(limit)))

    page = de.pull_page(limit=limit)

    assert len(page["changes"]) == limit
    assert page["has_more"] is False


# -- idle checks answered from the audience marks (``sync.state``) ---------------------------


def test_an_idle_check_sees_a_row_written_past_this_server_at_the_next_request(server):
    """Another instance or the command line writes without this process knowing: the next
    pull of an up-to-date client still finds it (the marks follow the database)."""
    de = server.peer("DE")
    de.pull_all()
    assert de.pull_page()["changes"] == []  # idle: answered from the marks

    _add_authority(server, "AT-MARKS")  # its own session, no notifier: as another process

    assert [(c["kind"], c["id"]) for c in de.pull_all()] == [("authority", "AT-MARKS")]
    assert de.pull_page()["changes"] == []


def test_an_idle_wait_sees_a_row_written_past_this_server(server):
    de = server.peer("DE")
    de.pull_all()
    assert de.wait_raw(timeout=0.1).json() == {"changed": False}

    _add_authority(server, "AT-WAIT")

    assert de.wait_raw(timeout=5).json() == {"changed": True}


def test_an_idle_check_of_one_authority_is_not_moved_by_anothers_case(server):
    """A case between two authorities is news to them only: a third's idle check stays empty
    and its cursor moves past the case's numbers (the marks are per audience)."""
    de, hu, fr = server.peer("DE"), server.peer("HU"), server.peer("FR")
    for peer in (de, hu, fr):
        peer.pull_all()
    case_id = new_id()
    de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id))
    de.step("case.send", {"case_id": case_id})
    before = decode_cursor(fr.cursor, key=server.settings.cursor_key).seq

    page = fr.pull_page()

    assert page["changes"] == []
    assert decode_cursor(page["cursor"], key=server.settings.cursor_key).seq > before
    assert [c["id"] for c in hu.pull_all()] == [case_id]


def test_a_state_read_joins_only_a_read_that_starts_after_the_request(server):
    """Coalesced reads are never older than the request: a request arriving while a read is
    under way waits for the next one, which sees what was committed in between."""
    reader = server.context.state
    selected, release = threading.Event(), threading.Event()
    original = reader.read_now

    def slow_read_now():
        snapshot = original()
        selected.set()  # the row is read; the answer is held back
        release.wait(timeout=30)
        return snapshot

    async def scenario():
        reader.read_now = slow_read_now
        try:
            first = asyncio.ensure_future(reader.read())
            await asyncio.to_thread(selected.wait, 30)
            _add_authority(server, "AT-COALESCE")  # committed after the first read
            second = asyncio.ensure_future(reader.read())
            await asyncio.sleep(0)
            release.set()
            return await first, await second
        finally:
            reader.read_now = original

    first, second = asyncio.run(scenario())

    assert second.committed.seq > first.committed.seq
    assert not second.marks.quiet(("public",), after=first.committed.seq,
                                  state=second.committed)


def test_marks_of_another_epoch_or_an_older_sequence_answer_nothing():
    marks = AudienceMarks("e1", 10, {"public": 7, "authority:DE": 10})
    now = Committed(epoch="e1", seq=10)

    assert marks.quiet(["public"], after=7, state=now)
    assert not marks.quiet(["public", "authority:DE"], after=9, state=now)
    assert marks.quiet(["authority:HU"], after=0, state=now)  # no rows at all
    assert not marks.quiet(["public"], after=7, state=Committed(epoch="e2", seq=10))
    assert not marks.quiet(["public"], after=7, state=Committed(epoch="e1", seq=11))
    marks.advance(12, [("public", 12)])
    assert not marks.quiet(["public"], after=10, state=Committed(epoch="e1", seq=12))
    assert marks.quiet(["authority:DE"], after=10, state=Committed(epoch="e1", seq=12))


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_state_read_that_fails_closes_its_connection_and_reads_on_a_new_one(
        server, monkeypatch):
    """A read that fails (a statement cancelled, a backend ended under the reader) closes
    the connection it failed on, not left to the garbage collector with its backend, and the
    next read answers on a new connection."""
    reader = server.context.state
    before = reader.read_now()
    failed = reader._connection.dbapi_connection
    with monkeypatch.context() as patch:
        patch.setattr(reader, "_statement", "SELECT 1 / 0")
        with pytest.raises(server.context.engine.dialect.loaded_dbapi.Error):
            reader.read_now()
    assert failed.closed and not failed.broken  # broken: lost, not closed

    assert reader.read_now().committed == before.committed
    lost = reader._connection.dbapi_connection
    assert lost is not failed
    with server.engine.connect() as connection:
        connection.execute(select(func.pg_terminate_backend(lost.info.backend_pid)))

    assert reader.read_now().committed == before.committed
    assert reader._connection.dbapi_connection is not lost


def test_a_state_read_waiting_when_the_engine_is_disposed_of_opens_no_connection(server):
    """The server stopping disposes of the engine and so closes the reader for good: a read
    handed to its thread before that, and one asked for after, are refused, and neither opens
    a connection no one would close."""
    reader = server.context.state
    held, release = threading.Event(), threading.Event()

    async def scenario():
        await reader.read()  # the reader's thread and connection exist
        blocker = reader._thread.submit(lambda: (held.set(), release.wait(30)))
        await asyncio.to_thread(held.wait, 30)
        waiting = asyncio.ensure_future(reader.read())
        while not reader._thread._work_queue.qsize():  # its read_now queued behind the blocker
            await asyncio.sleep(0)
        server.context.engine.dispose()
        release.set()
        blocker.result(timeout=30)
        with pytest.raises(ReaderClosed):
            await waiting
        with pytest.raises(ReaderClosed):
            await reader.read()

    asyncio.run(scenario())

    assert reader._connection is None
    assert reader._thread is None


def test_a_state_reader_is_not_kept_alive_by_its_engine(server):
    reader = weakref.ref(StateReader(server.context.sessions))
    gc.collect()

    assert reader() is None
    server.context.engine.dispose()  # the listener outlives its reader harmlessly
