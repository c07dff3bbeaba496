"""Issue 5 item 6: the previous protocol version is accepted for one release; unknown entity
kinds in a pull page are carried, not fatal."""

import pytest
from pydantic import ValidationError

from sync_protocol import version
from sync_protocol.messages import EntityKind, LoginRequest, Meta, PullResponse

DEVICE = "0" * 32


@pytest.mark.parametrize(("current", "accepted"), [
    (1, [1]),  # the first version has no predecessor
    (2, [1, 2]),
    (7, [6, 7]),
])
def test_a_peer_accepts_its_own_version_and_the_one_before(current, accepted):
    assert list(version.accepted_versions(current)) == accepted


def test_requests_of_the_previous_version_validate_for_one_release(monkeypatch):
    monkeypatch.setattr(version, "PROTOCOL_VERSION", 3)
    for spoken in (2, 3):
        LoginRequest(protocol_version=spoken, username="u", password="p", device_id=DEVICE)
    for spoken in (1, 4):
        with pytest.raises(ValidationError, match="accepts 2 to 3"):
            LoginRequest(protocol_version=spoken, username="u", password="p",
                         device_id=DEVICE)


def test_a_page_with_an_entity_kind_this_client_does_not_know_still_parses():
    page = PullResponse.model_validate_json(
        '{"changes": [{"kind": "alert", "id": "al-1", "version": 2, "data": {"x": 1}},'
        ' {"kind": "case", "id": "c-1", "version": 1, "data": null}],'
        ' "cursor": "c", "has_more": false}')
    unknown, case = page.changes
    assert unknown.kind == "alert" and not isinstance(unknown.kind, EntityKind)
    assert case.kind is EntityKind.CASE


def test_meta_from_a_newer_server_with_more_to_say_still_parses():
    meta = Meta.model_validate_json(
        '{"protocol_version": 2, "oldest_protocol_version": 1, "server_epoch": "e",'
        ' "server_time": "2026-12-01T10:00:00Z", "maintenance_window": "sunday"}')
    assert meta.oldest_protocol_version == 1
