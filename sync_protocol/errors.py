"""Errors that say whose fault they are, and the one list of the codes they carry.

A ``LocalProtocolError`` is raised when *we* were about to do something the protocol forbids
(our bug or our user's input); a ``RemoteProtocolError`` when the peer sent something invalid.
Each carries a machine-readable ``code``, its ``params`` and the HTTP status a server should
answer with. ``message`` is an English sentence for logs and developers; people read the code,
rendered in their own language by the client (``desktop.refusals``).

``CODES`` is every code the protocol defines, with the names of the parameters each carries.
A code not listed here cannot be raised (the constructor refuses it), so a client that
translates every code of ``CODES`` can explain every refusal it will ever receive.
"""

from collections.abc import Mapping
from typing import Final

Params = Mapping[str, str | int]

CODES: Final[Mapping[str, tuple[str, ...]]] = {
    # Workflow refusals (stored with a rejected mutation, shown under *Needs attention*).
    "forbidden": (),
    "already_exists": (),
    "not_found": (),
    "not_involved": (),
    "conflict": ("action", "state"),
    "invalid_transition": ("action", "state"),
    "unknown_question_set": ("question_set",),
    "unknown_question": ("questions",),
    "question_set_other_area": ("question_set", "area"),
    "question_asked_twice": ("question",),
    "answer_date_in_past": ("answer_by",),
    "request_to_itself": (),
    "answers_incomplete": (),
    "not_an_answer": ("question", "answer"),
    "unknown_authority": ("authority",),
    "not_competent": ("authority", "area"),
    "authority_cannot_send": ("authority", "area"),
    "authority_cannot_answer": ("authority", "area"),
    # The user's rights per legislative area (``user_areas``) do not include the case's area.
    "area_not_allowed": ("area",),
    # A coordinator's queued decision that no longer applies.
    "approval_withdrawn": (),
    "approval_already_decided": ("decision", "user"),
    "approval_not_pending": ("state",),
    # The full workflow (protocol version 3).
    "no_date_proposed": (),
    "forward_to_itself": (),
    "forward_to_requester": (),
    "split_all_questions": (),
    "question_not_in_case": ("questions",),
    "info_already_requested": (),
    "no_info_requested": (),
    "reason_required": (),
    "already_rated": (),
    "not_inactive": ("since",),
    "no_coordinator": ("authority",),
    "already_escalated": (),
    "not_allocator": (),
    "unknown_handler": (),
    "invalid_arguments": (),
    "unknown_mutation": ("name",),
    # Machine translation of free text (``sync_protocol.translation``).
    "translation_off": (),
    "nothing_to_translate": ("field",),
    "translation_language_unsupported": ("engine", "source", "target"),
    "translation_unavailable": ("engine",),
    "translation_timeout": ("engine",),
    "translation_garbled": ("engine",),
    # Authoring the catalogue (``sync_protocol.authoring``): refusals, and the problems a
    # publication or an import reports text by text.
    "not_catalogue_editor": (),
    "draft_not_found": ("question_set",),
    "draft_outdated": ("question_set", "version"),
    "area_mismatch": ("question_set", "area"),
    "import_unreadable": ("format",),
    "import_wrong_language": ("language", "expected"),
    "text_missing": ("text", "language"),
    "text_outdated": ("text", "language"),
    "placeholders_differ": ("text", "language"),
    "unknown_text": ("text", "language"),
    "text_unconfirmed": ("text", "language"),
    "text_invalid": ("text", "language"),
    # Signing in and tokens.
    "wrong_credentials": (),
    "unauthorised": (),
    "token_expired": (),
    "token_revoked": (),
    "account_deactivated": (),
    "authority_deactivated": (),
    "device_in_use": (),
    "device_mismatch": (),
    "too_many_attempts": ("retry_after",),
    "server_busy": ("retry_after",),
    # Sync and messages.
    "mutation_gap": ("expected",),
    "mutation_id_reused": (),
    "reset_required": (),
    "invalid_cursor": (),
    "invalid_case": (),
    "record_unreadable": (),
    "unsupported_protocol_version": (),
    "invalid_message": (),
    "method_not_allowed": (),
    "payload_too_large": (),
    "http_error": (),
    "internal_error": (),
    # Administration (the server's command line).
    "unknown_member_state": (),
    "invalid_role": (),
    "unknown_user": (),
    "unknown_area": (),
    "unknown_competence": ("competence",),
    "password_mismatch": (),
    "cannot_deactivate_self": (),
    "not_signed_in": (),
    # Mail settings.
    "invalid_mail_address": (),
    "mail_address_missing": (),
    # The configurable organisation (coordinators only, within their scope).
    "not_a_coordinator": (),
    "outside_scope": ("member_state",),
    "approver_outside_scope": ("authority",),
    # Registration of authorities and administration of users (``registration``).
    "out_of_scope": (),
    "unknown_registration": (),
    "registration_decided": ("status",),
    "username_taken": ("username",),
    "authority_exists": (),
    "areas_required": (),
    "not_an_area_of_the_authority": ("area",),
    "invalid_activation": (),
    "cannot_change_own_administration": (),
    "too_many_registrations": ("retry_after",),
    # Attachments (``sync_protocol.attachments``) and their blobs (``/v1/blobs/{sha256}``).
    "attachment_missing": ("name",),
    "attachment_too_large": ("limit",),
    "attachment_type": ("media_type",),
    "attachment_hash_mismatch": (),
    "attachment_unavailable": (),
    "upload_offset": ("offset",),
    "too_many_uploads": (),
    "invalid_range": (),
}


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, *, params: Params | None = None,
                 status_hint: int = 400) -> None:
        super().__init__(message)
        params = dict(params or {})
        expected = CODES.get(code)
        if expected is None:
            raise ValueError(f"{code!r} is not a code of the protocol (sync_protocol.errors)")
        if set(params) != set(expected):
            raise ValueError(f"{code!r} carries {sorted(expected)}, not {sorted(params)}")
        self.code = code
        self.message = message
        self.params: dict[str, str | int] = params
        self.status_hint = status_hint


class LocalProtocolError(ProtocolError):
    """We (or our user) tried something the protocol does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow."""


class WorkflowRefused(LocalProtocolError):
    """A workflow step is not allowed for this actor, in this state, with these arguments.

    The server stores the refusal as a *rejected* mutation with ``code``, ``params`` and
    ``message``; the client shows it in its *Needs attention* list.
    """

    def __init__(self, code: str, message: str, *, params: Params | None = None) -> None:
        super().__init__(code, message, params=params, status_hint=409)
