"""Issue 10 item 4: the officer switches the UI language in the open window, without a
restart: menus, lists, the open case, Qt's own buttons and the locale's formats follow, and
nothing the officer was doing is lost. The real window over a real synced profile."""

import datetime as dt

from PySide6.QtCore import QLocale

from desktop import formatting
from desktop.i18n import current_language
from desktop.qt import QApplication, QDialogButtonBox, QLabel, Qt
from desktop.qt_locale import has_qt_catalogue, switch_language
from desktop.views.unlock_dialog import SetupDialog
from sync_protocol.languages import LANGUAGES


def _cancel_text() -> str:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    return buttons.button(QDialogButtonBox.StandardButton.Cancel).text()


def test_the_language_menu_retranslates_the_open_window_and_keeps_what_was_open(
        qtbot, controller):
    window = controller.window
    window.folders.setCurrentRow(4)  # all cases
    qtbot.waitUntil(lambda: controller.model.rowCount() > 0)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.case_view.case is not None)
    opened = window.case_view.case.id
    window.filter.setText("Kov")  # typed, not yet searched for
    assert window.new_action.text() == "Neue Anfrage"
    choices = {action.data(): action for action in window.language_actions.actions()}
    assert choices["ga"].text() == "Gaeilge" and choices["de"].isChecked()

    choices["ga"].trigger()

    assert current_language() == "ga"
    assert window.new_action.text() == "Iarraidh nua"
    assert window.file_menu.title() == "&Comhad"
    assert window.language_menu.title() == "Teanga"
    assert choices["ga"].isChecked() and not choices["de"].isChecked()
    assert window.language.currentText() == "Gaeilge"
    assert controller.model.headerData(0, Qt.Orientation.Horizontal) == "Tagairt"
    assert "Tagairt" in window.case_view._body.text()  # the open case, read again
    assert formatting.country_name("DE") in window.windowTitle()
    assert formatting.country_name("DE") != "Germany"
    # Qt has no Irish catalogue: its buttons speak Irish from ours.
    assert not has_qt_catalogue("ga") and _cancel_text() == "Cealaigh"
    assert QLocale().name() == "ga_IE"
    # What the officer was doing is still there.
    assert window.filter.text() == "Kov"
    assert window.folders.currentRow() == 4
    assert window.case_view.case is not None and window.case_view.case.id == opened
    qtbot.waitUntil(lambda: controller.reader.get_meta("ui_language") == "ga")


def test_the_toolbar_list_switches_too_with_the_locales_formats(qtbot, controller):
    window = controller.window
    window.language.setCurrentIndex(window.language.findData("fi"))

    assert window.new_action.text() == "Uusi pyyntö"
    assert has_qt_catalogue("fi") and _cancel_text() == "Peru"  # Qt's own Finnish
    assert formatting.date_text(dt.date(2026, 3, 7)) == "7.3.2026"
    assert formatting.language_name("de") == "saksa"
    assert window.language_actions.checkedAction().data() == "fi"


def test_the_set_up_dialog_speaks_the_language_picked_in_it_and_keeps_the_input(qtbot):
    dialog = SetupDialog(lambda *_args, **_kw: lambda: None, languages=list(LANGUAGES))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("de.weber")
    assert dialog.ok_button.text() == "Sign in"
    try:
        dialog.language.setCurrentIndex(dialog.language.findData("el"))
        QApplication.processEvents()  # Qt's own buttons hear of the change by an event

        assert dialog.windowTitle() == "Εγκατάσταση του IMI σε αυτόν τον υπολογιστή"
        assert dialog.ok_button.text() == "Σύνδεση"
        assert _cancel_text() == "Άκυρο"
        labels = {label.text() for label in dialog.findChildren(QLabel)}
        assert {"Διεύθυνση διακομιστή", "Όνομα χρήστη", "Γλώσσα"} <= labels
        assert dialog.proxy.placeholderText() == "κανένας (άμεση σύνδεση)"
        assert dialog.username.text() == "de.weber"
    finally:
        switch_language("en")
