"""Operations (issue 11, item 4): /healthz, /readyz, Prometheus /metrics.

On SQLite and PostgreSQL. Metrics are process-wide (``prometheus_client``'s registry), so the
tests compare a counter before and after what they do.
"""

import dataclasses
import shlex
import threading
import time
from pathlib import Path

from factories import create_args, new_id
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import text

from sync_server.app import create_app
from sync_server.cli import _parser, _run
from sync_server.db import make_engine
from sync_server.health import _head_revisions
from sync_server.keys import Keyring
from sync_server.metrics import may_read


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _open_metrics(server) -> TestClient:
    _context, client = server.new_app_client(
        dataclasses.replace(server.settings, metrics_access="open"))
    return client


def test_healthz_answers_without_the_database_readyz_says_it_is_unreachable(server):
    gone = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    client = TestClient(create_app(context=dataclasses.replace(server.context, engine=gone)))
    assert client.get("/healthz").json() == {"status": "alive"}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unreachable"
    assert server.client.get("/readyz").json() == {"status": "ready"}


def test_readyz_refuses_a_database_behind_the_newest_migration(server):
    (head,) = _head_revisions()
    with server.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    try:
        response = server.client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["code"] == "database_not_migrated"
        assert "imi-server init" in response.json()["message"]
    finally:
        with server.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"),
                               {"head": head})
    assert server.client.get("/readyz").status_code == 200


def test_readyz_refuses_a_key_file_that_does_not_open_the_data(server):
    de = server.peer("DE")
    (result,) = de.push(de.mutation("case.create",
                                    create_args(responder=server.directory.hu.authority_id)))
    assert result["status"] == "applied"
    assert server.client.get("/readyz").status_code == 200
    _context, other_key = server.new_app_client(
        dataclasses.replace(server.settings, keyring=Keyring.generate()))
    response = other_key.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "key_unusable"


def test_metrics_are_for_loopback_callers_unless_opened():
    assert may_read("loopback", "127.0.0.1") and may_read("loopback", "::1")
    assert not may_read("loopback", "192.0.2.7") and not may_read("loopback", "testclient")
    assert not may_read("loopback", None)
    assert may_read("open", "192.0.2.7")
    assert not may_read("off", "127.0.0.1")


def test_metrics_count_routes_by_template_push_outcomes_pull_pages_and_long_polls(server):
    # The test client's address is not loopback: the default refuses it.
    assert server.client.get("/metrics").status_code == 404
    client = _open_metrics(server)
    de, hu = server.peer("DE"), server.peer("HU")
    pull_route = {"method": "GET", "route": "/v1/sync/pull", "status": "200"}
    before = {
        "applied": _sample("imi_push_mutations_total", outcome="applied", code=""),
        "replayed": _sample("imi_push_mutations_total", outcome="replayed", code=""),
        "rejected": _sample("imi_push_mutations_total", outcome="rejected",
                            code="not_found"),
        "pages": _sample("imi_pull_pages_total"),
        "rows": _sample("imi_pull_rows_total"),
        "pulls": _sample("imi_http_requests_total", **pull_route),
        "unknown": _sample("imi_http_requests_total", method="GET", route="-", status="404"),
    }

    create = de.mutation("case.create", create_args(responder=server.directory.hu.authority_id))
    assert de.push(create)[0]["status"] == "applied"
    assert de.push(create)[0]["replayed"] is True
    missing = de.mutation("case.send", {"case_id": new_id()})
    assert de.push(missing)[0]["code"] == "not_found"
    served = len(hu.pull_all())
    secret_path = "/v1/cases/" + new_id()
    assert server.client.get(secret_path).status_code == 404

    assert _sample("imi_push_mutations_total", outcome="applied", code="") == \
        before["applied"] + 1
    assert _sample("imi_push_mutations_total", outcome="replayed", code="") == \
        before["replayed"] + 1
    assert _sample("imi_push_mutations_total", outcome="rejected", code="not_found") == \
        before["rejected"] + 1
    assert _sample("imi_pull_pages_total") >= before["pages"] + 1
    assert _sample("imi_pull_rows_total") == before["rows"] + served
    assert _sample("imi_http_requests_total", **pull_route) >= before["pulls"] + 1
    assert _sample("imi_http_requests_total", method="GET", route="-", status="404") == \
        before["unknown"] + 1
    assert _sample("imi_http_request_duration_seconds_count", method="POST",
                   route="/v1/sync/push") >= 3

    body = client.get("/metrics")
    assert body.status_code == 200
    assert body.headers["content-type"].startswith("text/plain")
    assert 'route="/v1/sync/pull"' in body.text
    # Labels hold templates and codes only: no path as sent, no cursor, no id.
    assert secret_path not in body.text and hu.cursor not in body.text
    assert "imi_long_polls_open" in body.text


def test_the_long_poll_gauge_counts_open_waits(server):
    hu = server.peer("HU")
    hu.pull_all()
    assert _sample("imi_long_polls_open") == 0
    answered: list[int] = []
    waiting = threading.Thread(
        target=lambda: answered.append(hu.wait_raw(timeout=1.5).status_code))
    waiting.start()
    deadline = time.monotonic() + 5
    seen = 0.0
    while time.monotonic() < deadline and seen == 0:
        seen = _sample("imi_long_polls_open")
        time.sleep(0.01)
    waiting.join()
    assert seen == 1
    assert answered == [200]
    assert _sample("imi_long_polls_open") == 0


def test_the_systemd_units_run_the_server_with_json_logs():
    root = Path(__file__).resolve().parents[2] / "build"
    for unit in ("imi-server.service", "imi-training.service"):
        (exec_start,) = [line.removeprefix("ExecStart=") for line in
                         (root / unit).read_text().splitlines() if line.startswith("ExecStart=")]
        options = _parser().parse_args(shlex.split(exec_start)[1:])
        assert options.handler is _run and options.log_format == "json", unit
        assert options.metrics == "loopback", unit
