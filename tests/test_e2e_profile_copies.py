"""A restored or copied profile loses nothing: every step lands on the server exactly once.

Mutation ids go up by one per device. A profile restored from a backup, or copied to a second
PC, sends new steps under ids the server already applied for the other copy. The server tells
them apart by a digest of each step (``409 mutation_id_reused``); the copy then takes a new
device identity and sends its outbox again, and the user is told. Checked against a real
server: its case history (``case_events``) must hold each step once.
"""

import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select

from desktop.models import cases
from desktop.models.sync_engine import NEW_DEVICE
from sync_server.cases.models import CaseEvent
from tests import factories
from tests.conftest import Client, LiveServer, make_client, open_client


def _create(client: Client) -> str:
    case_id = uuid.uuid4().hex
    cases.perform(client.replica, name="case.create",
                  args=factories.create_args(responder="HU-ENKK", case_id=case_id))
    return case_id


def _send(client: Client, case_id: str) -> None:
    cases.perform(client.replica, name="case.send", args={"case_id": case_id})


def _history(server: LiveServer, case_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """The server's case history: (action, outcome) per case, in order."""
    engine = create_engine(f"sqlite:///{server.data_dir / 'imi.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(CaseEvent.case_id, CaseEvent.action, CaseEvent.outcome)
                .where(CaseEvent.case_id.in_(case_ids)).order_by(CaseEvent.id)).all()
    finally:
        engine.dispose()
    history: dict[str, list[tuple[str, str]]] = {case_id: [] for case_id in case_ids}
    for case_id, action, outcome in rows:
        history[case_id].append((action, outcome))
    return history


def _backup(profile_dir: Path, to: Path) -> None:
    """What a user's file backup does: copy the profile's files (the replica's WAL too)."""
    shutil.copytree(profile_dir, to)


def _restore(backup: Path, profile_dir: Path) -> None:
    shutil.rmtree(profile_dir)
    shutil.copytree(backup, profile_dir)


def test_a_profile_restored_from_a_backup_sends_every_step_once(live_server, tmp_path):
    home = tmp_path / "de"
    de = make_client(live_server.url, "de.weber", home)
    de.sync()
    # A step waits in the outbox when the backup is taken.
    pending_at_backup = _create(de)
    de.close()
    _backup(home, tmp_path / "backup")

    de = open_client(home)
    de.sync()  # delivers the pending create
    after_backup = _create(de)
    _send(de, after_backup)
    de.sync()
    de.close()

    _restore(tmp_path / "backup", home)
    de = open_client(home)
    _send(de, pending_at_backup)  # next id: one the server already has with other content
    after_restore = _create(de)
    report = de.sync()

    assert report.notices == [(NEW_DEVICE, 2)]
    assert de.replica.pending_count() == 0
    assert de.replica.attention_count() == 0
    assert _history(live_server, [pending_at_backup, after_backup, after_restore]) == {
        pending_at_backup: [("create", "applied"), ("send", "applied")],
        after_backup: [("create", "applied"), ("send", "applied")],
        after_restore: [("create", "applied")],
    }
    # The restored copy keeps working under its new identity, and says so after a restart.
    device = de.engine.device_id
    de.close()
    de = open_client(home)
    assert de.engine.device_id == device
    _send(de, after_restore)
    assert de.sync().notices == []
    assert _history(live_server, [after_restore])[after_restore] == [
        ("create", "applied"), ("send", "applied")]
    de.close()


def test_two_copies_side_by_side_each_step_lands_once(live_server, tmp_path):
    first = make_client(live_server.url, "de.weber", tmp_path / "first")
    first.sync()
    first.close()
    _backup(tmp_path / "first", tmp_path / "second")
    first, second = open_client(tmp_path / "first"), open_client(tmp_path / "second")
    made: list[str] = []
    notices = []
    try:
        for round_ in range(3):
            for client in (first, second) if round_ % 2 == 0 else (second, first):
                case_id = _create(client)
                _send(client, case_id)
                made.append(case_id)
            for client in (first, second):
                notices.extend(client.sync().notices)
        for client in (first, second):
            notices.extend(client.sync().notices)
            assert client.replica.pending_count() == 0
            assert client.replica.attention_count() == 0
    finally:
        first.close()
        second.close()

    assert notices == [(NEW_DEVICE, 2)]  # one copy noticed, once, and moved
    assert first.engine.device_id != second.engine.device_id
    assert _history(live_server, made) == {
        case_id: [("create", "applied"), ("send", "applied")] for case_id in made}
