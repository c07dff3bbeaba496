"""The configurable organisation: scopes, approval rules and authority modes, and how the
workflow's guards read them (requests and replies held for a coordinator's approval)."""

import pytest
from test_protocol_workflow import (
    ACTORS,
    LATER,
    ORG,
    QS,
    REQUESTER,
    REQUESTER_COORD,
    RESPONDER,
    RESPONDER_COORD,
    A,
    P,
    S,
    case_in,
    create_args,
    new_case,
    refuse,
    step_args,
)

from sync_protocol.errors import RemoteProtocolError, WorkflowRefused
from sync_protocol.organisation import (
    ApprovalRule,
    AuthorityAreaMode,
    AuthorityMode,
    CoordinatorKind,
    CoordinatorScope,
    Direction,
    Organisation,
    Place,
    covers,
)
from sync_protocol.visibility import case_views, visible_to
from sync_protocol.workflow import allowed_actions, apply_step

K = CoordinatorKind


@pytest.mark.parametrize(("scope", "where", "covered"), [
    (CoordinatorScope(authority_id="commission", kind=K.COMMISSION), ("HU", None, None), True),
    (CoordinatorScope(authority_id="nimic-HU", kind=K.NIMIC, member_state="HU"),
     ("HU", "Budapest", "PQ"), True),
    (CoordinatorScope(authority_id="nimic-HU", kind=K.NIMIC, member_state="HU"),
     ("DE", None, "PQ"), False),
    (CoordinatorScope(authority_id="sdimic-DE-BY", kind=K.SDIMIC, member_state="DE",
                      region="Bayern"), ("DE", "Bayern", "PQ"), True),
    (CoordinatorScope(authority_id="sdimic-DE-BY", kind=K.SDIMIC, member_state="DE",
                      region="Bayern"), ("DE", "Berlin", "PQ"), False),
    (CoordinatorScope(authority_id="sdimic-DE-BY", kind=K.SDIMIC, member_state="DE",
                      region="Bayern"), ("DE", None, "PQ"), False),  # the whole state: no
    (CoordinatorScope(authority_id="dimic-DE-PQ", kind=K.DIMIC, member_state="DE", area="PQ"),
     ("DE", "Berlin", "PQ"), True),
    (CoordinatorScope(authority_id="dimic-DE-PQ", kind=K.DIMIC, member_state="DE", area="PQ"),
     ("DE", "Berlin", "SERV"), False),
], ids=["commission", "nimic-own", "nimic-other", "sdimic-own", "sdimic-other-region",
        "sdimic-whole-state", "dimic-own-area", "dimic-other-area"])
def test_covers(scope, where, covered):
    assert covers(scope, *where) is covered


def test_a_regions_rule_comes_before_its_states():
    org = Organisation.of(
        rules=[ApprovalRule(member_state="DE", area="PQ", direction=Direction.REQUEST,
                            coordinator_authority_id="nimic-DE"),
               ApprovalRule(member_state="DE", region="Bayern", area="PQ",
                            direction=Direction.REQUEST, coordinator_authority_id="sdimic-DE-BY")],
        places={"DE-BY-1": Place(member_state="DE", region="Bayern"),
                "DE-BE-1": Place(member_state="DE", region="Berlin")})

    assert org.approver("DE-BY-1", "PQ", Direction.REQUEST) == "sdimic-DE-BY"
    assert org.approver("DE-BE-1", "PQ", Direction.REQUEST) == "nimic-DE"
    assert org.approver("DE-BE-1", "PQ", Direction.REPLY) is None
    assert org.approver("DE-BE-1", "SERV", Direction.REQUEST) is None
    assert org.approver("XX-UNKNOWN", "PQ", Direction.REQUEST) is None


def test_without_a_rule_a_request_goes_straight_to_the_responder():
    sent = apply_step(new_case(), A.SEND, step_args(A.SEND), actor=ACTORS[P.REQUESTER],
                      now=LATER, question_set=QS, organisation=Organisation())

    assert sent.state is S.SENT
    assert visible_to(sent, RESPONDER)


def test_a_request_under_a_rule_waits_for_the_coordinator_and_the_responder_sees_nothing():
    waiting = case_in(S.AWAITING_APPROVAL)

    assert (REQUESTER_COORD, P.REQUESTER_COORDINATOR) in {
        (p.authority_id, p.role) for p in waiting.participants}
    assert not visible_to(waiting, RESPONDER)
    assert visible_to(waiting, REQUESTER_COORD)
    approved = apply_step(waiting, A.APPROVE, step_args(A.APPROVE),
                          actor=ACTORS[P.REQUESTER_COORDINATOR], now=LATER, question_set=QS,
                          organisation=ORG)
    assert approved.state is S.SENT
    assert visible_to(approved, RESPONDER) and not visible_to(approved, REQUESTER_COORD)


def test_a_refused_request_returns_to_its_author_as_a_draft_with_the_reason():
    refused = apply_step(case_in(S.AWAITING_APPROVAL), A.REFUSE,
                         step_args(A.REFUSE, reason={"text": "Rechtsgrundlage fehlt",
                                                     "lang": "de"}),
                         actor=ACTORS[P.REQUESTER_COORDINATOR], now=LATER, question_set=QS)

    assert refused.state is S.DRAFT
    assert refused.timeline[-1].note.text == "Rechtsgrundlage fehlt"
    assert set(case_views(refused)) == {f"authority:{REQUESTER}"}
    # Sent again, it waits again; the coordinator takes part once.
    again = apply_step(refused, A.SEND, step_args(A.SEND), actor=ACTORS[P.REQUESTER],
                       now=LATER, question_set=QS, organisation=ORG)
    assert again.state is S.AWAITING_APPROVAL
    assert [p.role for p in again.participants].count(P.REQUESTER_COORDINATOR) == 1


def test_a_refusal_needs_a_reason():
    with pytest.raises(RemoteProtocolError, match="reason"):
        step_args(A.REFUSE, reason=None)


def test_a_reply_waiting_for_approval_does_not_reach_the_requester():
    waiting = case_in(S.REPLY_AWAITING_APPROVAL)
    views = case_views(waiting)

    assert views[f"authority:{RESPONDER}"].answers
    assert views[f"authority:{RESPONDER_COORD}"].answers
    assert views[f"authority:{REQUESTER}"].answers == ()
    assert views[f"authority:{REQUESTER}"].state is S.REPLY_AWAITING_APPROVAL
    approved = apply_step(waiting, A.APPROVE, step_args(A.APPROVE),
                          actor=ACTORS[P.RESPONDER_COORDINATOR], now=LATER, question_set=QS)
    assert case_views(approved)[f"authority:{REQUESTER}"].answers == waiting.answers


def test_a_refused_reply_goes_back_to_the_responder_without_its_answers():
    refused = apply_step(case_in(S.REPLY_AWAITING_APPROVAL), A.REFUSE, step_args(A.REFUSE),
                         actor=ACTORS[P.RESPONDER_COORDINATOR], now=LATER, question_set=QS)

    assert refused.state is S.ACCEPTED
    assert (refused.answers, refused.reply_text) == ((), None)
    assert A.ANSWER in allowed_actions(refused, RESPONDER)


@pytest.mark.parametrize(("mode_of", "mode", "code"), [
    (REQUESTER, AuthorityMode.ANSWER, "authority_cannot_send"),
    (RESPONDER, AuthorityMode.SEND, "authority_cannot_answer"),
])
def test_authority_modes_guard_create_and_send(mode_of, mode, code):
    org = Organisation.of(modes=[AuthorityAreaMode(authority_id=mode_of, area="PQ", mode=mode)])

    with pytest.raises(WorkflowRefused) as created:
        apply_step(None, A.CREATE, create_args(), actor=ACTORS[P.REQUESTER], now=LATER,
                   question_set=QS, organisation=org)
    sent = refuse(new_case(), A.SEND, ACTORS[P.REQUESTER], args=step_args(A.SEND),
                  organisation=org)

    assert created.value.code == sent.code == code
    assert sent.params == {"authority": mode_of, "area": "PQ"}


@pytest.mark.parametrize("mode", [AuthorityMode.BOTH, AuthorityMode.SEND])
def test_a_requester_that_may_send_sends(mode):
    org = Organisation.of(modes=[AuthorityAreaMode(authority_id=REQUESTER, area="PQ",
                                                   mode=mode)])

    sent = apply_step(new_case(), A.SEND, step_args(A.SEND), actor=ACTORS[P.REQUESTER],
                      now=LATER, question_set=QS, organisation=org)

    assert sent.state is S.SENT
