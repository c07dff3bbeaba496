"""Machine translation of a case's free text: what a reader asks for and what it gets back.

Free text keeps the language it was written in. A reader may ask the server for a machine
translation of one free text of a case into one language; the server's engine translates it,
keeps the result with the case (sealed, like the case) and syncs it to every replica that sees
the case. A translation is always shown *beside* the original and always names its engine:
it never replaces what the officer wrote.

A free text of a case is named by its *field*: ``request_text``, ``reply_text``, or
``note-N`` (the note of the N-th event of the case's history, from 0). A translation carries
the SHA-256 of the text it translated, so one made before the text changed (a draft edited)
is recognised as stale and not shown.
"""

import hashlib
from typing import Annotated

from pydantic import StringConstraints

from sync_protocol import text
from sync_protocol.bounds import Timestamp
from sync_protocol.cases import CaseRecord, FreeText, LanguageCode
from sync_protocol.frozen import Frozen
from sync_protocol.mutations import CaseIdStr

TextField = Annotated[
    str, StringConstraints(pattern=r"^(request_text|reply_text|note-[0-9]{1,4})$")]
EngineName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class TranslateRequest(Frozen):
    """``POST /v1/translations``: translate one free text of a case into ``target``."""

    case_id: CaseIdStr
    field: TextField
    target: LanguageCode


class MachineTranslation(Frozen):
    """A machine translation of one free text of a case, as the server keeps and syncs it."""

    case_id: CaseIdStr
    field: TextField
    source_lang: LanguageCode
    target_lang: LanguageCode
    source_sha256: Digest
    text: text.FreeText
    engine: EngineName
    translated_at: Timestamp

    @property
    def entity_id(self) -> str:
        return translation_id(self.case_id, self.field, self.target_lang)

    def translates(self, original: FreeText | None) -> bool:
        """Is this a translation of ``original`` as it stands now (not of an older text)?"""
        return original is not None and source_digest(original) == self.source_sha256


def translation_id(case_id: str, field: str, target: str) -> str:
    """The sync entity id of a translation: one per case, field and target language."""
    return f"{case_id}:{field}:{target}"


def source_digest(original: FreeText) -> str:
    return hashlib.sha256(f"{original.lang}\n{original.text}".encode()).hexdigest()


def free_text(case: CaseRecord, field: str) -> FreeText | None:
    """The free text of ``case`` that ``field`` names, or None if there is none."""
    if field == "request_text":
        return case.request_text
    if field == "reply_text":
        return case.reply_text
    if field.startswith("note-"):
        index = int(field.removeprefix("note-"))
        return case.timeline[index].note if index < len(case.timeline) else None
    return None


def free_text_fields(case: CaseRecord) -> list[str]:
    """Every field of ``case`` that holds a free text, in reading order."""
    fields = [name for name in ("request_text", "reply_text") if free_text(case, name)]
    fields += [f"note-{i}" for i, event in enumerate(case.timeline) if event.note is not None]
    return fields
