"""``imi-server backup`` and ``restore`` on SQLite and PostgreSQL (issue 11, item 4).

The end-to-end path with a running server and clients is in ``tests/test_e2e_server_restore``.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.cli import main
from sync_server.db import make_engine
from sync_server.directory.models import Authority
from sync_server.orm import ServerState


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
                 "--name", "Added after the backup", "--areas", "regulated_professions"]) == 0
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
