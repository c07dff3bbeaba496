"""Push: exactly once, in order, and every malformed message answered with a 4xx code."""

from factories import Peer, create_args, new_id
from sqlalchemy import func, select

from sync_protocol.messages import MAX_MUTATIONS_PER_PUSH
from sync_protocol.version import PROTOCOL_VERSION
from sync_server.auth.models import Device
from sync_server.cases.models import Case, CaseEvent
from sync_server.errors import MAX_BODY_BYTES
from sync_server.orm import ServerState
from sync_server.sync.models import AppliedMutation, SyncRow


def _state(server, device_id):
    """Everything a push could change, to compare before and after."""
    return {
        "last_mutation_id": server.scalar(
            select(Device.last_mutation_id).where(Device.id == device_id)),
        "cases": server.rows(select(Case.id, Case.version, Case.state).order_by(Case.id)),
        "events": server.count(CaseEvent),
        "results": server.count(AppliedMutation),
        "sync_rows": server.rows(select(SyncRow.id, SyncRow.seq).order_by(SyncRow.id)),
        "last_seq": server.scalar(select(ServerState.last_seq)),
    }


def test_duplicate_push_replays_the_stored_results_and_changes_nothing(server):
    de = server.peer("DE")
    case_id = new_id()
    mutations = [
        de.mutation("case.create", create_args(responder=server.directory.authorities["HU"],
                                               case_id=case_id)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1),
        de.mutation("case.accept", {"case_id": case_id}),  # refused: DE is the requester
    ]
    first = de.push(*mutations)
    before = _state(server, de.device_id)

    again = de.push(*mutations)

    assert [(r["status"], r["code"], r["replayed"]) for r in first] == [
        ("applied", None, False), ("applied", None, False),
        ("rejected", "invalid_transition", False)]
    assert [(r["status"], r["code"], r["replayed"]) for r in again] == [
        ("applied", None, True), ("applied", None, True),
        ("rejected", "invalid_transition", True)]
    # The replay is the stored result, not a re-run: the create's change is still version 1.
    assert [r["change"]["version"] for r in again] == [1, 2, 2]
    assert [{**r, "replayed": False} for r in again] == first
    assert _state(server, de.device_id) == before
    assert before["cases"] == [(case_id, 2, "sent")]
    assert before["events"] == 3


def test_retry_of_a_partly_applied_batch_applies_only_the_new_part(server):
    de = server.peer("DE")
    case_id = new_id()
    create = de.mutation("case.create", create_args(
        responder=server.directory.authorities["HU"], case_id=case_id))
    send = de.mutation("case.send", {"case_id": case_id}, base_version=1)
    de.push(create)

    results = de.push(create, send)

    assert [(r["mutation_id"], r["replayed"], r["status"]) for r in results] == [
        (1, True, "applied"), (2, False, "applied")]
    assert server.scalar(select(Case.version)) == 2
    assert server.count(CaseEvent) == 2


def test_gap_answers_409_with_the_expected_id_and_writes_nothing(server):
    de = server.peer("DE")
    de.step("case.create", create_args(responder=server.directory.authorities["HU"]))
    before = _state(server, de.device_id)

    response = de.push_raw(de.mutation("case.send", {"case_id": new_id()}, mutation_id=5))

    assert response.status_code == 409
    assert response.json() == {"code": "mutation_gap", "message": "expected mutation id 2",
                               "params": {"expected": 2}, "expected_mutation_id": 2}
    assert _state(server, de.device_id) == before


def test_unknown_mutation_name_refuses_the_whole_push(server):
    de = server.peer("DE")
    case_id = new_id()

    response = de.push_raw(
        de.mutation("case.create", create_args(responder=server.directory.authorities["HU"],
                                               case_id=case_id)),
        de.mutation("case.explode", {"case_id": case_id}),
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_mutation"
    assert "case.explode" in body["message"]
    assert server.scalar(select(Device.last_mutation_id).where(Device.id == de.device_id)) == 0
    assert server.count(Case) == 0
    assert server.count(CaseEvent) == 0
    assert server.count(AppliedMutation) == 0


def _push_body(device_id, **overrides):
    body = {"protocol_version": PROTOCOL_VERSION, "device_id": device_id, "mutations": [
        {"mutation_id": 1, "name": "case.send", "args": {"case_id": new_id()},
         "created_at": "2030-01-01T00:00:00Z"}]}
    body.update(overrides)
    return body


def test_malformed_pushes_get_4xx_codes_and_change_nothing(server):
    de = server.peer("DE")
    mutation = _push_body(de.device_id)["mutations"][0]
    too_many = [{**mutation, "mutation_id": i}
                for i in range(1, MAX_MUTATIONS_PER_PUSH + 2)]
    cases = {
        "not json": ({"content": b"{not json", "headers": {"content-type": "application/json"}},
                     422, "invalid_message"),
        "a list": ({"json": [1, 2]}, 422, "invalid_message"),
        "empty object": ({"json": {}}, 422, "invalid_message"),
        "id is text": ({"json": _push_body(de.device_id, mutations=[
            {**mutation, "mutation_id": "one"}])}, 422, "invalid_message"),
        "args is a list": ({"json": _push_body(de.device_id, mutations=[
            {**mutation, "args": [1]}])}, 422, "invalid_message"),
        "id zero": ({"json": _push_body(de.device_id, mutations=[
            {**mutation, "mutation_id": 0}])}, 422, "invalid_message"),
        "no mutations": ({"json": _push_body(de.device_id, mutations=[])},
                         422, "invalid_message"),
        "too many": ({"json": _push_body(de.device_id, mutations=too_many)},
                     422, "invalid_message"),
        "not consecutive": ({"json": _push_body(de.device_id, mutations=[
            mutation, {**mutation, "mutation_id": 3}])}, 422, "invalid_message"),
        "extra field": ({"json": _push_body(de.device_id, sneaky=True)},
                        422, "invalid_message"),
        "bad device id": ({"json": _push_body("DEVICE")}, 422, "invalid_message"),
        "next version": ({"json": _push_body(de.device_id,
                                             protocol_version=PROTOCOL_VERSION + 1)},
                      400, "unsupported_protocol_version"),
        "version 0, no mutations": ({"json": {"protocol_version": 0}},
                                    400, "unsupported_protocol_version"),
        "version is text": ({"json": _push_body(de.device_id, protocol_version="one")},
                            422, "invalid_message"),
    }
    before = _state(server, de.device_id)

    for name, (request, status, code) in cases.items():
        headers = {**de.headers, **request.pop("headers", {})}
        response = server.client.post("/v1/sync/push", headers=headers, **request)
        assert (response.status_code, response.json().get("code")) == (status, code), (
            name, response.text)
        assert response.json()["message"], name

    assert _state(server, de.device_id) == before


def test_unsupported_protocol_version_says_which_one_is_spoken(server):
    response = server.client.post("/v1/auth/login", json={
        "protocol_version": 99, "username": "x", "password": "y", "device_id": new_id()})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unsupported_protocol_version"
    assert "99" in body["message"]
    assert str(PROTOCOL_VERSION) in body["message"]


def test_oversized_body_is_refused_with_413(server):
    de = server.peer("DE")
    filler = "x" * (MAX_BODY_BYTES + 1)
    body = _push_body(de.device_id)
    body["mutations"][0]["args"]["filler"] = filler

    declared = server.client.post("/v1/sync/push", json=body, headers=de.headers)

    def chunks():
        for _ in range(5):
            yield b"x" * (1024 * 1024)

    streamed = server.client.post("/v1/sync/push", content=chunks(),
                                  headers={**de.headers, "content-type": "application/json"})

    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"
    assert server.scalar(select(Device.last_mutation_id).where(Device.id == de.device_id)) == 0


def test_body_just_under_the_limit_is_read(server):
    de = server.peer("DE")
    body = _push_body(de.device_id)
    # Unknown argument: the mutation is rejected, but the message itself was accepted.
    body["mutations"][0]["args"]["filler"] = "x" * (MAX_BODY_BYTES - 1000)

    response = server.client.post("/v1/sync/push", json=body, headers=de.headers)

    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "invalid_arguments")


def test_mutation_ids_are_per_device(server):
    de_laptop, de_desktop = server.peer("DE"), server.peer("DE")
    hu_id = server.directory.authorities["HU"]

    a = de_laptop.step("case.create", create_args(responder=hu_id))
    b = de_desktop.step("case.create", create_args(responder=hu_id))

    assert (a["mutation_id"], a["status"]) == (1, "applied")
    assert (b["mutation_id"], b["status"]) == (1, "applied")
    assert server.count(Case) == 2
    assert server.scalar(select(func.max(Device.last_mutation_id))) == 1


def test_the_same_id_with_other_content_is_refused_and_applies_nothing(server):
    """A restored or copied profile reuses an id: its step must not vanish into a replay."""
    de = server.peer("DE")
    hu_id = server.directory.authorities["HU"]
    original = de.mutation("case.create", create_args(responder=hu_id))
    de.push(original)
    copy_step = de.mutation("case.create", create_args(responder=hu_id), mutation_id=1)
    before = _state(server, de.device_id)

    response = de.push_raw(copy_step)

    assert response.status_code == 409
    assert response.json()["code"] == "mutation_id_reused"
    assert response.json()["mutation_id"] == 1
    assert _state(server, de.device_id) == before
    # The very same step again is still a harmless replay.
    (replay,) = de.push(original)
    assert replay["replayed"] is True


def test_a_reused_id_inside_a_batch_names_itself_after_the_replayed_ones(server):
    de = server.peer("DE")
    hu_id = server.directory.authorities["HU"]
    first = de.mutation("case.create", create_args(responder=hu_id))
    second = de.mutation("case.create", create_args(responder=hu_id))
    de.push(first, second)
    other_second = de.mutation("case.create", create_args(responder=hu_id), mutation_id=2)

    response = de.push_raw(first, other_second)

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["mutation_id"]) == ("mutation_id_reused", 2)


def test_a_signed_in_user_registers_a_new_device_with_a_token_bound_to_it(server):
    de = server.peer("DE")
    hu_id = server.directory.authorities["HU"]
    de.step("case.create", create_args(responder=hu_id))

    response = server.client.post("/v1/auth/device", headers=de.headers,
                                  json={"protocol_version": PROTOCOL_VERSION,
                                        "device_name": "copy"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["device_id"] != de.device_id
    assert server.scalar(select(Device.user_id).where(Device.id == body["device_id"])) \
        == server.directory.de.user_id
    copy = Peer(server.client, token=body["token"], user=de.user, device_id=body["device_id"])
    (result,) = copy.push(copy.mutation("case.create", create_args(responder=hu_id)))
    assert (result["mutation_id"], result["status"]) == (1, "applied")
    # The new token is bound to the new device, the old one to the old device.
    wrong = copy.client.post("/v1/sync/push", headers=de.headers, json={
        "protocol_version": PROTOCOL_VERSION, "device_id": copy.device_id,
        "mutations": [copy.mutation("case.create", create_args(responder=hu_id))]})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "device_mismatch")
    assert de.step("case.create", create_args(responder=hu_id))["status"] == "applied"


def test_registering_a_device_needs_a_valid_token(server):
    response = server.client.post("/v1/auth/device", json={
        "protocol_version": PROTOCOL_VERSION, "device_name": "x"},
        headers={"Authorization": "Bearer nonsense"})
    assert (response.status_code, response.json()["code"]) == (401, "unauthorised")
