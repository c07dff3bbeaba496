"""M11: ``imi-server init --training``, the training marking on the wire, ``reset-training``."""

import json
import threading
from collections import Counter

import pytest
from factories import Peer, create_args, wait_until
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sync_protocol.cases import CaseStatus
from sync_protocol.messages import SYSTEM_HEADER
from sync_server.app import create_app
from sync_server.cases.models import Case
from sync_server.cli import main
from sync_server.config import load_settings
from sync_server.crypto import Sealer, case_binding
from sync_server.db import make_engine
from sync_server.seed import DIRECTORY_FILE
from sync_server.sync.sequence import SequenceLock
from sync_server.training import (
    _NAMES,
    CASES_PER_STATE,
    STEPS_TO,
    TRAINING_PASSWORD,
    is_training,
    reset_training,
)


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch):
    for name in ("IMI_DATABASE_URL", "IMI_SERVER_KEY"):
        monkeypatch.delenv(name, raising=False)


def _cli(command, data, database_url, *extra):
    argv = [command, "--data", str(data), *extra]
    if not database_url.startswith("sqlite"):
        argv += ["--database-url", database_url]
    return main(argv)


@pytest.fixture
def app_for(tmp_path, database_url):
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(create_app(load_settings(tmp_path, database_url=database_url)))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
        client.app.state.context.engine.dispose()


def _states(database_url):
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return Counter(session.scalars(select(Case.state)))
    finally:
        engine.dispose()


def _subjects(tmp_path, database_url):
    settings = load_settings(tmp_path, database_url=database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            sealer = Sealer(settings.keyring)
            return [json.loads(sealer.open(c.sealed, where=case_binding(c.id)))["subject"]
                    for c in session.scalars(select(Case))]
    finally:
        engine.dispose()


def test_steps_cover_every_workflow_state():
    assert set(STEPS_TO) == set(CaseStatus)


def test_init_training_makes_a_marked_practice_system_with_every_state(
        tmp_path, database_url, app_for, capsys):
    assert _cli("init", tmp_path, database_url, "--training") == 0
    assert "practice cases" in capsys.readouterr().out

    assert _states(database_url) == dict.fromkeys(CaseStatus, CASES_PER_STATE)
    families = {name for names, _given in _NAMES.values() for name in names}
    subjects = _subjects(tmp_path, database_url)
    assert {s["family_name"] for s in subjects} <= families
    assert len({(s["family_name"], s["given_names"]) for s in subjects}) > len(subjects) // 2
    client = app_for()
    meta = client.get("/v1/meta")
    assert meta.json()["training"] is True
    assert meta.headers[SYSTEM_HEADER] == "training"
    # Every answer says so, refusals included.
    assert client.get("/v1/sync/pull").headers[SYSTEM_HEADER] == "training"
    # Trainees sign in with the training password and see practice cases of their authority.
    user = json.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))["users"][0]
    peer = Peer.login(client, user["username"], TRAINING_PASSWORD)
    assert peer.cases(peer.pull_all())


def test_a_production_system_says_so(tmp_path, database_url, app_for):
    assert _cli("init", tmp_path, database_url, "--demo") == 0

    meta = app_for().get("/v1/meta")

    assert meta.json()["training"] is False
    assert meta.headers[SYSTEM_HEADER] == "production"


def test_reset_training_replaces_trainees_cases_and_replicas_drop_them(
        tmp_path, database_url, app_for, capsys):
    assert _cli("init", tmp_path, database_url, "--training") == 0
    client = app_for()
    de = Peer.login(client, "de.weber", TRAINING_PASSWORD)
    de.pull_all()
    practised = create_args(responder="HU-ENKK")
    assert de.step("case.create", practised)["status"] == "applied"
    before = de.cases(de.pull_all())
    assert practised["case_id"] in before
    capsys.readouterr()

    assert _cli("reset-training", tmp_path, database_url) == 0

    assert f"{CASES_PER_STATE * len(CaseStatus)} practice cases" in capsys.readouterr().out
    assert _states(database_url) == dict.fromkeys(CaseStatus, CASES_PER_STATE)
    # The running server goes on; the trainee's next pull drops every old case (its own
    # practice case too) and brings the fresh set. Sign-in and device survive.
    after = de.cases(de.pull_all())
    for case_id in before:
        assert after[case_id]["data"] is None
    fresh = [c for c in after.values() if c["data"] is not None]
    assert fresh and not {c["id"] for c in fresh} & set(before)
    assert de.step("case.create", create_args(responder="HU-ENKK"))["status"] == "applied"


def test_reset_training_refuses_a_production_system_and_changes_nothing(
        tmp_path, database_url, capsys):
    assert _cli("init", tmp_path, database_url, "--demo") == 0
    before = _states(database_url)

    assert _cli("reset-training", tmp_path, database_url) == 2

    assert "not a training system" in capsys.readouterr().err
    assert _states(database_url) == before


def test_init_training_never_turns_a_production_system_into_one(
        tmp_path, database_url, capsys):
    assert _cli("init", tmp_path, database_url, "--demo") == 0
    capsys.readouterr()

    assert _cli("init", tmp_path, database_url, "--training") == 2

    assert "production system" in capsys.readouterr().err
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            assert not is_training(session)
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_reset_training_queues_behind_a_push_holding_a_case_instead_of_deadlocking(
        tmp_path, database_url):
    """A push holds its cases and takes the sequence lock last (at its first number). The
    reset takes the cases before the sequence lock too: it waits for the push, which then
    numbers and commits; taking the sequence lock first, the two would deadlock."""
    assert _cli("init", tmp_path, database_url, "--training") == 0
    sealer = Sealer(load_settings(tmp_path, database_url=database_url).keyring)
    engine = make_engine(database_url)
    errors: list[BaseException] = []

    def reset():
        try:
            with Session(engine) as session, session.begin():
                reset_training(session, sealer)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    resetting = threading.Thread(target=reset, daemon=True)
    try:
        with Session(engine) as push, push.begin():
            push.execute(select(Case.id).order_by(Case.id.desc()).limit(1).with_for_update())
            pid = push.scalar(text("SELECT pg_backend_pid()"))
            resetting.start()
            # Until the reset waits for the push's case lock (pg_stat_activity is read afresh
            # by a transaction of its own each time).
            wait_until(lambda: not resetting.is_alive() or _waiting_for(engine, pid),
                       what="the reset never waited for the push's case lock")
            seq = SequenceLock(push).acquire(at_first_number=True)
            seq.next()
            seq.flush()
    except Exception as exc:  # noqa: BLE001 - a deadlock aborts one of the two
        errors.append(exc)
    finally:
        resetting.join(60)
        engine.dispose()
    assert not resetting.is_alive()
    assert errors == []
    assert _states(database_url) == dict.fromkeys(CaseStatus, CASES_PER_STATE)


def _waiting_for(engine, pid):
    with engine.connect() as connection:
        return connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": pid})
