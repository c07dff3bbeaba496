"""Push: apply a device's mutations exactly once, in order.

A push runs in one transaction (one turn of the sequence lock, one commit); each mutation
writes its effect together with the device's ``last_mutation_id``, its stored result and its
digest. If one is refused with a protocol error (below), the ones before it are committed and
the push answers the error; an unexpected failure rolls the whole push back, and its retry
applies it again from the first. A retry of an id already seen replays the stored result; the same
id with other content (a restored or copied profile) answers ``409 mutation_id_reused`` and
applies nothing; an id beyond the next one answers ``409 mutation_gap`` with the id expected.
A mutation the rules refuse is stored as *rejected* and still advances the id, so one bad step
never blocks a queue.
"""

import datetime as dt
import logging

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from sync_protocol import version
from sync_protocol.cases import for_version
from sync_protocol.codes import MUTATION_GAP, MUTATION_ID_REUSED
from sync_protocol.errors import (
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    WorkflowRefused,
)
from sync_protocol.messages import (
    EntityKind,
    MutationIn,
    MutationResult,
    PushRequest,
    PushResponse,
    mutation_digest,
)
from sync_protocol.mutations import MUTATIONS, parse_args
from sync_server.auth.models import Device
from sync_server.auth.service import Principal
from sync_server.cases.models import Case, CaseEvent
from sync_server.cases.service import apply_case_mutation, load_case, view_change
from sync_server.crypto import Sealer, Unreadable, result_binding
from sync_server.sync.models import AppliedMutation
from sync_server.sync.notifier import ChangeNotifier
from sync_server.sync.sequence import SequenceLock

log = logging.getLogger("imi.server")


class MutationGap(ProtocolError):
    def __init__(self, expected: int) -> None:
        super().__init__(MUTATION_GAP, f"expected mutation id {expected}",
                         params={"expected": expected}, status_hint=409)
        self.expected = expected


class MutationIdReused(ProtocolError):
    def __init__(self, mutation_id: int) -> None:
        super().__init__(
            MUTATION_ID_REUSED,
            f"mutation id {mutation_id} of this device was already used for another step: "
            "this copy of the profile needs a device identity of its own",
            status_hint=409)
        self.mutation_id = mutation_id


def push(
    *,
    sessions: sessionmaker[Session],
    sealer: Sealer,
    notifier: ChangeNotifier,
    principal: Principal,
    request: PushRequest,
    now: dt.datetime,
) -> PushResponse:
    if request.device_id != principal.device_id:
        raise LocalProtocolError("device_mismatch", "the token belongs to another device",
                                 status_hint=403)
    for mutation in request.mutations:
        if mutation.name not in MUTATIONS:
            # Nothing is applied: an unknown name means a client on another protocol revision.
            raise RemoteProtocolError("unknown_mutation", f"unknown mutation {mutation.name!r}",
                                      params={"name": mutation.name})
    results: list[MutationResult] = []
    changed: set[str] = set()
    last = 0
    refused: ProtocolError | None = None
    try:
        # One transaction for the whole push: one turn of the sequence lock, one commit.
        with sessions.begin() as session:
            seq = SequenceLock(session).acquire(at_first_number=True)
            device = session.get_one(Device, principal.device_id, with_for_update=True)
            _lock_cases(session, request.mutations)
            last = device.last_mutation_id
            for mutation in request.mutations:
                try:
                    result, audiences, last = _push_one(session, seq, sealer, principal,
                                                        device, mutation, now)
                except ProtocolError as exc:
                    # Raised before the step wrote anything: the steps before it are kept
                    # (committed below), as the client expects, and the push answers this.
                    refused = exc
                    break
                results.append(result)
                changed |= audiences
            seq.flush()
            notifier.announce(session, changed)
    finally:
        if changed:
            notifier.notify(changed)
    if refused is not None:
        raise refused
    return PushResponse(last_mutation_id=last, results=tuple(
        _for_version(result, request.protocol_version) for result in results))


def _lock_cases(session: Session, mutations: tuple[MutationIn, ...]) -> None:
    """On PostgreSQL, lock the push's existing cases now, in id order.

    Pushes no longer queue on the sequence lock from their start (they take it last, at the
    first number): two pushes touching the same cases in another order would otherwise each
    hold one and wait for the other. On SQLite a writer holds the whole database anyway.
    """
    if session.get_bind().dialect.name == "sqlite":
        return
    ids = sorted({m.args[key] for m in mutations
                  for key in ("case_id", "new_case_id") if isinstance(m.args.get(key), str)})
    if ids:
        session.execute(select(Case.id).where(Case.id.in_(ids)).order_by(Case.id)
                        .with_for_update()).all()


def _for_version(result: MutationResult, protocol_version: int) -> MutationResult:
    """``result`` as a client of ``protocol_version`` can parse it (``for_version``)."""
    change = result.change
    if (protocol_version >= version.PROTOCOL_VERSION or change is None
            or change.data is None or change.kind != EntityKind.CASE):
        return result
    stripped = change.model_copy(update={"data": for_version(change.data, protocol_version)})
    return result.model_copy(update={"change": stripped})


def _push_one(
    session: Session, seq: SequenceLock, sealer: Sealer, principal: Principal, device: Device,
    mutation: MutationIn, now: dt.datetime
) -> tuple[MutationResult, set[str], int]:
    """Apply one mutation; raise a ``ProtocolError`` only before writing anything."""
    digest = mutation_digest(mutation)
    if mutation.mutation_id <= device.last_mutation_id:
        stored = session.get(AppliedMutation, (device.id, mutation.mutation_id))
        if stored is None:  # pragma: no cover - results are kept for every id
            raise MutationGap(device.last_mutation_id + 1)
        if stored.digest is not None and stored.digest != digest:
            raise MutationIdReused(mutation.mutation_id)
        try:
            opened = sealer.open(stored.sealed_result,
                                 where=result_binding(device.id, mutation.mutation_id))
        except Unreadable as exc:
            log.error("stored result of mutation %s of device %s does not open: %s",
                      mutation.mutation_id, device.id, exc)
            raise LocalProtocolError(
                "record_unreadable", "the server cannot read the stored result of this step; "
                "the problem is in its log", status_hint=409) from None
        replay = MutationResult.model_validate_json(opened)
        return replay.model_copy(update={"replayed": True}), set(), device.last_mutation_id
    if mutation.mutation_id != device.last_mutation_id + 1:
        raise MutationGap(device.last_mutation_id + 1)

    audiences: set[str] = set()
    case_id = str(mutation.args.get("case_id", ""))[:32]
    # The name is known (checked in ``push``): audit the action even if the arguments are bad.
    action_name = MUTATIONS[mutation.name][1].value
    try:
        args, action = parse_args(mutation.name, mutation.args)
        with session.begin_nested():
            case, audiences = apply_case_mutation(
                session, seq, sealer, action=action, args=args, actor=principal.actor,
                base_version=mutation.base_version, now=now, acted_at=mutation.created_at,
            )
        result = MutationResult(mutation_id=mutation.mutation_id, status="applied",
                                change=view_change(case, principal.authority_id))
    except (WorkflowRefused, RemoteProtocolError) as refused:
        try:
            current = load_case(session, sealer, case_id, lock=False) if case_id else None
        except WorkflowRefused:  # unreadable: refuse the step without showing the case
            current = None
        result = MutationResult(
            mutation_id=mutation.mutation_id, status="rejected", code=refused.code,
            params=refused.params, message=refused.message,
            change=view_change(current, principal.authority_id) if current else None,
        )
    # Plain INSERTs (the ORM's unit of work cost more than the statements): nothing in the
    # push reads these rows back.
    connection = session.connection()
    connection.execute(insert(AppliedMutation), [{
        "device_id": device.id, "mutation_id": mutation.mutation_id, "status": result.status,
        "sealed_result": sealer.seal(result.model_dump_json().encode(),
                                     where=result_binding(device.id, mutation.mutation_id)),
        "digest": digest, "applied_at": now,
    }])
    connection.execute(insert(CaseEvent), [{
        "case_id": case_id, "at": now, "user_id": principal.user_id,
        "authority_id": principal.authority_id, "device_id": device.id,
        "mutation_id": mutation.mutation_id, "action": action_name,
        "outcome": (result.status if result.code is None
                    else f"{result.status}:{result.code}"[:80]),
    }])
    device.last_mutation_id = mutation.mutation_id
    return result, audiences, device.last_mutation_id

