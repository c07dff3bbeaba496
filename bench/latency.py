"""Target 2: a sent request visible to an online peer, through the app's real sync controller.

The peer is the desktop client's own machinery: ``SyncController`` on the operations helper
(``desktop.operations.Workers``: database lane, network lane, long-poll lane), in a Qt event
loop on this thread, as in the application. A case counts as arrived when the controller tells
the window that data changed (``sig_data_changed``, delivered on the GUI thread) and the
replica holds it: the moment the window would show it. The sender runs on a thread of its own:
it creates and sends a case (two local steps) and the clock starts just before its
``engine.sync()`` pushes them.
"""

import datetime as dt
import os
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.clients import PASSPHRASE, Client, Server, make_client
from bench.stats import percentile
from desktop.models import account, cases, identity
from desktop.models.replica import Replica
from desktop.models.sync_engine import SyncEngine
from desktop.models.transport import Transport

SENDER, PEER, PEER_AUTHORITY = "de.weber", "hu.kovacs", "HU-ENKK"
ARRIVAL_TIMEOUT = 10.0
START_TIMEOUT = 60.0


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


class _Arrivals:
    """Which awaited cases the peer's window could show, and when (GUI thread)."""

    def __init__(self, reader: Replica) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._awaited: dict[str, threading.Event] = {}
        self.at: dict[str, float] = {}
        self.passes = 0

    def expect(self, case_id: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._awaited[case_id] = event
        return event

    def data_changed(self) -> None:
        now = time.perf_counter()
        self.passes += 1
        with self._lock:
            awaited = list(self._awaited.items())
        for case_id, event in awaited:
            if self._reader.case_row(case_id) is not None:
                with self._lock:
                    del self._awaited[case_id]
                self.at[case_id] = now
                event.set()


def measure(server: Server, workdir: Path, *, samples: int = 100) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.operations import Workers
    from desktop.qt import QApplication, QObject, QTimer, Signal
    from desktop.sync_controller import SyncController

    class Finished(QObject):
        sig_done = Signal()

    app = QApplication.instance() or QApplication([])
    rng = random.Random(7)
    sender = make_client(server, SENDER, workdir / "sender")
    sender.engine.sync()  # the initial syncs are not measured
    profile, key, reader = account.set_up(workdir / "peer", server_url=server.url,
                                          username=PEER, password=server.password,
                                          passphrase=PASSPHRASE)
    workers = Workers(profile.replica_path, key)
    transport = Transport(server.url, token=reader.get_meta("token"))
    engine = SyncEngine(transport=transport,
                        device_id=identity.device_id(reader, profile.device_id), db=workers.db)
    controller = SyncController(workers, engine)
    arrivals = _Arrivals(reader)
    controller.sig_data_changed.connect(arrivals.data_changed)
    finished = Finished()
    finished.sig_done.connect(app.quit)
    latencies: list[float] = []
    sender_syncs: list[float] = []
    missed = 0
    errors: list[BaseException] = []

    def run_sender() -> None:
        nonlocal missed
        try:
            time.sleep(0.2)  # the peer's long-poll has started after its first pass
            for _ in range(samples):
                case_id = uuid.uuid4().hex
                arrived = arrivals.expect(case_id)
                _send(sender, rng, case_id)
                started = time.perf_counter()
                sender.engine.sync()
                sender_syncs.append(time.perf_counter() - started)
                if not arrived.wait(ARRIVAL_TIMEOUT):
                    missed += 1
                    continue
                latencies.append(arrivals.at[case_id] - started)
                time.sleep(rng.uniform(0.05, 0.15))  # the peer is back in its long-poll
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            finished.sig_done.emit()

    thread = threading.Thread(target=run_sender, name="bench-sender", daemon=True)

    def start_sender() -> None:
        # After the peer's first pass (its bootstrap, not measured).
        if controller.last_sync is not None and thread.ident is None:
            thread.start()

    def give_up() -> None:
        if thread.ident is None:
            errors.append(RuntimeError(f"the peer did not sync within {START_TIMEOUT} s: "
                                       f"{controller.problem or 'offline'}"))
            app.quit()

    controller.sig_status_changed.connect(start_sender)
    QTimer.singleShot(int(START_TIMEOUT * 1000), give_up)
    controller.start()
    try:
        app.exec()
    finally:
        if thread.ident is not None:
            thread.join()
        # The application's own shutdown order (AppController.shutdown).
        controller.stop()
        transport.abort()
        workers.shutdown()
        transport.close()
        reader.close()
        sender.close()
    if errors:
        raise RuntimeError("the sender failed") from errors[0]
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
        "peer_passes": arrivals.passes,
        "through": "desktop.sync_controller.SyncController on desktop.operations.Workers",
        "targets": {"p50_ms": 300, "p99_ms": 1000},
    }
