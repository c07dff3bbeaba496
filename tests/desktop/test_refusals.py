"""Issue 7, item 1: refusals travel as codes and reach the reader in their own language."""

import string
from collections.abc import Iterator

import pytest

from desktop import i18n
from desktop.app import ProfileOpener
from desktop.refusals import LOCAL, PROTOCOL, explain, explain_error
from desktop.views.unlock_dialog import SetupForm
from sync_protocol.errors import CODES, WorkflowRefused
from sync_protocol.languages import FALLBACK_LANGUAGE

COMPLETE = [lang for lang in i18n.shipped_languages() if lang != FALLBACK_LANGUAGE]


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    i18n.set_language(FALLBACK_LANGUAGE)


def _fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def test_every_code_of_the_protocol_has_a_text_with_its_parameters():
    assert set(PROTOCOL) == set(CODES)
    wrong = {code: (sorted(_fields(PROTOCOL[code])), sorted(CODES[code]))
             for code in CODES if _fields(PROTOCOL[code]) != set(CODES[code])}
    assert not wrong, f"placeholders differ from the protocol's parameters: {wrong}"


@pytest.mark.parametrize("lang", COMPLETE)
def test_every_code_is_translated_in_every_complete_language(lang):
    translations = i18n.load_catalogue(lang)
    untranslated = [code for code, template in {**PROTOCOL, **LOCAL}.items()
                    if translations.gettext(template) == template]
    assert not untranslated, f"{lang}: {untranslated}"


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", "Ihr Schritt „Anfrage annehmen“ wurde nicht ausgeführt: Der Fall hat jetzt den "
           "Status „Zurückgezogen“."),
    ("hu", "A(z) „Megkeresés elfogadása” lépés nem lett végrehajtva: az ügy állapota most "
           "„Visszavonva”."),
])
def test_a_conflict_names_the_step_and_the_state_in_the_readers_language(lang, expected):
    i18n.set_language(lang)
    refusal = WorkflowRefused("conflict", "english for the log",
                              params={"action": "accept", "state": "withdrawn"})

    text = explain_error(refusal)

    assert expected in text
    assert "withdrawn" not in text and "accept" not in text


def test_an_authority_is_named_and_a_date_is_formatted():
    i18n.set_language("de")

    text = explain("not_competent", {"authority": "HU-ENKK", "area": "PQ"},
                   authority_name={"HU-ENKK": "Egészségügyi Központ"}.get)
    dated = explain("answer_date_in_past", {"answer_by": "2026-03-01"})

    assert text == "Egészségügyi Központ bearbeitet keine Anfragen im Rechtsbereich PQ."
    assert "01.03.2026" in dated


def test_a_code_from_a_newer_server_is_still_explained():
    i18n.set_language("de")

    assert "made_up_code" in explain("made_up_code", {"x": 1})
    assert explain("conflict", {"unexpected": 1}).startswith("Der Server hat den Schritt")


def test_wrong_credentials_at_sign_in_are_explained_in_german(live_server, tmp_path):
    i18n.set_language("de")
    opener = ProfileOpener(tmp_path / "profile")

    problem = opener.set_up(SetupForm(server_url=live_server.url, username="de.weber",
                                      password="not the password",
                                      passphrase="a long passphrase"))

    assert problem == "Unbekannter Benutzername oder falsches Passwort."
    assert not (tmp_path / "profile").exists()


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", "Die Passphrase muss mindestens 8 Zeichen lang sein."),
    ("hu", "A jelmondatnak legalább 8 karakterből kell állnia."),
])
def test_the_passphrase_rule_speaks_the_readers_language(lang, expected, live_server,
                                                         tmp_path):
    i18n.set_language(lang)

    problem = ProfileOpener(tmp_path / "p").set_up(SetupForm(
        server_url=live_server.url, username="de.weber", password="imi-demo",
        passphrase="short"))

    assert problem == expected


def test_a_wrong_passphrase_is_explained_in_hungarian(tmp_path):
    from desktop.models import profile as profiles

    profiles.create(tmp_path, server_url="http://127.0.0.1:1", username="u",
                    passphrase="correct horse battery")
    i18n.set_language("hu")

    assert ProfileOpener(tmp_path).unlock("wrong passphrase!") == (
        "A jelmondat helytelen. Semmi sem változott; kérjük, próbálja újra.")
