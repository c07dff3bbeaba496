"""The idle lane (``sync.idle.IdleLane``): up-to-date pulls and waits answered ahead of the
routes, by the routes' rules; everything else passed on to the routes unchanged."""

import threading

import pytest
from factories import create_args, new_id, wait_until

from sync_protocol.version import PROTOCOL_VERSION
from sync_server.auth.models import Token
from sync_server.sync.idle import IdleLane


@pytest.fixture
def passed_on(server):
    """The paths of the requests the lane passed on to the routes (FastAPI), in order."""
    server.client.get("/v1/meta")  # builds the middleware stack
    layer = server.client.app.middleware_stack
    while not isinstance(layer, IdleLane):
        layer = layer.app
    routes, seen = layer.app, []

    async def recording(scope, receive, send):
        seen.append(scope["path"])
        await routes(scope, receive, send)

    layer.app = recording
    return seen


def _same_answer(fast, routed):
    assert (fast.status_code, fast.content) == (routed.status_code, routed.content)
    names = {name for name in fast.headers if name != "x-request-id"}
    assert names == {name for name in routed.headers if name != "x-request-id"}
    assert all(fast.headers[name] == routed.headers[name] for name in names)


def test_an_up_to_date_pull_is_answered_by_the_lane_as_the_route_answers_it(server, passed_on):
    de = server.peer("DE")
    de.pull_all()
    passed_on.clear()

    fast = de.pull_raw()
    # A parameter given twice is the route's to judge (it takes the last): the same question.
    routed = server.client.get(
        "/v1/sync/pull", headers=de.headers,
        params=[("cursor", de.cursor), ("cursor", de.cursor),
                ("protocol_version", PROTOCOL_VERSION)])

    assert passed_on == ["/v1/sync/pull"]  # the second only
    assert fast.json()["changes"] == [] and fast.json()["has_more"] is False
    _same_answer(fast, routed)
    assert fast.headers["cache-control"] == "no-store"
    assert fast.headers["x-request-id"] != routed.headers["x-request-id"]


def test_a_stale_cursor_goes_to_the_route_and_gets_the_rows(server, passed_on):
    de, hu = server.peer("DE"), server.peer("HU")
    de.pull_all()
    de.pull_page()
    passed_on.clear()
    case_id = new_id()
    de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id))

    page = de.pull_page()

    assert [change["id"] for change in page["changes"]] == [case_id]
    assert passed_on == ["/v1/sync/push", "/v1/sync/pull"]


def test_a_revoked_token_is_refused_after_the_lane_answered_it(server, passed_on):
    de = server.peer("DE")
    de.pull_all()
    de.pull_page()  # now vouched for by the token cache
    passed_on.clear()
    assert de.pull_raw().status_code == 200 and passed_on == []
    with server.engine.begin() as connection:
        connection.execute(Token.__table__.update().values(revoked=True))

    pull, wait = de.pull_raw(), de.wait_raw(timeout=0)

    assert (pull.status_code, pull.json()["code"]) == (401, "token_revoked")
    assert (wait.status_code, wait.json()["code"]) == (401, "token_revoked")
    assert passed_on == ["/v1/sync/pull", "/v1/sync/wait"]


@pytest.mark.parametrize("authorization", ["Bearer forged", "Basic abc", "Bearer ", "bearer"])
def test_a_bad_token_is_refused_as_before(server, passed_on, authorization):
    de = server.peer("DE")
    de.pull_all()
    passed_on.clear()

    response = server.client.get("/v1/sync/pull", params={"cursor": de.cursor},
                                 headers={"Authorization": authorization})

    assert (response.status_code, response.json()["code"]) == (401, "unauthorised")
    assert passed_on == ["/v1/sync/pull"]


@pytest.mark.parametrize(("query", "status", "code"), [
    ({"limit": "0"}, 422, "invalid_message"),
    ({"limit": "many"}, 422, "invalid_message"),
    ({"limit": "2001"}, 422, "invalid_message"),
    ({"since": "1"}, 422, "invalid_message"),
    ({"protocol_version": "99"}, 400, "unsupported_protocol_version"),
    ({"cursor": "not-a-cursor"}, 400, "invalid_cursor"),
])
def test_a_query_the_route_refuses_is_refused_by_the_route(server, passed_on, query, status,
                                                          code):
    de = server.peer("DE")
    de.pull_all()
    passed_on.clear()

    pull = server.client.get("/v1/sync/pull", params={"cursor": de.cursor, **query},
                             headers=de.headers)
    wait = server.client.get("/v1/sync/wait",
                             params={"cursor": de.cursor, "timeout": "0", **query},
                             headers=de.headers)

    assert (pull.status_code, pull.json()["code"]) == (status, code)
    assert passed_on[0] == "/v1/sync/pull"
    if "limit" not in query:  # a wait has no limit: one more parameter it does not know
        assert (wait.status_code, wait.json()["code"]) == (status, code)
        assert passed_on == ["/v1/sync/pull", "/v1/sync/wait"]


def test_a_wait_held_by_the_lane_is_woken_by_a_push(server, passed_on):
    de, hu = server.peer("DE"), server.peer("HU")
    hu.pull_all()
    case_id = new_id()
    de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id))
    passed_on.clear()
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(hu.wait_raw(timeout=20)))
    notifier = server.context.notifier

    waiter.start()
    try:
        wait_until(lambda: notifier._waiters, what="the wait never started", timeout=10)
        de.step("case.send", {"case_id": case_id})
    finally:
        waiter.join(timeout=25)

    # A timed-out wait answers changed=false: true means the send woke it.
    assert answers[0].content == b'{"changed":true}'
    assert passed_on == ["/v1/sync/push"]
    assert hu.wait_raw(timeout=0).content == b'{"changed":true}'  # not pulled yet
    hu.pull_all()
    quiet = hu.wait_raw(timeout=0)
    assert quiet.content == b'{"changed":false}'
    assert passed_on == ["/v1/sync/push", "/v1/sync/pull"]
