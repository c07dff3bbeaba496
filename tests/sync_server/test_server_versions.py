"""Issue 5 item 6: a server accepts the previous protocol version for one release.

The server here is told it speaks the next version (as after the next bump); a client of the
current one still signs in, pushes and pulls; older and newer ones are refused with a code, on
every route that names a version. SQLite and PostgreSQL.
"""

import pytest
from factories import create_args, new_id

from sync_protocol import version

CURRENT = version.PROTOCOL_VERSION
NEXT = CURRENT + 1


@pytest.fixture
def bumped(monkeypatch):
    monkeypatch.setattr(version, "PROTOCOL_VERSION", NEXT)


def test_meta_says_which_versions_are_accepted(server, bumped):
    body = server.client.get("/v1/meta").json()
    assert (body["protocol_version"], body["oldest_protocol_version"]) == (NEXT, CURRENT)


def test_a_client_one_version_behind_still_works(server, bumped):
    de = server.peer("DE")  # signs in with the current protocol_version
    case_id = new_id()
    result = de.step("case.create", create_args(responder="HU-ENKK-T", case_id=case_id))
    assert result["status"] == "applied"
    for route, extra in (("/v1/sync/pull", {}), ("/v1/sync/wait", {"timeout": 0})):
        response = server.client.get(route, params={"protocol_version": CURRENT, **extra},
                                     headers=de.headers)
        assert response.status_code == 200, response.text
    assert case_id in de.cases(de.pull_all())


@pytest.mark.parametrize("spoken", [CURRENT - 1, NEXT + 1])
def test_other_versions_are_refused_with_a_code(server, bumped, spoken):
    de = server.peer("DE")
    push = {"protocol_version": spoken, "device_id": de.device_id, "mutations": [
        de.mutation("case.create", create_args(responder="HU-ENKK-T"))]}
    answers = [
        server.client.post("/v1/sync/push", json=push, headers=de.headers),
        *(server.client.get(route, params={"protocol_version": spoken, **extra},
                            headers=de.headers)
          for route, extra in (("/v1/sync/pull", {}), ("/v1/sync/wait", {"timeout": 0}))),
    ]
    for response in answers:
        assert (response.status_code, response.json()["code"]) == (
            400, "unsupported_protocol_version"), response.text
