"""Input hygiene on the server: text rules, 405 with Allow, authentication before validation,
unknown query parameters refused, and an OpenAPI description that tells the truth."""

import pytest
from factories import create_args, login_body, new_id

from sync_protocol.bounds import INT32_MAX, SAFE_INT_MAX
from sync_protocol.version import PROTOCOL_VERSION


@pytest.mark.parametrize(("family_name", "why"), [
    ("\u202eznalok", "bidirectional control U+202E"),
    ("Kov\x07ács", "control character U+0007"),
    ("\u200b\u200c", "only of invisible characters"),
])
def test_a_spoofing_name_is_refused_with_a_clear_reason_and_nothing_is_stored(
        server, family_name, why):
    peer = server.peer("DE")
    args = create_args(responder=server.directory.hu.authority_id, family_name=family_name)

    result = peer.step("case.create", args)

    assert result["status"] == "rejected" and result["code"] == "invalid_arguments"
    assert "subject.family_name" in result["message"] and why in result["message"]
    assert peer.cases(peer.pull_all()) == {}


def test_names_are_stored_nfc_normalised(server):
    peer = server.peer("DE")
    args = create_args(responder=server.directory.hu.authority_id, family_name="Ko\u0308ller")

    assert peer.step("case.create", args)["status"] == "applied"

    (case,) = peer.cases(peer.pull_all()).values()
    assert case["data"]["subject"]["family_name"] == "Köller"


def test_a_user_name_with_control_characters_is_refused_422(server):
    response = server.client.post("/v1/auth/login",
                                  json=login_body("de.weber\r\nadmin", "x", new_id()))
    assert response.status_code == 422
    assert "control character" in response.json()["message"]


def test_a_wrong_method_answers_405_with_allow(server):
    for method, path, allowed in (("PUT", "/v1/sync/push", "POST"),
                                  ("DELETE", "/v1/sync/pull", "GET"),
                                  ("GET", "/v1/auth/login", "POST")):
        response = server.client.request(method, path)
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"
        assert response.headers["Allow"] == allowed


def test_authentication_is_checked_before_the_body(server):
    peer = server.peer("DE")
    not_json = b'{"protocol_version": 1, "device_id": '
    wrong_shape = {"protocol_version": PROTOCOL_VERSION, "mutations": "none"}

    for body in (not_json, b'{"a": 1}'):
        assert server.client.post("/v1/sync/push", content=body).status_code == 401
        assert server.client.post("/v1/sync/push", content=body, headers={
            "Authorization": "Bearer not-a-token"}).status_code == 401
        assert server.client.post("/v1/sync/push", content=body,
                                  headers=peer.headers).status_code == 422
    assert server.client.post("/v1/sync/push", json=wrong_shape).status_code == 401


def test_unknown_query_parameters_and_a_nan_timeout_are_refused(server):
    peer = server.peer("DE")
    for path in ("/v1/sync/pull", "/v1/sync/wait"):
        response = server.client.get(path, params={"curser": ""}, headers=peer.headers)
        assert response.status_code == 422 and "curser" in response.json()["message"]
    assert server.client.get("/v1/sync/wait", params={"timeout": "nan"},
                             headers=peer.headers).status_code == 422


def test_the_openapi_description_tells_the_truth(server):
    document = server.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    assert schemas["LoginRequest"]["properties"]["protocol_version"]["enum"] == [
        PROTOCOL_VERSION - 1, PROTOCOL_VERSION]
    mutation = schemas["MutationIn"]["properties"]
    assert mutation["mutation_id"]["maximum"] == SAFE_INT_MAX
    assert mutation["name"]["enum"] == sorted([
        "case.create", "case.edit_draft", "case.send", "case.accept", "case.answer",
        "case.accept_reply", "case.withdraw", "case.approve", "case.refuse",
        "case.agree_date", "case.decline_date", "case.forward", "case.split", "case.ask_info",
        "case.give_info", "case.comment", "case.request_more", "case.rate", "case.escalate",
        "case.resolve_escalation", "case.allocate"])
    assert "2000-01-01" in mutation["created_at"]["description"]
    base_version = mutation["base_version"]["anyOf"][0]
    assert base_version["maximum"] == INT32_MAX
    assert "\\u202e" in schemas["LoginRequest"]["properties"]["username"]["pattern"]
    pull = {p["name"]: p["schema"] for p in document["paths"]["/v1/sync/pull"]["get"]["parameters"]}
    assert pull["limit"]["maximum"] == 2000 and set(pull) == {"cursor", "limit", "protocol_version"}
    login = document["paths"]["/v1/auth/login"]["post"]["responses"]
    for status in ("429", "503"):
        assert "Retry-After" in login[status]["headers"]
    for path in document["paths"].values():
        for operation in path.values():
            if operation["operationId"] != "meta_v1_meta_get":
                assert "500" in operation["responses"]
