"""Item 3 of issue 6, through the API: token expiry, revocation, account administration.

On SQLite and PostgreSQL (the ``server`` fixture). The console's commands are tested in
``test_server_cli_security``, the client's sign-in dialog in ``tests/desktop``.
"""

import dataclasses
import datetime as dt

import pytest
from factories import PASSWORD, Peer, login_body, new_id
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sync_server.auth import admin
from sync_server.auth.audit import AdminEvent
from sync_server.auth.models import Token, User
from sync_server.auth.passwords import token_digest
from sync_server.db import make_engine
from sync_server.directory.models import Authority
from sync_server.directory.service import add_user


def _add_user(server, username, member_state, roles):
    with Session(server.engine) as session, session.begin():
        add_user(session, username=username, password=PASSWORD, display_name=username,
                 authority_id=server.directory.authorities[member_state], roles=roles,
                 language="en")
    return Peer.login(server.client, username)


def _age_token(server, peer, *, used_days_ago=0.0, created_days_ago=0.0):
    now = dt.datetime.now(dt.UTC)
    with Session(server.engine) as session, session.begin():
        session.execute(update(Token).where(Token.token_hash == token_digest(peer.token))
                        .values(last_used_at=now - dt.timedelta(days=used_days_ago),
                                created_at=now - dt.timedelta(days=created_days_ago)))


def _code(response):
    return response.status_code, response.json().get("code")


def _events(server):
    return [tuple(row) for row in server.rows(
        select(AdminEvent.action, AdminEvent.target_id, AdminEvent.actor)
        .order_by(AdminEvent.id))]


def test_item3_a_token_unused_for_the_idle_period_expires_and_every_use_renews_it(server):
    peer = server.peer("DE")
    _age_token(server, peer, used_days_ago=29, created_days_ago=29)

    assert peer.pull_raw().status_code == 200  # within 30 days: works, and is renewed
    last_used = server.scalar(select(Token.last_used_at))
    if last_used.tzinfo is None:
        last_used = last_used.replace(tzinfo=dt.UTC)
    assert dt.datetime.now(dt.UTC) - last_used < dt.timedelta(minutes=1)

    _age_token(server, peer, used_days_ago=31, created_days_ago=31)
    assert _code(peer.pull_raw()) == (401, "token_expired")
    assert _code(peer.wait_raw(timeout=0)) == (401, "token_expired")
    # Signing in again on the same device gives a working token.
    assert Peer.login(server.client, peer.user["username"],
                      device_id=peer.device_id).pull_raw().status_code == 200


def test_item3_a_token_older_than_the_maximum_age_expires_even_when_used_daily(server):
    peer = server.peer("DE")
    _age_token(server, peer, used_days_ago=0.5, created_days_ago=91)

    assert _code(peer.pull_raw()) == (401, "token_expired")


def test_item3_token_lifetimes_follow_the_settings(server):
    settings = dataclasses.replace(server.settings, token_idle=dt.timedelta(days=2),
                                   token_max_age=dt.timedelta(days=5))
    _context, client = server.new_app_client(settings)
    peer = server.peer("DE")
    peer.client = client
    _age_token(server, peer, used_days_ago=1.5, created_days_ago=1.5)
    assert peer.pull_raw().status_code == 200
    _age_token(server, peer, used_days_ago=2.5, created_days_ago=2.5)
    assert _code(peer.pull_raw()) == (401, "token_expired")


def test_item3_setting_a_password_revokes_the_users_other_tokens(server):
    mine, other_device = server.peer("DE"), server.peer("DE")
    hungarian = server.peer("HU")

    with Session(server.engine) as session:
        state = admin.set_password(session, admin=admin.Administrator.console(),
                                   user_id=server.directory.de.user_id, password="new secret",
                                   now=dt.datetime.now(dt.UTC),
                                   keep_token=token_digest(mine.token))

    assert state.tokens_revoked == 1
    assert mine.pull_raw().status_code == 200
    assert _code(other_device.pull_raw()) == (401, "token_revoked")
    assert hungarian.pull_raw().status_code == 200
    assert _code(server.client.post("/v1/auth/login", json=login_body(
        server.directory.de.username, PASSWORD, new_id()))) == (401, "wrong_credentials")
    assert Peer.login(server.client, server.directory.de.username, "new secret")
    assert _events(server)[-1][:2] == ("user.set_password", server.directory.de.user_id)


def test_item3_a_local_data_administrator_administers_the_users_of_their_own_authority(server):
    lda = _add_user(server, "de.lda", "DE", ["local_data_administrator"])
    handler = server.peer("DE")
    de_user = server.directory.de.user_id

    deactivated = server.client.post(f"/v1/admin/users/{de_user}/deactivate",
                                     headers=lda.headers)
    assert deactivated.status_code == 200
    assert deactivated.json() == {"kind": "user", "id": de_user, "active": False,
                                  "tokens_revoked": 0}
    # Refused at every request and at sign-in.
    assert _code(handler.pull_raw()) == (401, "account_deactivated")
    assert _code(handler.push_raw(handler.mutation("case.send", {"case_id": new_id()}))) == (
        401, "account_deactivated")
    assert _code(handler.wait_raw(timeout=0)) == (401, "account_deactivated")
    assert _code(server.client.post("/v1/auth/login", json=login_body(
        server.directory.de.username, PASSWORD, new_id()))) == (403, "account_deactivated")

    assert server.client.post(f"/v1/admin/users/{de_user}/reactivate",
                              headers=lda.headers).json()["active"] is True
    assert handler.pull_raw().status_code == 200

    revoked = server.client.post(f"/v1/admin/users/{de_user}/revoke-tokens", headers=lda.headers)
    assert revoked.json()["tokens_revoked"] == 1
    assert _code(handler.pull_raw()) == (401, "token_revoked")

    again = server.peer("DE")
    device = server.client.post(f"/v1/admin/devices/{again.device_id}/revoke-tokens",
                                headers=lda.headers)
    assert device.json() == {"kind": "device", "id": again.device_id, "active": None,
                             "tokens_revoked": 1}
    assert _code(again.pull_raw()) == (401, "token_revoked")
    assert lda.pull_raw().status_code == 200

    assert _events(server) == [
        ("user.deactivate", de_user, lda.user["user_id"]),
        ("user.reactivate", de_user, lda.user["user_id"]),
        ("user.revoke_tokens", de_user, lda.user["user_id"]),
        ("device.revoke_tokens", again.device_id, lda.user["user_id"]),
    ]


def test_item3_administration_is_refused_outside_the_callers_reach(server):
    lda = _add_user(server, "de.lda", "DE", ["local_data_administrator"])
    handler = server.peer("DE")
    hungarian = server.peer("HU")
    hu_user, de_user = server.directory.hu.user_id, server.directory.de.user_id

    refused = [
        # A local data administrator: not another authority's users, nor any authority.
        (lda, f"/v1/admin/users/{hu_user}/deactivate", 403),
        (lda, f"/v1/admin/users/{hu_user}/revoke-tokens", 403),
        (lda, f"/v1/admin/devices/{hungarian.device_id}/revoke-tokens", 403),
        (lda, f"/v1/admin/authorities/{hungarian.authority_id}/deactivate", 403),
        (lda, f"/v1/admin/authorities/{lda.authority_id}/deactivate", 403),
        # A request handler: nothing at all, not even in its own authority.
        (handler, f"/v1/admin/users/{de_user}/deactivate", 403),
        (handler, f"/v1/admin/devices/{handler.device_id}/revoke-tokens", 403),
        # Not themselves; unknown targets are 404.
        (lda, f"/v1/admin/users/{lda.user['user_id']}/deactivate", 409),
        (lda, "/v1/admin/users/nobody/deactivate", 404),
        (lda, "/v1/admin/devices/nothing/revoke-tokens", 404),
    ]
    for peer, path, status in refused:
        response = server.client.post(path, headers=peer.headers)
        assert response.status_code == status, (path, response.text)
    assert server.client.post(f"/v1/admin/users/{de_user}/deactivate").status_code == 401

    assert hungarian.pull_raw().status_code == 200 and handler.pull_raw().status_code == 200
    assert _events(server) == []


def test_item3_a_server_administrator_deactivates_an_authority_and_all_its_users(server):
    helpdesk = _add_user(server, "fr.helpdesk", "FR", ["server_administrator"])
    de, de_colleague = server.peer("DE"), _add_user(server, "de.two", "DE", ["allocator"])
    hu = server.peer("HU")
    german = server.directory.authorities["DE"]

    response = server.client.post(f"/v1/admin/authorities/{german}/deactivate",
                                  headers=helpdesk.headers)

    assert response.json() == {"kind": "authority", "id": german, "active": False,
                               "tokens_revoked": 0}
    for peer in (de, de_colleague):
        assert _code(peer.pull_raw()) == (401, "authority_deactivated")
    assert _code(server.client.post("/v1/auth/login", json=login_body(
        "de.two", PASSWORD, new_id()))) == (403, "authority_deactivated")
    assert hu.pull_raw().status_code == 200
    # A server administrator reaches every authority's users too.
    assert server.client.post(f"/v1/admin/users/{hu.user['user_id']}/revoke-tokens",
                              headers=helpdesk.headers).json()["tokens_revoked"] == 1
    # But not their own authority (it would lock them out).
    assert server.client.post(f"/v1/admin/authorities/{helpdesk.authority_id}/deactivate",
                              headers=helpdesk.headers).status_code == 409

    server.client.post(f"/v1/admin/authorities/{german}/reactivate", headers=helpdesk.headers)
    assert de.pull_raw().status_code == 200 and de_colleague.pull_raw().status_code == 200
    assert [e[0] for e in _events(server)] == [
        "authority.deactivate", "user.revoke_tokens", "authority.reactivate"]


def test_item3_the_administration_audit_trail_is_append_only(server):
    helpdesk = _add_user(server, "fr.helpdesk", "FR", ["server_administrator"])
    server.client.post(f"/v1/admin/users/{server.directory.de.user_id}/revoke-tokens",
                       headers=helpdesk.headers)
    assert server.count(AdminEvent) == 1

    for change in (update(AdminEvent).values(actor="someone else"), delete(AdminEvent)):
        with pytest.raises(DBAPIError, match="append-only"), \
                Session(server.engine) as session, session.begin():
            session.execute(change)
    assert _events(server)[0][2] == helpdesk.user["user_id"]


def test_item3_the_admin_routes_are_described_in_openapi(server):
    paths = server.client.get("/openapi.json").json()["paths"]
    for path in ("/v1/admin/users/{user_id}/deactivate", "/v1/admin/users/{user_id}/reactivate",
                 "/v1/admin/users/{user_id}/revoke-tokens",
                 "/v1/admin/devices/{device_id}/revoke-tokens",
                 "/v1/admin/authorities/{authority_id}/deactivate",
                 "/v1/admin/authorities/{authority_id}/reactivate"):
        assert "post" in paths[path]
        assert "403" in paths[path]["post"]["responses"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda peer: update(Token).where(Token.token_hash == token_digest(peer.token))
     .values(revoked=True), "token_revoked"),
    (lambda peer: update(User).where(User.id == peer.user["user_id"])
     .values(active=False), "account_deactivated"),
    (lambda peer: update(Authority).where(Authority.id == peer.authority_id)
     .values(active=False), "authority_deactivated"),
], ids=["token_revoked", "user_deactivated", "authority_deactivated"])
def test_a_token_in_use_stops_at_its_next_request_after_a_change_made_elsewhere(
        server, change, expected):
    """Verified tokens are kept in memory (``auth.token_cache``); a revocation or deactivation
    written by another process (another instance, the command line), in a plain statement
    on a connection of its own, still ends the token at its very next request."""
    peer = server.peer("DE")
    assert peer.pull_raw().status_code == 200
    assert peer.pull_raw().status_code == 200  # verified, and now kept
    elsewhere = make_engine(server.url)
    try:
        with elsewhere.begin() as connection:
            connection.execute(change(peer))
    finally:
        elsewhere.dispose()

    assert _code(peer.pull_raw()) == (401, expected)
