"""Translated names for codes the UI shows: case states, professions, roles, folders."""

from desktop.i18n import N_, _

STATES = {
    "draft": N_("Draft"),
    "awaiting_approval": N_("Awaiting approval"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "reply_awaiting_approval": N_("Reply awaiting approval"),
    "answered": N_("Answered"),
    "closed": N_("Closed"),
    "withdrawn": N_("Withdrawn"),
}

ACTIONS = {
    "create": N_("Created"),
    "edit": N_("Edited the draft"),
    "send": N_("Sent the request"),
    "accept": N_("Accepted the request"),
    "answer": N_("Answered"),
    "accept_reply": N_("Accepted the reply and closed the case"),
    "withdraw": N_("Withdrew the request"),
    "approve": N_("Approved"),
    "refuse": N_("Refused and returned"),
    "agree_date": N_("Agreed to the proposed answer date"),
    "decline_date": N_("Declined the proposed answer date"),
    "forward": N_("Forwarded the request"),
    "split": N_("Split questions off into a new request"),
    "ask_info": N_("Asked for further information"),
    "give_info": N_("Gave further information"),
    "comment": N_("Commented"),
    "request_more": N_("Asked for more information in the reply"),
    "rate": N_("Rated the handling"),
    "escalate": N_("Escalated to the coordinator"),
    "resolve_escalation": N_("Resolved the escalation"),
    "allocate": N_("Assigned the case"),
}

# The free texts of a case, as a translation refusal names them (``note-3`` is a ``note``).
TEXT_FIELDS = {
    "request_text": N_("Message from the requesting authority"),
    "reply_text": N_("Message from the requested authority"),
    "note": N_("Note"),
}

ANSWER_TYPES = {
    "yes_no": N_("Yes / no"),
    "single_choice": N_("One of several answers"),
    "multiple_choice": N_("Several answers"),
    "date": N_("Date"),
    "number": N_("Number"),
    "text": N_("Text"),
    "document": N_("Request for a document"),
}

# The state of one catalogue text in one language (``sync_protocol.authoring.status``).
TEXT_STATES = {
    "current": N_("Translated"),
    "outdated": N_("Outdated"),
    "missing": N_("Missing"),
}

PROFESSIONS = {
    "dentist": N_("Dentist"),
    "doctor": N_("Medical doctor"),
    "nurse": N_("Nurse"),
    "midwife": N_("Midwife"),
    "pharmacist": N_("Pharmacist"),
    "architect": N_("Architect"),
    "veterinary_surgeon": N_("Veterinary surgeon"),
    "lawyer": N_("Lawyer"),
    "engineer": N_("Engineer"),
    "teacher": N_("Teacher"),
    "physiotherapist": N_("Physiotherapist"),
    "hairdresser": N_("Hairdresser"),
}

FOLDERS = {
    "inbox": N_("Inbox"),
    "outbox": N_("Sent requests"),
    "drafts": N_("Drafts"),
    "closed": N_("Closed"),
    "all": N_("All cases"),
    # A coordinator's cases waiting for its decision (shown to coordinators only).
    "approvals": N_("Approvals"),
    # A coordinator's escalated cases, open until it resolves them (coordinators only).
    "escalations": N_("Escalations"),
}

# A workflow step by its action, as a button or a list of refused steps names it.
STEP_NAMES = {
    "create": N_("Create request"),
    "edit": N_("Edit draft"),
    "send": N_("Send request"),
    "accept": N_("Accept request"),
    "answer": N_("Answer"),
    "accept_reply": N_("Accept reply and close"),
    "withdraw": N_("Withdraw"),
    "approve": N_("Approve"),
    "refuse": N_("Refuse"),
    "agree_date": N_("Agree to the proposed date"),
    "decline_date": N_("Decline the proposed date"),
    "forward": N_("Forward"),
    "split": N_("Split off questions"),
    "ask_info": N_("Ask for further information"),
    "give_info": N_("Give further information"),
    "comment": N_("Comment"),
    "request_more": N_("Ask for more"),
    "rate": N_("Rate"),
    "escalate": N_("Escalate"),
    "resolve_escalation": N_("Resolve the escalation"),
    "allocate": N_("Assign"),
    # Not an action: accepting with another answer date, as the case view offers it.
    "accept_proposing": N_("Accept, proposing another date"),
}

# The kinds of message in a case's conversation (``CaseMessage.kind``).
MESSAGE_KINDS = {
    "comment": N_("Comment"),
    "info_request": N_("Request for further information"),
    "info_reply": N_("Further information"),
}

# Why the server no longer accepts this computer's sign-in (its 401 codes), and why a sign-in
# was refused (403 codes).
SIGN_IN_REASONS = {
    "unauthorised": N_("The server no longer accepts the sign-in of this computer."),
    "token_expired": N_("Your sign-in has expired: IMI on this computer was not synchronised "
                        "for a long time."),
    "token_revoked": N_("Your sign-in was ended: your password was changed or an "
                        "administrator signed this computer out."),
    "account_deactivated": N_("Your IMI account is deactivated. Please contact your local "
                              "data administrator."),
    "authority_deactivated": N_("Your authority's access to IMI is deactivated. Please "
                                "contact your local data administrator."),
}


def label(table: dict[str, str], code: str) -> str:
    """The translated label for ``code``, or the code itself if it has none."""
    return _(table[code]) if code in table else code


def wrong_system_message(*, training_profile: bool) -> str:
    if training_profile:
        return _("This server is a production system. A training profile only works with a "
                 "training server; nothing was sent.")
    return _("This server is a training system. To practise, start IMI Training "
             "(imi-desk --training); nothing was sent.")
