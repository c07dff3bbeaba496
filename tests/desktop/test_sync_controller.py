"""The background sync never stalls: retries with backoff, no dropped pass, a long-poll that
reports its errors, and a shutdown that ends the long-poll and joins every lane.

A real ``SyncController`` on the real operations helper, talking to the real server through a
real misbehaving HTTP server (``tests/misbehaving_proxy.py``).
"""

import logging
import threading
import uuid

import pytest

from desktop.models import cases, identity
from desktop.models import profile as profiles
from desktop.models.replica import Replica
from desktop.models.sync_engine import SyncEngine
from desktop.models.transport import Transport
from desktop.operations import Workers
from desktop.sync_controller import Backoff, SyncController
from tests import factories
from tests.conftest import PASSPHRASE, make_client


def fast_backoff() -> Backoff:
    return Backoff(base=0.05, cap=0.2)


class Harness:
    """What ``AppController`` wires, minus the window."""

    def __init__(self, path, server_url):
        profile, key = profiles.unlock(path, PASSPHRASE)
        self.reader = Replica.open(profile.replica_path, key)
        self.workers = Workers(profile.replica_path, key)
        self.transport = Transport(server_url, token=self.reader.get_meta("token"))
        self.transport.read_timeout = 1.0
        self.engine = SyncEngine(transport=self.transport,
                                 device_id=identity.device_id(self.reader, profile.device_id),
                                 db=self.workers.db)
        self.sync = SyncController(self.workers, self.engine, backoff=fast_backoff)

    def shutdown(self):
        self.sync.stop()
        self.transport.abort()
        self.workers.shutdown()
        self.transport.close()
        self.reader.close()


@pytest.fixture
def harness(qtbot, live_server, proxy, tmp_path):
    made = make_client(live_server.url, "de.weber", tmp_path / "de")
    made.sync()  # the catalogue, so steps can be taken
    made.close()
    handle = Harness(tmp_path / "de", proxy.url)
    yield handle
    handle.shutdown()


def _request(replica: Replica) -> str:
    case_id = uuid.uuid4().hex
    cases.perform(replica, name="case.create",
                  args=factories.create_args(responder="HU-ENKK", case_id=case_id))
    cases.perform(replica, name="case.send", args={"case_id": case_id})
    return case_id


def test_backoff_grows_with_jitter_up_to_its_cap():
    low, high = Backoff(base=1, cap=8, rng=lambda: 0.0), Backoff(base=1, cap=8, rng=lambda: 1.0)
    assert [low.next_delay() for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    assert [high.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    low.reset()
    assert low.next_delay() == 0.5


@pytest.mark.parametrize("fault", ["500", "reset", "malformed"])
def test_failed_passes_are_retried_until_delivered(qtbot, harness, proxy, fault):
    _request(harness.reader)
    proxy.fail_next(fault, path="/v1/sync/push", times=3)

    harness.sync.start()

    qtbot.waitUntil(lambda: harness.reader.pending_count() == 0, timeout=15_000)
    assert proxy.count("/v1/sync/push", fault) == 3
    qtbot.waitUntil(lambda: harness.sync.problem is None and harness.sync.online, timeout=5_000)


def test_retries_go_on_while_offline_and_deliver_when_back(qtbot, harness, proxy):
    _request(harness.reader)
    harness.transport.base_url = "http://127.0.0.1:9"  # nobody listens: real refusals
    harness.sync.start()
    qtbot.waitUntil(lambda: harness.sync.online is False and harness.sync.retry_scheduled,
                    timeout=10_000)
    harness.transport.base_url = proxy.url  # the line is back; nobody clicks anything

    # Delivered, and the pass that delivered it finished: online again.
    qtbot.waitUntil(lambda: harness.reader.pending_count() == 0 and harness.sync.online,
                    timeout=15_000)


def test_a_pass_requested_while_one_fails_is_not_dropped(qtbot, harness, proxy):
    harness.sync.start()
    qtbot.waitUntil(lambda: harness.sync.last_sync is not None, timeout=10_000)
    proxy.fail_next("hang", path="/v1/sync/push")
    first = _request(harness.reader)
    harness.sync.request_sync()
    qtbot.waitUntil(lambda: proxy.count("/v1/sync/push", "hang") == 1, timeout=10_000)
    # A second step while the first pass hangs: its request coalesces into one more pass.
    second = _request(harness.reader)
    harness.sync.request_sync()
    proxy.release()  # the hanging pass fails (the connection is reset)

    qtbot.waitUntil(lambda: harness.reader.pending_count() == 0, timeout=15_000)
    assert cases.get_case(harness.reader, first).version >= 2
    assert cases.get_case(harness.reader, second).version >= 2


def test_long_poll_errors_are_reported_and_the_poll_resumes(qtbot, harness, proxy, caplog,
                                                           live_server, tmp_path):
    caplog.set_level(logging.WARNING, logger="imi.sync")
    proxy.fail_next("500", path="/v1/sync/wait", times=2)
    problems: list[str | None] = []
    harness.sync.sig_status_changed.connect(lambda: problems.append(harness.sync.problem))

    harness.sync.start()

    qtbot.waitUntil(lambda: proxy.count("/v1/sync/wait", "500") == 2, timeout=10_000)
    qtbot.waitUntil(lambda: len([r for r in caplog.records
                                 if "long-poll failed: ServerTrouble" in r.getMessage()]) == 2,
                    timeout=10_000)
    assert any(problems), "the failed long-poll never reached the status bar"
    # The poll is back: a request from Hungary arrives with no click and no timer.
    qtbot.waitUntil(lambda: proxy.count("/v1/sync/wait", "") >= 1, timeout=10_000)
    hungary = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    hungary.sync()
    case_id = uuid.uuid4().hex
    cases.perform(hungary.replica, name="case.create", args=factories.create_args(
        responder="DE-LZK-BW", case_id=case_id, questions=("PQ-GEN-Q01",)))
    cases.perform(hungary.replica, name="case.send", args={"case_id": case_id})
    hungary.sync()
    hungary.close()
    qtbot.waitUntil(lambda: harness.reader.case_row(case_id) is not None, timeout=10_000)
    assert harness.sync.problem is None


def test_shutdown_ends_the_long_poll_and_joins_every_lane(qtbot, harness, proxy):
    harness.sync.start()
    qtbot.waitUntil(lambda: proxy.count("/v1/sync/wait") >= 1, timeout=10_000)

    harness.shutdown()

    lanes = [t.name for t in threading.enumerate() if t.name.startswith(("imi-wait", "imi-net",
                                                                         "imi-db"))]
    assert lanes == []
    harness.shutdown = lambda: None  # the fixture's shutdown already happened
