"""A pull page is a consistent snapshot, and a cursor from a lost history forces a new epoch.

A page reads one audience after another. Here a writer commits *between* those queries (an
engine hook runs it just before the page's second audience query): one row for an audience the
page has already read (a new authority, ``public``) and one for the audience it reads next
(a case for the reader's authority). Unbounded, the page would serve the case, move its cursor
past the authority, and that authority would never reach the replica. Bounded by the sequence
committed when the page started, the page serves neither, and the next page serves both.
"""

import threading

from factories import create_args, new_id
from sqlalchemy import event

from sync_protocol.audiences import authority_audience
from sync_protocol.cursor import Cursor, decode_cursor, encode_cursor
from sync_server.directory.service import add_authority
from sync_server.sync.sequence import SequenceLock


def _interleave_before(server, audience, writer):
    """Run ``writer`` (in another thread, to commit on its own connection) just before the
    first pull query that reads ``audience``. Returns a list that records that it ran."""
    ran: list[bool] = []

    def hook(_conn, _cursor, statement, parameters, _context, _many):
        if ran or "FROM sync_rows" not in statement or audience not in str(parameters):
            return
        ran.append(True)
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(30)
        assert not thread.is_alive(), "the interleaved writer hung"

    event.listen(server.context.engine, "before_cursor_execute", hook)
    return ran, lambda: event.remove(server.context.engine, "before_cursor_execute", hook)


def test_a_row_committed_between_the_queries_of_a_page_is_not_skipped(server):
    de, hu = server.peer("DE"), server.peer("HU")
    hu.pull_all()
    case_id = new_id()
    errors: list[BaseException] = []

    def writer():
        try:
            with server.context.sessions.begin() as session:
                seq = SequenceLock(session).acquire()
                add_authority(session, seq, {"id": "AT-LATE", "member_state": "AT",
                                             "official_name": "AT-LATE", "areas": ["PQ"]})
                seq.flush()
            # A request to HU: its rows get higher numbers than the authority's.
            de.push(de.mutation("case.create", create_args(responder=hu.authority_id,
                                                           case_id=case_id)),
                    de.mutation("case.send", {"case_id": case_id}, base_version=1))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    # Something new for HU before the page starts: a pull with nothing new is answered from
    # the server's memory without reading sync_rows, and there would be no queries to slip
    # the writer between.
    with server.context.sessions.begin() as session:
        seq = SequenceLock(session).acquire()
        add_authority(session, seq, {"id": "AT-EARLY", "member_state": "AT",
                                     "official_name": "AT-EARLY", "areas": ["PQ"]})
        seq.flush()
    ran, remove = _interleave_before(server, authority_audience(hu.authority_id), writer)
    try:
        first = hu.pull_page()
    finally:
        remove()

    assert ran and not errors, errors
    seen = [(c["kind"], c["id"]) for c in first["changes"]]
    assert ("authority", "AT-EARLY") in seen
    assert ("case", case_id) not in seen, "the page served a row committed after it started"
    assert [(c["kind"], c["id"]) for c in hu.pull_all()] == [
        ("authority", "AT-LATE"), ("case", case_id)]


def test_has_changes_agrees_with_the_page_it_announces(server):
    hu = server.peer("HU")
    hu.pull_all()
    assert hu.wait_raw(timeout=0).json() == {"changed": False}

    with server.context.sessions.begin() as session:
        seq = SequenceLock(session).acquire()
        add_authority(session, seq, {"id": "AT-NEW", "member_state": "AT",
                                     "official_name": "AT-NEW", "areas": ["PQ"]})
        seq.flush()

    assert hu.wait_raw(timeout=0).json() == {"changed": True}
    assert [c["id"] for c in hu.pull_all()] == ["AT-NEW"]
    assert hu.wait_raw(timeout=0).json() == {"changed": False}


def test_a_cursor_beyond_the_committed_sequence_starts_a_new_epoch(server):
    """The database was copied back from a backup: this signed cursor names a number it never
    committed. Every replica, also one whose cursor is still in range, must start over."""
    de, hu = server.peer("DE"), server.peer("HU")
    de.pull_all()
    hu.pull_all()
    epoch = server.epoch
    ahead = decode_cursor(de.cursor, key=server.settings.cursor_key)
    from_the_lost_history = encode_cursor(
        Cursor(epoch=ahead.epoch, scope=ahead.scope, seq=ahead.seq + 50),
        key=server.settings.cursor_key)

    for path in ("/v1/sync/pull", "/v1/sync/wait"):
        # Pull takes no timeout: an unknown query parameter is refused (422).
        params = {"cursor": from_the_lost_history,
                  **({"timeout": 0} if path.endswith("wait") else {})}
        response = server.client.get(path, params=params, headers=de.headers)
        assert response.status_code == 409, path
        assert response.json()["code"] == "reset_required"

    assert server.epoch != epoch
    assert hu.pull_raw().json()["code"] == "reset_required"
    assert server.client.get("/v1/meta").json()["server_epoch"] == server.epoch
    assert de.pull_raw("").status_code == 200
