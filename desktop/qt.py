"""The one place the client imports Qt from."""

import ctypes
import sys
from typing import TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QEvent,
    QEventLoop,
    QMarginsF,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSettings,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpacerItem,
    QSplitter,
    QStatusBar,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QSystemTrayIcon,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = [
    "QAbstractButton",
    "QAbstractItemView",
    "QAbstractTableModel",
    "QAction",
    "QActionGroup",
    "QApplication",
    "QButtonGroup",
    "QCheckBox",
    "QCloseEvent",
    "QColor",
    "QComboBox",
    "QCoreApplication",
    "QDate",
    "QDateEdit",
    "QDesktopServices",
    "QDialog",
    "QDialogButtonBox",
    "QEvent",
    "QEventLoop",
    "QFileDialog",
    "QFont",
    "QFontMetrics",
    "QFormLayout",
    "QFrame",
    "QGridLayout",
    "QGroupBox",
    "QHBoxLayout",
    "QHeaderView",
    "QKeySequence",
    "QLabel",
    "QLayout",
    "QLineEdit",
    "QListWidget",
    "QListWidgetItem",
    "QMainWindow",
    "QMarginsF",
    "QMenu",
    "QMessageBox",
    "QModelIndex",
    "QObject",
    "QPageLayout",
    "QPageSize",
    "QPdfWriter",
    "QPersistentModelIndex",
    "QPlainTextEdit",
    "QPrintDialog",
    "QPrinter",
    "QProgressBar",
    "QPushButton",
    "QRadioButton",
    "QRect",
    "QScrollArea",
    "QSettings",
    "QSize",
    "QSizePolicy",
    "QSpacerItem",
    "QSplitter",
    "QStatusBar",
    "QStyle",
    "QStyleOptionViewItem",
    "QStyledItemDelegate",
    "QSystemTrayIcon",
    "QTabWidget",
    "QTableView",
    "QTableWidget",
    "QTableWidgetItem",
    "QTextBrowser",
    "QTextDocument",
    "QTimer",
    "QToolBar",
    "QTreeView",
    "QTreeWidget",
    "QTreeWidgetItem",
    "QUrl",
    "QVBoxLayout",
    "QWidget",
    "Qt",
    "Signal",
    "Slot",
    "named",
]


_Named = TypeVar("_Named", bound=QObject)


def named(obj: _Named, name: str) -> _Named:
    """``obj`` with its object name set; tests and the gallery find widgets by it.

    Qt accepts ``objectName=`` as a constructor keyword, but PySide6's type stubs do not, so
    the name is set here and ``mypy --strict`` checks every view.
    """
    obj.setObjectName(name)
    return obj


def _pin_singletons() -> None:
    """Keep True, False and None alive whatever PySide does to their reference counts.

    PySide6 6.12's ``SignalInstance.emit()`` drops one reference to True on every call (and
    ``processEvents()`` one to None): after some hundreds of signals a window crashes with
    "Fatal Python error: bool_dealloc". Python 3.12 makes these objects immortal; on 3.11 a
    large count added once has the same effect (an object that is never freed is all they
    are). CPython keeps the count in the first word of every object.
    """
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40


_pin_singletons()
