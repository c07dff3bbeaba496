"""Several server instances on one PostgreSQL database (issue 12, item 3).

Two real ``imi-server run`` processes share one database. A long-poll held on one instance is
woken by a send pushed through the other (``sync.relay``: LISTEN/NOTIFY), not by its timeout:
the wait is the longest the protocol allows, and it must answer *changed*.
"""

import concurrent.futures
import re

import pytest
import requests

from desktop import local_server
from sync_protocol.messages import WAIT_SECONDS
from sync_server.cli import main
from tests.conftest import make_client
from tests.test_e2e_server_restore import _request


def _long_polls_open(url: str) -> float:
    text = requests.get(url + "/metrics", timeout=5).text
    found = re.search(r"^imi_long_polls_open(?:\{[^}]*\})? (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_send_on_one_instance_wakes_a_long_poll_held_on_the_other(
        tmp_path, database_url, monkeypatch):
    monkeypatch.delenv("IMI_KEY_FILE", raising=False)
    data = tmp_path / "data"
    db = ["--data", str(data), "--database-url", database_url]
    assert main(["init", *db, "--demo"]) == 0
    first, first_url = local_server.start(data, args=["--database-url", database_url])
    second, second_url = local_server.start(data, args=["--database-url", database_url])
    de = make_client(first_url, "de.weber", tmp_path / "de")
    hu = make_client(second_url, "hu.kovacs", tmp_path / "hu")
    try:
        de.sync()
        hu.sync()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(hu.engine.wait, timeout=WAIT_SECONDS)
            while _long_polls_open(second_url) < 1:  # parked on the second instance
                assert not waiting.done(), "the wait returned before anything changed"
            case_id = _request(de)
            de.sync()  # pushed to the first instance
            # Woken by the first instance's NOTIFY: *changed*; a timeout would say False.
            assert waiting.result(timeout=WAIT_SECONDS + 30) is True
        hu.sync()
        assert hu.replica.case_row(case_id) is not None
    finally:
        de.close()
        hu.close()
        local_server.stop(first)
        local_server.stop(second)
