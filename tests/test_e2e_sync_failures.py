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

from desktop.models import cases
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
