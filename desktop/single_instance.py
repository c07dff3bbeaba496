"""One running client per profile: a second start hands over to the running one.

A mail's ``imi://case/<id>`` link starts the client (the desktop's scheme handler on Linux,
the URL protocol the MSI registers on Windows). When the client already runs on that profile,
the new process gives it the link, which opens the case in the window the officer already
has, and ends before asking for the passphrase; started without a link, it brings that window
to the front. Two processes never share a replica.

The running client listens on a channel named after the profile folder: an abstract Unix
socket on Linux, a named pipe on Windows, a socket file in the profile folder elsewhere
(``multiprocessing.connection``). A random key in the profile folder, readable by its owner
only like every file of a profile, authenticates each caller (an HMAC challenge), so no other
user of the machine can drive the client.
"""

import hashlib
import logging
import os
import secrets
import sys
import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path

from desktop.qt import QObject, Signal
from sync_protocol.links import case_id_from_link, case_link

log = logging.getLogger("imi.desktop")

KEY_FILE = "instance.key"
SHOW = "show"
_QUIT = "quit"
_MAX_MESSAGE = 200
# Nobody listens (a stale key), the challenge failed, the other side went away.
_CHANNEL_ERRORS = (OSError, EOFError, ValueError, AuthenticationError)


def _address(profile_dir: Path) -> str:
    digest = hashlib.sha256(str(profile_dir.resolve()).encode()).hexdigest()[:32]
    if sys.platform == "win32":
        return rf"\\.\pipe\imi-desk-{digest}"
    if sys.platform.startswith("linux"):
        return f"\0imi-desk-{digest}"  # abstract: nothing on disk, gone with the process
    return str(profile_dir / "instance.sock")


def _key(profile_dir: Path) -> bytes | None:
    try:
        return (profile_dir / KEY_FILE).read_bytes() or None
    except OSError:
        return None


def _send(profile_dir: Path, message: str) -> bool:
    key = _key(profile_dir)
    if key is None:
        return False
    try:
        with Client(_address(profile_dir), authkey=key) as connection:
            connection.send(message)
            return bool(connection.recv() == "ok")
    except _CHANNEL_ERRORS:
        return False


def hand_over(profile_dir: Path, case_id: str | None) -> bool:
    """Give the client running on ``profile_dir`` the case to open (or ask it to come to the
    front); False when none runs there."""
    return _send(profile_dir, case_link(case_id) if case_id else SHOW)


class InstanceListener(QObject):
    """Listens for later starts on the profile while the client runs; each message arrives on
    the GUI thread as ``sig_show`` or ``sig_open_case``."""

    sig_show = Signal()
    sig_open_case = Signal(str)

    def __init__(self, profile_dir: Path) -> None:
        super().__init__()
        self.profile_dir = profile_dir
        self._listener: Listener | None = None
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Listen; False (and the client works on alone) if the channel cannot be opened."""
        key = secrets.token_bytes(32)
        path = self.profile_dir / KEY_FILE
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(key)
            os.chmod(path, 0o600)
            self._listener = Listener(_address(self.profile_dir), authkey=key)
        except OSError as exc:
            log.warning("cannot listen for later starts of the client: %s", exc)
            return False
        self._thread = threading.Thread(target=self._serve, name="imi-instance", daemon=True)
        self._thread.start()
        return True

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._closed.is_set():
            try:
                connection = self._listener.accept()
            except _CHANNEL_ERRORS:  # a caller without the key, or the listener closed
                if self._closed.is_set():
                    return
                continue
            with connection:
                self._answer(connection)

    def _answer(self, connection: Connection) -> None:
        try:
            message = connection.recv()
            connection.send("ok")
        except _CHANNEL_ERRORS:
            return
        if not isinstance(message, str) or len(message) > _MAX_MESSAGE:
            return
        case_id = case_id_from_link(message)
        if case_id is not None:
            self.sig_open_case.emit(case_id)
        elif message == SHOW:
            self.sig_show.emit()

    def close(self) -> None:
        """Stop listening and remove the key: a later start is a start of its own."""
        if self._listener is None or self._closed.is_set():
            return
        self._closed.set()
        _send(self.profile_dir, _QUIT)  # wakes the thread waiting in accept()
        self._listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        (self.profile_dir / KEY_FILE).unlink(missing_ok=True)
