"""Logs and errors: no request data or personal data reaches a log, whatever fails.

Requests full of personal data fail in every way we could think of; the captured log (every
logger, DEBUG) and, in the last test, the real server process's stderr must hold none of it.
An unexpected error is answered 500 ``internal_error`` with a request id that the log line
names too.
"""

import json
import logging
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from factories import Peer, create_args, login_body, new_id
from sqlalchemy import text

from desktop import local_server
from sync_protocol.version import PROTOCOL_VERSION
from sync_server.db import make_engine
from sync_server.seed import DEMO_PASSWORD
from sync_server.sync import pull as pull_service
from tests.conftest import copy_database, demo_seed, server_data

# Personal data of a made-up professional, and a password: none may appear in any log.
FAMILY, GIVEN, BIRTH = "Szőlősi-Kazinczy", "Ágnes Boglárka", "1979-04-23"
QUALIFICATION = "Fogorvos DMD 4471-XQ"
NOTE = "Kérjük igazolják a 88123 sz. oklevelet"
PASSWORD = "Pw-Zq81-Kx77-sekret"
SECRETS = (FAMILY, GIVEN, BIRTH, QUALIFICATION, NOTE, PASSWORD, "88123", "4471-XQ")


def _subject(**changes: object) -> dict[str, object]:
    subject = {"family_name": FAMILY, "given_names": GIVEN, "date_of_birth": BIRTH,
               "profession": "dentist", "qualification": QUALIFICATION}
    subject.update(changes)
    return subject


def _failing_requests(peer: Peer, responder: str) -> list[tuple[str, str, dict[str, object]]]:
    """(method, path, request keywords) of requests that each fail another way."""
    def push(*mutations: dict[str, object], device_id: str = peer.device_id,
             token: str = peer.token) -> dict[str, object]:
        return {"json": {"protocol_version": PROTOCOL_VERSION, "device_id": device_id,
                         "mutations": list(mutations)},
                "headers": {"Authorization": f"Bearer {token}"}}

    def create(**changes: object) -> dict[str, object]:
        args = create_args(responder=responder)
        args.update(subject=_subject(), request_text={"text": NOTE, "lang": "hu"})
        args.update(changes)
        return peer.mutation("case.create", args)

    bad_json = f'{{"protocol_version": 1, "note": "{NOTE}", "name": "{FAMILY}"'
    return [
        ("POST", "/v1/sync/push", {"content": bad_json, "headers": {
            "Authorization": f"Bearer {peer.token}", "Content-Type": "application/json"}}),
        ("POST", "/v1/sync/push", {"content": bad_json}),  # and no token
        ("POST", "/v1/sync/push", push(create(), token=f"tok-{PASSWORD}")),
        ("POST", "/v1/sync/push", push(create(), device_id="0" * 32)),
        ("POST", "/v1/sync/push", push(create(question_set_version=2**64))),
        ("POST", "/v1/sync/push", push(create(subject=_subject(family_name="\u202e" + FAMILY)))),
        ("POST", "/v1/sync/push", push(create(subject=_subject(given_names=GIVEN + "\x00")))),
        ("POST", "/v1/sync/push", push(create(answer_by="9999-12-31"))),
        ("POST", "/v1/sync/push", push(create(responder_authority_id=f"XX-{FAMILY}"))),
        ("POST", "/v1/sync/push", push({**create(), "mutation_id": 2**64})),
        ("POST", "/v1/sync/push", push({**create(), "name": "case.exhume",
                                        "args": {"x": FAMILY}})),
        ("POST", "/v1/sync/push", push(peer.mutation("case.answer", {
            "case_id": new_id(), "answers": [{"question": "Q1", "answer": "A1"}],
            "reply_text": {"text": NOTE, "lang": "hu"}}))),
        ("POST", "/v1/sync/push", push({**create(), "created_at": "0001-01-01T00:00:00"})),
        ("POST", "/v1/sync/push", {"content": b"[" + f'"{FAMILY}",'.encode() * 400_000 + b"0]",
                                   "headers": {"Authorization": f"Bearer {peer.token}"}}),
        ("POST", "/v1/auth/login", {"json": {**login_body("nobody.here", PASSWORD, new_id()),
                                             "device_name": NOTE}}),
        ("POST", "/v1/auth/login", {"json": login_body(f"x\u202e{FAMILY}", PASSWORD, new_id())}),
        ("POST", "/v1/auth/login", {"json": {"password": PASSWORD, "username": [FAMILY]}}),
        ("GET", "/v1/sync/pull", {"params": {"cursor": f"{FAMILY}.{BIRTH}"},
                                  "headers": {"Authorization": f"Bearer {peer.token}"}}),
        ("GET", "/v1/sync/pull", {"params": {"limit": FAMILY}}),
        ("GET", f"/v1/cases/{FAMILY}/{BIRTH}", {}),
        ("PUT", "/v1/sync/push", {"content": NOTE}),
    ]


CLIENT_LOGGERS = ("httpx", "httpcore")  # the test's own HTTP client, not the server


def _server_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                     if not r.name.startswith(CLIENT_LOGGERS))


def _assert_clean(log_text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in log_text]
    assert not leaked, f"personal data in the log: {leaked}"


def test_requests_full_of_personal_data_failing_every_way_leave_none_in_the_log(server, caplog):
    peer = server.peer("DE")
    with caplog.at_level(logging.DEBUG):
        statuses = [server.client.request(method, path, **kwargs).status_code
                    for method, path, kwargs in _failing_requests(
                        peer, server.directory.hu.authority_id)]

    assert all(400 <= status < 500 or status == 200 for status in statuses), statuses
    assert caplog.records, "nothing was logged: the check would pass vacuously"
    assert any(r.name == "imi.auth" for r in caplog.records)  # the failed sign-in is there
    _assert_clean(_server_log(caplog))
    for record in caplog.records:  # nor in an exception attached to a record
        assert record.exc_info is None or not any(s in str(record.exc_info[1]) for s in SECRETS)


def test_an_unexpected_error_is_logged_as_its_type_and_request_id_and_answered_500(
        server, caplog, monkeypatch):
    def failing(**_kwargs: object) -> bytes:
        raise ValueError(f"cannot serialise {FAMILY} born {BIRTH}")

    monkeypatch.setattr(pull_service, "pull", failing)
    peer = server.peer("HU")
    with caplog.at_level(logging.DEBUG):
        response = peer.pull_raw()

    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    request_id = response.headers["X-Request-ID"]
    assert request_id in body["message"]
    (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "ValueError" in line and request_id in line and "/v1/sync/pull" in line
    _assert_clean(_server_log(caplog) + response.text)


def test_every_answer_carries_a_request_id_and_sync_answers_are_not_stored_or_sniffed(server):
    peer = server.peer("DE")
    answers = [peer.pull_raw(), peer.push_raw(peer.mutation("case.send", {"case_id": new_id()})),
               server.client.post("/v1/auth/login", json=login_body("x", "y", new_id())),
               server.client.get("/v1/sync/pull")]
    ids = {answer.headers["X-Request-ID"] for answer in answers}

    assert len(ids) == len(answers)
    for answer in answers:
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_database_errors_never_show_the_values_bound_to_a_statement(database_url):
    engine = make_engine(database_url)
    try:
        with pytest.raises(Exception) as caught, engine.connect() as connection:  # noqa: PT011
            connection.execute(text("SELECT * FROM no_such_table WHERE name = :name"),
                               {"name": FAMILY})
    finally:
        engine.dispose()
    assert "no_such_table" in str(caught.value)  # the message is there, the values are not
    assert FAMILY not in str(caught.value)


def test_an_integer_beyond_what_the_database_stores_is_refused_not_a_500(server):
    peer = server.peer("DE")
    too_big = peer.mutation("case.create", create_args(
        responder=server.directory.hu.authority_id, question_set_version=2**64))
    # Inside a push the arguments are the mutation's: refused and stored as rejected, so the
    # device's queue moves on (a poison mutation never blocks it).
    (result,) = peer.push(too_big)
    assert result["status"] == "rejected" and result["code"] == "invalid_arguments"
    assert "question_set_version" in result["message"]
    # The push's own fields: the whole message is refused with 422.
    for field in ("mutation_id", "base_version"):
        mutation = {**peer.mutation("case.send", {"case_id": new_id()}), field: 2**64}
        response = peer.push_raw(mutation)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["code"] == "invalid_message"
    response = peer.pull_raw(limit=2**64)
    assert response.status_code == 422


def test_the_server_process_logs_no_personal_data_and_prints_one_start_line(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The real ``imi-server run`` (uvicorn, our log configuration), at its most talkative,
    on a copy of this run's demo data (``init --demo`` once for all)."""
    data_dir = server_data(demo_seed(tmp_path_factory), tmp_path / "server")
    out_path, log_path = tmp_path / "stdout.txt", tmp_path / "stderr.log"
    with out_path.open("wb") as out, log_path.open("wb") as log:
        process, url = local_server.start(data_dir, stdout=out, stderr=log,
                                          args=["--log-level", "debug"])
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                peer = Peer.login(http, "de.weber", DEMO_PASSWORD)
                statuses = [http.request(method, path, **kwargs).status_code
                            for method, path, kwargs in _failing_requests(peer, "HU-ENKK")]
        finally:
            local_server.stop(process)
    logged = log_path.read_text(encoding="utf-8", errors="replace")

    assert out_path.read_text() == (
        f"imi-server: serving {url} on sqlite, protocol {PROTOCOL_VERSION}\n")
    assert all(status < 500 for status in statuses), statuses
    assert "failed sign-in for user name 'nobody.here'" in logged  # it does log, at DEBUG
    assert "POST /v1/sync/push 422" in logged
    assert "Traceback" not in logged
    _assert_clean(logged)


def test_the_server_process_writes_json_lines_with_request_ids_and_serves_ops_routes(
        tmp_path: Path, live_server):
    """``imi-server run --log-format json``: every stderr line one JSON object, access lines with
    the request id the answer carried, the route template, status and duration; no personal
    data. The same process answers /healthz, /readyz and (to this loopback caller) /metrics."""
    data_dir = tmp_path / "server"
    data_dir.mkdir()  # a copy of the session's demo server: far cheaper than seeding anew
    shutil.copy(live_server.data_dir / "server.key", data_dir)
    copy_database(live_server.data_dir / "imi.db", data_dir / "imi.db")
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as log:
        process, url = local_server.start(data_dir, stderr=log, stdout=subprocess.DEVNULL,
                                          args=["--log-level", "debug", "--log-format", "json"])
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                peer = Peer.login(http, "de.weber", DEMO_PASSWORD)
                statuses = [http.request(method, path, **kwargs).status_code
                            for method, path, kwargs in _failing_requests(peer, "HU-ENKK")]
                pulled = http.get("/v1/sync/pull", params={"cursor": "not-a-cursor"},
                                  headers=peer.headers)
                health = http.get("/healthz")
                ready = http.get("/readyz")
                scraped = http.get("/metrics")
        finally:
            local_server.stop(process)
    lines = log_path.read_text(encoding="utf-8").splitlines()

    assert all(status < 500 for status in statuses), statuses
    assert health.json() == {"status": "alive"} and ready.json() == {"status": "ready"}
    assert scraped.status_code == 200
    assert 'imi_http_requests_total{method="POST",route="/v1/sync/push",status="422"}' \
        in scraped.text
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert records and all({"time", "level", "logger", "message", "request_id"} <= set(record)
                           for record in records)
    (access,) = [record for record in records
                 if record["request_id"] == pulled.headers["X-Request-ID"]
                 and record["logger"] == "imi.access"]
    assert access["route"] == "/v1/sync/pull" and access["status"] == 400
    assert access["method"] == "GET" and access["duration"] >= 0
    assert "not-a-cursor" not in "\n".join(lines)
    assert "Traceback" not in "\n".join(lines)
    _assert_clean("\n".join(lines))
