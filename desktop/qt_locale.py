"""Qt's side of the UI language: its own translations (standard buttons such as Cancel, the
edit menu of text fields) and its default locale (the format of date fields), kept in step
with ``desktop.i18n``.

PySide6 ships ``qtbase_<lang>.qm`` for only part of the 26 languages (not for el, et, ga,
is, lt, mt, no, pt as written in Portugal, ro, sl). For those, ``CatalogueTranslator``
answers the few Qt texts the app shows from our own catalogue, so no English button is left.
"""

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

from desktop.i18n import N_, _, set_language
from desktop.qt import QApplication
from sync_protocol.languages import FALLBACK_LANGUAGE, babel_locale

# The Qt texts our windows show, as Qt writes them (the keys are its source texts).
QT_TEXTS = {
    "OK": N_("OK"),
    "Cancel": N_("Cancel"),
    "Close": N_("Close"),
    "&Undo": N_("&Undo"),
    "&Redo": N_("&Redo"),
    "Cu&t": N_("Cu&t"),
    "&Copy": N_("&Copy"),
    "&Paste": N_("&Paste"),
    "Delete": N_("Delete"),
    "Select All": N_("Select All"),
}

_installed: list[QTranslator] = []


class CatalogueTranslator(QTranslator):
    """Qt's texts from ``desktop.i18n``'s catalogue, for a language Qt has no catalogue of."""

    def translate(self, context: str, source_text: str,  # noqa: ARG002 - Qt's signature
                  disambiguation: str | None = None,  # noqa: ARG002
                  n: int = -1) -> str:  # noqa: ARG002
        message = QT_TEXTS.get(source_text)
        # An empty answer lets Qt keep its own text.
        return _(message) if message is not None else ""

    def isEmpty(self) -> bool:
        return False


def qt_catalogue_folder() -> str:
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)


def has_qt_catalogue(language: str) -> bool:
    return QTranslator().load(QLocale(babel_locale(language)), "qtbase", "_",
                              qt_catalogue_folder())


def apply_language(language: str) -> None:
    app = QApplication.instance()
    if app is None:
        return
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    locale = QLocale(babel_locale(language))
    translator = QTranslator(app)
    if translator.load(locale, "qtbase", "_", qt_catalogue_folder()):
        _installed.append(translator)
    elif language != FALLBACK_LANGUAGE:  # English is Qt's own language
        _installed.append(CatalogueTranslator(app))
    for installed in _installed:
        app.installTranslator(installed)
    QLocale.setDefault(locale)


def switch_language(language: str) -> None:
    """The UI language, ours and Qt's, from now on."""
    set_language(language)
    apply_language(language)


def qt_translation_loaded() -> bool:
    """Whether Qt's texts are translated for the current language, by Qt's own catalogue
    or by ours (packaging check)."""
    return bool(_installed)


def date_format() -> str:
    """The locale's short date format with a four-digit year, for date fields."""
    pattern = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    return pattern if "yyyy" in pattern else pattern.replace("yy", "yyyy")
