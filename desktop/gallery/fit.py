"""Does every text fit its widget? Font metrics against the widget's size.

Checked, in a window or dialog as it is shown: every label (one line: its text's width;
word-wrapped: the height its text needs at its width), every button (its size hint), every
group box title, every header section of a table, and every line of a list without word wrap
(folder names with their counts). An error line must not overlap any field.
"""

from PySide6.QtGui import QTextDocumentFragment

from desktop.qt import (
    QAbstractButton,
    QAbstractItemView,
    QFontMetrics,
    QGroupBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QRect,
    QStyle,
    Qt,
    QTreeWidget,
    QWidget,
)

FIELDS = ("QLineEdit", "QComboBox", "QDateEdit", "QPlainTextEdit", "QListWidget",
          "QTreeWidget", "QPushButton", "QCheckBox", "QTextBrowser")


def _name(widget: QWidget) -> str:
    return widget.objectName() or type(widget).__name__


def _visible(widget: QWidget, top: QWidget) -> bool:
    return widget.isVisibleTo(top) and widget.width() > 0 and widget.height() > 0


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(),
                                         -label.margin())
    if label.wordWrap() or label.textFormat() == Qt.TextFormat.RichText or "<" in text:
        first = QTextDocumentFragment.fromHtml(text).toPlainText().split("\n")[0]
        metrics = QFontMetrics(label.font())
        if _accents_cut(metrics, first[:60], metrics.height(), 1, top=room.top()):
            return "accents cut off at the top"
        needed_height = label.heightForWidth(label.width())
        if label.wordWrap() and needed_height > label.height():
            return f"needs {needed_height} px of height, has {label.height()}"
        if not label.wordWrap() and label.sizeHint().width() > label.width():
            return f"needs {label.sizeHint().width()} px, has {label.width()}"
        return None
    metrics = QFontMetrics(label.font())
    lines = text.split("\n")
    widest = max(metrics.horizontalAdvance(line) for line in lines)
    if widest > room.width():
        return f"needs {widest} px, has {room.width()}"
    if label.alignment() & Qt.AlignmentFlag.AlignVCenter and _accents_cut(
            metrics, lines[0], room.height(), len(lines), top=room.top()):
        return "accents cut off at the top"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    if not button.text():
        return None
    hint = button.sizeHint()
    if hint.width() > button.width():
        return f"needs {hint.width()} px, has {button.width()}"
    if hint.height() > button.height() + 2:
        return f"needs {hint.height()} px of height, has {button.height()}"
    return None


def _header_problems(header: QHeaderView) -> list[str]:
    model = header.model()
    if model is None or not header.isVisible():
        return []
    metrics = QFontMetrics(header.font())
    margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    arrow = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header) \
        if header.isSortIndicatorShown() else 0
    problems = []
    for section in range(header.count()):
        if header.isSectionHidden(section):
            continue
        text = str(model.headerData(section, header.orientation()) or "")
        needed = metrics.horizontalAdvance(text) + margin + arrow
        if needed > header.sectionSize(section):
            problems.append(f"header {text!r} needs {needed} px, has "
                            f"{header.sectionSize(section)}")
    return problems


def _accents_cut(metrics: QFontMetrics, text: str, row_height: int, lines: int, *,
                 top: int = 0) -> bool:
    """Do the accents of capitals (Ö, Ő, É) reach above the top of a row of this height,
    its text centred vertically ``top`` pixels below the widget's edge?

    Rows and labels are as tall as the font; these glyphs rise above its ascent."""
    if not text.strip():
        return False
    above = -metrics.tightBoundingRect(text).top()
    spare = top + (row_height - lines * metrics.height()) / 2
    return above > metrics.ascent() + spare


def _list_problems(view: QListWidget) -> list[str]:
    metrics = QFontMetrics(view.font())
    room = view.viewport().width() - 2 * view.style().pixelMetric(
        QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) - 4
    problems = []
    for row in range(view.count()):
        item = view.item(row)
        lines = item.text().split("\n")
        rect = view.visualItemRect(item)
        if rect.isValid() and _accents_cut(metrics, lines[0], rect.height(), len(lines)):
            problems.append(f"item {lines[0]!r}: accents cut off at the top of the row")
        if view.wordWrap():
            continue
        for line in lines:
            needed = metrics.horizontalAdvance(line)
            if needed > room:
                problems.append(f"item {line!r} needs {needed} px, has {room}")
    return problems


def _tree_problems(view: QTreeWidget) -> list[str]:
    """Rows whose text is cut off: too wide on one line, or too tall for its row."""
    metrics = QFontMetrics(view.font())
    check = view.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 8
    problems = []
    for item in view.findItems("", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive):
        rect = view.visualItemRect(item)
        if not rect.isValid():
            continue
        room = rect.width() - (check if item.flags() & Qt.ItemFlag.ItemIsUserCheckable else 4)
        text = item.text(0)
        if view.wordWrap():
            needed = metrics.boundingRect(QRect(0, 0, room, 100_000),
                                          int(Qt.TextFlag.TextWordWrap), text).height()
            if needed > rect.height():
                problems.append(f"item {text[:40]!r} needs {needed} px of height, has "
                                f"{rect.height()}")
        elif metrics.horizontalAdvance(text) > room:
            problems.append(f"item {text[:40]!r} needs {metrics.horizontalAdvance(text)} px, "
                            f"has {room}")
    return problems


def _rect_in(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, widget.rect().topLeft()), widget.size())


def problems(top: QWidget) -> list[str]:
    """Every text in ``top`` that does not fit, as 'widget: text: why'."""
    found = []
    for widget in [top, *top.findChildren(QWidget)]:
        if not _visible(widget, top):
            continue
        if isinstance(widget, QLabel):
            why = _label_problem(widget)
            if why:
                found.append(f"{_name(widget)}: {widget.text()[:60]!r}: {why}")
        elif isinstance(widget, QAbstractButton):
            why = _button_problem(widget)
            if why:
                found.append(f"{_name(widget)}: {widget.text()!r}: {why}")
        elif isinstance(widget, QGroupBox):
            metrics = QFontMetrics(widget.font())
            if metrics.horizontalAdvance(widget.title()) + 16 > widget.width():
                found.append(f"{_name(widget)}: title {widget.title()!r} does not fit")
        if isinstance(widget, QHeaderView):
            found += [f"{_name(widget.parentWidget() or widget)}: {p}"
                      for p in _header_problems(widget)]
        if isinstance(widget, QListWidget):
            found += [f"{_name(widget)}: {p}" for p in _list_problems(widget)]
        if isinstance(widget, QTreeWidget):
            found += [f"{_name(widget)}: {p}" for p in _tree_problems(widget)]
    found += _overlaps(top)
    return found


def _overlaps(top: QWidget) -> list[str]:
    """An error line that covers a field."""
    errors = [w for w in top.findChildren(QLabel, "error") if _visible(w, top) and w.text()]
    fields = [w for w in top.findChildren(QWidget)
              if type(w).__name__ in FIELDS and _visible(w, top)
              and not isinstance(w.parentWidget(), QAbstractItemView)]
    found = []
    for error in errors:
        where = _rect_in(error, top)
        for field in fields:
            if where.intersects(_rect_in(field, top)):
                found.append(f"error line overlaps {_name(field)}")
    return found
