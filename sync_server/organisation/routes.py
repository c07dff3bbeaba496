"""Organisation routes: a coordinator changes approval rules and authority modes within its
scope. Thin: every one authorised from the token (the ``coordinator`` role, then the scope,
in ``organisation.service``); each change is published to every replica."""

from fastapi import APIRouter

from sync_protocol.audiences import PUBLIC
from sync_protocol.errors import LocalProtocolError
from sync_protocol.organisation import ApprovalRule, AuthorityAreaMode, RuleChange
from sync_protocol.workflow import COORDINATOR_ROLE
from sync_server.auth.service import Principal
from sync_server.deps import ERROR_RESPONSES, ContextDep, CurrentPrincipal
from sync_server.organisation import service
from sync_server.sync.sequence import SequenceLock

router = APIRouter(prefix="/v1/organisation", tags=["organisation"])


def _coordinator(principal: Principal) -> str:
    if COORDINATOR_ROLE not in principal.roles:
        raise LocalProtocolError("not_a_coordinator", "only a coordinator changes this",
                                 status_hint=403)
    return principal.authority_id


@router.post("/rules", responses=ERROR_RESPONSES)
def change_rule(body: RuleChange, context: ContextDep,
                principal: CurrentPrincipal) -> ApprovalRule:
    actor = _coordinator(principal)
    with context.sessions.begin() as session:
        seq = SequenceLock(session).acquire()
        rule = service.set_approval_rule(session, seq, actor_authority_id=actor,
                                         rule=body.rule, active=body.active)
        seq.flush()
    context.notifier.notify({PUBLIC})
    return rule


@router.post("/modes", responses=ERROR_RESPONSES)
def change_mode(body: AuthorityAreaMode, context: ContextDep,
                principal: CurrentPrincipal) -> AuthorityAreaMode:
    actor = _coordinator(principal)
    with context.sessions.begin() as session:
        seq = SequenceLock(session).acquire()
        mode = service.set_authority_mode(session, seq, actor_authority_id=actor, mode=body)
        seq.flush()
    context.notifier.notify({PUBLIC})
    return mode
