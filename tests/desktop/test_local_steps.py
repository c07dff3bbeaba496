"""The replica's own guarantees, without a server: all-or-nothing steps and pull pages."""

import json
import uuid

import pytest

from desktop.models import cases
from desktop.models import profile as profiles
from desktop.models.replica import Replica
from sync_protocol.cases import CaseStatus
from sync_protocol.errors import RemoteProtocolError
from sync_protocol.messages import Change, EntityKind
from sync_server.seed import CATALOGUE_FILE
from tests import factories

USER = {"user_id": "u1", "username": "de.weber", "display_name": "Anna Weber",
        "authority_id": "DE-LZK-BW", "authority_name": "Landeszahnärztekammer Baden-Württemberg",
        "member_state": "DE", "roles": ["request_handler"], "language": "de"}


@pytest.fixture
def replica(tmp_path):
    profile, key = profiles.create(tmp_path, server_url="http://127.0.0.1:1",
                                   username="de.weber", passphrase="correct horse battery")
    made = Replica.open(profile.replica_path, key)
    catalogue = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    qs = catalogue["question_sets"][0]
    with made.transaction():
        made.set_meta("user", USER)
        made.put_directory("question_set", f"{qs['code']}@{qs['version']}", qs)
    yield made
    made.close()


def create_args(case_id: str) -> dict[str, object]:
    return factories.create_args(responder="HU-ENKK", case_id=case_id, family_name="Nagy",
                                 questions=("PQ-GEN-Q01",))


def test_a_step_and_its_outbox_row_commit_together(replica, monkeypatch):
    def broken_outbox(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Replica, "add_outbox", broken_outbox)
    case_id = uuid.uuid4().hex
    with pytest.raises(OSError, match="disk full"):
        cases.perform(replica, name="case.create", args=create_args(case_id))
    assert replica.case_row(case_id) is None
    assert replica.pending_count() == 0


def test_pending_steps_stay_on_top_of_the_pulled_state(replica):
    case_id = uuid.uuid4().hex
    created = cases.perform(replica, name="case.create", args=create_args(case_id))
    cases.perform(replica, name="case.send", args={"case_id": case_id})
    # The server confirms the create (version 1, a draft); the send is still queued.
    server_v1 = Change(kind=EntityKind.CASE, id=case_id, version=1,
                       data=created.model_dump(mode="json"))
    cases.apply_pull_page(replica, [server_v1], "cursor-1")
    shown = cases.get_case(replica, case_id)
    assert shown.state is CaseStatus.SENT and shown.version == 2
    assert json.loads(replica.case_row(case_id)["confirmed"])["state"] == "draft"
    assert replica.get_meta("cursor") == "cursor-1"


def test_a_bad_page_changes_nothing_not_even_the_cursor(replica):
    good = Change(kind=EntityKind.AUTHORITY, id="HU-ENKK", version=1,
                  data={"id": "HU-ENKK", "member_state": "HU", "official_name": "ENKK"})
    broken = Change(kind=EntityKind.CASE, id="ab" * 16, version=1, data={"id": "ab" * 16})
    with replica.transaction():
        replica.set_meta("cursor", "before")
    with pytest.raises(RemoteProtocolError):
        cases.apply_pull_page(replica, [good, broken], "after")
    assert replica.get_meta("cursor") == "before"
    assert replica.authority("HU-ENKK") is None


def test_an_entity_kind_this_client_does_not_know_is_kept_and_ignored(replica):
    """Issue 5 item 6: a newer server's kind never fails a page; it is kept for later."""
    authority = Change(kind=EntityKind.AUTHORITY, id="HU-ENKK", version=1,
                       data={"id": "HU-ENKK", "member_state": "HU", "official_name": "ENKK"})
    alert = Change(kind="alert", id="al-1", version=3, data={"text": "dentist struck off"})
    cases.apply_pull_page(replica, [alert, authority], "after")
    assert replica.get_meta("cursor") == "after"  # the page went through, cursor and all
    assert replica.authority("HU-ENKK") is not None
    assert replica.kept_changes("alert") == [("al-1", 3, {"text": "dentist struck off"})]
    gone = Change(kind="alert", id="al-1", version=4, data=None, reason="deleted")
    cases.apply_pull_page(replica, [gone], "later")
    assert replica.kept_changes("alert") == []
