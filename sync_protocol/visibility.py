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
    waiting = _WAITING_FOR.get(role)
    return waiting is not None and case.state is waiting


def view_for(case: CaseRecord, roles: frozenset[CaseRole]) -> CaseRecord:
    """``case`` as an authority holding ``roles`` may see it (a pending reply left out for
    the requester)."""
    if (case.state is CaseStatus.REPLY_AWAITING_APPROVAL
            and CaseRole.RESPONDER not in roles
            and CaseRole.RESPONDER_COORDINATOR not in roles):
        return case.model_copy(update={"answers": (), "reply_text": None,
                                       "reply_attachments": ()})
    return case


def case_views(case: CaseRecord) -> dict[str, CaseRecord]:
    """Every audience that may see ``case`` now, with the record it may see."""
    views: dict[str, CaseRecord] = {}
    for authority_id in dict.fromkeys(p.authority_id for p in case.participants):
        roles = case.roles_of(authority_id)
        if any(sees(case, role) for role in roles):
            views[authority_audience(authority_id)] = view_for(case, roles)
    return views


def case_audiences(case: CaseRecord) -> tuple[str, ...]:
    """The audiences that may see ``case`` now, in participant order."""
    return tuple(case_views(case))


def visible_to(case: CaseRecord, authority_id: str) -> bool:
    return authority_audience(authority_id) in case_views(case)
