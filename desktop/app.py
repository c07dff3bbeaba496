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
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop import machine_config, single_instance
from desktop.i18n import N_, _, set_language, shipped_languages
from desktop.labels import label, wrong_system_message
from desktop.machine_config import MachineConfig
from desktop.models import account, server_address
from desktop.models import profile as profiles
from desktop.models.profile import ProfileError
from desktop.models.replica import ReplicaError
from desktop.models.transport import Connection, Offline, ServerRefused, WrongSystem
from desktop.operations import Background
from desktop.refusals import explain_error
from desktop.views.unlock_dialog import SetupDialog, SetupForm
from sync_protocol.languages import LANGUAGES
from sync_protocol.links import SCHEME, case_id_from_link


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
    # An ``imi://case/<id>`` link (a mail's, handed over by the desktop's scheme handler)
    # may come anywhere on the line; argparse would take it for a sub-command.
    given = list(sys.argv[1:] if argv is None else argv)
    links = [arg for arg in given if arg.startswith(SCHEME)]
    options = parser.parse_args([arg for arg in given if not arg.startswith(SCHEME)])
    open_case = next(filter(None, map(case_id_from_link, links)), None)
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
                      language=options.language, geometry=options.geometry,
                      open_case=open_case)


class ProfileOpener:
    """What the unlock and set-up dialogs try: unlocking returns an error message or None;
    setting up runs in the background (``start_set_up``).

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
        self.background = Background("imi-setup")

    def unlock(self, passphrase: str) -> str | None:
        try:
            self.profile, self.key = account.unlock(self.profile_dir, passphrase)
        except profiles.IncompleteProfile:
            profiles.discard(self.profile_dir)
            self.needs_set_up = True
        except ProfileError as exc:
            return explain_error(exc)
        return None

    def start_set_up(self, form: SetupForm, *, progress: Callable[[str], None],
                     done: Callable[[str | None], None]) -> Callable[[], None]:
        """Sign in and create the profile in the background; return a function that cancels.

        ``progress`` hears what is happening (translated), ``done`` gets an error message or
        None when the profile is ready. After a cancel, neither is called and nothing is
        written, unless the profile was already complete (then it simply opens next time).
        """
        problem = self._check(form)
        if problem:
            done(problem)
            return lambda: None
        self._choose_folder(form)
        connection = self._connection(form)
        cancelled = threading.Event()
        path, training = self.profile_dir, self.training

        def work(report: Callable[[str], None]) -> tuple[profiles.Profile, bytes]:
            profile, key, replica = account.set_up(
                path, server_url=form.server_url, username=form.username,
                password=form.password, passphrase=form.passphrase, training=training,
                connection=connection, progress=report, proceed=lambda: not cancelled.is_set())
            replica.close()
            return profile, key

        def succeeded(result: tuple[profiles.Profile, bytes]) -> None:
            if not cancelled.is_set():
                self.profile, self.key = result
                self._remember(form)
                done(None)

        def failed(error: BaseException) -> None:
            if not cancelled.is_set():
                done(self._problem(error))

        def stage(code: str) -> None:
            if not cancelled.is_set():
                progress(label(SET_UP_STAGES, code))

        self.background.run_reporting(work, progress=stage, success=succeeded, failure=failed)
        return cancelled.set

    def set_up(self, form: SetupForm) -> str | None:
        """``start_set_up`` on this thread, for scripts: an error message or None."""
        problem = self._check(form)
        if problem:
            return problem
        self._choose_folder(form)
        try:
            profile, key, replica = account.set_up(
                self.profile_dir, server_url=form.server_url, username=form.username,
                password=form.password, passphrase=form.passphrase, training=self.training,
                connection=self._connection(form))
        except (Offline, ServerRefused, ProfileError) as error:
            return self._problem(error)
        replica.close()
        self.profile, self.key = profile, key
        self._remember(form)
        return None

    def _choose_folder(self, form: SetupForm) -> None:
        if not self.explicit and form.profiles_dir:
            folder = Path(machine_config.expand(form.profiles_dir))
            self.profile_dir = folder / ("training" if self.training else "profile")

    @staticmethod
    def _connection(form: SetupForm) -> Connection:
        return Connection(ca_bundle=machine_config.expand(form.ca_bundle) or None,
                          proxy=form.proxy or None)

    def _check(self, form: SetupForm) -> str | None:
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
        return None

    def _problem(self, error: BaseException) -> str:
        if isinstance(error, WrongSystem):
            return wrong_system_message(training_profile=self.training)
        return explain_error(error)

    def _remember(self, form: SetupForm) -> None:
        server_key = "training_server_url" if self.training else "server_url"
        choices = {server_key: form.server_url, "language": form.language, "proxy": form.proxy,
                   "ca_bundle": form.ca_bundle}
        if not self.explicit:
            choices["profiles_dir"] = form.profiles_dir
        machine_config.save_user_choices(self.config, **choices)


SET_UP_STAGES = {
    "connecting": N_("Connecting to the server…"),
    "signing_in": N_("Signing in…"),
    "creating": N_("Creating the encrypted replica on this computer…"),
}


def run_client(profile_dir: Path | None, *, config: MachineConfig | None = None,
               training: bool = False, language: str | None = None,
               geometry: str | None = None, open_case: str | None = None) -> int:
    from desktop.controller import AppController
    from desktop.qt import QApplication
    from desktop.qt_locale import apply_language
    from desktop.views import style
    from desktop.views.training_banner import TrainingMarker
    from desktop.views.unlock_dialog import UnlockDialog

    running = QApplication.instance()
    app = running if isinstance(running, QApplication) else QApplication(sys.argv)
    app.setApplicationName("IMI")
    style.apply(app)
    opener = ProfileOpener(profile_dir, config=config, training=training)
    config = opener.config
    if single_instance.hand_over(opener.profile_dir, open_case):
        return 0  # the client already running on this profile opens the case
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
        setup = SetupDialog(opener.start_set_up, config=config, training=training,
                            languages=shipped_languages(), register=_open_registration,
                            activate=_open_activation)
        if opener.needs_set_up:
            setup.error.setText(_("The set-up of this profile was interrupted before it "
                                  "finished. Sign in again to complete it."))
        accepted = setup.exec()
        opener.background.shutdown()  # waits for a cancelled sign-in to end, writing nothing
        if not accepted:
            return 1
    assert opener.profile is not None and opener.key is not None
    config = machine_config.load()  # with what the set-up dialog saved
    try:
        controller = AppController(
            opener.profile, opener.key, language=forced, default_language=config.language,
            connection=config.connection, language_locked=config.is_locked("language"))
    except ReplicaError as exc:
        print(f"imi-desk: {explain_error(exc)}", file=sys.stderr)
        return 2
    if geometry:
        x, y, w, h = (int(v) for v in geometry.split(","))
        controller.window.setGeometry(x, y, w, h)
    controller.start()
    if open_case is not None:
        controller.open_link(open_case)
    later_starts = single_instance.InstanceListener(opener.profile_dir)
    window = controller.window

    def to_front() -> None:
        window.showNormal() if window.isMinimized() else window.show()
        window.raise_()
        window.activateWindow()

    later_starts.sig_show.connect(to_front)
    later_starts.sig_open_case.connect(controller.open_link)
    later_starts.sig_open_case.connect(to_front)
    later_starts.start()
    try:
        return int(app.exec())
    finally:
        later_starts.close()


def _setup_connection(setup: SetupDialog) -> tuple[str, Connection]:
    return setup.server_url.text().strip(), Connection(
        ca_bundle=machine_config.expand(setup.ca_bundle.text().strip()) or None,
        proxy=setup.proxy.text().strip() or None)


def _open_registration(setup: SetupDialog) -> None:
    from desktop import registration

    server_url, connection = _setup_connection(setup)
    registration.self_registration(setup, server_url=server_url, connection=connection).exec()


def _open_activation(setup: SetupDialog) -> None:
    from desktop import registration

    server_url, connection = _setup_connection(setup)
    dialog = registration.activation(setup, server_url=server_url, connection=connection)
    if dialog.exec():
        setup.username.setText(dialog.username.text().strip())
        setup.password.setFocus()


def _is_training(profile_dir: Path) -> bool:
    try:
        return profiles.read(profile_dir).training
    except ProfileError:
        return False


if __name__ == "__main__":
    sys.exit(main())
