"""``imi-server backup`` and ``restore`` on SQLite and PostgreSQL (issue 11, item 4).

The end-to-end path with a running server and clients: on SQLite in
``tests/test_e2e_server_restore``, on PostgreSQL here (it needs this directory's database
fixtures).
"""

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop import local_server
from desktop.models.sync_engine import SERVER_RESTORED
from sync_server.cli import main
from sync_server.db import make_engine
from sync_server.directory.models import Authority
from sync_server.orm import ServerState
from tests.conftest import make_client
from tests.test_e2e_server_restore import _accept, _converged, _request


def _state(database_url):
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return (session.scalar(select(ServerState.epoch)),
                    set(session.scalars(select(Authority.id))))
    finally:
        engine.dispose()


def test_backup_then_restore_puts_the_data_back_under_a_new_epoch(
        tmp_path, database_url, capsys, monkeypatch):
    monkeypatch.delenv("IMI_KEY_FILE", raising=False)
    data, backup = tmp_path / "data", tmp_path / "imi.backup"
    db = ["--data", str(data), "--database-url", database_url]
    assert main(["init", *db]) == 0
    assert main(["backup", *db, "--to", str(backup)]) == 0
    said = capsys.readouterr().out
    assert f"backed up the database to {backup}" in said
    assert f"{data.resolve() / 'server.key'} is NOT in the backup" in said
    assert not list(tmp_path.glob(".*partial"))
    epoch, authorities = _state(database_url)

    assert main(["add-authority", *db, "--id", "HU-LATE", "--member-state", "HU",
                 "--name", "Added after the backup", "--areas", "PQ"]) == 0
    assert main(["restore", *db, "--from", str(backup)]) == 0
    assert "new epoch" in capsys.readouterr().out

    restored_epoch, restored = _state(database_url)
    assert restored == authorities and "HU-LATE" not in restored
    assert restored_epoch != epoch


def test_restore_refuses_a_backup_of_the_other_kind_and_changes_nothing(
        tmp_path, database_url, capsys, monkeypatch):
    monkeypatch.delenv("IMI_KEY_FILE", raising=False)
    data = tmp_path / "data"
    db = ["--data", str(data), "--database-url", database_url]
    assert main(["init", *db]) == 0
    before = _state(database_url)
    wrong = tmp_path / "wrong.backup"
    # A PostgreSQL dump for SQLite, a SQLite file for PostgreSQL.
    wrong.write_bytes(b"PGDMP\x01\x0e" if database_url.startswith("sqlite")
                      else b"SQLite format 3\x00" + bytes(100))
    assert main(["restore", *db, "--from", str(wrong)]) == 2
    assert "is not a" in capsys.readouterr().err
    assert main(["restore", *db, "--from", str(tmp_path / "missing")]) == 2
    assert "no backup file" in capsys.readouterr().err
    assert _state(database_url) == before


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgres_backup_and_restore_behind_a_running_server_and_clients_converge(
        tmp_path, database_url, monkeypatch):
    """The SQLite flow of ``test_e2e_server_restore`` on PostgreSQL: a real server process,
    ``backup`` (pg_dump) while it runs, both clients act, ``restore`` (pg_restore) behind the
    running server; the clients meet ``reset_required`` and ``mutation_gap``, download again,
    and their queued steps land."""
    monkeypatch.delenv("IMI_KEY_FILE", raising=False)
    data, backup = tmp_path / "data", tmp_path / "imi.dump"
    db = ["--data", str(data), "--database-url", database_url]
    assert main(["init", *db, "--demo"]) == 0
    process, url = local_server.start(data, args=["--database-url", database_url])
    try:
        de = make_client(url, "de.weber", tmp_path / "de")
        hu = make_client(url, "hu.kovacs", tmp_path / "hu")
        de.sync()  # the catalogue first
        known = _request(de)
        de.sync()
        hu.sync()
        assert main(["backup", *db, "--to", str(backup)]) == 0
        epoch = _meta_epoch(url)

        lost = _request(de)
        de.sync()
        hu.sync()
        _accept(hu, lost)
        hu.sync()  # acknowledged, then lost: HU's next id is beyond the restored server's
        _accept(hu, known)
        queued = _request(de)

        assert main(["restore", *db, "--from", str(backup)]) == 0
        assert _meta_epoch(url) != epoch
        assert hu.sync().notices == [(SERVER_RESTORED, 1)]
        assert de.sync().notices == [(SERVER_RESTORED, 2)]
        _converged(de, hu, known, lost, queued)
        de.close()
        hu.close()
    finally:
        local_server.stop(process)


def _meta_epoch(url: str) -> str:
    return str(requests.get(url + "/v1/meta", timeout=5).json()["server_epoch"])
