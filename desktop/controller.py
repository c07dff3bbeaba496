"""The owner of one open profile: wires the window's requests to the replica and to sync.

Reads for display go through the GUI thread's own connection (small, paged queries); every
write goes to the database lane; sync runs on the network lane.
"""

import datetime as dt
import importlib.metadata
import shutil
import uuid
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from desktop import formatting
from desktop.administration import Administration, offered
from desktop.i18n import N_, _, current_language, ngettext, set_language, shipped_languages
from desktop.labels import SIGN_IN_REASONS, label
from desktop.models import (
    account,
    attachments,
    case_list,
    cases,
    colleagues,
    dossier,
    identity,
    request_form,
)
from desktop.models.attachment_files import PickedFile
from desktop.models.attachment_store import OPENED_FOLDER
from desktop.models.attention import Refusal
from desktop.models.attention import describe as describe_refusal
from desktop.models.case_list import Key, ListQuery, Row
from desktop.models.case_table import PAGE, CaseTableModel, Deliver, Loader
from desktop.models.directory import DirectoryChoices, DirectoryIndex, Filters, Results
from desktop.models.profile import Profile
from desktop.models.replica import Replica
from desktop.models.request_form import RequestForm
from desktop.models.sync_engine import NEW_DEVICE, SyncEngine
from desktop.models.transport import Connection, Offline, ServerRefused, Transport
from desktop.operations import Workers
from desktop.qt import QDesktopServices, QMessageBox, QObject, Qt, QUrl
from desktop.qt_locale import apply_language, switch_language
from desktop.refusals import explain, explain_error
from desktop.sync_controller import SyncController
from desktop.tray import TRAY_SETTING, TrayNotifier, tray_enabled
from desktop.views import case_print
from desktop.views.allocation_dialog import AllocationDialog
from desktop.views.answer_dialog import AnswerDialog
from desktop.views.attention_dialog import AttentionDialog
from desktop.views.case_view import ACCEPT_PROPOSING, action_of, escalation_possible_from
from desktop.views.catalogue_dialog import CatalogueDialog
from desktop.views.directory_dialog import DirectoryDialog
from desktop.views.help_dialog import AboutDialog, HelpDialog
from desktop.views.main_window import MainWindow
from desktop.views.new_request_dialog import NewRequestDialog
from desktop.views.notifications_dialog import NotificationsDialog
from desktop.views.refuse_dialog import RefuseDialog
from desktop.views.sign_in_dialog import SignInDialog
from desktop.views.step_dialogs import (
    TEXT_STEPS,
    ForwardDialog,
    ProposeDateDialog,
    RateDialog,
    SplitDialog,
    TextStepDialog,
)
from desktop.views.widgets import confirm
from sync_protocol.attachments import AttachmentRef, refs_by_hash
from sync_protocol.authoring import (
    CATALOGUE_EDITOR_ROLE,
    Draft,
    ImportReport,
    Problem,
    PublishOutcome,
)
from sync_protocol.cases import Action, CaseRecord, CaseRole, CaseStatus, Party
from sync_protocol.errors import ProtocolError
from sync_protocol.languages import authority_language, localized
from sync_protocol.mail import MailSettings
from sync_protocol.messages import LoginResponse
from sync_protocol.mutations import MUTATION_FOR_ACTION, MUTATIONS
from sync_protocol.translation import MachineTranslation
from sync_protocol.version import PROTOCOL_VERSION
from sync_protocol.workflow import allowed_actions

# The fields of a draft its edit takes again.
EDITABLE = ("area", "question_set", "question_set_version", "responder_authority_id",
            "subject", "questions", "answer_by", "request_text", "request_attachments")


# Irreversible steps ask first: title, question, and the button that takes the step.
CONFIRM = {
    Action.ACCEPT_REPLY: (
        N_("Accept the reply and close the case"),
        N_("Accept the reply to request {reference} about {person} and close the case? A "
           "closed case cannot be reopened."),
        N_("Accept and close")),
    Action.APPROVE: (
        N_("Approve"),
        N_("Approve {reference} about {person}? It goes on to the other authority."),
        N_("Approve")),
    # A draft: nobody else has seen it, so no reason is asked.
    Action.WITHDRAW: (
        N_("Withdraw the request"),
        N_("Withdraw request {reference} about {person}? The other authority is told, and "
           "the request cannot be sent again."),
        N_("Withdraw")),
    Action.AGREE_DATE: (
        N_("Agree to the proposed date"),
        N_("Agree that request {reference} about {person} is answered by {date}? The "
           "proposed date becomes the answer date."),
        N_("Agree")),
}

# Whose step a refusal returns, by the state the case waits in.
_AUTHOR_OF_WAITING = {CaseStatus.REPLY_AWAITING_APPROVAL: CaseRole.RESPONDER}


def offline_note() -> str:
    return _("Offline: the server cannot be reached. Your changes stay queued and are sent "
             "as soon as the connection returns.")


def app_version() -> str:
    try:
        return importlib.metadata.version("imi")
    except importlib.metadata.PackageNotFoundError:
        return _("unknown")


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
        self._directory: tuple[Replica, DirectoryIndex] | None = None
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
        self.model = CaseTableModel(self.reader,
                                    loader=page_loader(self.workers, failure=self._failed))
        self.window = MainWindow(self.model, shipped_languages())
        self.window.set_identity(lambda: f"{user.display_name} — {user.authority_name} "
                                 f"({formatting.country_name(user.member_state)})")
        self.window.show_for_roles(frozenset(user.roles))
        self.notice_box: QMessageBox | None = None
        self.tray = TrayNotifier(self.reader, self)
        self.notifications_dialog: NotificationsDialog | None = None
        if language_locked:
            self.window.set_language_choice_enabled(False, _("Set by your administrator"))
        self.administration = Administration(
            window=self.window, transport=self.transport, workers=self.workers,
            reader=self.reader, user=user, failed=self._failed,
            published=self.sync.request_sync, online=lambda: self.sync.online is not False)
        users, coordination = offered(frozenset(user.roles))
        self.window.set_administration(users=users, coordination=coordination)
        self._closed = False
        self._sync_asked = False
        self._sign_in: SignInDialog | None = None
        self._translating: tuple[str, str] | None = None  # (case id, field) asked for
        self.catalogue: CatalogueDialog | None = None
        self._shown_online = True
        self._downloading: set[str] = set()
        # Decrypted copies of documents opened in the system's viewer: removed when the window
        # closes, and here again (after a crash).
        self._opened = profile.path / OPENED_FOLDER
        shutil.rmtree(self._opened, ignore_errors=True)
        if CATALOGUE_EDITOR_ROLE in user.roles:
            self.window.enable_catalogue()
        self._wire()

    def _wire(self) -> None:
        w = self.window
        w.sig_new_request_requested.connect(self.new_request)
        w.sig_directory_requested.connect(self.show_directory)
        w.sig_sync_requested.connect(self.sync_now)
        w.sig_case_selected.connect(self.show_case)
        w.sig_language_requested.connect(self.change_language)
        w.sig_attention_requested.connect(self.show_attention)
        w.sig_help_requested.connect(self.show_help)
        w.sig_about_requested.connect(self.show_about)
        w.sig_catalogue_requested.connect(self.show_catalogue)
        w.sig_filter_changed.connect(self.model.set_filter)
        w.sig_filters_changed.connect(self._apply_filters)
        w.sig_filters_cleared.connect(self.model.clear_filters)
        w.sig_filter_choices_requested.connect(self._load_filter_choices)
        w.filter_bar.set_me(self.user.user_id)
        w.sig_users_requested.connect(self.administration.show_users)
        w.sig_registrations_requested.connect(self.administration.show_registrations)
        w.sig_register_authority_requested.connect(self.administration.register_authority)
        w.sig_organisation_requested.connect(self.administration.show_organisation)
        w.sig_notifications_requested.connect(self.show_notifications)
        w.sig_closing.connect(self.shutdown)
        w.close_guard = self.may_close
        w.case_view.sig_step_requested.connect(self.take_step)
        w.case_view.sig_print_requested.connect(self.print_case)
        w.case_view.sig_translation_requested.connect(self.translate)
        w.case_view.sig_case_open_requested.connect(self.open_linked_case)
        w.case_view.attachments.sig_open.connect(self.open_attachment)
        w.case_view.attachments.sig_keep.connect(self.keep_attachment)
        w.status.sig_sign_in_requested.connect(
            lambda: self.ask_sign_in(self.sync.signed_out or "unauthorised"))
        self.sync.sig_data_changed.connect(self.refresh)
        self.sync.sig_status_changed.connect(self.refresh_status)
        self.sync.sig_status_changed.connect(self._pass_finished)
        self.sync.sig_progress.connect(w.status.show_progress)
        self.sync.sig_refused.connect(self._refused)
        self.sync.sig_notice.connect(self._notice)
        self.sync.sig_sign_in_required.connect(self.ask_sign_in)
        self.sync.sig_new_work.connect(self.tray.show_new_work)

    def start(self) -> None:
        # Documents downloaded only to be read once go at each start.
        self.workers.run_db(attachments.tidy, success=lambda _n: None, failure=self._failed)
        self.refresh()
        self._load_filter_choices(self.model.folder)
        self.window.show()
        self.sync.start()

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Signals already queued must not reach a closed replica.
        for signal, slot in ((self.sync.sig_data_changed, self.refresh),
                             (self.sync.sig_status_changed, self.refresh_status),
                             (self.sync.sig_status_changed, self._pass_finished),
                             (self.sync.sig_refused, self._refused),
                             (self.sync.sig_notice, self._notice),
                             (self.sync.sig_sign_in_required, self.ask_sign_in),
                             (self.sync.sig_new_work, self.tray.show_new_work),
                             # a filter typed just before closing would read the closed lane
                             (self.window.sig_filter_changed, self.model.set_filter),
                             (self.window.sig_filters_changed, self._apply_filters),
                             (self.window.sig_filters_cleared, self.model.clear_filters),
                             (self.window.sig_filter_choices_requested,
                              self._load_filter_choices)):
            signal.disconnect(slot)
        self.tray.close()
        if self._sign_in is not None:
            self._sign_in.reject()
        # A repaint still queued would read the replica closed below: nothing is shown now.
        self.window.hide()
        self.sync.stop()
        self.transport.abort()  # a long-poll in flight ends now, so the lanes can be joined
        self.workers.shutdown()
        self.transport.close()
        self.reader.close()
        shutil.rmtree(self._opened, ignore_errors=True)

    # -- showing -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show what changed in the replica: only the changed list rows are re-read, so the
        selection and the scroll position stay where the officer left them."""
        current = self.window.case_view.case
        changed = self.window.refresh_list(self.model.refresh_changed)
        self._load_counts()
        if changed and not self._closed:
            self._load_filter_choices(self.model.folder)
        if current is not None and current.id in changed:
            self.show_case(current.id)
        self.refresh_status()

    def _load_counts(self) -> None:
        """The folders' case, unread and deadline counts, read on the database lane (they
        count every case) and shown when they arrive: the first screen does not wait."""
        def work(replica: Replica) -> tuple[dict[str, tuple[int, int]], ...]:
            with replica.snapshot():
                return case_list.folder_counts(replica), case_list.deadline_counts(replica)

        def show(counts: tuple[dict[str, tuple[int, int]], ...]) -> None:
            if not self._closed:
                self.window.set_folder_counts(*counts)

        self.workers.run_db(work, success=show, failure=self._failed)

    def _apply_filters(self, changes: dict[str, str]) -> None:
        self.model.set_filters(**changes)

    def _load_filter_choices(self, folder: str) -> None:
        """The areas and other authorities of ``folder``'s cases, for the filter bar (read
        on the database lane: they scan the folder)."""
        def work(replica: Replica) -> tuple[Any, ...]:
            with replica.snapshot():
                return (replica.areas(), case_list.areas(replica, folder),
                        case_list.counterparts(replica, folder))

        def show(choices: tuple[Any, ...]) -> None:
            if not self._closed and folder == self.model.folder:
                self.window.filter_bar.set_choices(*choices)

        self.workers.run_db(work, success=show, failure=self._failed)

    def refresh_status(self) -> None:
        online = self.sync.online is not False
        shown = self.window.case_view.case
        if online != self._shown_online and shown is not None:
            self._shown_online = online
            self.show_case(shown.id)  # "translation when online" or the link, as it now is
        self.window.status.update_state(
            online=self.sync.online, pending=self.reader.pending_count(),
            last_sync=self.sync.last_sync or _parse_time(self.reader.get_meta("last_sync")),
            attention=self.reader.attention_count(),
            problem=self._problem_text(), signed_out=self.sync.signed_out is not None,
        )

    def show_case(self, case_id: str) -> None:
        case = cases.get_case(self.reader, case_id)
        if case is None:
            self.window.case_view.show_case(None)
            return
        row = self.model.row_of(case_id)
        if row is not None and self.model.is_unread(row):  # opened: read from now on
            self.workers.run_db(lambda replica: replica.mark_read(case_id),
                                success=lambda _r: self.refresh(), failure=self._failed)
        now = dt.datetime.now(dt.UTC)
        roles = frozenset(self.user.roles)
        allowed = allowed_actions(case, self.user.authority_id, roles, now=now)
        self.window.case_view.show_case(
            case, question_set=self.reader.question_set(case.question_set,
                                                        case.question_set_version),
            authority=self.reader.authority,
            allowed=allowed,
            pending=bool(self.reader.outbox(case_id=case_id, limit=1)),
            counterpart_language=self._counterpart_language(case),
            translations=self.reader.translations(case_id),
            online=self._note_online(),
            translating=self._translating[1] if self._translating and
            self._translating[0] == case_id else None,
            reader=self.user.authority_id,
            escalate_from=escalation_possible_from(case, self.user.authority_id, roles,
                                                   now=now, allowed=allowed),
            documents=attachments.states(self.reader, list(refs_by_hash(case))),
            downloading=self._downloading,
        )

    # -- documents -----------------------------------------------------------------------

    def _shown_document(self, sha256: str) -> AttachmentRef | None:
        case = self.window.case_view.case
        return refs_by_hash(case).get(sha256) if case is not None else None

    def _reshow(self) -> None:
        case = self.window.case_view.case
        if case is not None and not self._closed:
            self.show_case(case.id)

    def open_attachment(self, sha256: str) -> None:
        """Show a document of the shown case in the system's viewer: a decrypted copy in the
        profile's folder for opened documents (viewers need a file), downloaded first if this
        computer does not hold it."""
        ref = self._shown_document(sha256)
        if ref is None:
            return
        state = attachments.states(self.reader, [sha256]).get(sha256)
        if state is None or not state.stored:
            self._download(ref, keep=False, then=lambda: self.open_attachment(sha256))
            return
        opened = self._opened
        self.workers.run_db(lambda replica: attachments.open_copy(replica, ref, opened),
                            success=self._show_file, failure=self._failed)

    def keep_attachment(self, sha256: str, keep: bool) -> None:
        ref = self._shown_document(sha256)
        if ref is None:
            return
        state = attachments.states(self.reader, [sha256]).get(sha256)
        if keep and (state is None or not state.stored):
            self._download(ref, keep=True, then=lambda: None)
            return
        self.workers.run_db(lambda replica: attachments.set_kept(replica, sha256, keep),
                            success=lambda _r: self._reshow(), failure=self._failed)

    def _download(self, ref: AttachmentRef, *, keep: bool, then: Callable[[], None]) -> None:
        sha256 = ref.sha256
        self._downloading.add(sha256)
        self._reshow()

        def finished() -> None:
            self._downloading.discard(sha256)
            self._reshow()

        def saved(_result: None) -> None:
            finished()
            then()

        def failed(error: BaseException) -> None:
            finished()
            self._failed(error)

        def fetched(_result: None) -> None:
            self.workers.run_db(
                lambda replica: attachments.record_download(replica, ref, keep=keep),
                success=saved, failure=failed)

        store = self.reader.attachments
        assert store is not None
        fetch = partial(self.transport.get_blob, sha256)
        # In parts: a download the line cut off continues where it stopped when opened again.
        self.workers.run_net(lambda: attachments.download(store, fetch, ref), success=fetched,
                             failure=failed)

    def _show_file(self, path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _note_online(self) -> bool:
        self._shown_online = self.sync.online is not False
        return self._shown_online

    def _counterpart_language(self, case: CaseRecord) -> str:
        """The language the other authority of ``case`` reads the catalogue in."""
        other = (case.responder_authority_id
                 if case.party_of(self.user.authority_id) is Party.REQUESTER
                 else case.requester_authority_id)
        return authority_language(self.reader.authority(other)
                                  or {"member_state": other.split("-")[0]})

    def _problem_text(self) -> str | None:
        problem = self.sync.problem
        if problem is None or isinstance(problem, str):
            return problem
        return explain_error(problem, authority_name=self._authority_name)

    def _authority_name(self, authority_id: str) -> str | None:
        found = self.reader.authority_name(authority_id)
        return found[0] if found else None

    def change_language(self, language: str) -> None:
        if language == current_language():
            return
        switch_language(language)
        self.workers.run_db(lambda replica: replica.save_meta("ui_language", language),
                            success=lambda _r: None, failure=self._failed)
        self.window.retranslate()
        self.refresh()
        if self.window.case_view.case is not None:
            self.show_case(self.window.case_view.case.id)

    # -- doing ---------------------------------------------------------------------------

    def perform(self, steps: list[tuple[str, dict[str, Any]]],
                then: Callable[[], None] | None = None,
                documents: Sequence[PickedFile] = ()) -> None:
        """Take ``steps``; ``documents`` (files picked for the first step) are copied into the
        profile's encrypted folder and queued for upload together with that step."""
        def work(replica: Replica) -> None:
            for index, (name, args) in enumerate(steps):
                with replica.transaction():
                    if index == 0 and documents:
                        attachments.attach(replica, documents)
                    attachments.queue_held(replica, args)
                    cases.perform(replica, name=name, args=args)

        def done(_result: None) -> None:
            self.refresh()
            if then is not None:
                then()
            self.sync.request_sync()

        self.workers.run_db(work, success=done, failure=self._failed)

    def new_request(self, initial: RequestForm | None = None, *,
                    editing: bool = False, then: Callable[[], None] | None = None) -> None:
        """Compose a request (or edit a draft: ``editing`` with the draft as ``initial``).

        The directory and the catalogue are loaded on the database lane, then the dialog asks.
        """
        self.window.new_action.setEnabled(False)

        def load(replica: Replica) -> tuple[Any, ...]:
            areas = replica.areas()
            return (areas, {a.code: replica.question_sets(a.code) for a in areas},
                    self._directory_choices(replica))

        def loaded(result: tuple[Any, ...]) -> None:
            self.window.new_action.setEnabled(True)
            self._ask_new_request(*result, initial=initial, editing=editing, then=then)

        def failed(error: BaseException) -> None:
            self.window.new_action.setEnabled(True)
            self._failed(error)

        self.workers.run_db(load, success=loaded, failure=failed)

    def _ask_new_request(self, areas: list[Any], question_sets: dict[str, list[Any]],
                         choices: DirectoryChoices, *, initial: RequestForm | None,
                         editing: bool, then: Callable[[], None] | None) -> None:
        dialog = NewRequestDialog(
            areas=areas, question_sets=question_sets, directory=choices,
            search=self.directory_search, my_authority=self.user.authority_id,
            initial=initial, editing=editing, parent=self.window,
        )
        if not dialog.exec() or dialog.result_args is None:
            return
        args = dialog.result_args
        steps = [("case.edit_draft" if editing else "case.create", args)]
        if dialog.send_now:
            steps.append(("case.send", {"case_id": args["case_id"]}))

        def opened() -> None:
            self.open_case("outbox" if dialog.send_now else "drafts", args["case_id"])
            if then is not None:
                then()

        self.perform(steps, then=opened, documents=dialog.attachments.picked())

    # -- the directory -------------------------------------------------------------------------

    def _directory_index(self, replica: Replica) -> DirectoryIndex:
        """The search index over the database lane's replica (used on that lane only)."""
        if self._directory is None or self._directory[0] is not replica:
            self._directory = (replica, DirectoryIndex(replica.connection))
        return self._directory[1]

    def _directory_choices(self, replica: Replica) -> DirectoryChoices:
        index = self._directory_index(replica)
        return DirectoryChoices(competences=index.competence_list(),
                                regions=index.regions_by_state())

    def directory_search(self, query: str, filters: Filters,
                         deliver: Callable[[Results], None]) -> None:
        """Search the replica's directory on the database lane; ``deliver`` the results on the
        GUI thread."""
        language = current_language()
        self.workers.run_db(
            lambda replica: self._directory_index(replica).search(
                query, language=language, filters=filters),
            success=deliver, failure=self._failed)

    def show_directory(self) -> None:
        def load(replica: Replica) -> tuple[list[Any], DirectoryChoices]:
            return replica.areas(), self._directory_choices(replica)

        def loaded(result: tuple[list[Any], DirectoryChoices]) -> None:
            areas, choices = result
            dialog = DirectoryDialog(language=current_language(), areas=areas,
                                     competences=choices.competences, regions=choices.regions,
                                     parent=self.window)
            dialog.panel.sig_search_requested.connect(
                lambda query, filters: self.directory_search(query, filters, dialog.show_results))
            dialog.panel.request_search()
            dialog.exec()

        self.workers.run_db(load, success=loaded, failure=self._failed)

    def open_case(self, folder: str, case_id: str) -> None:
        for row in range(self.window.folders.count()):
            if self.window.folders.item(row).data(Qt.ItemDataRole.UserRole) == folder:
                self.window.folders.setCurrentRow(row)
        self.window.select_case(case_id)
        self.show_case(case_id)

    def open_link(self, case_id: str) -> None:
        """Open the case a link names (``imi://case/<id>``, from a mail); a case the replica
        does not have yet is opened after the sync pass that brings it."""
        if self.reader.case_row(case_id) is not None:
            self.open_case("all", case_id)
            return

        def after_sync() -> None:
            self.sync.sig_data_changed.disconnect(after_sync)
            if self.reader.case_row(case_id) is not None:
                self.open_case("all", case_id)

        self.sync.sig_data_changed.connect(after_sync)

    def take_step(self, action_value: str, case_id: str,
                  initial: dict[str, Any] | None = None,
                  then: Callable[[], None] | None = None) -> None:
        """Take a step on the case, asking first what it needs (answers, a reason, an
        authority, a confirmation). ``action_value`` is an ``Action`` value or one of the case
        view's steps (``ACCEPT_PROPOSING``). ``initial`` holds what the officer entered
        before (a step taken again from *Needs attention*)."""
        action = action_of(action_value)
        case = cases.get_case(self.reader, case_id)
        if case is None:
            return
        if action is Action.ACCEPT and (initial or {}).get("proposed_answer_by"):
            action_value = ACCEPT_PROPOSING
        args: dict[str, Any] | None = {"case_id": case_id}
        documents: list[PickedFile] = []
        if action is Action.EDIT:
            draft = initial or case.model_dump(mode="json", include=set(EDITABLE) | {"id"})
            form = request_form.from_args({**draft, "case_id": case_id})
            self.new_request(form, editing=True, then=then)
            return
        if action in (Action.FORWARD, Action.SPLIT):
            self._ask_authority(case, action, initial=initial, then=then)
            return
        if action is Action.ANSWER:
            qs = self.reader.question_set(case.question_set, case.question_set_version)
            if qs is None:
                return
            requester = self._authority_name(case.requester_authority_id)
            dialog = AnswerDialog(case, qs, requester=requester or case.requester_authority_id,
                                  initial=initial, parent=self.window)
            if not dialog.exec() or dialog.result_args is None:
                return
            args = dialog.result_args
            documents = dialog.attachments.picked()
        elif action is Action.REFUSE:
            author = case.holders(_AUTHOR_OF_WAITING.get(case.state, CaseRole.REQUESTER))[0]
            refusal = RefuseDialog(case, author=self._authority_name(author) or author,
                                   initial=initial, parent=self.window)
            if not refusal.exec() or refusal.result_args is None:
                return
            args = refusal.result_args
        elif action_value == ACCEPT_PROPOSING:
            args = self._ask(ProposeDateDialog(case, authority=self._other_side(case),
                                               initial=initial, parent=self.window))
        elif action is Action.RATE:
            args = self._ask(RateDialog(case, authority=self._other_side(case),
                                        initial=initial, parent=self.window))
        elif action.value in TEXT_STEPS and not (action is Action.WITHDRAW
                                                 and case.state is CaseStatus.DRAFT):
            text_dialog = TextStepDialog(case, action.value, authority=self._other_side(case),
                                         asked=_open_request_text(case)
                                         if action is Action.GIVE_INFO else None,
                                         initial=initial,
                                         parent=self.window)
            args = self._ask(text_dialog)
            documents = text_dialog.picked()
        elif action is Action.ALLOCATE:
            allocation = self._allocation(case)
            if allocation is None:
                return
            args = allocation
        elif action in CONFIRM:
            title, text, button = CONFIRM[action]
            person = f"{case.subject.family_name.upper()}, {case.subject.given_names}"
            if not confirm(self.window, title=_(title), action=_(button),
                           text=_(text).format(reference=case.id[:8].upper(), person=person,
                                               date=formatting.date_text(
                                                   case.proposed_answer_by))):
                return
            if initial:
                args = {**initial, "case_id": case_id}
        if args is None:
            return
        self.perform([(MUTATION_FOR_ACTION[action], args)], then=then, documents=documents)

    @staticmethod
    def _ask(dialog: Any) -> dict[str, Any] | None:
        """Open a step's dialog; the step's arguments, or None if the officer cancelled."""
        if not dialog.exec():
            return None
        result: dict[str, Any] | None = dialog.result_args
        return result

    def _other_side(self, case: CaseRecord) -> str:
        """The name of the authority on the other side of ``case`` from the reader's (for a
        coordinator, the requested authority)."""
        other = (case.responder_authority_id
                 if case.party_of(self.user.authority_id) is not CaseRole.RESPONDER
                 else case.requester_authority_id)
        return self._authority_name(other) or other

    def _ask_authority(self, case: CaseRecord, action: Action, *,
                       initial: dict[str, Any] | None, then: Callable[[], None] | None) -> None:
        """Forward or split: the directory is loaded on the database lane, then the dialog
        asks for the authority (and, to split, the questions)."""
        def load(replica: Replica) -> tuple[list[Any], DirectoryChoices]:
            return replica.areas(), self._directory_choices(replica)

        def loaded(result: tuple[list[Any], DirectoryChoices]) -> None:
            areas, choices = result
            dialog: ForwardDialog | SplitDialog
            if action is Action.FORWARD:
                area = next((a for a in areas if a.code == case.area), None)
                dialog = ForwardDialog(
                    case, area_name=localized(area.names, current_language()) if area
                    else case.area, areas=areas, directory=choices,
                    search=self.directory_search, my_authority=self.user.authority_id,
                    initial=initial, parent=self.window)
            else:
                dialog = SplitDialog(
                    case, self.reader.question_set(case.question_set,
                                                   case.question_set_version),
                    areas=areas, directory=choices, search=self.directory_search,
                    my_authority=self.user.authority_id, initial=initial, parent=self.window)
            args = self._ask(dialog)
            if args is not None:
                self.perform([(MUTATION_FOR_ACTION[action], args)], then=then)

        self.workers.run_db(load, success=loaded, failure=self._failed)

    def open_linked_case(self, case_id: str) -> None:
        """Open a linked case (split from or into) if this authority sees it."""
        if self.reader.case_row(case_id) is not None:
            self.open_case("all", case_id)
            return
        self.window.status.showMessage(
            _("Request {reference} is not on this computer: your authority does not take "
              "part in it.").format(reference=case_id[:8].upper()), 10000)

    def _allocation(self, case: CaseRecord) -> dict[str, Any] | None:
        """Ask the allocator whom of their authority's request handlers the case goes to."""
        mine = next((a.user_id for a in case.assignments
                     if a.authority_id == self.user.authority_id), None)
        dialog = AllocationDialog(
            case_id=case.id, person=f"{case.subject.family_name.upper()}, "
                                    f"{case.subject.given_names}",
            handlers=colleagues.handlers(self.reader, case.area), current=mine,
            parent=self.window)
        if not dialog.exec():
            return None
        return dialog.result_args

    def show_notifications(self) -> None:
        """The notification settings: the e-mail part read from the server first (offline,
        the dialog opens without it)."""
        self.workers.run_net(self.transport.mail_settings, success=self._open_notifications,
                             failure=lambda _error: self._open_notifications(None))

    def _open_notifications(self, mail: MailSettings | None) -> None:
        if self._closed:
            return
        dialog = NotificationsDialog(mail, tray_enabled(self.reader), parent=self.window)
        dialog.sig_save_requested.connect(self.save_notifications)
        self.notifications_dialog = dialog
        dialog.open()

    def save_notifications(self, mail: MailSettings | None, tray_on: bool) -> None:
        self.set_tray_notifications(tray_on)
        if mail is not None:
            self.workers.run_net(partial(self.transport.save_mail_settings, mail),
                                 success=lambda _saved: self.window.status.showMessage(
                                     _("Your notification settings are saved."), 8000),
                                 failure=self._failed)

    def set_tray_notifications(self, on: bool) -> None:
        """Keep the officer's choice in the profile (on the database lane)."""
        self.workers.run_db(lambda r: r.save_meta(TRAY_SETTING, on), success=lambda _: None,
                            failure=self._failed)

    def print_case(self, case_id: str, to_pdf: bool) -> None:
        """Print the case, or save it as PDF, as the case view shows it (with the language shown
        beside, if one is): the dossier is built on the database lane, then Qt's print dialog
        (or a file dialog) asks where it goes."""
        printed_by = f"{self.user.display_name} — {self.user.authority_name}"
        work = partial(dossier.build, case_id=case_id, printed_by=printed_by,
                       printed_at=dt.datetime.now(dt.UTC),
                       beside=self.window.case_view.beside_code())

        def built(found: dossier.Dossier | None) -> None:
            if found is None:
                return
            title = _("Request for information {reference}").format(reference=found.reference)
            if not to_pdf:
                case_print.ask_and_print(self.window, found.html, title=title)
                return
            path = case_print.ask_pdf_path(self.window, f"IMI-{found.reference}.pdf")
            if path is None:
                return
            try:
                case_print.write_pdf(found.html, path, title=title)
            except OSError as error:
                self._failed(error)
                return
            self.window.status.showMessage(
                _("Saved as {path}").format(path=str(path)), 10000)

        self.workers.run_db(work, success=built, failure=self._failed)

    def translate(self, case_id: str, field: str) -> None:
        """Ask the server for a machine translation of a free text into the UI language; it
        is kept in the replica (and reaches it by sync anyway) and shown beside the text."""
        if self._translating is not None:
            return
        self._translating = (case_id, field)
        target = current_language()

        def stored(_result: None) -> None:
            self._translating = None
            self._show_again(case_id)

        def arrived(translation: MachineTranslation) -> None:
            self.workers.run_db(lambda replica: _keep_translation(replica, translation),
                                success=stored, failure=failed)

        def failed(error: BaseException) -> None:
            self._translating = None
            self._show_again(case_id)
            self._failed(error)

        self._show_again(case_id)
        self.workers.run_net(lambda: self.transport.translate(case_id=case_id, field=field,
                                                              target=target),
                             success=arrived, failure=failed)

    def _show_again(self, case_id: str) -> None:
        shown = self.window.case_view.case
        if not self._closed and shown is not None and shown.id == case_id:
            self.show_case(case_id)

    # -- the catalogue (the Commission's editors) -----------------------------------------

    def show_catalogue(self) -> CatalogueDialog:
        published = [(area, qs) for area in self.reader.areas()
                     for qs in self.reader.question_sets(area.code)]
        dialog = CatalogueDialog(published, parent=self.window)
        dialog.sig_save_requested.connect(self._save_draft)
        dialog.sig_publish_requested.connect(self._publish_draft)
        dialog.sig_export_requested.connect(self._export_draft)
        dialog.sig_import_requested.connect(self._import_draft)
        dialog.finished.connect(lambda _r: setattr(self, "catalogue", None))
        self.catalogue = dialog
        dialog.open()
        self._load_drafts(keep_unsaved=True)
        return dialog

    def _load_drafts(self, *, keep_unsaved: bool) -> None:
        self.workers.run_net(self.transport.drafts, success=lambda drafts: (
            self.catalogue.show_drafts(drafts, keep_unsaved=keep_unsaved)
            if self.catalogue else None), failure=self._catalogue_failed)

    def _catalogue_failed(self, error: BaseException) -> None:
        if self.catalogue is not None:
            self.catalogue.show_outcome(
                explain_error(error, authority_name=self._authority_name), problem=True)

    def _save_draft(self, draft: Draft) -> None:
        def saved(stored: Draft) -> None:
            if self.catalogue is not None:
                self.catalogue.draft_saved(stored)
                self.catalogue.show_outcome(_("The draft is saved."), problem=False)

        self.workers.run_net(lambda: self.transport.save_draft(draft), success=saved,
                             failure=self._catalogue_failed)

    def _publish_draft(self, draft: Draft) -> None:
        def publish() -> PublishOutcome:
            self.transport.save_draft(draft)
            return self.transport.publish_draft(draft.code)

        def done(outcome: PublishOutcome) -> None:
            if self.catalogue is None:
                return
            if outcome.published:
                self.catalogue.show_outcome(_(
                    "Published as version {version}. Every authority receives it with its "
                    "next synchronisation.").format(version=outcome.version), problem=False)
                self._load_drafts(keep_unsaved=False)
                self.sync.request_sync()
            else:
                self._load_drafts(keep_unsaved=False)
                self.catalogue.show_outcome(
                    _("Not published yet:") + "\n" + _problem_lines(outcome.problems),
                    problem=True)

        self.workers.run_net(publish, success=done, failure=self._catalogue_failed)

    def _export_draft(self, code: str, language: str, file_format: str, path: str) -> None:
        def export() -> None:
            Path(path).write_bytes(self.transport.export_draft(
                code, language=language, file_format=file_format))

        def done(_result: None) -> None:
            if self.catalogue is not None:
                self.catalogue.show_outcome(_("Exported to {path}.").format(path=path),
                                            problem=False)

        self.workers.run_net(export, success=done, failure=self._catalogue_failed)

    def _import_draft(self, code: str, language: str, file_format: str, path: str) -> None:
        def read() -> ImportReport:
            return self.transport.import_draft(code, language=language,
                                               file_format=file_format,
                                               data=Path(path).read_bytes())

        def done(report: ImportReport) -> None:
            if self.catalogue is None:
                return
            text = ngettext("{n} text taken.", "{n} texts taken.", report.accepted).format(
                n=report.accepted)
            if report.refused:
                text += "\n" + _("Refused, and left as they were:") + "\n" + _problem_lines(
                    report.refused)
            self.catalogue.show_outcome(text, problem=bool(report.refused))
            self._load_drafts(keep_unsaved=False)

        self.workers.run_net(read, success=done, failure=self._catalogue_failed)

    def sync_now(self) -> None:
        """The officer asked for a sync: if the server cannot be reached, say so."""
        if self.sync.online is False:
            self.window.status.showMessage(offline_note(), 15000)
        self._sync_asked = True
        self.sync.request_sync()

    def _pass_finished(self) -> None:
        if self._sync_asked and self.sync.online is False:
            self.window.status.showMessage(offline_note(), 15000)
        self._sync_asked = False

    def may_close(self) -> bool:
        if self._closed:
            return True
        pending = self.reader.pending_count()
        if pending == 0:
            return True
        text = ngettext(
            "{n} change has not reached the server yet. It stays queued on this computer and "
            "is delivered at the next start of IMI, when the server can be reached.",
            "{n} changes have not reached the server yet. They stay queued on this computer "
            "and are delivered at the next start of IMI, when the server can be reached.",
            pending).format(n=formatting.number_text(pending))
        return confirm(self.window, title=_("Close IMI"), text=text, action=_("Close IMI"))

    def show_help(self) -> None:
        HelpDialog(parent=self.window).exec()

    def show_about(self) -> None:
        AboutDialog(version=app_version(), server_url=self.profile.server_url,
                    protocol_version=PROTOCOL_VERSION,
                    user=f"{self.user.display_name} ({self.user.username})",
                    parent=self.window).exec()

    # -- needs attention -----------------------------------------------------------------

    def refusals(self) -> tuple[list[Refusal], set[int]]:
        """Every refused step told in full, and the ids of those that can be taken again."""
        told, redoable = [], set()
        for item in self.reader.attention():
            case = cases.get_case(self.reader, item["case_id"])
            refusal = describe_refusal(item, case=case, question_sets=self.reader.question_set,
                                       authority_name=self._authority_name,
                                       language=current_language())
            told.append(refusal)
            if item["name"] == "case.create" or (
                case is not None
                and Action(refusal.action) in allowed_actions(case, self.user.authority_id,
                                                            frozenset(self.user.roles))
            ):
                redoable.add(refusal.item_id)
        return told, redoable

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
        elif isinstance(error, ServerRefused) and error.code == "wrong_credentials":
            text = _("The password is wrong.")
        elif isinstance(error, ServerRefused) and error.code in SIGN_IN_REASONS:
            text = label(SIGN_IN_REASONS, error.code)
        else:
            text = explain_error(error, authority_name=self._authority_name)
        self._sign_in.show_error(text)

    def show_attention(self) -> None:
        told, redoable = self.refusals()
        dialog = AttentionDialog(told, redoable, parent=self.window)
        dialog.sig_dismiss_requested.connect(self.dismiss_attention)
        dialog.sig_open_case_requested.connect(lambda case_id: self.open_case("all",
                                                                                    case_id))
        dialog.sig_redo_requested.connect(self.redo)
        dialog.exec()

    def dismiss_attention(self, item_id: int) -> None:
        self.workers.run_db(lambda replica: replica.dismiss_attention(item_id),
                            success=lambda _r: self.refresh_status(), failure=self._failed)

    def redo(self, item_id: int) -> None:
        """Take a refused step again, from what the officer entered; once it is taken, the
        refusal leaves the list."""
        item = next((i for i in self.reader.attention() if i["id"] == item_id), None)
        if item is None:
            return
        done = partial(self.dismiss_attention, item_id)
        if item["name"] == "case.create":
            # The request goes out as a new case; the refusals of the old one (its send,
            # refused because the case never came to be) go with it.
            old = [i["id"] for i in self.reader.attention() if i["case_id"] == item["case_id"]]

            def dismiss_all() -> None:
                for old_id in old:
                    self.dismiss_attention(old_id)

            form = request_form.from_args(item["args"], case_id=uuid.uuid4().hex)
            self.new_request(form, then=dismiss_all)
            return
        action = MUTATIONS[item["name"]][1]
        self.take_step(action.value, item["case_id"], initial=item["args"], then=done)

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
                          text.format(n=formatting.number_text(waiting)), parent=self.window)
        box.setObjectName("syncNotice")
        box.open()  # not modal for the application: sync and work go on
        self.notice_box = box

    def _failed(self, error: BaseException) -> None:
        QMessageBox.warning(self.window, _("Not possible"),
                            explain_error(error, authority_name=self._authority_name))
        self.refresh()


PROBLEMS_SHOWN = 8


def _problem_lines(problems: Sequence[Problem]) -> str:
    lines = [explain(p.code, {"text": p.text, "language": p.language})
             for p in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(_("… and {n} more.").format(n=len(problems) - PROBLEMS_SHOWN))
    return "\n".join("• " + line for line in lines)


def _open_request_text(case: CaseRecord) -> str | None:
    """The text of the open request for further information, if there is one."""
    if case.open_info_request is None:
        return None
    request = next((m for m in reversed(case.messages) if m.kind == "info_request"), None)
    return request.text.text if request is not None else None


def _keep_translation(replica: Replica, translation: MachineTranslation) -> None:
    with replica.transaction():
        replica.put_translation(translation)


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def page_loader(workers: Workers, *, failure: Callable[[BaseException], None]) -> Loader:
    """Pages of filtered lists, read on the database lane (see ``CaseTableModel``)."""
    def load(query: ListQuery, after: Key | None, deliver: Deliver) -> None:
        def work(replica: Replica) -> tuple[int, list[Row]]:
            with replica.snapshot():
                return (case_list.log_position(replica),
                        case_list.page(replica, query, after=after, limit=PAGE))

        workers.run_db(work, success=lambda loaded: deliver(*loaded), failure=failure)

    return load
