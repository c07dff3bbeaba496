"""``imi-server``: init, administration commands, and clear errors instead of tracebacks."""

import io
import json
import os
import stat

import pytest
from factories import login_body, new_id
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_protocol.errors import ProtocolError
from sync_server.app import create_app
from sync_server.auth.models import User
from sync_server.catalogue.models import QuestionSetRow
from sync_server.cli import main
from sync_server.config import KEY_FILE, load_settings
from sync_server.db import make_engine
from sync_server.directory.models import Authority, MemberState
from sync_server.organisation.seed import DEMO_COORDINATORS
from sync_server.orm import ServerState
from sync_server.seed import COORDINATORS_FILE, DEMO_PASSWORD, DIRECTORY_FILE


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch):
    """The data directory decides; a developer's IMI_* variables must not."""
    for name in ("IMI_DATABASE_URL", "IMI_SERVER_KEY", "IMI_KEY_FILE", "IMI_TOKEN_IDLE_DAYS",
                 "IMI_TOKEN_MAX_DAYS"):
        monkeypatch.delenv(name, raising=False)


def _init(data, database_url, *extra):
    argv = ["init", "--data", str(data), *extra]
    if not database_url.startswith("sqlite"):
        argv += ["--database-url", database_url]
    return main(argv)


def _db(database_url):
    return [] if database_url.startswith("sqlite") else ["--database-url", database_url]


def _count(database_url, model):
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def test_init_creates_the_key_and_a_seeded_database_and_is_idempotent(
        tmp_path, database_url, capsys):
    data = tmp_path

    assert _init(data, database_url) == 0
    key = (data / KEY_FILE).read_text()
    key_id, master = key.strip().split(":")
    assert key_id == "1" and len(bytes.fromhex(master)) == 32
    assert (data / KEY_FILE).stat().st_mode & 0o077 == 0
    assert f"initialised {data}" in capsys.readouterr().out
    assert _count(database_url, MemberState) == 30
    assert _count(database_url, QuestionSetRow) == 3  # PQ-GEN 1 and 2, SERV-GEN 1
    assert _count(database_url, ServerState) == 1

    assert _init(data, database_url) == 0  # again: upgrades, adds nothing twice
    assert (data / KEY_FILE).read_text() == key
    assert _count(database_url, MemberState) == 30
    assert _count(database_url, QuestionSetRow) == 3
    assert _count(database_url, ServerState) == 1


def test_init_demo_seeds_the_demo_directory_and_its_users_can_sign_in(
        tmp_path, database_url, capsys):
    directory = json.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))
    data = tmp_path

    assert _init(data, database_url, "--demo") == 0

    out = capsys.readouterr().out
    # Besides the directory: the coordinators every server has, and the demo's coordinators.
    users = len(directory["users"]) + len(DEMO_COORDINATORS)
    assert f"seeded {len(directory['authorities'])} authorities" in out
    # Besides the directory: the demo's coordinator users.
    users = len(directory["users"]) + len(DEMO_COORDINATORS)
    assert f"{users} users" in out
    coordinators = json.loads(COORDINATORS_FILE.read_text(encoding="utf-8"))["authorities"]
    assert _count(database_url, Authority) == len(directory["authorities"]) + len(coordinators)
    assert _count(database_url, User) == users
    user = directory["users"][0]
    client = TestClient(create_app(load_settings(data, database_url=database_url)))
    try:
        response = client.post("/v1/auth/login",
                               json=login_body(user["username"], DEMO_PASSWORD, new_id()))
        assert response.status_code == 200, response.text
        assert response.json()["user"]["authority_id"] == user["authority_id"]
    finally:
        client.close()
        client.app.state.context.engine.dispose()


def test_add_authority_add_user_and_list(tmp_path, database_url, capsys, monkeypatch):
    data = tmp_path
    db = _db(database_url)
    assert _init(data, database_url) == 0

    assert main(["add-authority", "--data", str(data), *db, "--id", "HU-ENKK",
                 "--member-state", "hu", "--name", "Egészségügyi Központ",
                 "--areas", "PQ, SERV"]) == 0
    assert main(["add-authority", "--data", str(data), *db, "--id", "DE-LZK",
                 "--member-state", "DE", "--name", "Landeszahnärztekammer"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret pass\n"))
    assert main(["add-user", "--data", str(data), *db, "--username", "hu.kiss",
                 "--authority", "HU-ENKK", "--name", "Kiss Anna", "--language", "hu",
                 "--password-stdin"]) == 0
    capsys.readouterr()

    assert main(["list-authorities", "--data", str(data), *db]) == 0
    # Besides the coordinators every server starts with (the Commission, nimic-XX, sdimic-DE-XX).
    lines = [line for line in capsys.readouterr().out.splitlines()
             if not line.split()[1].startswith(("commission", "nimic-", "sdimic-"))]
    assert [line.split()[:2] for line in lines] == [["DE", "DE-LZK"], ["HU", "HU-ENKK"]]
    assert "Egészségügyi Központ" in lines[1]
    assert main(["list-authorities", "--data", str(data), *db, "--member-state", "hu"]) == 0
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == [
        "HU-ENKK", "nimic-HU"]

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            authority = session.get_one(Authority, "HU-ENKK")
            assert authority.areas == ["PQ", "SERV"]
            user = session.scalars(select(User).where(User.username == "hu.kiss")).one()
            assert (user.authority_id, user.roles, user.language) == (
                "HU-ENKK", ["request_handler"], "hu")
    finally:
        engine.dispose()
    # The password read from standard input is the one that signs in.
    client = TestClient(create_app(load_settings(data, database_url=database_url)))
    try:
        ok = client.post("/v1/auth/login", json=login_body("hu.kiss", "s3cret pass", new_id()))
        wrong = client.post("/v1/auth/login", json=login_body("hu.kiss", "s3cret", new_id()))
        assert (ok.status_code, wrong.status_code) == (200, 401)
    finally:
        client.close()
        client.app.state.context.engine.dispose()


def test_refused_admin_commands_exit_1_with_the_reason(tmp_path, database_url, capsys,
                                                       monkeypatch):
    data = tmp_path
    db = _db(database_url)
    assert _init(data, database_url) == 0
    capsys.readouterr()

    assert main(["add-authority", "--data", str(data), *db, "--id", "X1",
                 "--member-state", "US", "--name", "Nowhere"]) == 1
    assert "no member state US" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("pw\n"))
    assert main(["add-user", "--data", str(data), *db, "--username", "u",
                 "--authority", "NOPE", "--name", "U", "--password-stdin"]) == 1
    assert "no authority NOPE" in capsys.readouterr().err
    assert _count(database_url, Authority) == len(
        json.loads(COORDINATORS_FILE.read_text(encoding="utf-8"))["authorities"])
    assert _count(database_url, User) == 0


@pytest.mark.parametrize("command", [
    ["list-authorities"],
    ["add-authority", "--id", "X", "--member-state", "DE", "--name", "X"],
    ["run"],
])
def test_missing_data_directory_is_exit_2_with_a_message(tmp_path, capsys, command):
    missing = tmp_path / "nowhere"

    assert main([command[0], "--data", str(missing), *command[1:]]) == 2

    err = capsys.readouterr().err
    assert err.startswith("imi-server: ")
    assert "init" in err
    assert "Traceback" not in err
    assert not missing.exists()


def test_data_directory_that_is_a_file_is_exit_2(tmp_path, capsys):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")

    assert main(["init", "--data", str(not_a_dir)]) == 2
    assert main(["list-authorities", "--data", str(not_a_dir)]) == 2

    err = capsys.readouterr().err
    assert err.count("imi-server: ") == 2
    assert "Traceback" not in err


def test_uninitialised_data_directory_is_exit_2(tmp_path, capsys):
    data = tmp_path / "server"
    data.mkdir()
    (data / KEY_FILE).write_text("ab" * 32)

    assert main(["list-authorities", "--data", str(data)]) == 2
    assert main(["add-authority", "--data", str(data), "--id", "X", "--member-state", "DE",
                 "--name", "X"]) == 2
    assert main(["run", "--data", str(data)]) == 2

    err = capsys.readouterr().err
    assert err.count("imi-server: ") == 3
    assert "init" in err


def test_damaged_key_file_is_exit_2(tmp_path, capsys):
    data = tmp_path / "server"
    assert main(["init", "--data", str(data)]) == 0
    (data / KEY_FILE).write_text("not a key\n")
    capsys.readouterr()

    assert main(["list-authorities", "--data", str(data)]) == 2

    err = capsys.readouterr().err
    assert KEY_FILE in err
    assert "Traceback" not in err


def test_init_demo_on_an_initialised_directory_says_so_and_changes_nothing(
        tmp_path, database_url, capsys):
    assert _init(tmp_path, database_url, "--demo") == 0
    users, authorities = _count(database_url, User), _count(database_url, Authority)
    capsys.readouterr()

    assert _init(tmp_path, database_url, "--demo") == 1

    captured = capsys.readouterr()
    assert captured.err.startswith("imi-server: ")
    assert "already initialised" in captured.err and "nothing was seeded" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert (_count(database_url, User), _count(database_url, Authority)) == (users, authorities)


def test_init_demo_seeds_all_or_nothing(tmp_path, database_url, monkeypatch, capsys):
    """A failure while seeding the demo cases leaves no demo users behind to block a retry."""
    import sync_server.cli

    def broken(*_args, **_kwargs):
        raise ProtocolError("internal_error", "the demo cases cannot be seeded")

    monkeypatch.setattr(sync_server.cli, "seed_demo_cases", broken)
    assert _init(tmp_path, database_url, "--demo") == 1
    assert _count(database_url, User) == 0
    monkeypatch.undo()
    capsys.readouterr()
    assert _init(tmp_path, database_url, "--demo") == 0


def test_the_server_files_are_readable_by_their_owner_only(tmp_path, database_url):
    previous = os.umask(0o022)  # the usual umask: the code must not rely on a strict one
    try:
        data = tmp_path / "data"
        assert _init(data, database_url) == 0
        sqlite = database_url.startswith("sqlite")
        settings = load_settings(data, database_url=None if sqlite else database_url)
        engine = make_engine(settings.database_url)
        try:
            with engine.begin() as connection:  # the WAL and its index exist from here on
                connection.execute(select(func.count()).select_from(User))
                files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
        finally:
            engine.dispose()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    expected = {KEY_FILE: 0o600}
    if sqlite:
        expected |= {"imi.db": 0o600, "imi.db-wal": 0o600, "imi.db-shm": 0o600}
    assert files == expected
