"""Issue 9 item 2: colleagues. Each authority's users reach its own replicas only, as entity
kind ``colleague`` (id, name, roles, areas; no user name, e-mail or phone), republished when
the administration creates, changes or deactivates a user. SQLite and PostgreSQL."""

from alembic import command
from factories import PASSWORD, Peer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_protocol.colleagues import Colleague
from sync_server.auth.token_cache import MIGRATING
from sync_server.directory.service import add_user
from sync_server.migrate import alembic_config
from sync_server.sync.models import SyncRow


def _colleagues(peer: Peer) -> dict[str, dict | None]:
    return {c["id"]: c["data"] for c in peer.pull_all() if c["kind"] == "colleague"}


def _admin(server, authority_id: str, username: str) -> Peer:
    with Session(server.engine) as session, session.begin():
        add_user(session, username=username, password=PASSWORD, display_name="Local Admin",
                 authority_id=authority_id, roles=["local_data_administrator"], language="en")
    return Peer.login(server.client, username)


def test_colleagues_reach_only_their_own_authority(server):
    de, hu = server.peer("DE"), server.peer("HU")
    seen_de, seen_hu = _colleagues(de), _colleagues(hu)
    assert set(seen_de) == {server.directory.de.user_id}
    assert set(seen_hu) == {server.directory.hu.user_id}
    colleague = Colleague.model_validate(seen_de[server.directory.de.user_id])
    assert colleague.display_name == "DE Handler" and colleague.roles == ("request_handler",)
    # Nothing but what the model names: no user name, e-mail or phone.
    assert set(seen_de[server.directory.de.user_id]) == {"id", "display_name", "roles", "areas"}
    audiences = {r[0] for r in server.rows(select(SyncRow.audience)
                                           .where(SyncRow.kind == "colleague"))}
    assert audiences == {f"authority:{a}" for a in server.directory.authorities.values()}


def test_the_administration_creates_changes_and_deactivates_colleagues(server):
    de, hu = server.peer("DE"), server.peer("HU")
    admin = _admin(server, de.authority_id, "de.admin")
    _colleagues(de), _colleagues(hu)  # both up to date

    created = admin.client.post("/v1/admin/users", headers=admin.headers, json={
        "username": "de.allocator", "display_name": "Erika Zuteilerin", "language": "de",
        "roles": ["allocator"], "areas": ["PQ"]})
    assert created.status_code == 200, created.text
    user_id = created.json()["user_id"]
    assert _colleagues(de) == {user_id: {"id": user_id, "display_name": "Erika Zuteilerin",
                                         "roles": ["allocator"], "areas": ["PQ"]}}
    assert _colleagues(hu) == {}  # another authority learns nothing

    changed = admin.client.put(f"/v1/admin/users/{user_id}/rights", headers=admin.headers,
                               json={"roles": ["allocator", "request_handler"],
                                     "areas": ["PQ"]})
    assert changed.status_code == 200, changed.text
    assert _colleagues(de)[user_id]["roles"] == ["allocator", "request_handler"]

    gone = admin.client.post(f"/v1/admin/users/{user_id}/deactivate", headers=admin.headers)
    assert gone.status_code == 200, gone.text
    assert _colleagues(de) == {user_id: None}  # revoked: the replicas delete it
    back = admin.client.post(f"/v1/admin/users/{user_id}/reactivate", headers=admin.headers)
    assert back.status_code == 200, back.text
    assert _colleagues(de)[user_id]["display_name"] == "Erika Zuteilerin"
    assert _colleagues(hu) == {}


def test_a_refused_change_publishes_nothing(server):
    de = server.peer("DE")
    admin = _admin(server, de.authority_id, "de.admin2")
    _colleagues(de)
    refused = admin.client.post("/v1/admin/users", headers=admin.headers, json={
        "username": "de.handler", "display_name": "Taken Name", "language": "de",
        "roles": ["request_handler"], "areas": ["PQ"]})
    assert refused.status_code == 409
    assert _colleagues(de) == {}


def test_the_migration_publishes_the_users_that_exist_already(server):
    # Back to before the migration (its downgrade removes the colleagues), and up again:
    # every active user is published once, after the last sequence number.
    before = server.scalar(select(func.max(SyncRow.seq)))
    config = alembic_config(server.engine)
    with server.engine.begin() as connection:
        connection.execution_options(**{MIGRATING: True})
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
        assert connection.scalar(select(func.count()).select_from(SyncRow)
                                 .where(SyncRow.kind == "colleague")) == 0
        command.upgrade(config, "head")
    rows = server.rows(select(SyncRow.entity_id, SyncRow.seq).where(SyncRow.kind == "colleague"))
    assert {r[0] for r in rows} == {u.user_id for u in server.directory.users.values()}
    assert min(r[1] for r in rows) > before
    de = server.peer("DE")
    assert set(_colleagues(de)) == {server.directory.de.user_id}
