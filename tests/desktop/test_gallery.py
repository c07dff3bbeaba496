"""Issue 7, items 3 and 4, and issue 10 item 4: the gallery renders screens in every shipped
language and no label, button, header or list row is cut off; the checker itself is tested on
widgets that do not fit.

Every screen in every language at both sizes takes minutes (``python -m desktop.gallery OUT``
does it); the test renders, in every language, the screens where long words have least room,
at the smaller size."""

import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QTableWidget

from desktop.gallery import SCREENS, fit
from desktop.i18n import shipped_languages
from desktop.qt import (
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from desktop.views import style
from sync_protocol.languages import LANGUAGES
from tests.conftest import demo_seed

# The main window (menus, toolbar, folders, column headers, status bar, step buttons), the
# request form with its error lines, the answer form, a confirmation, the refused steps,
# and the first start.
REPRESENTATIVE = ("main-inbox", "new-request-incomplete", "answer", "confirm-accept-reply",
                  "needs-attention", "set-up")
SIZE = "1280x800"
REPO = Path(__file__).resolve().parents[2]


def test_every_language_renders_and_nothing_is_cut_off(tmp_path, tmp_path_factory):
    assert set(REPRESENTATIVE) <= set(SCREENS)
    # The gallery's server starts on a copy of this run's demo data instead of seeding its own.
    done = subprocess.run([sys.executable, "-m", "desktop.gallery", str(tmp_path),
                           "--screens", ",".join(REPRESENTATIVE), "--size", SIZE,
                           "--seed", str(demo_seed(tmp_path_factory))],
                          cwd=REPO, capture_output=True, text=True, timeout=600, check=False)

    problems = (tmp_path / "problems.txt").read_text(encoding="utf-8")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert problems == ""
    assert shipped_languages() == list(LANGUAGES)
    expected = {f"{screen}-{lang}-{SIZE}.png" for screen in REPRESENTATIVE
                for lang in LANGUAGES}
    made = {p.name for p in tmp_path.glob("*.png")}
    assert made == expected, sorted(expected ^ made)
    assert all(p.stat().st_size > 2000 for p in tmp_path.glob("*.png"))


def _shown(qtbot, *widgets: QWidget, width: int = 400) -> QWidget:
    top = QWidget()
    layout = QVBoxLayout(top)
    for widget in widgets:
        layout.addWidget(widget)
    qtbot.addWidget(top)
    top.resize(width, 300)
    top.show()
    QApplication.processEvents()
    return top


def test_the_checker_finds_texts_that_do_not_fit(qtbot):
    label = QLabel("Betroffene berufsangehörige Person")
    label.setFixedWidth(60)
    button = QPushButton("Antwort annehmen und abschließen")
    button.setFixedWidth(80)
    table = QTableWidget(1, 1)
    table.setHorizontalHeaderLabels(["Válaszadási határidő"])
    table.horizontalHeader().resizeSection(0, 40)
    folders = QListWidget()
    folders.addItem("Beérkezett megkeresések (12)")
    folders.setFixedWidth(80)
    top = _shown(qtbot, label, button, table, folders)

    found = "\n".join(fit.problems(top))

    for text in ("Betroffene", "Antwort annehmen", "Válaszadási határidő", "Beérkezett"):
        assert text in found


def test_the_checker_finds_an_error_line_over_a_field(qtbot):
    top = QWidget()
    qtbot.addWidget(top)
    field = QLineEdit(top)
    field.setGeometry(10, 10, 200, 24)
    error = QLabel("Die Passphrase ist falsch.", top, objectName="error")
    error.setGeometry(10, 20, 200, 24)
    top.resize(300, 100)
    top.show()

    assert any("overlaps" in p for p in fit.problems(top))


def test_accents_of_capitals_are_not_cut_off_with_the_app_style(qtbot):
    app = QApplication.instance()
    before = app.styleSheet()
    try:
        app.setStyleSheet("")
        bare = _shown(qtbot, QLabel("Üzenet"), _list("Összes ügy"))
        assert len([p for p in fit.problems(bare) if "accents" in p]) == 2
        style.apply(app)
        styled = _shown(qtbot, QLabel("Üzenet"), _list("Összes ügy"))
        assert [p for p in fit.problems(styled) if "accents" in p] == []
    finally:
        app.setStyleSheet(before)


def _list(text: str) -> QListWidget:
    view = QListWidget()
    view.addItem(text)
    return view
