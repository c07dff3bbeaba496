"""A mail's imi:// link clicked while the client runs: the new process hands the case over to
the running client of the profile and ends; nobody without the profile's key is heard."""

import stat
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client

import pytest

from desktop import single_instance
from desktop.app import main
from sync_protocol.links import case_link

CASE = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def running(qapp, tmp_path):
    """A client's listener on a profile folder, and what it received."""
    profile = tmp_path / "profile"
    profile.mkdir(mode=0o700)
    listener = single_instance.InstanceListener(profile)
    received: list[str] = []
    listener.sig_open_case.connect(received.append)
    listener.sig_show.connect(lambda: received.append("show"))
    assert listener.start()
    yield profile, listener, received
    listener.close()


def test_a_second_start_with_a_link_gives_the_running_client_the_case(running, qtbot):
    profile, _listener, received = running
    assert stat.S_IMODE((profile / single_instance.KEY_FILE).stat().st_mode) == 0o600

    assert single_instance.hand_over(profile, CASE)
    qtbot.waitUntil(lambda: received == [CASE])
    assert single_instance.hand_over(profile, None)  # a start without a link: to the front
    qtbot.waitUntil(lambda: received == [CASE, "show"])


def test_the_started_client_hands_over_and_ends_without_asking_for_the_passphrase(
        running, qtbot):
    profile, _listener, received = running
    assert main(["--profile", str(profile), case_link(CASE)]) == 0
    qtbot.waitUntil(lambda: received == [CASE])


def test_a_caller_without_the_profiles_key_is_not_heard(running, qtbot):
    profile, _listener, received = running
    address = single_instance._address(profile)
    with pytest.raises(AuthenticationError):
        Client(address, authkey=b"guessed" * 4).send(case_link(CASE))
    # The listener goes on serving whoever has the key, and nothing else arrived meanwhile.
    other = "fedcba9876543210fedcba9876543210"
    assert single_instance.hand_over(profile, other)
    qtbot.waitUntil(lambda: received == [other])


def test_with_no_client_running_the_start_goes_on(running):
    profile, listener, _received = running
    listener.close()
    assert not (profile / single_instance.KEY_FILE).exists()
    assert not single_instance.hand_over(profile, CASE)
    (profile / single_instance.KEY_FILE).write_bytes(b"a key left by a client that crashed")
    assert not single_instance.hand_over(profile, CASE)
