"""Issue 9 item 2: deadline badges in the case list (due soon, overdue), in the reader's
language, over a real encrypted replica."""

import datetime as dt
import json

import pytest

from desktop.i18n import set_language
from desktop.models import cases
from desktop.models import profile as profiles
from desktop.models.case_table import ANSWER_BY, BADGES, CaseTableModel
from desktop.models.deadlines import Badge, badge, working_days_until
from desktop.models.replica import Replica
from desktop.qt import Qt
from tests.desktop.test_case_list import AUTHORITIES, ME, USER

MONDAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(("today", "day", "expected"), [
    (MONDAY, MONDAY, 0),
    (MONDAY, MONDAY + dt.timedelta(days=3), 3),        # Thursday
    (MONDAY + dt.timedelta(days=4), MONDAY + dt.timedelta(days=9), 3),  # Friday to Wednesday
    (MONDAY + dt.timedelta(days=4), MONDAY + dt.timedelta(days=7), 1),  # Friday to Monday
    (MONDAY, MONDAY + dt.timedelta(days=14), 10),
    (MONDAY, MONDAY - dt.timedelta(days=2), 0),
])
def test_working_days_count_monday_to_friday(today, day, expected):
    assert working_days_until(today, day) == expected


@pytest.mark.parametrize(("state", "days", "expected"), [
    ("sent", -1, Badge.OVERDUE),
    ("accepted", -30, Badge.OVERDUE),
    ("sent", 0, Badge.DUE_SOON),
    ("accepted", 3, Badge.DUE_SOON),        # Thursday: three working days away
    ("sent", 4, None),                       # Friday: four
    ("answered", -5, None),
    ("closed", -5, None),
    ("withdrawn", -5, None),
    ("draft", -5, None),
])
def test_only_a_request_waiting_for_its_answer_gets_a_badge(state, days, expected):
    assert badge(state, MONDAY + dt.timedelta(days=days), MONDAY) is expected


def _wire(case_id: str, state: str, answer_by: dt.date) -> dict[str, object]:
    return {"id": case_id, "version": 1, "state": state, "requester_authority_id": "HU-ENKK",
            "responder_authority_id": ME,
            "subject": {"family_name": "Nagy", "given_names": case_id, "profession": "dentist"},
            "answer_by": answer_by.isoformat(), "updated_at": "2026-11-01T10:00:00+00:00"}


@pytest.fixture
def replica(tmp_path):
    profile, key = profiles.create(tmp_path, server_url="http://127.0.0.1:1",
                                   username="de.weber", passphrase="correct horse battery")
    made = Replica.open(profile.replica_path, key)
    today = dt.datetime.now().astimezone().date()
    wire = [_wire("a" * 32, "sent", today - dt.timedelta(days=1)),
            _wire("b" * 32, "accepted", today),
            _wire("c" * 32, "answered", today - dt.timedelta(days=1)),
            _wire("d" * 32, "sent", today + dt.timedelta(days=30))]
    with made.transaction():
        made.set_meta("user", USER)
        for authority, (state, name) in AUTHORITIES.items():
            made.put_directory("authority", authority, {"id": authority, "member_state": state,
                                                        "official_name": name})
        made.put_cases([cases.row_values(w, json.dumps(w), ME, None) for w in wire])
    yield made
    made.close()
    set_language("en")


@pytest.mark.parametrize(("language", "overdue", "soon"), [
    ("de", "überfällig", "bald fällig"), ("hu", "lejárt", "hamarosan esedékes"),
    ("fr", "en retard", "échéance proche")])
def test_the_list_shows_the_badges_in_the_readers_language(replica, language, overdue, soon):
    set_language(language)
    model = CaseTableModel(replica)
    model.set_folder("all")
    model.reload()
    shown = {}
    for row in range(model.rowCount()):
        index = model.index(row, ANSWER_BY)
        shown[model.case_id(row)[0]] = (model.data(index),
                                        model.data(index, Qt.ItemDataRole.ForegroundRole))
    assert shown["a"][0].endswith(overdue) and shown["a"][1] == BADGES[Badge.OVERDUE][1]
    assert shown["b"][0].endswith(soon) and shown["b"][1] == BADGES[Badge.DUE_SOON][1]
    for plain in "cd":  # answered though late; far away
        assert overdue not in shown[plain][0] and soon not in shown[plain][0]
        assert shown[plain][1] is None
