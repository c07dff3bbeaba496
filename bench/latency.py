"""Target 2: a sent request visible to an online peer.

The peer runs the real client's loop on a thread: ``engine.wait(timeout=25)`` (the server's
long-poll) and, when it says something changed, ``engine.sync()``. The time a case arrived is
taken on that thread, right after the ``sync()`` that stored it returned: the moment the
peer's replica holds it. The sender creates and sends a case (two local steps) and the clock
starts just before its ``engine.sync()`` pushes them.
"""

import contextlib
import datetime as dt
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.clients import Client, Server, make_client
from bench.stats import percentile
from desktop.models import cases

SENDER, PEER, PEER_AUTHORITY = "de.weber", "hu.kovacs", "HU-ENKK"
WAIT_SECONDS = 25.0
ARRIVAL_TIMEOUT = 10.0


class Peer(threading.Thread):
    """An online client: long-poll, sync, record when awaited cases became present."""

    def __init__(self, client: Client) -> None:
        super().__init__(name="bench-peer", daemon=True)
        self.client = client
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._awaited: dict[str, threading.Event] = {}
        self.arrived_at: dict[str, float] = {}
        self.syncs = 0

    def expect(self, case_id: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._awaited[case_id] = event
        return event

    def run(self) -> None:
        engine = self.client.engine
        try:
            while not self.stopping.is_set():
                if not engine.wait(timeout=WAIT_SECONDS):
                    continue
                engine.sync()
                now = time.perf_counter()
                self.syncs += 1
                self._record(now)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc

    def _record(self, now: float) -> None:
        with self._lock:
            awaited = list(self._awaited.items())
        for case_id, event in awaited:
            if self.client.replica.case_row(case_id) is not None:
                with self._lock:
                    del self._awaited[case_id]
                self.arrived_at[case_id] = now
                event.set()


def _create_args(rng: random.Random, case_id: str) -> dict[str, Any]:
    return {
        "case_id": case_id, "area": "PQ", "question_set": "PQ-GEN", "question_set_version": 1,
        "responder_authority_id": PEER_AUTHORITY,
        "subject": {"family_name": rng.choice(["Nagy", "Kovács", "Szabó"]),
                    "given_names": rng.choice(["László", "Katalin", "Péter"]),
                    "profession": "dentist", "date_of_birth": "1984-03-12",
                    "qualification": "Fogorvos (DMD), Semmelweis Egyetem"},
        "questions": rng.sample([f"PQ-GEN-Q{n:02d}" for n in range(1, 19)], 4),
        "answer_by": (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)).isoformat(),
        "request_text": {"text": "Bitte bestätigen Sie die Echtheit des Diploms.", "lang": "de"},
    }


def _send(sender: Client, rng: random.Random, case_id: str) -> None:
    cases.perform(sender.replica, name="case.create", args=_create_args(rng, case_id))
    cases.perform(sender.replica, name="case.send", args={"case_id": case_id})


def measure(server: Server, workdir: Path, *, samples: int = 100) -> dict[str, Any]:
    rng = random.Random(7)
    sender = make_client(server, SENDER, workdir / "sender")
    peer_client = make_client(server, PEER, workdir / "peer")
    sender.engine.sync()  # the initial syncs are not measured
    peer_client.engine.sync()
    peer = Peer(peer_client)
    peer.start()
    latencies: list[float] = []
    sender_syncs: list[float] = []
    missed = 0
    try:
        time.sleep(0.2)  # let the peer enter its first long-poll
        for _ in range(samples):
            case_id = uuid.uuid4().hex
            arrived = peer.expect(case_id)
            _send(sender, rng, case_id)
            started = time.perf_counter()
            sender.engine.sync()
            sender_syncs.append(time.perf_counter() - started)
            if not arrived.wait(ARRIVAL_TIMEOUT):
                if peer.error is not None:
                    raise RuntimeError("the peer's sync loop failed") from peer.error
                missed += 1
                continue
            latencies.append(peer.arrived_at[case_id] - started)
            time.sleep(rng.uniform(0.05, 0.15))  # the peer is back in its long-poll
    finally:
        peer.stopping.set()
        # A case for the peer wakes its long-poll, so it sees the flag and stops. If this
        # fails too, the run is failing already; the peer is a daemon thread.
        with contextlib.suppress(Exception):
            _send(sender, rng, uuid.uuid4().hex)
            sender.engine.sync()
        peer.join(timeout=WAIT_SECONDS + 5)
        sender.close()
        if not peer.is_alive():
            peer_client.close()
    if not latencies:
        raise RuntimeError(f"no sent case reached the peer within {ARRIVAL_TIMEOUT} s")
    ms = [v * 1000 for v in latencies]
    return {
        "samples": len(ms),
        "missed": missed,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
        "sender_sync_p50_ms": round(percentile([s * 1000 for s in sender_syncs], 50), 1),
        "peer_syncs": peer.syncs,
        "targets": {"p50_ms": 300, "p99_ms": 1000},
    }
