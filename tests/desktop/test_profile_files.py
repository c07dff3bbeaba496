"""A profile on disk: private files, a passphrase key at today's cost, and a set-up that a crash
at any step leaves either absent or working (issue 5 item 7, issue 6 item 2)."""

import base64
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from desktop.app import ProfileOpener
from desktop.models import account
from desktop.models import profile as profiles
from desktop.models.replica import Replica
from tests.desktop.interrupted_set_up import LOGIN, PASSPHRASE

REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual 022: files would be world-readable unless the code says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def new_profile(path: Path) -> tuple[profiles.Profile, bytes]:
    return account.create_signed_in(path, server_url="http://127.0.0.1:1", username="de.weber",
                                    passphrase=PASSPHRASE, device_id="d" * 32, login=LOGIN)


def old_profile(path: Path, *, signed_in: bool = True, with_replica: bool = True,
                passphrase: str = PASSPHRASE) -> bytes:
    """A profile as the previous version wrote it: scrypt N=2^14, the umask's modes, and
    ``profile.json`` first, the replica after (so a crash could leave it half-made)."""
    path.mkdir(parents=True)
    data_key, salt, nonce = os.urandom(32), os.urandom(16), os.urandom(12)
    kek = Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(passphrase.encode())
    wrapped = AESGCM(kek).encrypt(nonce, data_key, b"imi-data-key")

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    (path / "profile.json").write_text(json.dumps({
        "format": 1, "server_url": "http://127.0.0.1:1", "username": "de.weber",
        "device_id": "d" * 32,
        "key": {"kdf": "scrypt", "n": 2**14, "r": 8, "p": 1, "salt": b64(salt),
                "nonce": b64(nonce), "wrapped_key": b64(wrapped)},
    }, indent=2))
    if with_replica:
        replica = Replica.open(path / "replica.db", data_key)
        if signed_in:
            with replica.transaction():
                replica.set_meta("user", LOGIN.user.model_dump(mode="json"))
                replica.set_meta("token", LOGIN.token)
        replica.close()
    return data_key


# -- issue 6 item 2: private files ------------------------------------------------------------

def test_every_file_of_a_profile_is_private_sqlite_side_files_included(tmp_path, open_umask):
    profile, key = new_profile(tmp_path / "p")
    replica = Replica.open(profile.replica_path, key)
    with replica.transaction():  # the WAL and its index exist while a connection is open
        replica.set_meta("something", "x" * 10_000)
    files = sorted(p.name for p in profile.path.iterdir())
    assert files == ["profile.json", "replica.db", "replica.db-shm", "replica.db-wal"]
    assert mode(profile.path) == 0o700
    assert {name: mode(profile.path / name) for name in files} == dict.fromkeys(files, 0o600)
    replica.close()
    profiles.change_passphrase(profile.path, PASSPHRASE, "another long phrase")
    assert mode(profile.path / "profile.json") == 0o600


def test_an_old_profile_is_made_private_on_unlock(tmp_path, open_umask):
    old_profile(tmp_path / "p")
    assert mode(tmp_path / "p") == 0o755 and mode(tmp_path / "p" / "replica.db") == 0o644
    account.unlock(tmp_path / "p", PASSPHRASE)
    assert mode(tmp_path / "p") == 0o700
    assert {p.name: mode(p) for p in (tmp_path / "p").iterdir()} == {
        "profile.json": 0o600, "replica.db": 0o600}


# -- issue 6 item 2: the passphrase key derivation ------------------------------------------

@pytest.mark.real_kdf
def test_the_default_key_derivation_is_scrypt_at_n_2_17(tmp_path):
    assert profiles.KDF_PARAMS == {"kdf": "scrypt", "n": 2**17, "r": 8, "p": 1}
    _profile, key = new_profile(tmp_path / "p")
    stored = json.loads((tmp_path / "p" / "profile.json").read_text())["key"]
    assert {k: stored[k] for k in ("kdf", "n", "r", "p")} == {
        "kdf": "scrypt", "n": 2**17, "r": 8, "p": 1}
    assert account.unlock(tmp_path / "p", PASSPHRASE)[1] == key


def test_an_old_profile_opens_and_is_upgraded_on_the_next_unlock(tmp_path, monkeypatch):
    # Stronger than the old 2^14, still quick: the real default is proved above.
    monkeypatch.setattr(profiles, "KDF_PARAMS", {"kdf": "scrypt", "n": 2**15, "r": 8, "p": 1})
    data_key = old_profile(tmp_path / "p")

    with pytest.raises(profiles.WrongPassphrase):
        profiles.unlock(tmp_path / "p", "not the passphrase")
    assert json.loads((tmp_path / "p" / "profile.json").read_text())["key"]["n"] == 2**14

    profile, key = account.unlock(tmp_path / "p", PASSPHRASE)
    assert key == data_key and profile.device_id == "d" * 32
    stored = json.loads((tmp_path / "p" / "profile.json").read_text())["key"]
    assert (stored["n"], stored["r"], stored["p"]) == (2**15, 8, 1)
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["profile.json", "replica.db"]
    # The upgraded profile opens with the same passphrase, and is not re-wrapped again.
    before = (tmp_path / "p" / "profile.json").read_bytes()
    assert account.unlock(tmp_path / "p", PASSPHRASE)[1] == data_key
    assert (tmp_path / "p" / "profile.json").read_bytes() == before


@pytest.mark.parametrize("damage", [
    {"n": 2**40}, {"n": 1000}, {"r": 0}, {"p": "1"}, {"kdf": "md5"}, {"salt": "%%%"},
])
def test_damaged_key_parameters_are_a_clear_error_not_a_hang(tmp_path, damage):
    new_profile(tmp_path / "p")
    document = json.loads((tmp_path / "p" / "profile.json").read_text())
    document["key"].update(damage)
    (tmp_path / "p" / "profile.json").write_text(json.dumps(document))
    with pytest.raises(profiles.ProfileError, match="damaged"):
        profiles.unlock(tmp_path / "p", PASSPHRASE)


# -- issue 5 item 7: crash-safe set-up ------------------------------------------------------

def test_set_up_killed_at_every_step_leaves_no_profile_or_a_working_one(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tests.desktop.interrupted_set_up",
                          str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    steps = int(run.stdout)
    assert steps > 10
    outcomes = []
    for step in range(1, steps + 1):
        path = tmp_path / f"step{step}"
        if profiles.exists(path):
            # A profile is there only once its document is: then it must work.
            profile, key = account.unlock(path, PASSPHRASE)
            replica = Replica.open(profile.replica_path, key)
            assert replica.user() == LOGIN.user and replica.get_meta("token") == LOGIN.token
            replica.close()
            outcomes.append("working")
        else:
            # No profile: set-up simply runs again over whatever the crash left behind.
            new_profile(path)
            profile, key = account.unlock(path, PASSPHRASE)
            assert Replica.open(profile.replica_path, key).user() == LOGIN.user
            outcomes.append("absent")
    # Killed before the rename: no profile; after it: a working one.
    assert outcomes == sorted(outcomes)  # "absent" < "working"
    assert outcomes[0] == "absent" and outcomes[-1] == "working"
    # The finished run (one step more) made a working profile as well.
    assert account.unlock(tmp_path / f"step{steps + 1}", PASSPHRASE)[0].username == "de.weber"


@pytest.mark.parametrize("half_made", ["no replica", "replica never signed in"])
def test_a_half_made_profile_of_the_old_set_up_is_offered_for_set_up_again(tmp_path, half_made):
    path = tmp_path / "p"
    old_profile(path, with_replica=half_made != "no replica", signed_in=False)
    with pytest.raises(profiles.IncompleteProfile):
        account.unlock(path, PASSPHRASE)

    opener = ProfileOpener(path)
    assert opener.unlock("wrong passphrase") is not None  # the passphrase still guards it
    assert profiles.exists(path)
    assert opener.unlock(PASSPHRASE) is None
    assert opener.needs_set_up and opener.profile is None
    assert not profiles.exists(path) and list(path.iterdir()) == []

    new_profile(path)
    assert account.unlock(path, PASSPHRASE)[0].username == "de.weber"


def test_a_complete_old_profile_is_not_mistaken_for_a_half_made_one(tmp_path):
    data_key = old_profile(tmp_path / "p")
    opener = ProfileOpener(tmp_path / "p")
    assert opener.unlock(PASSPHRASE) is None
    assert not opener.needs_set_up and opener.key == data_key


def test_the_app_offers_set_up_again_and_says_why(qtbot, tmp_path, monkeypatch):
    from desktop.app import run_client
    from desktop.views.unlock_dialog import SetupDialog

    old_profile(tmp_path / "p", signed_in=False)
    monkeypatch.setenv("IMI_PASSPHRASE", PASSPHRASE)
    shown: list[str] = []

    def cancel(dialog: SetupDialog) -> int:
        shown.append(dialog.error.text())
        return 0

    monkeypatch.setattr(SetupDialog, "exec", cancel)
    assert run_client(tmp_path / "p") == 1
    assert shown == ["The set-up of this profile was interrupted before it finished. "
                     "Sign in again to complete it."]
    assert not profiles.exists(tmp_path / "p")
