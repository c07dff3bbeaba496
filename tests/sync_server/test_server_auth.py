"""Sign-in, tokens bound to a user and a device, and the service's self-description."""

from factories import Peer, login_body, new_id
from sqlalchemy import select

from sync_protocol.version import PROTOCOL_VERSION
from sync_server.auth.models import Device, Token


def test_meta_names_protocol_and_epoch(server):
    response = server.client.get("/v1/meta")

    assert response.status_code == 200
    body = response.json()
    assert body["protocol_version"] == PROTOCOL_VERSION
    assert body["server_epoch"] == server.epoch
    assert body["training"] is False


def test_login_returns_token_and_user_and_registers_the_device(server):
    user = server.directory.hu
    device_id = new_id()

    response = server.client.post("/v1/auth/login",
                                  json=login_body(user.username, user.password, device_id))

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["user_id"] == user.user_id
    assert body["user"]["authority_id"] == user.authority_id
    assert body["user"]["member_state"] == "HU"
    assert body["user"]["roles"] == ["request_handler"]
    assert len(body["token"]) >= 32
    device = server.scalar(select(Device).where(Device.id == device_id))
    assert device.user_id == user.user_id
    assert device.last_mutation_id == 0
    # Only a digest of the token is stored.
    stored = server.rows(select(Token.token_hash))
    assert len(stored) == 1
    assert body["token"] not in stored[0][0]
    # And the token works.
    peer = Peer(server.client, token=body["token"], user=body["user"], device_id=device_id)
    assert peer.pull_raw().status_code == 200


def test_wrong_password_is_unauthorised(server):
    user = server.directory.de

    response = server.client.post("/v1/auth/login",
                                  json=login_body(user.username, "not the password", new_id()))

    assert response.status_code == 401
    assert response.json()["code"] == "wrong_credentials"
    assert server.count(Token) == 0
    assert server.count(Device) == 0


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(server):
    response = server.client.post("/v1/auth/login",
                                  json=login_body("nobody", "whatever", new_id()))

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "wrong_credentials"
    wrong = server.client.post(
        "/v1/auth/login",
        json=login_body(server.directory.de.username, "not the password", new_id()),
    ).json()
    assert body["message"] == wrong["message"]


def test_a_device_registered_to_one_user_is_refused_to_another(server):
    device_id = new_id()
    server.peer("DE", device_id=device_id)
    hu = server.directory.hu

    response = server.client.post("/v1/auth/login",
                                  json=login_body(hu.username, hu.password, device_id))

    assert response.status_code == 403
    assert response.json()["code"] == "device_in_use"
    assert server.scalar(select(Device.user_id).where(Device.id == device_id)) == \
        server.directory.de.user_id
    assert server.count(Token) == 1


def test_same_user_may_sign_in_again_on_its_device(server):
    device_id = new_id()
    first = server.peer("DE", device_id=device_id)
    second = server.peer("DE", device_id=device_id)

    assert first.token != second.token
    assert server.count(Device) == 1
    assert first.pull_raw().status_code == 200
    assert second.pull_raw().status_code == 200


def test_login_with_a_malformed_device_id_is_a_message_error(server):
    user = server.directory.de

    response = server.client.post("/v1/auth/login",
                                  json=login_body(user.username, user.password, "not-hex"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_message"


def test_sync_routes_need_a_token(server):
    body = {"protocol_version": PROTOCOL_VERSION, "device_id": new_id(), "mutations": [
        {"mutation_id": 1, "name": "case.send", "args": {"case_id": new_id()},
         "created_at": "2030-01-01T00:00:00Z"}]}

    push = server.client.post("/v1/sync/push", json=body)
    pull = server.client.get("/v1/sync/pull")
    wait = server.client.get("/v1/sync/wait", params={"timeout": 0})
    forged = server.client.get("/v1/sync/pull", headers={"Authorization": "Bearer forged"})

    for response in (push, pull, wait, forged):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorised"


def test_a_revoked_token_is_refused(server):
    peer = server.peer("DE")
    with server.engine.begin() as connection:
        connection.execute(Token.__table__.update().values(revoked=True))

    response = peer.pull_raw()

    assert response.status_code == 401
    # Its own code, so that the client can say why it asks for the password again.
    assert response.json()["code"] == "token_revoked"


def test_a_token_pushes_only_for_its_own_device(server):
    peer = server.peer("DE")
    other_device = Peer(server.client, token=peer.token, user=peer.user, device_id=new_id())

    response = other_device.push_raw(
        other_device.mutation("case.send", {"case_id": new_id()}))

    assert response.status_code == 403
    assert response.json()["code"] == "device_mismatch"


def test_openapi_lists_the_sync_routes(server):
    response = server.client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "post" in paths["/v1/sync/push"]
    assert "get" in paths["/v1/sync/pull"]
    assert "/v1/auth/login" in paths


def test_unknown_route_is_a_json_404(server):
    response = server.client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
