"""``imi-desk``: the desktop client.

    imi-desk [--profile DIR] [--language LANG] [--training]   open (or set up) a profile
    imi-desk self-test --username U --password-stdin [--server-url URL] [--training]
    imi-desk demo                                 a local server with demo data and two officers

The machine's roll-out settings (server address, language, CA certificate, proxy, where
profiles live, locks) come from ``desktop.machine_config``. ``--training`` opens the training
profile, kept in its own folder, which only ever talks to a training server.
``IMI_PASSPHRASE`` in the environment unlocks without asking (kiosk and test installations).
"""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop import machine_config
from desktop.i18n import _, set_language, shipped_languages
from desktop.labels import wrong_system_message
from desktop.machine_config import MachineConfig
from desktop.models import account, server_address
from desktop.models import profile as profiles
from desktop.models.profile import ProfileError
from desktop.models.replica import ReplicaError
from desktop.models.transport import Connection, Offline, ServerRefused, WrongSystem
from desktop.views.unlock_dialog import SetupForm
from sync_protocol.languages import LANGUAGES


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imi-desk", description="IMI desktop client")
    parser.add_argument("--profile", type=Path, default=None, help="profile directory")
    parser.add_argument("--language", choices=LANGUAGES, help="user interface language")
    parser.add_argument("--geometry", help="window position and size: X,Y,WIDTH,HEIGHT")
    parser.add_argument("--training", action="store_true",
                        help="open the training profile (practice system)")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="start a local demo server and two officers' windows")
    demo.add_argument("--data", type=Path, help="keep the demo data in this directory")
    check = sub.add_parser("self-test", help="set up a throw-away profile, sync it, exit 0")
    check.add_argument("--server-url", help="default: the machine's configured server")
    check.add_argument("--username", required=True)
    check.add_argument("--password-stdin", action="store_true", required=True,
                       help="read the password from standard input")
    check.add_argument("--training", action="store_true", dest="self_test_training")
    check.add_argument("--language", choices=LANGUAGES, dest="self_test_language")
    options = parser.parse_args(argv)
    if options.command == "demo":
        from desktop.demo import run_demo

        return run_demo(options.data)
    config = machine_config.load()
    for problem in config.problems:
        print(f"imi-desk: {config.source}: {problem}", file=sys.stderr)
    if options.command == "self-test":
        from desktop.self_test import run_self_test

        training = options.training or options.self_test_training
        return run_self_test(
            config, server_url=options.server_url or config.server_for(training=training),
            username=options.username, password=sys.stdin.readline().rstrip("\n"),
            training=training, language=options.self_test_language or options.language,
        )
    return run_client(options.profile, config=config, training=options.training,
                      language=options.language, geometry=options.geometry)


class ProfileOpener:
    """What the unlock and set-up dialogs try; each attempt returns an error message or None.

    On success ``profile`` and ``key`` hold the opened profile and its data key. Without an
    explicit folder, the profile goes to the folder for profiles chosen in the set-up dialog
    (``profile`` or, for training, ``training`` in it). A profile whose set-up was interrupted
    (by an earlier version) holds nothing yet: unlocking it discards it and sets
    ``needs_set_up``, so the set-up dialog is offered again.
    """

    def __init__(self, profile_dir: Path | None, *, config: MachineConfig | None = None,
                 training: bool = False) -> None:
        self.config = config or MachineConfig(profiles_dir=machine_config.default_profiles_dir())
        self.training = training
        self.explicit = profile_dir is not None
        self.profile_dir = profile_dir or self.config.profile_dir(training=training)
        self.profile: profiles.Profile | None = None
        self.key: bytes | None = None
        self.needs_set_up = False

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

    def set_up(self, form: SetupForm) -> str | None:
        try:
            server_address.check(form.server_url)
        except server_address.NotAServerAddress:
            return _("Enter the server address, starting with https://")
        except server_address.InsecureServerAddress:
            return _("This address starts with http://, so the connection would not be "
                     "encrypted. Enter the address starting with https://, or ask your IT "
                     "department.")
        if form.proxy and not form.proxy.startswith(("http://", "https://")):
            return _("Enter the proxy as http://host:port, or leave it empty.")
        if form.ca_bundle and machine_config.check("ca_bundle", form.ca_bundle):
            return _("The CA certificate file cannot be read or holds no PEM certificate.")
        if not self.explicit and form.profiles_dir:
            folder = Path(machine_config.expand(form.profiles_dir))
            self.profile_dir = folder / ("training" if self.training else "profile")
        connection = Connection(ca_bundle=machine_config.expand(form.ca_bundle) or None,
                                proxy=form.proxy or None)
        try:
            profile, key, replica = account.set_up(
                self.profile_dir, server_url=form.server_url, username=form.username,
                password=form.password, passphrase=form.passphrase, training=self.training,
                connection=connection)
        except WrongSystem:
            return wrong_system_message(training_profile=self.training)
        except Offline:
            return _("The server cannot be reached. Check the address and the connection.")
        except ServerRefused as exc:
            return exc.message
        except ProfileError as exc:
            return str(exc)
        replica.close()
        self.profile, self.key = profile, key
        server_key = "training_server_url" if self.training else "server_url"
        choices = {server_key: form.server_url, "language": form.language, "proxy": form.proxy,
                   "ca_bundle": form.ca_bundle}
        if not self.explicit:
            choices["profiles_dir"] = form.profiles_dir
        machine_config.save_user_choices(self.config, **choices)
        return None


def run_client(profile_dir: Path | None, *, config: MachineConfig | None = None,
               training: bool = False, language: str | None = None,
               geometry: str | None = None) -> int:
    from desktop.controller import AppController
    from desktop.qt import QApplication
    from desktop.qt_locale import apply_language
    from desktop.views.training_banner import TrainingMarker
    from desktop.views.unlock_dialog import SetupDialog, UnlockDialog

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("IMI")
    opener = ProfileOpener(profile_dir, config=config, training=training)
    config = opener.config
    forced = language or (config.language if config.is_locked("language") else None)
    if forced or config.language:
        set_language(forced or config.language)
        apply_language(forced or config.language)
    existing = profiles.exists(opener.profile_dir)
    if _is_training(opener.profile_dir) if existing else training:
        TrainingMarker(app)
    preset = os.environ.get("IMI_PASSPHRASE")
    if existing and (
        preset is None or opener.unlock(preset) is not None
    ) and not UnlockDialog(opener.profile_dir.name, opener.unlock).exec():
        return 1
    if opener.profile is None:
        setup = SetupDialog(opener.set_up, config=config, training=training,
                            languages=shipped_languages())
        if opener.needs_set_up:
            setup.error.setText(_("The set-up of this profile was interrupted before it "
                                  "finished. Sign in again to complete it."))
        if not setup.exec():
            return 1
    assert opener.profile is not None and opener.key is not None
    config = machine_config.load()  # with what the set-up dialog saved
    try:
        controller = AppController(
            opener.profile, opener.key, language=forced, default_language=config.language,
            connection=config.connection, language_locked=config.is_locked("language"))
    except ReplicaError as exc:
        print(f"imi-desk: {exc}", file=sys.stderr)
        return 2
    if geometry:
        x, y, w, h = (int(v) for v in geometry.split(","))
        controller.window.setGeometry(x, y, w, h)
    controller.start()
    return int(app.exec())


def _is_training(profile_dir: Path) -> bool:
    try:
        return profiles.read(profile_dir).training
    except ProfileError:
        return False


if __name__ == "__main__":
    sys.exit(main())
