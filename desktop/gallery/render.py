"""Rendering every screen for one screen size (run in a process of its own; see
``desktop.gallery``). Dialogs are opened the way the window opens them, through the
controller, and photographed while they are open."""

import datetime as dt
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from desktop.controller import AppController
from desktop.gallery import ANNA_SCREENS, COORDINATOR_SCREENS, PETER_SCREENS, administration, fit
from desktop.gallery.demo_data import DOCUMENTS, OFFICERS, PASSPHRASE, REFUSED_DOCUMENT
from desktop.i18n import set_language, shipped_languages
from desktop.models import authoring, case_list, cases, colleagues, organisation
from desktop.models import profile as profiles
from desktop.models.case_list import ListQuery
from desktop.qt import (
    QApplication,
    QDate,
    QDialog,
    QPlainTextEdit,
    QScrollArea,
    QTimer,
    QTreeWidget,
    QWidget,
)
from desktop.qt_locale import apply_language
from desktop.refusals import explain
from desktop.views import style
from desktop.views.allocation_dialog import AllocationDialog
from desktop.views.attachment_picker import AttachmentPicker
from desktop.views.catalogue_dialog import CatalogueDialog, NewAreaDialog
from desktop.views.directory_panel import DirectoryPanel
from desktop.views.organisation_dialog import OrganisationDialog, RuleDialog
from desktop.views.question_set_editor import QuestionDialog
from desktop.views.unlock_dialog import SetupDialog, UnlockDialog
from sync_protocol.authoring import set_text, with_sources

WAIT_S = 10.0


def _settle(seconds: float = 0.05) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def _wait_until(condition: Callable[[], bool]) -> None:
    end = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the gallery waited in vain for the window")
        _settle(0.01)


class Shooter:
    def __init__(self, out: Path, width: int, height: int,
                 screens: frozenset[str] | None = None) -> None:
        self.out, self.size = out, f"{width}x{height}"
        self.width, self.height = width, height
        self.screens = screens  # None: every screen
        self.problems: list[str] = []

    def wants(self, *screens: str) -> bool:
        return self.screens is None or not self.screens.isdisjoint(screens)

    def shoot(self, widget: QWidget, screen: str, language: str) -> None:
        if not self.wants(screen):
            return
        _settle()
        name = f"{screen}-{language}-{self.size}"
        self.problems += [f"{name}: {p}" for p in fit.problems(widget)]
        if widget.width() > self.width or widget.height() > self.height:
            self.problems.append(f"{name}: {widget.width()}x{widget.height()} is larger than "
                                 "the screen")
        widget.grab().save(str(self.out / f"{name}.png"))

    def modal(self, trigger: Callable[[], object], screen: str, language: str,
              prepare: Callable[[QWidget], None] | None = None) -> None:
        """Photograph the dialog ``trigger`` opens, then cancel it."""
        if not self.wants(screen):
            return
        shot: dict[str, bool] = {"done": False}
        tries = [0]

        def capture() -> None:
            widget = QApplication.activeModalWidget()
            if widget is None:
                tries[0] += 1
                if tries[0] < 200:
                    QTimer.singleShot(10, capture)
                return
            if prepare is not None:
                prepare(widget)
            self.shoot(widget, screen, language)
            shot["done"] = True
            if isinstance(widget, QDialog):
                widget.reject()
            else:
                widget.close()

        QTimer.singleShot(0, capture)
        trigger()
        # Some dialogs open only after their data is read on the database lane.
        _wait_until(lambda: shot["done"] or tries[0] >= 200)
        if not shot["done"]:
            self.problems.append(f"{screen}-{language}-{self.size}: no dialog opened")


def _language(language: str) -> None:
    set_language(language)
    apply_language(language)


def _click(name: str) -> Callable[[QWidget], None]:
    def click(dialog: QWidget) -> None:
        button = dialog.findChild(QWidget, name)
        assert button is not None, name
        button.click()  # type: ignore[attr-defined]
    return click


# What an officer types to find the dentists' authorities of another state, in their language.
_SEARCHES = {"de": "ungarische Zahnärzte", "hu": "fogorvos Németország",
             "fr": "médecins Autriche", "en": "dentists Hungary"}


def _search(text: str) -> Callable[[QWidget], None]:
    """Type ``text`` into a dialog's directory search; wait for its results (database lane)."""
    def search(dialog: QWidget) -> None:
        panel = dialog.findChild(DirectoryPanel)
        assert panel is not None
        panel.search.setText(text)
        _wait_until(lambda: panel.shown_query == text)
        if panel.results.count():
            panel.results.setCurrentRow(0)
        _settle()
    return search


def _case(controller: AppController, family_name: str) -> str:
    for row in case_list.page(controller.reader, ListQuery(folder="all", text=family_name),
                               after=None, limit=1000):
        if row[1].startswith(family_name.upper()):
            return str(row[0])
    raise LookupError(family_name)


def _fail_loudly(error: BaseException) -> None:
    raise RuntimeError(f"the gallery's demo step failed: {error!r}")


def _open(data: Path, username: str) -> AppController:
    profile, key = profiles.unlock(data / username, PASSPHRASE)
    controller = AppController(profile, key, language="en")
    # Not started: no sync pass runs; the status bar shows the state of the last one.
    controller.sync.online = True
    controller.sync.last_sync = dt.datetime.now(dt.UTC)
    controller.refresh()
    controller.window.show()
    _wait_until(lambda: controller.window.counted)  # the counts come from the database lane
    # A failure would open a message box that nobody closes: stop instead.
    controller._failed = _fail_loudly  # type: ignore[method-assign]
    return controller


def _anna(shooter: Shooter, controller: AppController, languages: list[str]) -> None:
    cases = {name: _case(controller, name) for name in ("Tóth", "Varga", "Schmidt", "Moreau",
                                                        "Dupont", "Szabó")}
    for lang in languages:
        controller.change_language(lang)
        controller.open_case("inbox", cases["Schmidt"])
        shooter.shoot(controller.window, "main-inbox", lang)
        if shooter.wants("main-history"):
            controller.open_case("closed", cases["Tóth"])
            _settle()
            for scroll in controller.window.case_view.findChildren(QScrollArea):
                scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        shooter.shoot(controller.window, "main-history", lang)
        if shooter.wants("main-beside"):
            # The same case with the counterpart's wording beside the reader's (Hungarian).
            view = controller.window.case_view
            view.show_beside(view.beside_language.currentData())
            for scroll in view.findChildren(QScrollArea):
                scroll.verticalScrollBar().setValue(0)
            shooter.shoot(controller.window, "main-beside", lang)
            view.show_beside(None)
        shooter.modal(controller.new_request, "new-request", lang)
        shooter.modal(controller.new_request, "new-request-search", lang,
                      prepare=_search(_SEARCHES.get(lang, "dentists Hungary")))
        shooter.modal(controller.show_directory, "directory", lang,
                      prepare=_search(_SEARCHES.get(lang, "dentists Hungary")))
        shooter.modal(controller.new_request, "new-request-incomplete", lang,
                      prepare=_click("send"))
        shooter.modal(controller.new_request, "new-request-documents", lang,
                      prepare=_documents(controller.profile.path.parent / DOCUMENTS))
        shooter.modal(lambda: controller.take_step("edit", cases["Varga"]), "edit-draft", lang)
        shooter.modal(lambda: controller.take_step("answer", cases["Schmidt"]), "answer", lang)
        shooter.modal(lambda: controller.take_step("withdraw", cases["Moreau"]),
                      "withdraw", lang)
        _workflow(shooter, controller, cases, lang)
        shooter.modal(lambda: controller.take_step("accept_reply", cases["Moreau"]),
                      "confirm-accept-reply", lang)
        _filtered(shooter, controller, lang)
        _allocation(shooter, controller, cases["Schmidt"], lang)
        if shooter.wants(*administration.SCREENS):
            administration.render(partial(_shoot_in, shooter, lang), controller.reader.areas())
        shooter.modal(controller.show_help, "user-guide", lang)
        shooter.modal(controller.show_about, "about", lang)
    if not shooter.wants("main-offline", "close-with-queued-changes"):
        return
    # A step taken with no server: it stays queued, and closing says so.
    controller.perform([("case.accept", {"case_id": cases["Dupont"]})])
    _wait_until(lambda: controller.reader.pending_count() == 1
                and controller.sync.online is False)
    for lang in languages:
        controller.change_language(lang)
        controller.sync_now()
        _wait_until(lambda: controller.sync.online is False and not controller.sync._running)
        controller.open_case("inbox", cases["Dupont"])
        shooter.shoot(controller.window, "main-offline", lang)
        shooter.modal(controller.may_close, "close-with-queued-changes", lang)


def _workflow(shooter: Shooter, controller: AppController, cases: dict[str, str],
              lang: str) -> None:
    """The workflow's steps: the case with a proposed date, a split, further information and
    comments, one request waiting on Anna; the dialogs of the steps."""
    controller.open_case("inbox", cases["Szabó"])
    shooter.shoot(controller.window, "main-workflow", lang)
    if shooter.wants("main-workflow-messages"):
        for scroll in controller.window.case_view.findChildren(QScrollArea):
            bar = scroll.verticalScrollBar()
            bar.setValue(bar.maximum() * 2 // 3)
    shooter.shoot(controller.window, "main-workflow-messages", lang)
    step = controller.take_step
    shooter.modal(lambda: step("give_info", cases["Szabó"]), "step-give-info", lang,
                  prepare=_text("Es ist kein Verfahren anhängig."))
    shooter.modal(lambda: step("comment", cases["Szabó"]), "step-comment", lang)
    shooter.modal(lambda: step("accept_proposing", cases["Dupont"]), "step-propose-date", lang)
    shooter.modal(lambda: step("forward", cases["Dupont"]), "step-forward", lang,
                  prepare=_search("Bayern"))
    shooter.modal(lambda: step("split", cases["Dupont"]), "step-split", lang,
                  prepare=_search("Bayern"))
    shooter.modal(lambda: step("rate", cases["Tóth"]), "step-rate", lang)
    shooter.modal(lambda: step("escalate", cases["Schmidt"]), "step-escalate", lang)


def _text(text: str) -> Callable[[QWidget], None]:
    def write(dialog: QWidget) -> None:
        field = dialog.findChild(QPlainTextEdit, "stepText")
        assert field is not None
        field.setPlainText(text)
    return write


def _filtered(shooter: Shooter, controller: AppController, lang: str) -> None:
    """Every case narrowed by the filter bar: a status and an answer date, read off the GUI
    thread."""
    if not shooter.wants("main-filtered"):
        return
    window, model = controller.window, controller.model
    window.folders.setCurrentRow(4)  # all cases
    _wait_until(lambda: window.filter_bar.counterpart.count() > 1)
    window.filter_bar.state.setCurrentIndex(window.filter_bar.state.findData("closed"))
    window.filter_bar.answer_from.setDate(QDate(2020, 1, 1))
    _wait_until(lambda: not model.loading)
    if model.rowCount() == 0:
        shooter.problems.append(f"main-filtered-{lang}: the filtered list is empty")
    shooter.shoot(window, "main-filtered", lang)
    controller.model.clear_filters()
    window.folders.setCurrentRow(0)
    _wait_until(lambda: not model.loading)


def _allocation(shooter: Shooter, controller: AppController, case_id: str, lang: str) -> None:
    if not shooter.wants("allocation"):
        return
    case = cases.get_case(controller.reader, case_id)
    assert case is not None
    dialog = AllocationDialog(
        case_id=case.id, person=f"{case.subject.family_name.upper()}, "
                                f"{case.subject.given_names}",
        handlers=colleagues.handlers(controller.reader, case.area),
        current=controller.user.user_id, parent=controller.window)
    dialog.show()
    shooter.shoot(dialog, "allocation", lang)
    dialog.close()


# The screens of ``_catalogue``: the window's two tabs and its two dialogs (by object name).
CATALOGUE_SCREENS = ("catalogue-question-set", "catalogue-languages", "catalogue-addQuestion",
                     "catalogue-newArea")


def _catalogue(shooter: Shooter, controller: AppController, languages: list[str]) -> None:
    """The Commission's catalogue window, over demo drafts: a new version of a shipped set
    with one English text changed since its translation, and a new area in English only."""
    if not shooter.wants(*CATALOGUE_SCREENS):
        return
    published = [(area, qs) for area in controller.reader.areas()
                 for qs in controller.reader.question_sets(area.code)]
    area, qs = next((a, q) for a, q in published if len(q.questions) > 10)
    # Every translation of the published set counts as current, as on the server.
    changed = with_sources(None, authoring.from_published(area, qs))
    first = changed.question_set.questions[1]
    changed = set_text(changed, first.code, "en", first.texts["en"] + " (as of today)")
    new_area = authoring.add_question(
        authoring.new_draft(area_code="DENT", area_name="Dental hygienists",
                            set_code="DENT-REG", set_name="Registration of dental hygienists",
                            first_question="Describe the duties of the person."),
        section=None, answer_type="yes_no", text="Is the person registered?",
        answers=("Yes", "No"))
    for lang in languages:
        controller.change_language(lang)
        dialog = CatalogueDialog(published, parent=controller.window)
        dialog.show_drafts([changed, new_area])
        dialog.show()
        dialog.list.setCurrentRow(1)
        shooter.shoot(dialog, "catalogue-question-set", lang)
        dialog.tabs.setCurrentIndex(1)
        dialog.show_outcome(explain("text_outdated", {"text": first.code, "language": lang}),
                            problem=True)
        shooter.shoot(dialog, "catalogue-languages", lang)
        for made in (QuestionDialog([("S1", "Registration")], dialog),
                     NewAreaDialog(set(), dialog)):
            made.show()
            shooter.shoot(made, "catalogue-" + made.objectName(), lang)
            made.close()
        dialog.close()
def _shoot_in(shooter: Shooter, language: str, widget: QWidget, screen: str) -> None:
    shooter.shoot(widget, screen, language)


def _documents(folder: Path) -> Callable[[QWidget], None]:
    """Attach the demo's documents in the new-request dialog, and one it refuses."""
    def attach(dialog: QWidget) -> None:
        picker = dialog.findChild(AttachmentPicker)
        assert picker is not None
        documents = sorted(p for p in folder.iterdir() if p.name != REFUSED_DOCUMENT)
        picker.add_files([*documents, folder / REFUSED_DOCUMENT])
        _settle()
    return attach


def _peter(shooter: Shooter, controller: AppController, languages: list[str]) -> None:
    if not shooter.wants("main-inbox-responder", "needs-attention", "case-documents"):
        return
    with_documents = _case(controller, "Bauer")
    for lang in languages:
        controller.change_language(lang)
        controller.open_case("inbox", with_documents)
        view = controller.window.case_view
        first = view.attachments.tree.topLevelItem(1)  # under the heading "Request"
        if first is not None:
            view.attachments.tree.setCurrentItem(first)
        shooter.shoot(controller.window, "case-documents", lang)
        controller.window.folders.setCurrentRow(0)
        shooter.shoot(controller.window, "main-inbox-responder", lang)
        shooter.modal(controller.show_attention, "needs-attention", lang)
        shooter.modal(controller.show_notifications, "notifications", lang)


def _coordinator(shooter: Shooter, controller: AppController, languages: list[str]) -> None:
    waiting = _case(controller, "Fekete")  # a Bavarian request in the demo's queue
    for lang in languages:
        controller.change_language(lang)
        controller.open_case("approvals", waiting)
        shooter.shoot(controller.window, "approval-queue", lang)
        shooter.modal(lambda: controller.take_step("approve", waiting), "confirm-approve", lang)
        shooter.modal(lambda: controller.take_step("refuse", waiting), "refuse-approval", lang,
                      prepare=_reason)
        shooter.modal(controller.administration.show_organisation, "organisation-settings",
                      lang, prepare=_first_rule)
        if shooter.wants("organisation-rule"):
            settings = organisation.settings(controller.reader, controller.user.authority_id)
            assert settings is not None
            shown = OrganisationDialog(settings, online=True, parent=controller.window)
            rule = RuleDialog(settings, shown.area_names, parent=shown)
            rule.show()
            shooter.shoot(rule, "organisation-rule", lang)
            rule.close()
            shown.close()


def _first_rule(dialog: QWidget) -> None:
    rules = dialog.findChild(QTreeWidget, "rules")
    first = rules.topLevelItem(0) if rules is not None else None
    if rules is not None and first is not None:
        rules.setCurrentItem(first)


def _reason(dialog: QWidget) -> None:
    # What a Bavarian coordinator writes, in German whatever the UI language: free text is
    # shown as written.
    field = dialog.findChild(QPlainTextEdit, "refuseReason")
    assert field is not None
    field.setPlainText("Die Rechtsgrundlage der Anfrage fehlt; bitte ergänzen.")


def _first_start(shooter: Shooter, languages: list[str]) -> None:
    if not shooter.wants("unlock", "set-up"):
        return
    for lang in languages:
        _language(lang)
        unlock = UnlockDialog("de.weber", lambda _p: explain("wrong_passphrase"))
        unlock.show()
        unlock.passphrase.setText("not the passphrase")
        unlock._try()
        shooter.shoot(unlock, "unlock", lang)
        unlock.close()
        setup = SetupDialog(_refused_sign_in, languages=shipped_languages())
        setup.show()
        setup.server_url.setText("https://imi.example.eu")
        for field, text in ((setup.username, "de.weber"), (setup.password, "x"),
                            (setup.passphrase, "a passphrase"), (setup.repeat, "a passphrase")):
            field.setText(text)
        setup._try()
        shooter.shoot(setup, "set-up", lang)
        setup.close()


def _refused_sign_in(_form: object, *, progress: Callable[[str], None],  # noqa: ARG001 - asked for
                     done: Callable[[str | None], None]) -> Callable[[], None]:
    """A sign-in the server refuses: the set-up dialog as a user with a wrong password sees it."""
    done(explain("wrong_credentials"))
    return lambda: None


def _quiet(_mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    # The offscreen platform cannot pass size hints to a window manager, and says so for
    # every window; everything else is worth reading.
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def render_all(out: Path, data: Path, width: int, height: int, *,
               languages: list[str] | None = None, screens: frozenset[str] | None = None
               ) -> int:
    qInstallMessageHandler(_quiet)
    running = QApplication.instance()
    app = running if isinstance(running, QApplication) else QApplication([])
    app.setApplicationName("IMI")
    style.apply(app)
    shooter = Shooter(out, width, height, screens)
    languages = languages or shipped_languages()
    _first_start(shooter, languages)
    for username, scenes, theirs in zip(OFFICERS, (_anna, _peter, _coordinator),
                                        (ANNA_SCREENS, PETER_SCREENS, COORDINATOR_SCREENS),
                                        strict=True):
        if not shooter.wants(*theirs):
            continue
        controller = _open(data, username)
        try:
            scenes(shooter, controller, languages)
            if scenes is _anna:
                _catalogue(shooter, controller, languages)
        finally:
            controller.shutdown()
            controller.window.close()
    (out / f"problems-{width}x{height}.txt").write_text(
        "\n".join(shooter.problems) + "\n", encoding="utf-8")
    _language("en")
    return 1 if shooter.problems else 0
