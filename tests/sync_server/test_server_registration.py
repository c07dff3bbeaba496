"""Item 4 of issue 8 through the API: self-registration, coordinators' decisions, activation,
and user administration by an authority's local data administrator (SQLite and PostgreSQL)."""

import dataclasses

from factories import Peer, login_body, new_id
from registration_world import AREA, administrator, authority, build_world, self_registration
from sqlalchemy import select

from sync_protocol.version import PROTOCOL_VERSION
from sync_server.auth.models import User, UserArea
from sync_server.auth.throttle import LoginLimits
from sync_server.directory.models import Authority

NEW_PASSWORD = "a long new password"


def _code(response):
    return response.status_code, response.json().get("code")


def _activate(client, username, code, password=NEW_PASSWORD):
    return client.post("/v1/auth/activate", json={
        "protocol_version": PROTOCOL_VERSION, "username": username, "code": code,
        "password": password})


def test_item4_a_self_registered_authority_is_approved_published_and_its_admin_activates(server):
    world = build_world(server)
    client = world.client
    application = self_registration()
    receipt = client.post("/v1/registrations", json=application).json()
    reference = receipt["reference"]
    status = client.post("/v1/registrations/status",
                         json={"protocol_version": PROTOCOL_VERSION, "reference": reference})
    assert status.json() == {"status": "pending", "reason": "", "authority_id": None}
    # It waits in the queue of the most specific coordinator covering it, and of those above.
    sdimic, other = world.peers["sdimic"], world.peers["other_nimic"]
    queue = client.get("/v1/coordination/registrations", headers=sdimic.headers).json()
    (pending,) = queue["registrations"]
    assert pending["coordinator_id"] == "T-DIMIC-DE-PQ"
    assert pending["authority"]["official_name"] == "Zahnärztekammer Niederbayern"
    assert client.get("/v1/coordination/registrations",
                      headers=other.headers).json()["registrations"] == []

    observer = server.peer("FR")
    observer.pull_all()
    decision = client.post(f"/v1/coordination/registrations/{pending['id']}/approve",
                           headers=sdimic.headers).json()
    authority_id = decision["authority_id"]
    activation = decision["activation"]
    assert activation["username"] == application["administrator"]["username"]
    # Published to the directory: every replica sees it at its next pull.
    published = {c["id"]: c for c in observer.pull_all() if c["kind"] == "authority"}
    assert published[authority_id]["data"]["official_name"] == "Zahnärztekammer Niederbayern"
    assert server.scalar(select(Authority.coordinator_id)
                         .where(Authority.id == authority_id)) == "T-SDIMIC-DE-BY"
    status = client.post("/v1/registrations/status",
                         json={"protocol_version": PROTOCOL_VERSION, "reference": reference})
    assert status.json()["status"] == "approved"
    assert status.json()["authority_id"] == authority_id
    # Decided once only.
    again = client.post(f"/v1/coordination/registrations/{pending['id']}/reject",
                        headers=sdimic.headers, json={"reason": "changed my mind"})
    assert _code(again) == (409, "registration_decided")

    # No password works until the administrator sets one with the code; then the code is used.
    username = activation["username"]
    assert _code(client.post("/v1/auth/login", json=login_body(username, "x", new_id()))) \
        == (401, "wrong_credentials")
    assert _code(_activate(client, username, "0000-0000-0000-0000")) \
        == (400, "invalid_activation")
    code = activation["code"].lower().replace("-", " ")  # as typed from a phone call
    assert _activate(client, username, code).status_code == 200
    assert _code(_activate(client, username, activation["code"])) == (400, "invalid_activation")
    admin = Peer.login(client, username, NEW_PASSWORD)
    assert admin.user["roles"] == ["local_data_administrator"]
    assert admin.user["authority_id"] == authority_id


def test_item4_a_rejection_reaches_the_applicant_with_its_reason(server):
    world = build_world(server)
    client = world.client
    reference = client.post("/v1/registrations",
                            json=self_registration(member_state="HU", region="")
                            ).json()["reference"]
    nimic = world.peers["other_nimic"]
    (pending,) = client.get("/v1/coordination/registrations",
                            headers=nimic.headers).json()["registrations"]
    reason = "Bitte registrieren Sie sich über Ihre Kammer."
    rejected = client.post(f"/v1/coordination/registrations/{pending['id']}/reject",
                           headers=nimic.headers, json={"reason": reason})
    assert rejected.json()["status"] == "rejected"
    status = client.post("/v1/registrations/status",
                         json={"protocol_version": PROTOCOL_VERSION, "reference": reference})
    assert status.json() == {"status": "rejected", "reason": reason, "authority_id": None}
    assert server.count(Authority, Authority.official_name == "Zahnärztekammer Niederbayern") \
        == 0
    unknown = client.post("/v1/registrations/status",
                          json={"protocol_version": PROTOCOL_VERSION, "reference": "x" * 32})
    assert _code(unknown) == (404, "unknown_registration")


def test_item4_bad_applications_are_refused_with_a_code_and_leave_nothing(server):
    client = build_world(server).client
    bad_email = self_registration()
    bad_email["authority"]["email"] = "not an address"
    assert _code(client.post("/v1/registrations", json=bad_email)) == (422, "invalid_message")
    assert _code(client.post("/v1/registrations", json=self_registration(areas=("NOPE",)))) \
        == (400, "unknown_area")
    assert _code(client.post("/v1/registrations",
                             json=self_registration(member_state="US"))) \
        == (400, "unknown_member_state")
    taken = self_registration()
    taken["administrator"]["username"] = server.directory.de.username
    assert _code(client.post("/v1/registrations", json=taken)) == (409, "username_taken")
    # Nothing was queued: the Commission, which sees every application, sees none.
    peer = Peer.login(client, "t.commission")
    assert client.get("/v1/coordination/registrations",
                      headers=peer.headers).json()["registrations"] == []


def test_item4_unauthenticated_registration_calls_are_limited_per_address(server):
    settings = dataclasses.replace(server.settings,
                                   login_limits=LoginLimits(unauthenticated="3 per hour"))
    _context, client = server.new_app_client(settings)
    query = {"protocol_version": PROTOCOL_VERSION, "reference": "y" * 32}
    answers = [client.post("/v1/registrations/status", json=query) for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert answers[-1].json()["code"] == "too_many_registrations"
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert _code(client.post("/v1/registrations", json=self_registration())) \
        == (429, "too_many_registrations")


def test_item4_a_local_administrator_manages_users_roles_and_areas(server):
    world = build_world(server)
    client = world.client
    admin = world.peers["local_admin"]
    listed = client.get("/v1/admin/users", headers=admin.headers).json()
    names = {u["username"] for u in listed["users"]}
    assert {"t.local_admin", "t.allocator", "de.handler"} <= names
    assert "t.other_local_admin" not in names  # users of other authorities stay unseen
    assert "coordinator" not in listed["roles"]  # not a coordinator authority
    assert listed["areas"] == [AREA]

    created = client.post("/v1/admin/users", headers=admin.headers, json={
        "username": "de.neu", "display_name": "Nora Neu", "language": "de",
        "roles": ["request_handler"], "areas": [AREA]}).json()
    assert _activate(client, "de.neu", created["code"]).status_code == 200
    newcomer = Peer.login(client, "de.neu", NEW_PASSWORD)
    newcomer.pull_all()

    # Roles and areas change on the server; the newcomer's replica must start again.
    changed = client.put(f"/v1/admin/users/{created['user_id']}/rights", headers=admin.headers,
                         json={"roles": ["allocator", "request_handler"], "areas": [AREA]})
    assert changed.json()["roles"] == ["allocator", "request_handler"]
    assert _code(newcomer.pull_raw()) == (409, "reset_required")
    assert server.rows(select(UserArea.area).where(UserArea.user_id == created["user_id"])) \
        == [(AREA,)]

    refusals = {
        "no area": ({"roles": ["request_handler"], "areas": []}, (400, "areas_required")),
        "an area of no concern": ({"roles": ["request_handler"], "areas": ["SERV"]},
                                  (400, "not_an_area_of_the_authority")),
        "a role of no kind": ({"roles": ["server_administrator"]}, (400, "invalid_role")),
        "coordinator, not a coordinator authority": ({"roles": ["coordinator"]},
                                                     (400, "invalid_role")),
    }
    for what, (body, expected) in refusals.items():
        answer = client.put(f"/v1/admin/users/{created['user_id']}/rights",
                            headers=admin.headers, json=body)
        assert _code(answer) == expected, what
    own = client.put(f"/v1/admin/users/{admin.user['user_id']}/rights", headers=admin.headers,
                     json={"roles": ["request_handler"], "areas": [AREA]})
    assert _code(own) == (409, "cannot_change_own_administration")
    assert _code(client.post("/v1/admin/users", headers=admin.headers, json={
        "username": "de.neu", "display_name": "Noch Neu", "language": "de",
        "roles": ["allocator"], "areas": [AREA]})) == (409, "username_taken")

    # A reset signs the user out everywhere; the old password stops working.
    reset = client.post(f"/v1/admin/users/{created['user_id']}/reset-password",
                        headers=admin.headers).json()
    assert _code(newcomer.pull_raw()) == (401, "token_revoked")
    assert _code(client.post("/v1/auth/login", json=login_body("de.neu", NEW_PASSWORD,
                                                               new_id()))) \
        == (401, "wrong_credentials")
    listed = client.get("/v1/admin/users", headers=admin.headers).json()
    assert {u["username"]: u["activation_pending"] for u in listed["users"]}["de.neu"] is True
    assert _activate(client, "de.neu", reset["code"], "another long password").status_code \
        == 200
    assert server.scalar(select(User.active).where(User.username == "de.neu")) is True


def test_item4_a_coordinator_registers_a_dimic_that_then_registers_in_its_area(server):
    world = build_world(server)
    client = world.client
    sdimic = world.peers["sdimic"]
    made = client.post("/v1/coordination/dimics", headers=sdimic.headers, json={
        "authority": authority(name="DIMIC Oberbayern PQ"), "administrator": administrator(),
        "region": "Bayern", "area": AREA}).json()
    assert _activate(client, made["activation"]["username"], made["activation"]["code"]
                     ).status_code == 200
    dimic = Peer.login(client, made["activation"]["username"], NEW_PASSWORD)
    assert set(dimic.user["roles"]) == {"local_data_administrator", "coordinator"}
    # Its administrator may hand out the coordinator role: it is a coordinator authority.
    assert "coordinator" in client.get("/v1/admin/users", headers=dimic.headers).json()["roles"]
    inside = client.post("/v1/coordination/authorities", headers=dimic.headers,
                         json={"authority": authority(), "administrator": administrator()})
    assert inside.status_code == 200
    outside = client.post("/v1/coordination/authorities", headers=dimic.headers,
                          json={"authority": authority(areas=("SERV",)),
                                "administrator": administrator()})
    assert _code(outside) == (403, "out_of_scope")
    # A DIMIC names a region or an area.
    vague = client.post("/v1/coordination/dimics", headers=sdimic.headers, json={
        "authority": authority(), "administrator": administrator()})
    assert _code(vague) == (422, "invalid_message")
