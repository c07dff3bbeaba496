"""A case's dossier on paper or in a PDF, laid out by Qt's own text engine on A4 pages.

The HTML comes from ``desktop.models.dossier`` (built on the database lane); here it becomes a
``QTextDocument`` printed to a ``QPdfWriter`` or to the printer the officer picks in Qt's
print dialog. Qt numbers the pages at their foot.
"""

from pathlib import Path

from desktop.i18n import _
from desktop.qt import (
    QFileDialog,
    QMarginsF,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QPrintDialog,
    QPrinter,
    QTextDocument,
    QWidget,
)

MARGINS_MM = QMarginsF(18, 15, 18, 15)


def document(html: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc


def write_pdf(html: str, path: Path, *, title: str) -> None:
    """The dossier as a PDF file at ``path`` (A4). ``OSError`` if it cannot be written
    (Qt's writer would fail silently)."""
    with path.open("wb"):
        pass
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("IMI")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, MARGINS_MM,
                                     QPageLayout.Unit.Millimeter))
    writer.setResolution(300)
    document(html).print_(writer)


def ask_pdf_path(parent: QWidget, suggested: str) -> Path | None:
    """Where to save the PDF (Qt's file dialog); ``None`` if the officer cancels."""
    chosen, _filter = QFileDialog.getSaveFileName(
        parent, _("Save as PDF"), str(Path.home() / suggested), _("PDF documents (*.pdf)"))
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


def ask_and_print(parent: QWidget, html: str, *, title: str) -> bool:
    """Qt's print dialog, then the dossier on the printer chosen; False if cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                      QPageLayout.Orientation.Portrait, MARGINS_MM,
                                      QPageLayout.Unit.Millimeter))
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName("printDialog")
    dialog.setWindowTitle(_("Print case"))
    if not dialog.exec():
        return False
    document(html).print_(printer)
    return True
