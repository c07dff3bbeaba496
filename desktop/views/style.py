"""The application-wide look that every window and dialog shares."""

from desktop.qt import QApplication

# Labels and list rows a few pixels taller than the font: the accents of capitals (Ö, Ő, É)
# reach above the font's ascent (DejaVu Sans, the usual Linux font, by two pixels at 9 pt)
# and would otherwise be cut off at the top ("Osszes" for "Összes").
STYLE_SHEET = """
QLabel { padding-top: 2px; }
QAbstractItemView::item { padding-top: 3px; padding-bottom: 3px; }
"""


def apply(app: QApplication) -> None:
    app.setStyleSheet(STYLE_SHEET)
