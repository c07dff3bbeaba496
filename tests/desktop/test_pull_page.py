"""A pull page read from its bytes (``transport.read_pull_page``) is exactly the protocol's
``PullResponse``, and any page with one bad change is refused whole (the transport then raises
``ServerTrouble`` and the engine applies nothing of it: ``tests/test_e2e_sync_failures.py``)."""

import json

import pytest

from desktop.models.transport import read_pull_page
from sync_protocol.messages import PullResponse

CASE = {"id": "ab" * 16, "version": 2, "state": "sent", "subject": {"family_name": "Kovács"}}
GOOD = [
    {"kind": "case", "id": "ab" * 16, "version": 2, "data": CASE, "reason": None},
    {"kind": "member_state", "id": "HU", "version": 1, "data": {"code": "HU"}},
    {"kind": "alert", "id": "al-1", "version": 3, "data": None, "reason": "deleted"},
]


def _page(changes: list[dict], **envelope) -> bytes:
    return json.dumps({"changes": changes, "cursor": "c1", "has_more": True,
                       **envelope}, ensure_ascii=False).encode()


def test_a_page_reads_as_the_protocol_message():
    body = _page(GOOD)

    page = read_pull_page(body)

    assert page == PullResponse.model_validate_json(body)
    assert [c.data for c in page.changes] == [CASE, {"code": "HU"}, None]


def _with(index: int, **fields) -> list[dict]:
    changes = [dict(c) for c in GOOD]
    changes[index].update(fields)
    return changes


BAD_PAGES = {
    "not JSON": b'{"changes": [{"kind": "case", "id"',
    "data a list": _page(_with(1, data=[1, 2])),
    "data a number": _page(_with(1, data=3)),
    "data not JSON": _page(GOOD).replace(b'{"code": "HU"}', b'{"code": HU}'),
    "data not UTF-8": _page(GOOD).replace(b"Kov\xc3\xa1cs", b"Kov\xe1cs"),
    "a version not a number": _page(_with(0, version="two")),
    "an unknown reason": _page(_with(2, reason="lost")),
    "a kind that is no name": _page(_with(1, kind="Robert'); DROP TABLE")),
    "an id missing": _page([{k: v for k, v in GOOD[0].items() if k != "id"}]),
    "data missing": _page([{k: v for k, v in GOOD[0].items() if k != "data"}]),
    "an unknown field in a change": _page(_with(0, extra=1)),
    "an unknown field in the page": _page(GOOD, extra=1),
    "no cursor": json.dumps({"changes": GOOD, "has_more": False}).encode(),
    "has_more not a flag": _page(GOOD, has_more="perhaps"),
}


@pytest.mark.parametrize("body", BAD_PAGES.values(), ids=BAD_PAGES.keys())
def test_a_page_with_one_bad_change_is_refused_whole(body):
    with pytest.raises(ValueError):  # noqa: PT011  # the transport's ServerTrouble
        read_pull_page(body)
    with pytest.raises(ValueError):  # noqa: PT011  # as the protocol's own reader
        PullResponse.model_validate_json(body)
