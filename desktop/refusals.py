"""Refusals and errors in the reader's language, from their codes and parameters.

The server never sends a sentence for people: it sends a code of
``sync_protocol.errors.CODES`` and its parameters, and this module says it in the UI
language. ``PROTOCOL`` translates every protocol code (a test checks that it is exactly that
list, placeholders included); ``LOCAL`` the client's own errors (profile, replica, network).
Parameters that are codes themselves (a step, a state, an authority, a date) are rendered
too, so no English word and no identifier reaches the reader where a name is known.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from desktop import formatting
from desktop.i18n import N_, _
from desktop.labels import SIGN_IN_REASONS, STATES, STEP_NAMES, TEXT_FIELDS, label

PROTOCOL: dict[str, str] = {
    "forbidden": N_("You do not have the request handler role needed for this step."),
    "already_exists": N_("This case already exists on the server."),
    "not_found": N_("The server does not know this case, or you may no longer see it."),
    "not_involved": N_("Your authority is not involved in this case."),
    "conflict": N_("Someone else changed the case first. Your step “{action}” was not "
                   "applied: the case now has the status “{state}”."),
    "invalid_transition": N_("The step “{action}” is not possible while the case has the "
                             "status “{state}”."),
    "unknown_question_set": N_("The question set {question_set} is not known to the server."),
    "unknown_question": N_("These questions are not part of the question set: {questions}."),
    "question_set_other_area": N_("The question set {question_set} does not belong to the "
                                  "legislative area {area}."),
    "question_asked_twice": N_("The question {question} is asked twice."),
    "answer_date_in_past": N_("The answer date {answer_by} is in the past."),
    "request_to_itself": N_("An authority cannot send a request to itself."),
    "answers_incomplete": N_("Every question of the request must be answered exactly once."),
    "not_an_answer": N_("The answer {answer} is not one of the predefined answers to "
                        "question {question}."),
    "unknown_authority": N_("The authority {authority} does not exist or is no longer "
                            "active."),
    "not_competent": N_("{authority} does not handle requests in the legislative area "
                        "{area}."),
    "authority_cannot_send": N_("{authority} only answers requests in the legislative area "
                                "{area}; it cannot send them."),
    "authority_cannot_answer": N_("{authority} only sends requests in the legislative area "
                                  "{area}; it cannot be asked."),
    "area_not_allowed": N_("You have no rights in the legislative area {area}. Your local data "
                           "administrator can give them to you."),
    "approval_withdrawn": N_("The sender withdrew the case before your decision reached the "
                             "server. Your decision was not applied, and the other authority "
                             "never received the request."),
    "approval_already_decided": N_("Another coordinator ({user}) had already decided "
                                   "(“{decision}”) before your decision reached the server. "
                                   "Your decision was not applied."),
    "approval_not_pending": N_("The case no longer waits for an approval: it has the status "
                               "“{state}”. Your decision was not applied."),
    "no_date_proposed": N_("The requested authority did not propose another answer date, or "
                           "the proposal was already settled."),
    "forward_to_itself": N_("A request cannot be forwarded or split off to the authority that "
                            "already handles it."),
    "forward_to_requester": N_("A request cannot be forwarded or split off to the authority "
                               "that sent it."),
    "split_all_questions": N_("Not every question can be split off: to pass on the whole "
                              "request, forward it."),
    "question_not_in_case": N_("These questions are not part of this request: {questions}."),
    "info_already_requested": N_("Further information has already been requested and not yet "
                                 "given. Wait for the reply before asking again."),
    "no_info_requested": N_("The other authority has not requested further information, or it "
                            "has already been given."),
    "reason_required": N_("Please give a reason for withdrawing the request."),
    "already_rated": N_("This case has already been rated."),
    "not_inactive": N_("The case was last active on {since}. It can be escalated only after "
                       "more than two months without activity."),
    "no_coordinator": N_("{authority} has no responsible coordinator to whom the case could be "
                         "escalated."),
    "already_escalated": N_("This case has already been escalated to a coordinator."),
    "not_allocator": N_("You do not have the allocator role needed to allocate cases."),
    "unknown_handler": N_("The case can only be allocated to an active request handler of your "
                          "authority."),
    "outside_scope": N_("This setting is outside your coordinator's scope ({member_state})."),
    "approver_outside_scope": N_("{authority} does not coordinate this member state, region "
                                 "or area."),
    "invalid_arguments": N_("The server found the entry incomplete or invalid. This is a "
                            "fault of the program; please report it."),
    "unknown_mutation": N_("The server does not know the step “{name}”. Please update IMI."),
    "wrong_credentials": N_("Unknown user name or wrong password."),
    "device_in_use": N_("This computer is registered to another user."),
    "device_mismatch": N_("The session belongs to another computer. Please sign in again."),
    "too_many_attempts": N_("Too many failed sign-ins with this user name or from this "
                            "computer. Please wait {retry_after} seconds and try again."),
    "server_busy": N_("The server is busy with other sign-ins. Please try again in "
                      "{retry_after} seconds."),
    "mutation_gap": N_("Your changes reached the server out of order. IMI sends them again, "
                       "starting with change number {expected}."),
    "mutation_id_reused": N_("This copy of the profile was restored or copied from another "
                             "computer. IMI registers it as a computer of its own and sends "
                             "your changes again."),
    "reset_required": N_("The server asks for a fresh copy of your cases. Your unsent "
                         "changes are kept."),
    "invalid_cursor": N_("The server did not accept the synchronisation position. IMI "
                         "downloads your cases again."),
    "invalid_case": N_("The server sent a case that this version of IMI cannot read. "
                       "Please update IMI."),
    "unsupported_protocol_version": N_("This version of IMI does not match the server. "
                                       "Please update IMI."),
    "invalid_message": N_("The server could not read the request. This is a fault of the "
                          "program; please report it."),
    "method_not_allowed": N_("The server does not offer this function. Check the server "
                             "address."),
    "payload_too_large": N_("The request is too large for the server."),
    "http_error": N_("The server answered with an error. Check the server address."),
    "internal_error": N_("The server failed and did not apply the change. Please try again "
                         "later."),
    "unknown_member_state": N_("This member state is not known."),
    "invalid_role": N_("This role does not exist."),
    "unknown_user": N_("This user does not exist."),
    "unknown_area": N_("This legislative area does not exist."),
    "unknown_competence": N_("The profession or activity {competence} is not in the "
                             "directory's lists."),
    "password_mismatch": N_("The passwords differ."),
    "cannot_deactivate_self": N_("You cannot deactivate your own account."),
    "not_signed_in": N_("This profile has never signed in. Please set it up again."),
    "not_a_coordinator": N_("Only a coordinator may do this."),
    "out_of_scope": N_("This authority lies outside the region, member state or legislative "
                       "area you coordinate."),
    "unknown_registration": N_("No application has this reference."),
    "registration_decided": N_("This application has already been decided: it is "
                               "{status}."),
    "username_taken": N_("The user name {username} is already taken. Choose another one."),
    "authority_exists": N_("This authority is already registered."),
    "areas_required": N_("Choose the legislative areas the user works in."),
    "not_an_area_of_the_authority": N_("The authority does not work in the legislative area "
                                       "{area}."),
    "invalid_activation": N_("The activation code is wrong, already used or expired. Ask "
                             "for a new one."),
    "cannot_change_own_administration": N_("You cannot take away your own administrator "
                                           "role."),
    "too_many_registrations": N_("Too many attempts from this computer. Please wait "
                                 "{retry_after} seconds and try again."),
    "invalid_mail_address": N_("This is not a valid e-mail address."),
    "mail_address_missing": N_("Please give an e-mail address to receive e-mail "
                               "notifications."),
    "record_unreadable": N_("The server cannot read its copy of this case; the problem is "
                            "recorded in the server's log."),
    "translation_off": N_("Machine translation is not switched on for this server."),
    "nothing_to_translate": N_("There is no text to translate in “{field}”, or it is already "
                               "in your language."),
    "translation_language_unsupported": N_("The translation service {engine} does not "
                                           "translate from {source} into {target}."),
    "translation_unavailable": N_("The translation service {engine} cannot be reached at the "
                                  "moment. The case is unchanged; please try again later."),
    "translation_timeout": N_("The translation service {engine} did not answer in time. The "
                              "case is unchanged; please try again later."),
    "translation_garbled": N_("The translation service {engine} gave an answer that is not a "
                              "translation. The case is unchanged; please try again later."),
    "not_catalogue_editor": N_("Only the Commission's catalogue editors may change question "
                               "sets."),
    "draft_not_found": N_("There is no draft of the question set {question_set}."),
    "draft_outdated": N_("The question set {question_set} was published as version {version} "
                         "in the meantime. Start the draft again from that version."),
    "area_mismatch": N_("The question set {question_set} belongs to another legislative "
                        "area than {area}."),
    "import_unreadable": N_("The file cannot be read as {format}. Nothing was imported."),
    "import_wrong_language": N_("The file is for {language}, not for {expected}. Nothing was "
                                "imported."),
    "text_missing": N_("{text}: the text in {language} is missing."),
    "text_outdated": N_("{text}: the text in {language} was translated from an earlier "
                        "English text."),
    "placeholders_differ": N_("{text}: the placeholders in {language} differ from the "
                              "English ones."),
    "unknown_text": N_("{text} ({language}): this text is not part of the question set."),
    "text_unconfirmed": N_("{text} ({language}): the translation is still marked for "
                           "review."),
    "text_invalid": N_("{text} ({language}): the translation contains characters that are "
                       "not allowed."),
    "attachment_missing": N_("The document “{name}” had not reached the server completely. "
                             "Take the step again: IMI uploads the document first."),
    "attachment_too_large": N_("The document is too large: a document may have at most "
                               "{limit}."),
    "attachment_type": N_("Documents of the type {media_type} cannot be attached."),
    "attachment_hash_mismatch": N_("The document was damaged on its way to the server. IMI "
                                   "uploads it again."),
    "attachment_unavailable": N_("The document is not available: the server does not have "
                                 "it, or your authority no longer sees the case."),
    "upload_offset": N_("The server holds {offset} bytes of the document. IMI continues the "
                        "upload from there."),
    "too_many_uploads": N_("Your authority has uploaded too many documents that no request "
                           "refers to yet. Send or discard the waiting steps first."),
    "invalid_range": N_("The server could not read the part of the document requested or "
                        "sent. This is a fault of the program; please report it."),
    # Why the server no longer accepts this computer's sign-in: the sign-in dialog's texts.
    **SIGN_IN_REASONS,
}

LOCAL: dict[str, str] = {
    "offline": N_("The server cannot be reached. Check the address and the connection."),
    "wrong_passphrase": N_("The passphrase is wrong. Nothing was changed; try again."),
    "passphrase_too_short": N_("The passphrase must have at least {minimum} characters."),
    "profile_exists": N_("There is already a profile in {path}."),
    "no_profile": N_("There is no profile in {path}."),
    "profile_unreadable": N_("The profile in {path} cannot be read."),
    "profile_incomplete": N_("The set-up of this profile was interrupted before it finished. "
                             "Sign in again to complete it."),
    "profile_other_version": N_("The profile in {path} was written by another version of "
                                "IMI."),
    "replica_undecryptable": N_("The local database cannot be decrypted with this profile's "
                                "key."),
    "replica_newer": N_("The local database was written by a newer version of IMI."),
    "server_url": N_("Enter the server address, starting with https://"),
}

# How an application stands, as the ``status`` parameter of ``registration_decided``.
APPLICATION_STATES = {
    "pending": N_("pending"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}

UNKNOWN = N_("The server refused the step (reason: {code}). Please update IMI.")

# Resolves an authority id to its official name (from the replica's directory), or None.
AuthorityName = Callable[[str], str | None]


def _param(name: str, value: Any, authority_name: AuthorityName | None) -> str:
    text = str(value)
    if name == "action":
        return label(STEP_NAMES, text)
    if name == "state":
        return label(STATES, text)
    if name == "status":
        return label(APPLICATION_STATES, text)
    if name == "decision":
        return label(STEP_NAMES, text)
    if name == "limit" and text.isdigit():
        return formatting.size_text(int(text))
    if name == "member_state":
        return formatting.country_name(text)
    if name == "authority" and authority_name is not None:
        return authority_name(text) or text
    if name in ("source", "target", "language", "expected") and len(text) == 2:
        return formatting.language_name(text)
    if name == "field":
        return label(TEXT_FIELDS, text.split("-")[0])
    if name in ("answer_by", "since"):
        try:
            return formatting.date_text(dt.date.fromisoformat(text))
        except ValueError:
            return text
    return text


def explain(code: str, params: Mapping[str, Any] | None = None, *,
            authority_name: AuthorityName | None = None) -> str:
    """``code`` with ``params`` as a sentence in the UI language."""
    template = PROTOCOL.get(code) or LOCAL.get(code)
    if template is None:
        return _(UNKNOWN).format(code=code)
    values = {k: _param(k, v, authority_name) for k, v in (params or {}).items()}
    try:
        return _(template).format(**values)
    except (KeyError, IndexError):
        # A newer server may send other parameters: say what is known rather than fail.
        return _(UNKNOWN).format(code=code)


def explain_error(error: BaseException, *, authority_name: AuthorityName | None = None) -> str:
    """Any error the client shows, as a sentence: a refusal, a local error, or neither."""
    # Imported here: the transport pulls in ``requests``, which the labels do not need.
    from desktop.models.transport import Offline

    if isinstance(error, Offline):
        return explain("offline")
    code = getattr(error, "code", None)
    if isinstance(code, str):
        return explain(code, getattr(error, "params", None), authority_name=authority_name)
    return _("Something went wrong: {error}").format(error=type(error).__name__)
