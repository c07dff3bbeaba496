"""A language of a draft as an XLIFF 1.2 or PO file, and such a file read back.

Written and parsed by translate-toolkit, the library translation tools and agencies rely on:
every unit is one text, its id (XLIFF ``id``, PO ``msgctxt``) the text id of
``sync_protocol.authoring``, its source the English text, its target the translation. A
translation that is outdated (its English changed since) goes out marked for review (XLIFF
``needs-review-translation``, PO ``fuzzy``).

Reading back never loses a translation: a unit with an empty target leaves the text as it
is; a unit refused (unknown id, English changed since the export, placeholders that differ,
still marked for review) is reported and changes nothing; a file that is not XLIFF or PO, or
is for another language, is refused whole.
"""

from typing import Any, Final, Literal

from lxml import etree
from translate.storage.base import TranslationStore
from translate.storage.po import pofile
from translate.storage.poparser import PoParseError
from translate.storage.xliff import xlifffile

from sync_protocol.authoring import (
    SOURCE_LANGUAGE,
    Draft,
    ImportReport,
    Problem,
    placeholders,
    set_text,
    status,
    texts,
)
from sync_protocol.errors import LocalProtocolError

Format = Literal["xliff", "po"]
MEDIA_TYPES: Final[dict[str, str]] = {"xliff": "application/xliff+xml",
                                      "po": "text/x-gettext-translation"}
_CONTEXT_SEPARATOR = "\x04"  # translate-toolkit prefixes an XLIFF id with its file's name


def export(draft: Draft, language: str, file_format: Format) -> bytes:
    store: TranslationStore[Any]
    all_texts = texts(draft)
    if file_format == "xliff":
        store = xlifffile(sourcelanguage=SOURCE_LANGUAGE, targetlanguage=language)
    else:
        store = pofile()
        store.settargetlanguage(language)
    for text_id, mapping in all_texts.items():
        unit = store.addsourceunit(mapping.get(SOURCE_LANGUAGE, ""))
        if file_format == "xliff":
            unit.setid(text_id)
        else:
            unit.setcontext(text_id)
        target = mapping.get(language)
        if target:
            unit.target = target
            if status(draft, text_id, language, all_texts) == "outdated":
                unit.markfuzzy(True)
    return bytes(store)


def read(draft: Draft, language: str, file_format: Format, data: bytes
         ) -> tuple[Draft, ImportReport]:
    """The draft with the file's translations into ``language`` taken, and the report
    (``accepted`` counts the texts that changed, or that were confirmed for a new English)."""
    store = _parse(file_format, data)
    found = (store.gettargetlanguage() or "").replace("_", "-").split("-")[0].lower()
    if found != language:
        raise LocalProtocolError("import_wrong_language",
                                 f"the file is for {found or 'no language'}, not {language}",
                                 params={"language": found or "?", "expected": language},
                                 status_hint=422)
    all_texts = texts(draft)
    refused: list[Problem] = []
    accepted = 0
    for unit in store.units:
        if unit.isheader():
            continue
        text_id = _unit_id(unit, file_format)
        target = (unit.target or "").strip()
        if not target:
            continue  # not translated in the file: whatever the draft has stays
        english = all_texts.get(text_id, {}).get(SOURCE_LANGUAGE)
        code = None
        if english is None:
            code = "unknown_text"
        elif (unit.source or "").strip() != english:
            code = "text_outdated"  # translated from an English text that changed since
        elif placeholders(target) != placeholders(english):
            code = "placeholders_differ"
        elif unit.isfuzzy():
            code = "text_unconfirmed"
        if code is not None:
            refused.append(Problem(code=code, text=text_id[:200], language=language))
            continue
        if (all_texts[text_id].get(language) == target
                and status(draft, text_id, language, all_texts) == "current"):
            continue  # the same translation back: nothing to take
        try:
            draft = set_text(draft, text_id, language, target)
        except ValueError:  # control characters, too long: not a catalogue text
            refused.append(Problem(code="text_invalid", text=text_id, language=language))
            continue
        accepted += 1
    return draft, ImportReport(language=language, accepted=accepted, refused=tuple(refused))


def _parse(file_format: Format, data: bytes) -> TranslationStore[Any]:
    try:
        if file_format == "xliff":
            store: TranslationStore[Any] = xlifffile.parsestring(data)  # type: ignore[no-untyped-call]
        else:
            store = pofile.parsestring(data)  # type: ignore[no-untyped-call]
    except (etree.XMLSyntaxError, PoParseError, ValueError, UnicodeDecodeError) as exc:
        raise LocalProtocolError("import_unreadable",
                                 f"not a readable {file_format} file: {exc}"[:300],
                                 params={"format": file_format}, status_hint=422) from None
    return store


def _unit_id(unit: object, file_format: Format) -> str:
    if file_format == "po":
        return str(unit.getcontext())  # type: ignore[attr-defined]
    return str(unit.getid()).split(_CONTEXT_SEPARATOR)[-1]  # type: ignore[attr-defined]
