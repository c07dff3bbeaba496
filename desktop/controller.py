"""The owner of one open profile: wires the window's requests to the replica and to sync.

Reads for display go through the GUI thread's own connection (small, paged queries); every
write goes to the database lane; sync runs on the network lane.
"""

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from desktop import formatting
from desktop.i18n import _, current_language, ngettext, set_language, shipped_languages
from desktop.labels import REFUSALS, SIGN_IN_REASONS, label
from desktop.models import account, cases, identity
from desktop.models.case_table import CaseTableModel
from desktop.models.profile import Profile
from desktop.models.replica import FOLDERS, Replica
from desktop.models.sync_engine import NEW_DEVICE, SyncEngine
from desktop.models.transport import Connection, Offline, ServerRefused, Transport
from desktop.operations import Workers
from desktop.qt import QMessageBox, QObject, Qt
from desktop.qt_locale import apply_language
from desktop.sync_controller import SyncController
from desktop.views.answer_dialog import AnswerDialog
from desktop.views.attention_dialog import AttentionDialog
from desktop.views.main_window import MainWindow
from desktop.views.new_request_dialog import NewRequestDialog
from desktop.views.sign_in_dialog import SignInDialog
from sync_protocol.cases import Action
from sync_protocol.errors import ProtocolError
from sync_protocol.messages import LoginResponse
from sync_protocol.mutations import MUTATION_FOR_ACTION


class AppController(QObject):
    def __init__(self, profile: Profile, key: bytes, *, language: str | None = None,
                 default_language: str | None = None, connection: Connection | None = None,
                 language_locked: bool = False) -> None:
        super().__init__()
        self.profile = profile
        self.reader = Replica.open(profile.replica_path, key)
        user = self.reader.user()
        if user is None:
            raise ProtocolError("not_signed_in", "this profile never signed in")
        self.user = user
        self.workers = Workers(profile.replica_path, key)
        self.transport = Transport(profile.server_url, token=self.reader.get_meta("token"),
                                   connection=connection, training=profile.training)
        self.engine = SyncEngine(transport=self.transport,
                                 device_id=identity.device_id(self.reader, profile.device_id),
                                 db=self.workers.db)
        self.sync = SyncController(self.workers, self.engine)
        # The command line or a locked machine setting, else the user's own choice, else the
        # machine's default, else the language of the account.
        set_language(language or self.reader.get_meta("ui_language") or default_language
                     or user.language)
        apply_language(current_language())
        self.model = CaseTableModel(self.reader)
        self.window = MainWindow(self.model, shipped_languages())
        self.window.set_identity(f"{user.display_name} — {user.authority_name} "
                                 f"({formatting.country_name(user.member_state)})")
        self.notice_box: QMessageBox | None = None
        if language_locked:
            self.window.language.setEnabled(False)
            self.window.language.setToolTip(_("Set by your administrator"))
        self._closed = False
        self._sign_in: SignInDialog | None = None
        self._wire()

    def _wire(self) -> None:
        w = self.window
        w.sig_new_request_requested.connect(self.new_request)
        w.sig_sync_requested.connect(self.sync.request_sync)
        w.sig_case_selected.connect(self.show_case)
        w.sig_language_requested.connect(self.change_language)
        w.sig_closing.connect(self.shutdown)
        w.case_view.sig_step_requested.connect(self.take_step)
        w.status.sig_attention_requested.connect(self.show_attention)
        w.status.sig_sign_in_requested.connect(
            lambda: self.ask_sign_in(self.sync.signed_out or "unauthorised"))
        self.sync.sig_data_changed.connect(self.refresh)
        self.sync.sig_status_changed.connect(self.refresh_status)
        self.sync.sig_progress.connect(w.status.show_progress)
        self.sync.sig_refused.connect(self._refused)
        self.sync.sig_notice.connect(self._notice)
        self.sync.sig_sign_in_required.connect(self.ask_sign_in)

    def start(self) -> None:
        self.refresh()
        self.window.show()
        self.sync.start()

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Signals already queued must not reach a closed replica.
        for signal, slot in ((self.sync.sig_data_changed, self.refresh),
                             (self.sync.sig_status_changed, self.refresh_status),
                             (self.sync.sig_refused, self._refused),
                             (self.sync.sig_notice, self._notice),
                             (self.sync.sig_sign_in_required, self.ask_sign_in)):
            signal.disconnect(slot)
        if self._sign_in is not None:
            self._sign_in.reject()
        # A repaint still queued would read the replica closed below: nothing is shown now.
        self.window.hide()
        self.sync.stop()
        self.transport.abort()  # a long-poll in flight ends now, so the lanes can be joined
        self.workers.shutdown()
        self.transport.close()
        self.reader.close()

    # -- showing -------------------------------------------------------------------------

    def refresh(self) -> None:
        current = self.window.case_view.case
        self.model.reload()
        self.window.set_folder_counts({f: self.reader.count_cases(f) for f in FOLDERS
                                       if f in ("inbox", "drafts")})
        if current is not None:
            self.window.select_case(current.id)
            self.show_case(current.id)
        self.refresh_status()

    def refresh_status(self) -> None:
        self.window.status.update_state(
            online=self.sync.online, pending=self.reader.pending_count(),
            last_sync=self.sync.last_sync or _parse_time(self.reader.get_meta("last_sync")),
            attention=self.reader.attention_count(), problem=self.sync.problem,
            signed_out=self.sync.signed_out is not None,
        )

    def show_case(self, case_id: str) -> None:
        case = cases.get_case(self.reader, case_id)
        if case is None:
            self.window.case_view.show_case(None)
            return
        self.window.case_view.show_case(
            case, question_set=self.reader.question_set(case.question_set,
                                                        case.question_set_version),
            authority=self.reader.authority, my_authority=self.user.authority_id,
            pending=bool(self.reader.outbox(case_id=case_id, limit=1)),
        )

    def change_language(self, language: str) -> None:
        if language == current_language():
            return
        set_language(language)
        apply_language(language)
        self.workers.run_db(lambda replica: replica.save_meta("ui_language", language),
                            success=lambda _r: None, failure=self._failed)
        self.window.retranslate()
        self.refresh()

    # -- doing ---------------------------------------------------------------------------

    def perform(self, steps: list[tuple[str, dict[str, Any]]],
                then: Callable[[], None] | None = None) -> None:
        def work(replica: Replica) -> None:
            for name, args in steps:
                cases.perform(replica, name=name, args=args)

        def done(_result: None) -> None:
            self.refresh()
            if then is not None:
                then()
            self.sync.request_sync()

        self.workers.run_db(work, success=done, failure=self._failed)

    def new_request(self) -> None:
        areas = self.reader.areas()
        dialog = NewRequestDialog(
            areas=areas, question_sets={a.code: self.reader.question_sets(a.code) for a in areas},
            authorities=self.reader.authorities(), my_authority=self.user.authority_id,
            parent=self.window,
        )
        if not dialog.exec() or dialog.result_args is None:
            return
        args = dialog.result_args
        steps = [("case.create", args)]
        if dialog.send_now:
            steps.append(("case.send", {"case_id": args["case_id"]}))
        self.perform(steps, then=lambda: self._open_in_folder(
            "outbox" if dialog.send_now else "drafts", args["case_id"]))

    def _open_in_folder(self, folder: str, case_id: str) -> None:
        for row in range(self.window.folders.count()):
            if self.window.folders.item(row).data(Qt.ItemDataRole.UserRole) == folder:
                self.window.folders.setCurrentRow(row)
        self.window.select_case(case_id)
        self.show_case(case_id)

    def take_step(self, action_value: str, case_id: str) -> None:
        action = Action(action_value)
        args: dict[str, Any] = {"case_id": case_id}
        if action is Action.ANSWER:
            case = cases.get_case(self.reader, case_id)
            qs = case and self.reader.question_set(case.question_set, case.question_set_version)
            if case is None or qs is None:
                return
            dialog = AnswerDialog(case, qs, parent=self.window)
            if not dialog.exec() or dialog.result_args is None:
                return
            args = dialog.result_args
        elif action is Action.WITHDRAW:
            answer = QMessageBox.question(self.window, _("Withdraw"),
                                          _("Withdraw this request? This cannot be undone."))
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.perform([(MUTATION_FOR_ACTION[action], args)])

    # -- signing in again ------------------------------------------------------------------

    def ask_sign_in(self, reason: str) -> None:
        """The server refuses our token: ask for the password (once; the status bar reopens)."""
        self.refresh_status()
        if self._sign_in is not None:
            self._sign_in.raise_()
            return
        dialog = SignInDialog(username=self.user.username, reason=reason,
                              pending=self.reader.pending_count(), parent=self.window)
        dialog.sig_sign_in_requested.connect(self._sign_in_with)
        dialog.finished.connect(self._sign_in_closed)
        self._sign_in = dialog
        dialog.open()

    def _sign_in_closed(self, _result: int) -> None:
        self._sign_in = None

    def _sign_in_with(self, password: str) -> None:
        def op() -> LoginResponse:
            return account.sign_in(self.transport, username=self.user.username,
                                   password=password, device_id=self.engine.device_id)

        self.workers.run_net(op, success=self._signed_in, failure=self._sign_in_failed)

    def _signed_in(self, login: LoginResponse) -> None:
        def stored(_result: None) -> None:
            if self._sign_in is not None:
                self._sign_in.accept()
            self.sync.signed_in()

        self.workers.run_db(partial(account.save_sign_in, login=login), success=stored,
                            failure=self._failed)

    def _sign_in_failed(self, error: BaseException) -> None:
        if self._sign_in is None:
            return
        if isinstance(error, Offline):
            text = _("The server cannot be reached. Check the address and the connection.")
        elif isinstance(error, ServerRefused) and error.code == "unauthorised":
            text = _("The password is wrong.")
        elif isinstance(error, ServerRefused) and error.code in SIGN_IN_REASONS:
            text = label(SIGN_IN_REASONS, error.code)
        elif isinstance(error, ServerRefused):
            text = error.message
        else:
            text = _("Something went wrong: {error}").format(error=type(error).__name__)
        self._sign_in.show_error(text)

    def show_attention(self) -> None:
        def dismiss(item_id: int) -> None:
            self.workers.run_db(
                lambda replica: replica.dismiss_attention(item_id),
                success=lambda _r: self.refresh_status(), failure=self._failed)

        AttentionDialog(self.reader.attention(), dismiss, parent=self.window).exec()

    def _refused(self, results: list[Any]) -> None:
        self.window.status.showMessage(
            _("The server refused {n} of your steps: see Needs attention.").format(
                n=len(results)), 15000)

    def _notice(self, kind: str, waiting: int) -> None:
        """Tell the user why the sync did something unusual, and that nothing was lost."""
        if kind == NEW_DEVICE:
            text = ngettext(
                "This profile was restored from a backup or copied from another computer. "
                "It now works as a device of its own, and its {n} waiting change is sent "
                "again. Nothing was lost.",
                "This profile was restored from a backup or copied from another computer. "
                "It now works as a device of its own, and its {n} waiting changes are sent "
                "again. Nothing was lost.", waiting)
        else:
            text = ngettext(
                "The server was restored from a backup. Everything is downloaded again; "
                "your {n} waiting change is kept and sent again.",
                "The server was restored from a backup. Everything is downloaded again; "
                "your {n} waiting changes are kept and sent again.", waiting)
        box = QMessageBox(QMessageBox.Icon.Information, _("Synchronisation"),
                          text.format(n=waiting), parent=self.window)
        box.setObjectName("syncNotice")
        box.open()  # not modal for the application: sync and work go on
        self.notice_box = box

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, ProtocolError):
            text = f"{label(REFUSALS, error.code)}\n\n{error.message}"
        else:
            text = _("Something went wrong: {error}").format(error=type(error).__name__)
        QMessageBox.warning(self.window, _("Not possible"), text)
        self.refresh()


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
