"""``imi-desk``: the desktop client.

    imi-desk [--profile DIR] [--language LANG]    open (or set up) a profile
    imi-desk demo                                 a local server with demo data and two officers

``IMI_PASSPHRASE`` in the environment unlocks without asking (pre-configured roll-outs and the
demo); ``IMI_SERVER_URL`` pre-fills the server address when setting up.
"""

import argparse
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop.i18n import N_, _, set_language
from desktop.labels import REFUSALS, label
from desktop.models import account
from desktop.models import profile as profiles
from desktop.models.profile import ProfileError
from desktop.models.replica import ReplicaError
from desktop.models.transport import Offline, ServerRefused
from desktop.operations import Background
from sync_protocol.languages import LANGUAGES


def default_profile_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "imi" / "profile"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imi-desk", description="IMI desktop client")
    parser.add_argument("--profile", type=Path, default=None, help="profile directory")
    parser.add_argument("--language", choices=LANGUAGES, help="user interface language")
    parser.add_argument("--geometry", help="window position and size: X,Y,WIDTH,HEIGHT")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="start a local demo server and two officers' windows")
    demo.add_argument("--data", type=Path, help="keep the demo data in this directory")
    options = parser.parse_args(argv)
    if options.command == "demo":
        from desktop.demo import run_demo

        return run_demo(options.data)
    return run_client(options.profile or default_profile_dir(), language=options.language,
                      geometry=options.geometry)


class ProfileOpener:
    """What the unlock and set-up dialogs try: unlocking returns an error message or None;
    setting up runs in the background (``start_set_up``).

    On success ``profile`` and ``key`` hold the opened profile and its data key. A profile
    whose set-up was interrupted (by an earlier version) holds nothing yet: unlocking it
    discards it and sets ``needs_set_up``, so the set-up dialog is offered again.
    """

    def __init__(self, profile_dir: Path) -> None:
        self.profile_dir = profile_dir
        self.profile: profiles.Profile | None = None
        self.key: bytes | None = None
        self.needs_set_up = False
        self.background = Background("imi-setup")

    def unlock(self, passphrase: str) -> str | None:
        try:
            self.profile, self.key = account.unlock(self.profile_dir, passphrase)
        except profiles.WrongPassphrase:
            return _("The passphrase is wrong. Nothing was changed; try again.")
        except profiles.IncompleteProfile:
            profiles.discard(self.profile_dir)
            self.needs_set_up = True
        except ProfileError as exc:
            return str(exc)
        return None

    def start_set_up(self, server_url: str, username: str, password: str, passphrase: str,
                     *, progress: Callable[[str], None],
                     done: Callable[[str | None], None]) -> Callable[[], None]:
        """Sign in and create the profile in the background; return a function that cancels.

        ``progress`` hears what is happening (translated), ``done`` gets an error message or
        None when the profile is ready. After a cancel, neither is called and nothing is
        written, unless the profile was already complete (then it simply opens next time).
        """
        if not server_url.startswith(("http://", "https://")):
            done(_("Enter the server address, starting with https://"))
            return lambda: None
        cancelled = threading.Event()

        def work(report: Callable[[str], None]) -> tuple[profiles.Profile, bytes]:
            profile, key, replica = account.set_up(
                self.profile_dir, server_url=server_url, username=username, password=password,
                passphrase=passphrase, progress=report, proceed=lambda: not cancelled.is_set())
            replica.close()
            return profile, key

        def succeeded(result: tuple[profiles.Profile, bytes]) -> None:
            if not cancelled.is_set():
                self.profile, self.key = result
                done(None)

        def failed(error: BaseException) -> None:
            if not cancelled.is_set():
                done(_set_up_problem(error))

        def stage(code: str) -> None:
            if not cancelled.is_set():
                progress(label(SET_UP_STAGES, code))

        self.background.run_reporting(work, progress=stage, success=succeeded, failure=failed)
        return cancelled.set


SET_UP_STAGES = {
    "connecting": N_("Connecting to the server…"),
    "signing_in": N_("Signing in…"),
    "creating": N_("Creating the encrypted replica on this computer…"),
}


def _set_up_problem(error: BaseException) -> str:
    if isinstance(error, Offline):
        return _("The server cannot be reached. Check the address and the connection.")
    if isinstance(error, ServerRefused):
        if error.code in REFUSALS:
            return label(REFUSALS, error.code)
        return error.message
    if isinstance(error, ProfileError):
        return str(error)
    return _("Something went wrong: {error}").format(error=type(error).__name__)


def run_client(profile_dir: Path, *, language: str | None = None,
               geometry: str | None = None) -> int:
    from desktop.controller import AppController
    from desktop.qt import QApplication
    from desktop.qt_locale import apply_language
    from desktop.views.unlock_dialog import SetupDialog, UnlockDialog

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("IMI")
    if language:
        set_language(language)
        apply_language(language)
    opener = ProfileOpener(profile_dir)
    preset = os.environ.get("IMI_PASSPHRASE")
    if profiles.exists(profile_dir) and (
        preset is None or opener.unlock(preset) is not None
    ) and not UnlockDialog(profile_dir.name, opener.unlock).exec():
        return 1
    if opener.profile is None:
        setup = SetupDialog(opener.start_set_up,
                            server_url=os.environ.get("IMI_SERVER_URL", ""))
        if opener.needs_set_up:
            setup.error.setText(_("The set-up of this profile was interrupted before it "
                                  "finished. Sign in again to complete it."))
        accepted = setup.exec()
        opener.background.shutdown()  # waits for a cancelled sign-in to end, writing nothing
        if not accepted:
            return 1
    assert opener.profile is not None and opener.key is not None
    try:
        controller = AppController(opener.profile, opener.key, language=language)
    except ReplicaError as exc:
        print(f"imi-desk: {exc}", file=sys.stderr)
        return 2
    if geometry:
        x, y, w, h = (int(v) for v in geometry.split(","))
        controller.window.setGeometry(x, y, w, h)
    controller.start()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
