"""Every kind of failure between client and server is an error to retry, and loses nothing.

Through a real misbehaving HTTP server (``tests/misbehaving_proxy.py``) before the real sync
server: a 5xx, a reset before or after the server applied the push, an answer that never comes
(the client's read timeout), an answer that is not the message expected. Each sync pass fails
with ``Offline`` or ``ServerTrouble`` (never anything else, which a retry loop would not
understand), changes nothing it should not, and the next pass delivers every step once.
"""

import uuid

import pytest
from sqlalchemy import create_engine, select

from desktop.models import cases, sync_engine
from desktop.models.transport import Offline, ServerTrouble
from sync_protocol.cases import CaseStatus
from sync_server.cases.models import CaseEvent
from tests import factories
from tests.conftest import Client, LiveServer, make_client

FAILURES = [("500", ServerTrouble), ("reset", Offline), ("reset_after", Offline),
            ("hang", Offline), ("malformed", ServerTrouble)]


def _request(client: Client) -> str:
    case_id = uuid.uuid4().hex
    cases.perform(client.replica, name="case.create",
                  args=factories.create_args(responder="HU-ENKK", case_id=case_id))
    cases.perform(client.replica, name="case.send", args={"case_id": case_id})
    return case_id


def _actions(server: LiveServer, case_id: str) -> list[str]:
    engine = create_engine(f"sqlite:///{server.data_dir / 'imi.db'}")
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(CaseEvent.action)
                                           .where(CaseEvent.case_id == case_id)
                                           .order_by(CaseEvent.id)).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def de(live_server, proxy, tmp_path):
    client = make_client(proxy.url, "de.weber", tmp_path / "de")
    client.engine.transport.read_timeout = 1.0  # an answer that never comes: 1 s, not 30
    client.sync()
    yield client
    client.close()


@pytest.mark.parametrize(("fault", "error"), FAILURES, ids=[f for f, _ in FAILURES])
def test_a_failed_push_is_retried_and_lands_once(fault, error, de, proxy, live_server):
    case_id = _request(de)
    proxy.fail_next(fault, path="/v1/sync/push")

    with pytest.raises(error):
        de.sync()
    assert de.replica.pending_count() == 2  # nothing settled without the server's answer

    de.sync()
    assert de.replica.pending_count() == 0
    assert _actions(live_server, case_id) == ["create", "send"]


@pytest.mark.parametrize(("fault", "error"), FAILURES, ids=[f for f, _ in FAILURES])
def test_a_failed_pull_keeps_the_cursor_and_the_next_pass_catches_up(fault, error, de, proxy,
                                                                     tmp_path):
    hu = make_client(proxy.url, "hu.kovacs", tmp_path / "hu")
    hu.engine.transport.read_timeout = 1.0
    try:
        hu.sync()
        before = hu.replica.get_meta("cursor")
        case_id = _request(de)
        de.sync()
        proxy.fail_next(fault, path="/v1/sync/pull")

        with pytest.raises(error):
            hu.sync()
        assert hu.replica.get_meta("cursor") == before
        assert cases.get_case(hu.replica, case_id) is None

        hu.sync()
        assert cases.get_case(hu.replica, case_id).state is CaseStatus.SENT
    finally:
        hu.close()


PAGE_FAILURES = [("bad_row", ServerTrouble), ("malformed", ServerTrouble), ("500", ServerTrouble),
                 ("reset", Offline)]


def _pull_in_small_pages(monkeypatch, de, hu) -> tuple[list[str], str]:
    """Four new cases for ``hu`` (caught up before), to pull two to a page."""
    hu.sync()
    sent = [_request(de) for _ in range(4)]
    de.sync()
    monkeypatch.setattr(sync_engine, "PULL_PAGE", 2)
    return sent, hu.replica.get_meta("cursor")


def _held(client: Client, case_ids: list[str]) -> list[str]:
    return [c for c in case_ids if cases.get_case(client.replica, c) is not None]


@pytest.mark.parametrize(("fault", "error"), PAGE_FAILURES, ids=[f for f, _ in PAGE_FAILURES])
def test_a_page_that_fails_while_the_one_before_is_applied_loses_nothing(
        fault, error, de, proxy, tmp_path, monkeypatch):
    # The engine fetches page 2 while the database thread applies page 1: page 1 commits with
    # its cursor, nothing of page 2 is applied (a bad row refuses the whole page), and the
    # next pass goes on from page 1's cursor.
    hu = make_client(proxy.url, "hu.kovacs", tmp_path / "hu")
    try:
        sent, before = _pull_in_small_pages(monkeypatch, de, hu)
        proxy.fail_next(fault, path="/v1/sync/pull", skip=1)

        with pytest.raises(error):
            hu.sync()
        assert hu.replica.get_meta("cursor") != before  # page 1 landed with its cursor
        assert 0 < len(_held(hu, sent)) < len(sent)  # and nothing after it

        hu.sync()
        assert _held(hu, sent) == sent
    finally:
        hu.close()


def test_a_pull_cut_between_pages_stops_after_the_page_in_hand(de, proxy, tmp_path,
                                                              monkeypatch):
    # ``abort`` (sign-out, shutdown) while page 1 is being applied: the next fetch fails as
    # Offline at once, and page 1 is committed before the pass returns, not left half-way.
    hu = make_client(proxy.url, "hu.kovacs", tmp_path / "hu")
    try:
        sent, before = _pull_in_small_pages(monkeypatch, de, hu)
        pulls = proxy.count("/v1/sync/pull")

        with pytest.raises(Offline):
            hu.engine.sync(progress=lambda _pulled, _more: hu.engine.transport.abort())
        assert hu.replica.get_meta("cursor") != before
        assert 0 < len(_held(hu, sent)) < len(sent)
        assert proxy.count("/v1/sync/pull") == pulls + 1  # page 1, and no request after it
    finally:
        hu.close()
