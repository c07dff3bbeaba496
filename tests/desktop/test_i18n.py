"""The UI catalogues: complete, consistent with the code, and loaded the way the app loads them.

Nothing here needs Qt: the catalogues are read with babel and through ``desktop.i18n``.
"""

import ast
import collections
import gettext
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from desktop import i18n
from sync_protocol.languages import FALLBACK_LANGUAGE, LANGUAGES, babel_locale

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "resources" / "translations"
TEMPLATE = SOURCES / "messages.pot"
MAPPING = REPO / "babel.cfg"
# The keywords of the documented ``pybabel extract`` command (``-k`` adds to babel's defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "ngettext": (1, 2)}
TRANSLATED = sorted(p.parent.parent.name for p in SOURCES.glob("*/LC_MESSAGES/messages.po"))
REBUILD = ("The compiled catalogues in desktop/locale are built from the .po files by the "
           "package build: run `.venv/bin/pip install -e .` (./run.sh does) after changing a .po.")

UPDATE_COMMANDS = (
    "From the repository root, update the template and the catalogues:\n"
    "  pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output "
    "-o resources/translations/messages.pot .\n"
    "  pybabel update -i resources/translations/messages.pot -d resources/translations\n"
    "then translate the new entries in every resources/translations/<lang>/LC_MESSAGES/"
    "messages.po (and remove any '#, fuzzy' flags once checked)."
)

# Whole numbers a plural rule is checked on: every CLDR category a count can fall in (the
# "many" of Spanish, French, Italian and Portuguese starts at a million).
COUNTS = [*range(1001), 1_000_000, 2_000_000, 3_000_001]

MessageId = str | tuple[str, ...]
# A msgid or msgstr as babel holds it: a string, or a sequence for a plural entry.
BabelText = str | tuple[str, ...] | list[str] | None


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """The UI language is process-wide: leave it as every other test expects it."""
    yield
    i18n.set_language(FALLBACK_LANGUAGE)


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _key(message_id: BabelText) -> MessageId:
    """A message id as a set member: the text, or (singular, plural) for a plural entry."""
    return message_id if isinstance(message_id, str) else tuple(map(str, message_id or ()))


def _template_ids() -> set[MessageId]:
    return {_key(message.id) for message in _read(TEMPLATE) if message.id}


def _forms(message_string: BabelText) -> tuple[str, ...]:
    """A msgid or msgstr as its forms: one for a plain entry, several for a plural one."""
    if isinstance(message_string, str):
        return (message_string,)
    return tuple(map(str, message_string or ()))


def _placeholders(text: str) -> collections.Counter[str]:
    """The ``str.format`` fields of ``text``, as written (``{n}``, ``{when:%x}``, ...)."""
    fields: collections.Counter[str] = collections.Counter()
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            fields["{" + name + (f"!{conversion}" if conversion else "")
                   + (f":{spec}" if spec else "") + "}"] += 1
    return fields


def test_every_language_is_shipped_and_english_is_the_source() -> None:
    """A catalogue for each of the 26 languages but English, whose texts are the message ids
    (an English catalogue would be copies of them, and would hide nothing untranslated)."""
    assert set(TRANSLATED) == set(LANGUAGES) - {FALLBACK_LANGUAGE}
    # Every catalogue is compiled into the package, and only those, in the order of LANGUAGES.
    assert i18n.shipped_languages() == list(LANGUAGES), REBUILD


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_forms_header(lang: str) -> None:
    """The rule babel derives from CLDR (what ``pybabel init -l`` writes), and a rule that sorts
    every count as CLDR does: one form per category, none left unused."""
    catalog = _read(SOURCES / lang / "LC_MESSAGES" / "messages.po", lang)
    expected = get_plural(babel_locale(lang))
    assert catalog.plural_forms == (f"nplurals={expected.num_plurals}; "
                                    f"plural={expected.plural_expr};")
    form_of = gettext.c2py(catalog.plural_expr)
    cldr = Locale.parse(babel_locale(lang)).plural_form
    forms_by_category: dict[str, set[int]] = collections.defaultdict(set)
    for n in COUNTS:
        forms_by_category[cldr(n)].add(form_of(n))
    assert all(len(forms) == 1 for forms in forms_by_category.values()), forms_by_category
    used = set().union(*forms_by_category.values())
    assert used == set(range(catalog.num_plurals)), forms_by_category


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_template_string_is_translated(lang: str) -> None:
    catalog = _read(SOURCES / lang / "LC_MESSAGES" / "messages.po", lang)
    entries = {_key(m.id): m for m in catalog if m.id}
    problems = []
    for message_id in sorted(_template_ids(), key=str):
        entry = entries.get(message_id)
        if entry is None:
            problems.append(f"missing: {message_id!r}")
            continue
        forms = _forms(entry.string)
        if entry.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms, the header says "
                            f"{catalog.num_plurals}: {message_id!r}")
        if not all(form.strip() for form in forms):
            problems.append(f"untranslated: {message_id!r}")
        if entry.fuzzy:
            # write_mo leaves fuzzy entries out, so the app would show the English.
            problems.append(f"fuzzy: {message_id!r}")
    # babel's own checkers: the number of plural forms, and %-style placeholders.
    problems += [f"{error}: {message.id!r}" for message, errors in catalog.check()
                 for error in errors]
    if catalog.fuzzy:
        problems.append("the header is marked fuzzy: `pybabel compile` would skip the file")
    assert not problems, f"{lang}/LC_MESSAGES/messages.po:\n" + "\n".join(problems) + (
        "\n\n" + UPDATE_COMMANDS)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_match_the_english(lang: str) -> None:
    catalog = _read(SOURCES / lang / "LC_MESSAGES" / "messages.po", lang)
    problems = []
    for entry in catalog:
        if not entry.id:
            continue
        expected = _placeholders(_forms(entry.id)[0])
        for form in _forms(entry.string):
            if not form:
                continue  # reported by the completeness test
            try:
                found = _placeholders(form)
            except ValueError as error:
                problems.append(f"{form!r}: not a valid format string ({error})")
                continue
            if found != expected:
                problems.append(f"{entry.id!r} -> {form!r}: placeholders "
                                f"{sorted(found.elements())} instead of "
                                f"{sorted(expected.elements())}")
    assert not problems, f"{lang}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_app_loads_every_translation(lang: str) -> None:
    """``load_catalogue`` (the compiled catalogue, as the app reads it) serves each .po entry."""
    translations = i18n.load_catalogue(lang)
    catalog = _read(SOURCES / lang / "LC_MESSAGES" / "messages.po", lang)
    assert translations.info().get("language") == lang
    plural_index = gettext.c2py(catalog.plural_expr)
    lost = []
    for entry in catalog:
        if not entry.id or not all(_forms(entry.string)):
            continue  # an untranslated entry is reported by the completeness test
        if entry.pluralizable:
            singular, plural = _forms(entry.id)[:2]
            for n in (0, 1, 2, 5):
                got = translations.ngettext(singular, plural, n)
                if got != _forms(entry.string)[plural_index(n)]:
                    lost.append(f"{singular!r} (n={n}): {got!r}")
        elif translations.gettext(str(entry.id)) != entry.string:
            lost.append(repr(entry.id))
    assert not lost, f"{lang}: not served by load_catalogue:\n" + "\n".join(lost) + (
        "\n\n" + REBUILD)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_set_language_switches_the_ui_strings(lang: str) -> None:
    i18n.set_language(lang)
    assert i18n.current_language() == lang
    assert i18n._("New request") not in ("", "New request")
    assert i18n.ngettext("{n} change waiting to be sent", "{n} changes waiting to be sent",
                         3) != "{n} changes waiting to be sent"

    i18n.set_language(FALLBACK_LANGUAGE)
    assert i18n.current_language() == FALLBACK_LANGUAGE
    assert i18n._("New request") == "New request"
    assert i18n.ngettext("{n} change waiting to be sent", "{n} changes waiting to be sent",
                         1) == "{n} change waiting to be sent"


def test_the_template_is_up_to_date_with_the_code() -> None:
    """Extract as ``pybabel extract`` does; the committed template must hold the same strings."""
    with MAPPING.open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(MAPPING))
    extracted = {
        _key(message)
        for _file, _line, message, _comments, _context in extract_from_dir(
            REPO, method_map, options_map, keywords=KEYWORDS)
        if message and _forms(message)[0]
    }
    committed = _template_ids()
    new = sorted(extracted - committed, key=str)
    gone = sorted(committed - extracted, key=str)
    assert not new and not gone, (
        "resources/translations/messages.pot is out of date with the code.\n"
        + "".join(f"  in the code, not in the template: {m!r}\n" for m in new)
        + "".join(f"  in the template, no longer in the code: {m!r}\n" for m in gone)
        + "\n" + UPDATE_COMMANDS
    )


def _marked_strings(path: Path) -> Iterator[tuple[int, MessageId]]:
    """Literal arguments of ``_``/``N_``/``ngettext`` calls, including those inside f-strings."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        count = {"_": 1, "N_": 1, "ngettext": 2}.get(node.func.id)
        if count is None or len(node.args) < count:
            continue
        args = node.args[:count]
        if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            values = tuple(str(a.value) for a in args if isinstance(a, ast.Constant))
            yield node.lineno, values[0] if count == 1 else values


def test_every_marked_string_is_in_the_template() -> None:
    """Independent of the Python version babel's extractor runs on."""
    committed = _template_ids()
    missing = [
        f"  {path.relative_to(REPO)}:{line}: {message!r}"
        for path in sorted((REPO / "desktop").rglob("*.py"))
        for line, message in _marked_strings(path)
        if message and message not in committed
    ]
    assert not missing, (
        "UI strings marked for translation but missing from the template:\n"
        + "\n".join(missing) + "\n\n" + UPDATE_COMMANDS)
