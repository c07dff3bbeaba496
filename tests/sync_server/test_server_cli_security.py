"""Issue 6 from the server's console: the key file's place, rotate-key and reseal (item 1);
deactivation, reactivation and token revocation, audited (item 3). SQLite and PostgreSQL."""

import io
import re

import pytest
from factories import login_body, new_id
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.app import create_app
from sync_server.auth.audit import AdminEvent
from sync_server.cases.models import Case
from sync_server.cli import main
from sync_server.config import KEY_FILE, load_settings
from sync_server.crypto import SCHEME, header
from sync_server.db import make_engine
from sync_server.seed import DEMO_PASSWORD
from sync_server.sync.models import AppliedMutation, SyncRow


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch):
    for name in ("IMI_DATABASE_URL", "IMI_SERVER_KEY", "IMI_KEY_FILE", "IMI_TRAINING",
                 "IMI_TOKEN_IDLE_DAYS", "IMI_TOKEN_MAX_DAYS"):
        monkeypatch.delenv(name, raising=False)


def _db(database_url):
    return [] if database_url.startswith("sqlite") else ["--database-url", database_url]


def _headers(database_url):
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            values = [*session.scalars(select(Case.sealed)),
                      *session.scalars(select(SyncRow.payload).where(SyncRow.sealed)),
                      *session.scalars(select(AppliedMutation.sealed_result))]
    finally:
        engine.dispose()
    return {bytes(v[:5]) for v in values}, len(values)


class _App:
    """The server as ``imi-server run`` builds it from the data directory."""

    def __init__(self, data, database_url, **options):
        self.client = TestClient(create_app(load_settings(data, database_url=database_url,
                                                          **options)))

    def login(self, username, password=DEMO_PASSWORD, device_id=None):
        return self.client.post("/v1/auth/login",
                                json=login_body(username, password, device_id or new_id()))

    def pull(self, token):
        return self.client.get("/v1/sync/pull", headers={"Authorization": f"Bearer {token}"})

    def close(self):
        self.client.close()
        self.client.app.state.context.engine.dispose()


def test_item1_key_file_place_rotate_key_and_reseal_from_the_console(
        tmp_path, database_url, capsys, monkeypatch):
    data, key_file = tmp_path, tmp_path / "secrets" / "imi.key"
    db = _db(database_url)

    assert main(["init", "--data", str(data), *db, "--key-file", str(key_file), "--demo"]) == 0
    assert key_file.exists() and not (data / KEY_FILE).exists()
    assert key_file.stat().st_mode & 0o077 == 0
    # Without being told where the key is, the server refuses to start, and says why.
    capsys.readouterr()
    assert main(["list-authorities", "--data", str(data), *db]) == 2
    assert "--key-file" in capsys.readouterr().err
    monkeypatch.setenv("IMI_KEY_FILE", str(key_file))
    assert main(["list-authorities", "--data", str(data), *db]) == 0
    first_ring = key_file.read_text()
    assert _headers(database_url)[0] == {header(SCHEME, 1)}

    capsys.readouterr()
    assert main(["rotate-key", "--data", str(data), *db]) == 0
    out = capsys.readouterr().out
    assert "key 2 is now the current key" in out
    ring = key_file.read_text()
    assert ring.startswith(first_ring) and ring.count("\n") == 2
    assert key_file.stat().st_mode & 0o077 == 0

    # After the restart new writes use key 2, old values still open.
    app = _App(data, database_url)
    try:
        login = app.login("hu.kovacs")
        assert login.status_code == 200
        before = app.pull(login.json()["token"]).json()
        assert any(c["kind"] == "case" and c["data"] for c in before["changes"])
    finally:
        app.close()

    assert main(["reseal", "--data", str(data), *db, "--batch", "4"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert re.fullmatch(r"cases: 4 of \d+ resealed", lines[0])
    assert re.fullmatch(r"resealed \d+ values under key 2", lines[-1])
    headers, count = _headers(database_url)
    assert headers == {header(SCHEME, 2)} and count > 9
    for line in ring.splitlines():  # key material is never printed
        assert line.split(":")[1] not in out
    app = _App(data, database_url)
    try:
        after = app.pull(app.login("hu.kovacs").json()["token"]).json()
        assert [c["data"] for c in after["changes"] if c["kind"] == "case"] == [
            c["data"] for c in before["changes"] if c["kind"] == "case"]
    finally:
        app.close()
    # Run again: nothing left to do.
    assert main(["reseal", "--data", str(data), *db]) == 0
    assert capsys.readouterr().out == "resealed 0 values under key 2\n"

    # Keys from the environment cannot be rotated by the command: it says what to do instead.
    monkeypatch.setenv("IMI_SERVER_KEY", ring.replace("\n", " "))
    assert main(["rotate-key", "--data", str(data), *db]) == 2
    err = capsys.readouterr().err
    assert "IMI_SERVER_KEY" in err and "Traceback" not in err
    assert main(["list-authorities", "--data", str(data), *db]) == 0


def test_item3_console_deactivates_reactivates_and_signs_out_with_an_audit_trail(
        tmp_path, database_url, capsys, monkeypatch):
    data = tmp_path
    db = _db(database_url)
    assert main(["init", "--data", str(data), *db, "--demo"]) == 0
    app = _App(data, database_url)
    try:
        device = new_id()
        token = app.login("hu.kovacs", device_id=device).json()["token"]
        colleague = app.login("hu.szabo").json()["token"]
        german = app.login("de.weber").json()["token"]

        def admin(*argv):
            return main([argv[0], "--data", str(data), *db, *argv[1:]])

        assert admin("deactivate-user", "--username", "hu.kovacs") == 0
        assert app.pull(token).json()["code"] == "account_deactivated"
        assert app.login("hu.kovacs").json()["code"] == "account_deactivated"
        assert app.pull(colleague).status_code == 200
        assert admin("reactivate-user", "--username", "hu.kovacs") == 0
        assert app.pull(token).status_code == 200  # reactivated: the same token works again

        assert admin("deactivate-authority", "--id", "HU-ENKK") == 0
        for refused in (token, colleague):
            response = app.pull(refused)
            assert (response.status_code, response.json()["code"]) == (
                401, "authority_deactivated")
        assert app.login("hu.szabo").status_code == 403
        assert app.pull(german).status_code == 200
        assert admin("reactivate-authority", "--id", "HU-ENKK") == 0
        assert app.pull(colleague).status_code == 200

        capsys.readouterr()
        assert admin("revoke-tokens", "--device", device) == 0
        assert capsys.readouterr().out == "1 sign-in tokens revoked\n"
        assert app.pull(token).json()["code"] == "token_revoked"
        assert app.pull(colleague).status_code == 200
        again = app.login("hu.kovacs", device_id=device).json()["token"]
        assert app.pull(again).status_code == 200
        assert admin("revoke-tokens", "--username", "hu.kovacs") == 0
        assert app.pull(again).json()["code"] == "token_revoked"

        # set-password revokes the user's tokens; the new password signs in.
        fresh = app.login("hu.szabo").json()["token"]
        monkeypatch.setattr("sys.stdin", io.StringIO("a new pass phrase\n"))
        assert admin("set-password", "--username", "hu.szabo", "--password-stdin") == 0
        assert "2 sign-in tokens revoked" in capsys.readouterr().out
        assert app.pull(fresh).json()["code"] == "token_revoked"
        assert app.pull(colleague).json()["code"] == "token_revoked"
        assert app.login("hu.szabo", "a new pass phrase").status_code == 200

        # Unknown targets: a clear message and exit 1, no traceback.
        assert admin("deactivate-user", "--username", "nobody") == 1
        assert admin("deactivate-authority", "--id", "XX-NONE") == 1
        err = capsys.readouterr().err
        assert "no user nobody" in err and "no authority XX-NONE" in err
        assert "Traceback" not in err
    finally:
        app.close()

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            events = session.execute(select(AdminEvent.action, AdminEvent.target_kind,
                                            AdminEvent.actor).order_by(AdminEvent.id)).all()
    finally:
        engine.dispose()
    assert [e.action for e in events] == [
        "user.deactivate", "user.reactivate", "authority.deactivate", "authority.reactivate",
        "device.revoke_tokens", "user.revoke_tokens", "user.set_password"]
    assert all(e.actor.startswith("cli:") for e in events)


def test_item3_token_lifetimes_are_configurable(tmp_path, monkeypatch):
    assert main(["init", "--data", str(tmp_path)]) == 0
    defaults = load_settings(tmp_path)
    assert (defaults.token_idle.days, defaults.token_max_age.days) == (30, 90)

    monkeypatch.setenv("IMI_TOKEN_IDLE_DAYS", "7")
    monkeypatch.setenv("IMI_TOKEN_MAX_DAYS", "60")
    from_env = load_settings(tmp_path)
    assert (from_env.token_idle.days, from_env.token_max_age.days) == (7, 60)
    from_options = load_settings(tmp_path, token_idle_days=2, token_max_days=14)
    assert (from_options.token_idle.days, from_options.token_max_age.days) == (2, 14)

    monkeypatch.setenv("IMI_TOKEN_IDLE_DAYS", "soon")
    assert main(["run", "--data", str(tmp_path)]) == 2
    monkeypatch.delenv("IMI_TOKEN_IDLE_DAYS")
    assert main(["run", "--data", str(tmp_path), "--token-max-days", "-1"]) == 2
