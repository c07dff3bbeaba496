"""Qt's side of the UI language: its own translations (standard buttons such as Cancel) and
its default locale (the format of date fields), kept in step with ``desktop.i18n``."""

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

from desktop.qt import QApplication
from sync_protocol.languages import babel_locale

_installed: list[QTranslator] = []


def apply_language(language: str) -> None:
    app = QApplication.instance()
    if app is None:
        return
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{language}", folder):
        app.installTranslator(translator)
        _installed.append(translator)
    QLocale.setDefault(QLocale(babel_locale(language)))


def qt_translation_loaded() -> bool:
    """Whether Qt's own catalogue for the current language is installed (packaging check)."""
    return bool(_installed)


def date_format() -> str:
    """The locale's short date format with a four-digit year, for date fields."""
    pattern = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    return pattern if "yyyy" in pattern else pattern.replace("yy", "yyyy")
