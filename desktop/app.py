"""``imi-desk``: the desktop client.

    imi-desk [--profile DIR] [--language LANG]    open (or set up) a profile
    imi-desk demo                                 a local server with demo data and two officers

``IMI_PASSPHRASE`` in the environment unlocks without asking (pre-configured roll-outs and the
demo); ``IMI_SERVER_URL`` pre-fills the server address when setting up;
``IMI_ALLOW_INSECURE_HTTP=1`` lets a profile use plain http to another computer
(``desktop.models.server_address``).
"""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop.i18n import _, set_language
from desktop.models import account, server_address
from desktop.models import profile as profiles
from desktop.models.profile import ProfileError
from desktop.models.replica import ReplicaError
from desktop.models.transport import Offline, ServerRefused
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
    """What the unlock and set-up dialogs try; each attempt returns an error message or None.

    On success ``profile`` and ``key`` hold the opened profile and its data key.
    """

    def __init__(self, profile_dir: Path) -> None:
        self.profile_dir = profile_dir
        self.profile: profiles.Profile | None = None
        self.key: bytes | None = None

    def unlock(self, passphrase: str) -> str | None:
        try:
            self.profile, self.key = profiles.unlock(self.profile_dir, passphrase)
        except profiles.WrongPassphrase:
            return _("The passphrase is wrong. Nothing was changed; try again.")
        except ProfileError as exc:
            return str(exc)
        return None

    def set_up(self, server_url: str, username: str, password: str,
               passphrase: str) -> str | None:
        try:
            server_address.check(server_url)
        except server_address.NotAServerAddress:
            return _("Enter the server address, starting with https://")
        except server_address.InsecureServerAddress:
            return _("This address starts with http://, so the connection would not be "
                     "encrypted. Enter the address starting with https://, or ask your IT "
                     "department.")
        try:
            profile, key, replica = account.set_up(self.profile_dir, server_url=server_url,
                                                   username=username, password=password,
                                                   passphrase=passphrase)
        except Offline:
            return _("The server cannot be reached. Check the address and the connection.")
        except ServerRefused as exc:
            return exc.message
        except ProfileError as exc:
            return str(exc)
        replica.close()
        self.profile, self.key = profile, key
        return None


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
    if profiles.exists(profile_dir):
        if (preset is None or opener.unlock(preset) is not None) and not UnlockDialog(
            profile_dir.name, opener.unlock
        ).exec():
            return 1
    elif not SetupDialog(opener.set_up, server_url=os.environ.get("IMI_SERVER_URL", "")).exec():
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
