"""The demo's own directory: never mistaken for ready while half-made (issue 5 item 7)."""

import subprocess

import pytest

from desktop import demo, local_server
from desktop.models import account
from desktop.models import profile as profiles
from tests.desktop.test_profile_files import old_profile


@pytest.fixture
def inits(monkeypatch):
    """``local_server.init`` recorded: what the directory held when it was asked to run."""
    calls: list[list[str]] = []

    def init(data_dir, *, demo=True):
        assert demo
        calls.append(sorted(p.name for p in data_dir.iterdir()) if data_dir.exists() else [])
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "server.key").write_text("ab" * 32)
        (data_dir / "imi.db").write_bytes(b"seeded")

    monkeypatch.setattr(local_server, "init", init)
    return calls


def test_a_new_demo_directory_is_initialised_and_marked_ready_last(tmp_path, inits):
    data_dir = demo.prepare_server(tmp_path)
    assert inits == [[]]
    assert (data_dir / demo.READY_MARKER).exists()
    assert demo.prepare_server(tmp_path) == data_dir
    assert inits == [[]]  # ready: not initialised again


def test_an_interrupted_init_is_not_mistaken_for_a_ready_server(tmp_path, inits, monkeypatch):
    def crashing(data_dir, *, demo=True):
        data_dir.mkdir(parents=True)
        (data_dir / "server.key").write_text("ab" * 32)  # what the old check looked for
        raise subprocess.CalledProcessError(1, ["imi-server", "init", "--demo"])

    with monkeypatch.context() as patch:
        patch.setattr(local_server, "init", crashing)
        with pytest.raises(subprocess.CalledProcessError):
            demo.prepare_server(tmp_path)
    assert not (tmp_path / "server" / demo.READY_MARKER).exists()

    (tmp_path / "de.weber").mkdir()
    (tmp_path / "de.weber" / "profile.json").write_text("{}")  # signed in to that server
    demo.prepare_server(tmp_path)
    assert inits == [[]]  # the half-made directory was removed before init ran again
    assert (tmp_path / "server" / demo.READY_MARKER).exists()
    assert not profiles.exists(tmp_path / "de.weber")


def test_a_half_made_demo_profile_is_set_up_again(tmp_path, live_server):
    path = tmp_path / "de.weber"
    old_profile(path, signed_in=False, passphrase=demo.DEMO_PASSPHRASE)
    demo.prepare_profile(path, server_url=live_server.url, username="de.weber")
    profile, _key = account.unlock(path, demo.DEMO_PASSPHRASE)
    assert profile.server_url == live_server.url
    # Kept as it is the next time, only pointed at the server's new address.
    demo.prepare_profile(path, server_url="http://127.0.0.1:9", username="de.weber")
    again, _key = account.unlock(path, demo.DEMO_PASSPHRASE)
    assert (again.device_id, again.server_url) == (profile.device_id, "http://127.0.0.1:9")
