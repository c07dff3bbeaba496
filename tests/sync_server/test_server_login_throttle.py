"""Logins under attack: failures limited per user name and per address, hashing on a bounded pool.

The flood's effect on sync latency is measured by ``python -m bench.login_flood``, not here:
these tests prove the mechanisms (refusal before hashing, Retry-After, the pool's bound, the
log line), each with the server's real parts.
"""

import asyncio
import dataclasses
import logging
import threading

import httpx
import pytest
from factories import Peer, login_body, new_id
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sync_server.app import create_app
from sync_server.auth import passwords
from sync_server.auth.hash_pool import HashPool, ServerBusy
from sync_server.auth.throttle import LoginLimits
from sync_server.context import build_context

WRONG = "not the password"


def _app(server, *, per_user: str = "100 per minute", per_address: str = "100 per minute",
         hashes: HashPool | None = None) -> FastAPI:
    settings = dataclasses.replace(
        # No pause before refusals: it slows floods, and would make each refusal here cost a
        # second; the code path (an awaited pause of 0 s) is the same.
        server.settings, login_limits=LoginLimits(per_user=per_user, per_address=per_address,
                                                  refusal_pause_s=0.0))
    context = build_context(settings)
    server._extra.append(context)
    if hashes is not None:
        context = dataclasses.replace(context, hashes=hashes)
    return create_app(context=context)


def _login(client: TestClient, username: str, password: str) -> httpx.Response:
    return client.post("/v1/auth/login", json=login_body(username, password, new_id()))


@pytest.fixture
def hash_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords actually hashed (checked against a stored hash), in order."""
    calls: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr("sync_server.auth.service.verify_password", counting)
    return calls


def test_failed_logins_per_user_name_are_refused_429_with_retry_after_before_hashing(
        server, hash_calls):
    client = TestClient(_app(server, per_user="3 per minute"))
    user = server.directory.de

    for _ in range(3):
        assert _login(client, user.username, WRONG).status_code == 401
    # Even the right password is not tried now: guessing costs the server no hash.
    refused = _login(client, user.username.upper(), user.password)

    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_attempts"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert hash_calls == [WRONG] * 3
    # Another user from the same address is not held back by this user name's failures.
    assert _login(client, server.directory.hu.username, server.directory.hu.password
                  ).status_code == 200


def test_failed_logins_per_address_are_refused_429_and_other_addresses_still_sign_in(server):
    app = _app(server, per_address="4 per minute")
    attacker = TestClient(app, client=("203.0.113.9", 40000))
    office = TestClient(app, client=("198.51.100.20", 40000))

    for number in range(4):
        assert _login(attacker, f"guess.{number}", WRONG).status_code == 401
    refused = _login(attacker, server.directory.fr.username, server.directory.fr.password)

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert _login(office, server.directory.fr.username, server.directory.fr.password
                  ).status_code == 200


def test_a_successful_login_clears_its_user_names_failures(server):
    client = TestClient(_app(server, per_user="3 per minute"))
    user = server.directory.hu

    for _ in range(2):
        assert _login(client, user.username, WRONG).status_code == 401
    assert _login(client, user.username, user.password).status_code == 200
    # Two more mistakes are allowed again (they would be the 3rd and 4th without the reset).
    for _ in range(2):
        assert _login(client, user.username, WRONG).status_code == 401
    assert _login(client, user.username, user.password).status_code == 200


def test_a_failed_login_is_logged_with_user_name_address_and_time_never_the_password(
        server, caplog):
    client = TestClient(_app(server), client=("192.0.2.77", 40000))
    secret = "Correct-Horse-Battery-7781"

    with caplog.at_level(logging.DEBUG):
        assert _login(client, "de.webber", secret).status_code == 401

    (record,) = [r for r in caplog.records if r.name == "imi.auth"]
    line = record.getMessage()
    assert "'de.webber'" in line  # quoted as typed
    assert "192.0.2.77" in line
    assert record.created > 0 and record.levelno == logging.WARNING
    assert secret not in caplog.text


def test_a_login_while_every_hashing_slot_is_taken_answers_503_with_retry_after(server):
    pool = HashPool(workers=1, queue=0)
    release = threading.Event()
    held = pool._executor.submit(release.wait)  # the pool's one worker, busy
    pool._taken = 1
    held.add_done_callback(pool._release)
    client = TestClient(_app(server, hashes=pool))
    try:
        refused = _login(client, server.directory.de.username, server.directory.de.password)
    finally:
        release.set()
        held.result(timeout=5)

    assert refused.status_code == 503
    assert refused.json()["code"] == "server_busy"
    assert refused.headers["Retry-After"] == "1"
    assert _login(client, server.directory.de.username, server.directory.de.password
                  ).status_code == 200


def test_sync_answers_while_a_sign_in_waits_for_the_hashing_pool(server):
    """A sign-in waiting for its hash holds no request thread and no database connection."""
    pool = HashPool(workers=1, queue=4)
    release = threading.Event()
    app = _app(server, hashes=pool)
    peer = Peer.login(TestClient(app), server.directory.de.username, server.directory.de.password)
    held = pool._executor.submit(release.wait)
    waiting: list[int] = []
    with TestClient(app) as client:
        signing_in = threading.Thread(target=lambda: waiting.append(_login(
            client, server.directory.hu.username, server.directory.hu.password).status_code))
        signing_in.start()
        try:
            peer.client = client
            assert peer.pull_raw().status_code == 200
            assert waiting == []  # the sign-in was still waiting for its hash
        finally:
            release.set()
            signing_in.join(timeout=30)
    held.result(timeout=5)
    assert waiting == [200]


def test_the_hash_pool_refuses_beyond_workers_plus_queue_and_frees_slots_when_hashes_end():
    pool = HashPool(workers=1, queue=1)
    release = threading.Event()

    async def scenario() -> list[bool]:
        first = asyncio.ensure_future(pool.run(release.wait))
        second = asyncio.ensure_future(pool.run(release.wait))
        await asyncio.sleep(0)
        with pytest.raises(ServerBusy):
            await pool.run(release.wait)
        # A caller that stops waiting does not free the slot its work still holds.
        second.cancel()
        with pytest.raises(ServerBusy):
            pool.check_room()
        release.set()
        done = await first
        while pool._taken:  # the done callbacks run on the pool's thread
            await asyncio.sleep(0.01)
        return [done, await pool.run(lambda: True)]

    try:
        assert asyncio.run(scenario()) == [True, True]
    finally:
        pool.close()
