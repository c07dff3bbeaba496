"""The server restored from an older copy of its database, while clients hold newer cursors
and outboxes: clients download everything again, keep their outbox, and converge.

A real server process. The backup is the SQLite file copied while the server is stopped, or
taken with ``imi-server backup`` while it runs. After
it, both sides act: steps the server acknowledges (and then loses with the restore), cursors
beyond the backup, and steps still queued. Then the backup goes back in place, either by hand
(the server notices at start: its database is behind what it last saw) or with
``imi-server restore`` behind the running server. ``409 mutation_gap`` (a replica's next id is
beyond what the restored server expects) and ``409 reset_required`` (a cursor of the old
history) are both met and handled.
"""

import shutil
import subprocess
import sys
import uuid

import pytest
import requests
from sqlalchemy import create_engine, select

from desktop.models import cases
from desktop.models.sync_engine import SERVER_RESTORED
from sync_protocol.cases import CaseStatus
from sync_server.cases.models import CaseEvent
from tests import factories
from tests.conftest import Client, LiveServer, make_client


def _request(de: Client) -> str:
    case_id = uuid.uuid4().hex
    cases.perform(de.replica, name="case.create",
                  args=factories.create_args(responder="HU-ENKK", case_id=case_id))
    cases.perform(de.replica, name="case.send", args={"case_id": case_id})
    return case_id


def _accept(hu: Client, case_id: str) -> None:
    cases.perform(hu.replica, name="case.accept", args={"case_id": case_id})


def _epoch(server: LiveServer) -> str:
    return str(requests.get(server.url + "/v1/meta", timeout=5).json()["server_epoch"])


def _history(server: LiveServer, case_ids: list[str]) -> dict[str, list[str]]:
    engine = create_engine(f"sqlite:///{server.data_dir / 'imi.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(CaseEvent.case_id, CaseEvent.action)
                                      .where(CaseEvent.case_id.in_(case_ids))
                                      .order_by(CaseEvent.id)).all()
    finally:
        engine.dispose()
    history: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
    for case_id, action in rows:
        history[case_id].append(action)
    return history


def _states(client: Client, case_ids: list[str]) -> dict[str, CaseStatus | None]:
    found = {case_id: cases.get_case(client.replica, case_id) for case_id in case_ids}
    return {case_id: case.state if case else None for case_id, case in found.items()}


def _backup(server: LiveServer, to) -> None:
    server.stop()
    shutil.copy(server.data_dir / "imi.db", to)
    server.start()


def _converged(de: Client, hu: Client, known: str, lost: str, queued: str) -> None:
    for client in (de, hu):
        client.sync()
        assert client.replica.pending_count() == 0
        assert client.replica.attention_count() == 0
    expected = {known: CaseStatus.ACCEPTED, lost: None, queued: CaseStatus.SENT}
    assert _states(de, [known, lost, queued]) == expected
    assert _states(hu, [known, lost, queued]) == expected


def test_a_database_copied_back_by_hand_is_noticed_and_clients_converge(own_server, tmp_path):
    de = make_client(own_server.url, "de.weber", tmp_path / "de")
    hu = make_client(own_server.url, "hu.kovacs", tmp_path / "hu")
    de.sync()  # the catalogue first
    known = _request(de)
    de.sync()
    hu.sync()
    _backup(own_server, tmp_path / "backup.db")
    epoch = _epoch(own_server)

    lost = _request(de)
    de.sync()  # acknowledged, then lost with the restore
    hu.sync()  # HU's cursor is now beyond the backup
    _accept(hu, known)  # queued on HU: its first step, an id the restored server expects
    queued = _request(de)  # queued on DE: ids beyond what the restored server expects

    own_server.stop()
    for suffix in ("-wal", "-shm"):
        (own_server.data_dir / f"imi.db{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "backup.db", own_server.data_dir / "imi.db")
    own_server.start()
    assert _epoch(own_server) != epoch, "the server did not notice it was restored"

    assert de.sync().notices == [(SERVER_RESTORED, 2)]  # mutation_gap: renumbered, resent
    assert hu.sync().notices == []  # reset_required: downloaded again, outbox delivered
    _converged(de, hu, known, lost, queued)
    assert _history(own_server, [known, lost, queued]) == {
        known: ["create", "send", "accept"], lost: [], queued: ["create", "send"]}
    de.close()
    hu.close()


def _imi_server(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync_server.cli", *args],
                          capture_output=True, text=True, check=False)


def _online_backup(server: LiveServer, to) -> None:
    """``imi-server backup`` while the server runs (SQLite's online backup API)."""
    done = _imi_server("backup", "--data", str(server.data_dir), "--to", str(to))
    assert done.returncode == 0, done.stderr
    assert "server.key is NOT in the backup" in done.stdout


@pytest.mark.parametrize("take_backup", [_backup, _online_backup], ids=["stopped", "online"])
def test_imi_server_restore_behind_a_running_server_and_clients_converge(own_server, tmp_path,
                                                                         take_backup):
    de = make_client(own_server.url, "de.weber", tmp_path / "de")
    hu = make_client(own_server.url, "hu.kovacs", tmp_path / "hu")
    de.sync()  # the catalogue first
    known = _request(de)
    de.sync()
    hu.sync()
    take_backup(own_server, tmp_path / "backup.db")
    epoch = _epoch(own_server)

    lost = _request(de)
    de.sync()
    hu.sync()
    _accept(hu, lost)
    hu.sync()  # acknowledged, then lost: HU's next id is beyond the restored server's
    _accept(hu, known)
    queued = _request(de)

    restored = _imi_server("restore", "--data", str(own_server.data_dir),
                           "--from", str(tmp_path / "backup.db"))
    assert restored.returncode == 0, restored.stderr
    assert _epoch(own_server) != epoch  # the running server reads the epoch per request

    assert hu.sync().notices == [(SERVER_RESTORED, 1)]
    assert de.sync().notices == [(SERVER_RESTORED, 2)]
    _converged(de, hu, known, lost, queued)
    assert _history(own_server, [known, lost, queued]) == {
        known: ["create", "send", "accept"], lost: [], queued: ["create", "send"]}
    de.close()
    hu.close()
