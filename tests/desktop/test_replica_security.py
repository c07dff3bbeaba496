"""The replica at rest: no plaintext personal data, and a wrong passphrase touches nothing."""

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from desktop.models import profile as profiles
from desktop.models.cases import row_values
from desktop.models.replica import Replica, ReplicaError
from desktop.qt import QLineEdit
from desktop.views.unlock_dialog import UnlockDialog

NAME, GIVEN = "Nagyszombathy", "Lászlóné"


def make_replica(path: Path) -> tuple[profiles.Profile, Replica, bytes]:
    profile, key = profiles.create(path, server_url="http://127.0.0.1:1", username="de.weber",
                                   passphrase="correct horse battery")
    replica = Replica.open(profile.replica_path, key)
    case = {
        "id": "ab" * 16, "version": 2, "state": "sent",
        "requester_authority_id": "DE-LZK-BW", "responder_authority_id": "HU-ENKK",
        "subject": {"family_name": NAME, "given_names": GIVEN, "profession": "dentist"},
        "answer_by": "2026-12-31", "updated_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    with replica.transaction():
        replica.put_cases([row_values(case, json.dumps(case), "DE-LZK-BW", None)])
    return profile, replica, key


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_replica_file_holds_no_plaintext(tmp_path):
    profile, replica, key = make_replica(tmp_path)
    assert replica.case_row("ab" * 16)["subject"] == f"{NAME.upper()}, {GIVEN}"
    replica.close()
    for path in tmp_path.iterdir():
        raw = path.read_bytes()
        for needle in (NAME, NAME.upper(), GIVEN, "HU-ENKK"):
            assert needle.encode() not in raw, f"{needle} in {path.name}"
        assert key.hex().encode() not in raw and key not in raw, f"data key in {path.name}"
    # Without the key, SQLCipher sees noise, not a database.
    with pytest.raises(ReplicaError):
        Replica.open(profile.replica_path, b"\x00" * 32)


def test_wrong_passphrase_is_refused_and_touches_nothing(tmp_path):
    _profile, replica, _key = make_replica(tmp_path)
    replica.close()
    before = digest(tmp_path)
    with pytest.raises(profiles.WrongPassphrase):
        profiles.unlock(tmp_path, "incorrect horse battery")
    assert digest(tmp_path) == before
    profile, key = profiles.unlock(tmp_path, "correct horse battery")
    reopened = Replica.open(profile.replica_path, key)
    assert reopened.case_row("ab" * 16) is not None
    reopened.close()


def test_passphrase_change_keeps_the_data(tmp_path):
    _profile, replica, _key = make_replica(tmp_path)
    replica.close()
    profiles.change_passphrase(tmp_path, "correct horse battery", "a new long passphrase")
    with pytest.raises(profiles.WrongPassphrase):
        profiles.unlock(tmp_path, "correct horse battery")
    profile, key = profiles.unlock(tmp_path, "a new long passphrase")
    reopened = Replica.open(profile.replica_path, key)
    assert reopened.case_row("ab" * 16)["state"] == "sent"
    reopened.close()


def test_unlock_dialog_explains_a_wrong_passphrase(qtbot, tmp_path):
    _profile, replica, _key = make_replica(tmp_path)
    replica.close()

    def attempt(passphrase: str) -> str | None:
        try:
            profiles.unlock(tmp_path, passphrase)
        except profiles.WrongPassphrase:
            return "The passphrase is wrong."
        return None

    dialog = UnlockDialog("de.weber", attempt)
    qtbot.addWidget(dialog)
    dialog.show()
    field = dialog.findChild(QLineEdit, "passphrase")
    qtbot.keyClicks(field, "nope nope nope")
    dialog._try()
    assert dialog.error.text() == "The passphrase is wrong."
    assert dialog.isVisible() and dialog.result() == 0
    field.clear()
    qtbot.keyClicks(field, "correct horse battery")
    dialog._try()
    assert dialog.result() == 1


def test_a_profile_file_that_cannot_be_read_is_a_clear_error(tmp_path):
    (tmp_path / "profile.json").write_text("{not json")
    with pytest.raises(profiles.ProfileError, match="cannot be read"):
        profiles.unlock(tmp_path, "whatever passphrase")
