"""Who sees a case, and what of it: the one function the server publishes by and the client
checks with.

Rules this module owns (need to know):

- The requester sees its case always (a draft is its alone).
- The responder sees it once the request has reached it (it was ``sent`` at least once); a
  request withdrawn or refused while it waited for approval never reaches the responder.
- A coordinator sees the case only while it waits for that coordinator's decision: its
  replica holds the pending approvals of its scope, and only those.
- While a reply waits for approval, the requester's view leaves the reply out: it reaches the
  requester only when approved.
- An authority that forwarded a request is no longer its responder (the participant is
  replaced): it no longer sees the case, and its replica receives the revocation.
- The escalation coordinator sees the case while the escalation is open, and not after.
- The authority that split questions off into a new case is no participant of the new case
  and does not see it.
"""

from collections.abc import Mapping

from sync_protocol.audiences import authority_audience
from sync_protocol.cases import CaseRecord, CaseRole, CaseStatus

_WAITING_FOR: Mapping[CaseRole, CaseStatus] = {
    CaseRole.REQUESTER_COORDINATOR: CaseStatus.AWAITING_APPROVAL,
    CaseRole.RESPONDER_COORDINATOR: CaseStatus.REPLY_AWAITING_APPROVAL,
}


def reached_responder(case: CaseRecord) -> bool:
    """Whether the request was ever delivered to the responder (it was ``sent``)."""
    return case.state is CaseStatus.SENT or any(
        event.state is CaseStatus.SENT for event in case.timeline)


def sees(case: CaseRecord, role: CaseRole) -> bool:
    """Whether the holder of ``role`` in ``case`` may see it now."""
    if role is CaseRole.REQUESTER:
        return True
    if role is CaseRole.RESPONDER:
        return reached_responder(case)
    if role is CaseRole.ESCALATION_COORDINATOR:
        return case.escalation is not None and case.escalation.open
    waiting = _WAITING_FOR.get(role)
    return waiting is not None and case.state is waiting


def view_for(case: CaseRecord, roles: frozenset[CaseRole],
             authority_id: str | None = None) -> CaseRecord:
    """``case`` as an authority holding ``roles`` may see it (a pending reply left out for
    the requester; of the allocations, only ``authority_id``'s own, when given)."""
    changes: dict[str, object] = {}
    if (case.state is CaseStatus.REPLY_AWAITING_APPROVAL
            and CaseRole.RESPONDER not in roles
            and CaseRole.RESPONDER_COORDINATOR not in roles):
        changes.update(answers=(), reply_text=None)
        if "reply_attachments" in CaseRecord.model_fields:
            changes["reply_attachments"] = ()
    if authority_id is not None and any(a.authority_id != authority_id
                                        for a in case.assignments):
        changes["assignments"] = tuple(a for a in case.assignments
                                       if a.authority_id == authority_id)
    return case.model_copy(update=changes) if changes else case


def case_views(case: CaseRecord) -> dict[str, CaseRecord]:
    """Every audience that may see ``case`` now, with the record it may see."""
    views: dict[str, CaseRecord] = {}
    for authority_id in dict.fromkeys(p.authority_id for p in case.participants):
        roles = case.roles_of(authority_id)
        if any(sees(case, role) for role in roles):
            views[authority_audience(authority_id)] = view_for(case, roles, authority_id)
    return views


def case_audiences(case: CaseRecord) -> tuple[str, ...]:
    """The audiences that may see ``case`` now, in participant order."""
    return tuple(case_views(case))


def visible_to(case: CaseRecord, authority_id: str) -> bool:
    return authority_audience(authority_id) in case_views(case)
