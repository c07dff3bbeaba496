"""Text on the wire: NFC, no control characters, no bidi overrides, no invisible-only names."""

import re
import typing
import unicodedata

import pytest
from pydantic import AfterValidator, BaseModel, TypeAdapter, ValidationError

from sync_protocol import cases, catalogue, messages, mutations
from sync_protocol.text import CatalogueText, FreeText, Label, Line, Name, UserName

ONE_LINE = (Name, Label, Line, UserName)
LINES = (FreeText, CatalogueText)


@pytest.mark.parametrize("kind", ONE_LINE + LINES)
def test_text_is_nfc_normalised(kind):
    decomposed = "Jo\u0301zsef Ko\u0308ller"
    assert TypeAdapter(kind).validate_python(decomposed) == unicodedata.normalize(
        "NFC", decomposed)
    assert TypeAdapter(kind).validate_python(decomposed) == "József Köller"


@pytest.mark.parametrize("kind", ONE_LINE + LINES)
@pytest.mark.parametrize(("bad", "why"), [
    ("\u202egepj.exe", "bidirectional control U+202E"),
    ("Weber\u2066x\u2069", "bidirectional control U+2066"),
    ("We\x00ber", "control character U+0000"),
    ("We\x1bber", "control character U+001B"),
    ("We\x85ber", "control character U+0085"),
    ("Weber\u2028Kovács", "control character U+2028"),
    ("\u200b\u200b", "only of invisible characters"),
    ("\u3164", "only of invisible characters"),
    ("\u2800\ufeff", "only of invisible characters"),
])
def test_controls_bidi_overrides_and_invisible_only_text_are_refused_clearly(kind, bad, why):
    with pytest.raises(ValidationError, match=re.escape(why)):
        TypeAdapter(kind).validate_python(bad)


@pytest.mark.parametrize("kind", ONE_LINE)
def test_a_name_is_one_line(kind):
    with pytest.raises(ValidationError, match="control character U\\+000A"):
        TypeAdapter(kind).validate_python("Weber\nKovács")


@pytest.mark.parametrize("kind", LINES)
def test_free_text_keeps_its_lines_and_tabs(kind):
    assert TypeAdapter(kind).validate_python("Erste Zeile\n\tzweite Zeile") == (
        "Erste Zeile\n\tzweite Zeile")


def test_real_names_of_the_member_states_pass_unchanged():
    for name in ("Ó Súilleabháin", "Øvergård", "Łukasiewicz", "Παπαδόπουλος", "Živković",
                 "Þórðardóttir", "Nguyễn", "d'Ávila-Müller", "Zoë\u200dX"):
        assert TypeAdapter(Name).validate_python(name) == unicodedata.normalize("NFC", name)


def _metadata(annotation: object) -> list[object]:
    """Every constraint or validator found anywhere in an annotation."""
    found = list(getattr(annotation, "__metadata__", ()))
    for arg in typing.get_args(annotation):
        found += _metadata(arg)
    return found


def _holds_text(annotation: object) -> bool:
    """str, or a tuple/optional of str: not a dict (mutation args are checked by their model)."""
    if annotation is str:
        return True
    if typing.get_origin(annotation) is dict:
        return False
    return any(_holds_text(arg) for arg in typing.get_args(annotation))


INCOMING = [
    messages.LoginRequest, messages.MutationIn, messages.PushRequest, messages.PullQuery,
    messages.WaitQuery, mutations.CreateCase, mutations.CaseStep, mutations.AnswerCase,
    mutations.WithdrawCase, cases.FreeText, cases.Subject, cases.Answer, cases.TimelineEvent,
    cases.CaseRecord, catalogue.LegislativeArea, catalogue.AnswerOption, catalogue.Question,
    catalogue.QuestionSet,
]


@pytest.mark.parametrize("model", INCOMING, ids=lambda m: m.__name__)
def test_every_text_field_of_the_protocol_is_checked_text_or_a_machine_word(model):
    """A string field either uses a type of ``sync_protocol.text`` or is a machine word with a
    pattern (ids, codes, cursors, passwords are not shown to people as text)."""
    checked = {validator.func for kind in ONE_LINE + LINES
               for validator in kind.__metadata__ if isinstance(validator, AfterValidator)}
    unchecked = []
    for name, field in model.model_fields.items():
        if not _holds_text(field.annotation):
            continue
        metadata = [*field.metadata, *_metadata(field.annotation)]
        machine_word = any(getattr(m, "pattern", None) for m in metadata) or name in {
            # Compared with stored values, never displayed as typed: no text rules.
            "password", "cursor", "authority_id", "requester_authority_id",
            "responder_authority_id", "id"}
        if not machine_word and not {getattr(m, "func", None) for m in metadata} & checked:
            unchecked.append(name)
    assert not unchecked, f"{model.__name__}: text fields without the text rules: {unchecked}"
    assert issubclass(model, BaseModel)


def test_text_maps_of_the_catalogue_check_every_translation():
    with pytest.raises(ValidationError, match="bidirectional"):
        catalogue.LegislativeArea(code="PQ", names={"de": "Berufs\u202eanerkennung"})
