"""A server with clients waiting in long-polls stops at once (a real uvicorn process).

uvicorn waits for open requests before it stops; a long-poll is open for up to 25 s. The
server releases its waiters first, so they answer (``changed``: go and look) and it stops.
"""

import signal
import threading
import time
from pathlib import Path

import requests

from desktop.models.transport import Transport
from tests.conftest import LiveServer, make_client

WAITERS = 3


def _established(port: int) -> int:
    """TCP connections to ``port`` on 127.0.0.1 that the server has accepted."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            count += 1
    return count


def test_a_server_with_waiting_clients_stops_within_two_seconds(own_server: LiveServer,
                                                                tmp_path):
    waiting = []
    for n in range(WAITERS):
        client = make_client(own_server.url, "hu.kovacs", tmp_path / f"hu{n}")
        client.sync()
        waiting.append(client)
    answers: list[object] = []

    def wait(transport: Transport, cursor: str) -> None:
        try:
            answers.append(transport.wait(cursor, timeout=25))
        except Exception as exc:  # noqa: BLE001 - the test reports what the waiter got
            answers.append(exc)

    threads = [threading.Thread(target=wait, args=(c.engine.transport,
                                                   c.replica.get_meta("cursor")))
               for c in waiting]
    for thread in threads:
        thread.start()
    tick = threading.Event()
    for _ in range(1000):
        if _established(own_server.port) >= WAITERS:
            break
        tick.wait(0.01)
    assert _established(own_server.port) >= WAITERS, "the long-polls never connected"
    # One more request after them: the server's loop has read theirs by the time it answers.
    requests.get(own_server.url + "/v1/meta", timeout=5).raise_for_status()

    process = own_server.process
    assert process is not None
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    stopped_after = time.monotonic() - started
    own_server.process = None
    for thread in threads:
        thread.join(timeout=30)

    assert stopped_after < 2.0, f"the server took {stopped_after:.1f} s to stop"
    assert answers == [True] * WAITERS  # released with an answer, not cut off
    for client in waiting:
        client.close()
