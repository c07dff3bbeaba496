"""The catalogue window: drafts edited in the question set generator and the language tool
reach the owner as whole drafts, with what is outdated and missing shown as it is."""

from desktop.i18n import set_language
from desktop.models import authoring
from desktop.qt import QTableWidget
from desktop.views.catalogue_dialog import CatalogueDialog
from desktop.views.question_set_editor import ENGLISH, TRANSLATION
from sync_protocol.authoring import set_text, status, with_sources


def _draft():
    draft = authoring.new_draft(area_code="DENT", area_name="Dental hygienists",
                                set_code="DENT-REG", set_name="Registration",
                                first_question="Describe the duties.")
    draft = authoring.add_question(draft, section=None, answer_type="yes_no",
                                   text="Is the person registered?", answers=("Yes", "No"))
    return with_sources(None, set_text(draft, "DENT-REG-Q02", "de",
                                       "Ist die Person registriert?"))


def test_texts_edited_in_place_reach_the_owner_with_their_state(qtbot):
    set_language("en")
    dialog = CatalogueDialog([])
    qtbot.addWidget(dialog)
    dialog.show_drafts([_draft()])
    assert dialog.current_code() == "DENT-REG"

    # The question set tab: the English of a question changes; its German is now outdated.
    dialog.editor.language.setCurrentIndex(dialog.editor.language.findData("de"))
    tree = dialog.editor.tree
    question = next(tree.topLevelItem(1).child(i) for i in range(tree.topLevelItem(1)
                    .childCount()) if tree.topLevelItem(1).child(i).text(ENGLISH)
                    == "Is the person registered?")
    assert question.text(TRANSLATION) == "Ist die Person registriert?"
    question.setText(ENGLISH, "Is the person registered today?")
    with qtbot.waitSignal(dialog.sig_save_requested) as saved:
        dialog.save.click()
    draft = saved.args[0]
    assert draft.question_set.question("DENT-REG-Q02").texts["en"] == (
        "Is the person registered today?")
    assert status(draft, "DENT-REG-Q02", "de") == "outdated"
    assert "*" in dialog.list.currentItem().text()  # unsaved until the owner confirms

    # The language tab: only what is missing or outdated, translated in place.
    dialog.tabs.setCurrentIndex(1)
    tool = dialog.languages
    tool.language.setCurrentIndex(tool.language.findData("de"))
    tool.only_open.setChecked(True)
    table = tool.findChild(QTableWidget, "textTable")
    ids = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert "DENT-REG-Q02" in ids and "DENT-REG-Q02-A1" in ids
    row = ids.index("DENT-REG-Q02")
    assert table.item(row, 3).text() == "Outdated"
    table.item(row, 2).setText("Ist die Person heute registriert?")
    with qtbot.waitSignal(dialog.sig_publish_requested) as published:
        dialog.publish.click()
    draft = published.args[0]
    assert draft.question_set.question("DENT-REG-Q02").texts["de"] == (
        "Ist die Person heute registriert?")
    assert status(draft, "DENT-REG-Q02", "de") == "current"
    dialog.draft_saved(draft)
    assert "*" not in dialog.list.currentItem().text()

