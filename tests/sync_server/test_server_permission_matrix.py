"""Item 9 of issue 8 (registration and administration half): every role against every action.

Each cell is one real call through the API, with a fresh target (a new application, a new
user), on SQLite and on PostgreSQL; the whole table is compared at once so that a failure
shows every cell that differs, not only the first.
"""

import uuid
from collections.abc import Callable
from typing import Any

from factories import PASSWORD
from registration_world import (
    AREA,
    COORDINATORS,
    STAFF,
    World,
    administrator,
    authority,
    build_world,
    self_registration,
)
from sqlalchemy.orm import Session

from sync_server.directory.service import add_user

ROLES = (*COORDINATORS, *STAFF, "request_handler")
Call = Callable[[World, Any], Any]


def _unique() -> str:
    return f"Kammer {uuid.uuid4().hex[:8]}"


def _register(**place: Any) -> Call:
    def call(world: World, peer: Any) -> Any:
        return world.client.post(
            "/v1/coordination/authorities", headers=peer.headers,
            json={"authority": authority(name=_unique(), **place),
                  "administrator": administrator()})
    return call


def _decide(decision: str, **place: Any) -> Call:
    def call(world: World, peer: Any) -> Any:
        applied = world.client.post("/v1/registrations",
                                           json=self_registration(name=_unique(), **place))
        assert applied.status_code == 200, applied.text
        queue = world.client.get(
            "/v1/coordination/registrations", headers=world.peers["commission"].headers)
        pending = queue.json()["registrations"][-1]["id"]
        body = {"reason": "Not a competent authority."} if decision == "reject" else None
        return world.client.post(
            f"/v1/coordination/registrations/{pending}/{decision}", headers=peer.headers,
            json=body)
    return call


def _dimic(region: str) -> Call:
    def call(world: World, peer: Any) -> Any:
        return world.client.post(
            "/v1/coordination/dimics", headers=peer.headers,
            json={"authority": authority(region=region, name=_unique()),
                  "administrator": administrator(), "region": region})
    return call


def _target(world: World) -> str:
    """A fresh request handler at the German authority, to act on."""
    username = f"target.{uuid.uuid4().hex[:8]}"
    with Session(world.server.engine) as session, session.begin():
        user = add_user(session, username=username, password=PASSWORD, display_name=username,
                        authority_id=world.server.directory.authorities["DE"],
                        roles=["request_handler"], language="de")
        return user.id


def _on_user(method: str, action: str, body: dict[str, Any] | None = None) -> Call:
    def call(world: World, peer: Any) -> Any:
        user_id = _target(world)
        return world.client.request(method, f"/v1/admin/users/{user_id}/{action}",
                                           headers=peer.headers, json=body)
    return call


def _create_user(world: World, peer: Any) -> Any:
    return world.client.post(
        "/v1/admin/users", headers=peer.headers,
        json={"username": f"new.{uuid.uuid4().hex[:8]}", "display_name": "Neu",
              "language": "de", "roles": ["request_handler"], "areas": [AREA]})


def _list_users(world: World, peer: Any) -> Any:
    return world.client.get("/v1/admin/users", headers=peer.headers)


COORDINATORS_OF_DE = {"commission", "nimic", "sdimic", "dimic"}
LOCAL_ADMINS = {"local_admin", "other_local_admin"}

# action -> (call, the roles allowed; every other role is refused)
MATRIX: dict[str, tuple[Call, set[str]]] = {
    "register authority in Bayern (PQ)": (_register(), COORDINATORS_OF_DE),
    "register authority in Hessen (PQ)": (_register(region="Hessen"),
                                          {"commission", "nimic", "dimic"}),
    "register authority in Bayern (SERV)": (_register(areas=("SERV",)),
                                            {"commission", "nimic", "sdimic"}),
    "register authority in Hungary": (_register(member_state="HU", region=""),
                                      {"commission", "other_nimic"}),
    "approve self-registration in Bayern": (_decide("approve"), COORDINATORS_OF_DE),
    "reject self-registration in Bayern": (_decide("reject"), COORDINATORS_OF_DE),
    "approve self-registration in Hungary": (_decide("approve", member_state="HU", region=""),
                                             {"commission", "other_nimic"}),
    "register DIMIC in Bayern": (_dimic("Bayern"), {"commission", "nimic", "sdimic"}),
    "register DIMIC in Hessen": (_dimic("Hessen"), {"commission", "nimic"}),
    "list own authority's users": (_list_users, LOCAL_ADMINS),
    "create user": (_create_user, LOCAL_ADMINS),
    "set roles of a German user": (
        _on_user("PUT", "rights", {"roles": ["allocator", "request_handler"], "areas": [AREA]}),
        {"local_admin"}),
    # The target starts with no area: this gives it one.
    "set area rights of a German user": (
        _on_user("PUT", "rights", {"roles": ["request_handler"], "areas": [AREA]}),
        {"local_admin"}),
    "reset password of a German user": (_on_user("POST", "reset-password"), {"local_admin"}),
    "deactivate a German user": (_on_user("POST", "deactivate"), {"local_admin"}),
}

REFUSED = {(403, "forbidden"), (403, "not_a_coordinator"), (403, "out_of_scope")}


def test_item9_every_role_against_every_registration_and_administration_action(server):
    world = build_world(server)
    differences = []
    for action, (call, allowed) in MATRIX.items():
        for role in ROLES:
            response = call(world, world.peers[role])
            outcome = (response.status_code, response.json().get("code"))
            if role in allowed:
                if response.status_code != 200:
                    differences.append(f"{role} / {action}: refused {outcome}")
            elif outcome not in REFUSED:
                differences.append(f"{role} / {action}: not refused: {outcome}")
    assert differences == []


def test_item9_refusals_say_why_in_a_code_of_their_own(server):
    world = build_world(server)
    peers = world.peers
    cases = {
        # a coordinator outside its scope / somebody who coordinates nothing
        ("sdimic", "register authority in Hessen (PQ)"): "out_of_scope",
        ("dimic", "register DIMIC in Bayern"): "out_of_scope",
        ("local_admin", "register authority in Bayern (PQ)"): "not_a_coordinator",
        # an administrator of another authority, a user who administers nothing
        ("other_local_admin", "deactivate a German user"): "forbidden",
        ("request_handler", "create user"): "forbidden",
    }
    for (role, action), code in cases.items():
        response = MATRIX[action][0](world, peers[role])
        assert (response.status_code, response.json()["code"]) == (403, code), (role, action)
