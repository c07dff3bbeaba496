"""Pull and wait: the changes a caller may see since its cursor.

A page is a consistent snapshot. It first reads the sequence number committed so far
(``server_state.last_seq``; ``SequenceLock`` hands numbers out in commit order, so every row
at or below it is committed and visible) and bounds every query of the page by it. A row
committed while the page's per-audience queries run has a higher number: the page leaves it,
and its cursor stays below it, for the next page. Without the bound, a writer committing one
row to an audience already read and one to an audience not yet read would move the cursor past
the first row for ever.

The same read catches a restored database: a cursor is signed by this server and names a
committed number, so a cursor above ``last_seq`` in the current epoch proves the database went
back in time (a backup copied into place behind a running server). The server then starts a
new epoch and every replica re-bootstraps (``check_history``; ``sync.epoch`` has the rest).

The pull answer is assembled from the stored JSON without parsing it again: the sync rows
already hold each entity's wire form, and a 10,000-case bootstrap should cost what copying
bytes costs (ARCHITECTURE.md sets the target at 3x a raw local insert).
"""

import heapq
import itertools
import json
import logging
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, sessionmaker

from sync_protocol import version as protocol
from sync_protocol.cases import for_version
from sync_protocol.cursor import Cursor, decode_cursor, encode_cursor
from sync_protocol.errors import ProtocolError, RemoteProtocolError
from sync_protocol.messages import DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT
from sync_server import metrics
from sync_server.auth.service import Principal
from sync_server.crypto import Sealer, Unreadable, sync_row_binding
from sync_server.sync.epoch import Committed, committed, new_epoch
from sync_server.sync.models import SyncRow
from sync_server.sync.state import Snapshot

# ``reason`` as JSON, for each value the column holds.
log = logging.getLogger("imi.server")

_REASONS: dict[str | None, bytes] = {None: b"null", "deleted": b'"deleted"',
                                     "revoked": b'"revoked"'}


class ResetRequired(ProtocolError):
    def __init__(self, why: str) -> None:
        super().__init__("reset_required", why, status_hint=409)


class HistoryLost(ResetRequired):
    """A signed cursor names a sequence number this database never committed: it was restored.

    ``check_history`` turns this into a new epoch before answering ``reset_required``.
    """

    def __init__(self, epoch: str) -> None:
        super().__init__("the server was restored from a backup: download everything again")
        self.epoch = epoch


def start_cursor(*, token: str | None, principal: Principal, state: Committed,
                 keys: Sequence[bytes]) -> Cursor:
    """Decode the caller's cursor, or the start; refuse one from another epoch or scope.

    ``keys``: every cursor key of the keyring, the current one first, so cursors signed
    before a key rotation stay valid. Raises ``HistoryLost`` for a cursor beyond what this
    database ever committed.
    """
    if not token:
        return Cursor(epoch=state.epoch, scope=principal.scope_version, seq=0)
    cursor = _decode_with_any(token, keys)
    if cursor.epoch != state.epoch:
        raise ResetRequired("the server was restored from a backup: download everything again")
    if cursor.seq > state.seq:
        raise HistoryLost(state.epoch)
    if cursor.scope != principal.scope_version:
        raise ResetRequired("what you may see has changed: download everything again")
    return cursor


def _decode_with_any(token: str, keys: Sequence[bytes]) -> Cursor:
    for key in keys[:-1]:
        try:
            return decode_cursor(token, key=key)
        except RemoteProtocolError:
            continue
    return decode_cursor(token, key=keys[-1])


def check_history(*, sessions: sessionmaker[Session], token: str | None,
                  principal: Principal, keys: Sequence[bytes],
                  state: Committed | None = None) -> tuple[Cursor, Committed]:
    """``start_cursor`` on the committed state, rotating the epoch if needed.

    ``state``: as read when the request was authenticated (``deps.committed_state``), or
    else read now.
    """
    if state is None:
        with sessions() as session:
            state = committed(session)
    try:
        return start_cursor(token=token, principal=principal, state=state, keys=keys), state
    except HistoryLost as lost:
        new_epoch(sessions, seen=lost.epoch)
        raise


def quiet_cursor(*, snapshot: Snapshot, token: str | None, principal: Principal,
                 keys: Sequence[bytes]) -> Cursor | None:
    """The caller's cursor if it is valid as of ``snapshot``, without a query; None for a first
    pull and for any cursor ``check_history`` refuses (it then says why, and starts a new
    epoch if the cursor proves a restore)."""
    if not token:
        return None
    try:
        return start_cursor(token=token, principal=principal, state=snapshot.committed,
                            keys=keys)
    except ProtocolError:
        return None


def nothing_new(*, snapshot: Snapshot, token: str | None, principal: Principal,
                keys: Sequence[bytes], key: bytes) -> bytes | None:
    """The empty page of a caller whose audiences have no row above its cursor, from the
    audience marks (``sync.state``); None when a page must be read."""
    cursor = quiet_cursor(snapshot=snapshot, token=token, principal=principal, keys=keys)
    state = snapshot.committed
    if cursor is None or not snapshot.marks.quiet(principal.audiences, after=cursor.seq,
                                                  state=state):
        return None
    metrics.count_pull(0)
    # As ``pull``: a complete page moves the cursor to what is committed.
    moved = Cursor(epoch=cursor.epoch, scope=cursor.scope, seq=max(state.seq, cursor.seq))
    return b'{"changes":[],"cursor":"%s","has_more":false}' % encode_cursor(moved,
                                                                            key=key).encode()


def pull(
    *,
    session: Session,
    sealer: Sealer,
    principal: Principal,
    cursor: Cursor,
    upto: int,
    limit: int,
    key: bytes,
    protocol_version: int | None = None,
) -> bytes:
    """The JSON of a ``PullResponse``, built directly from the stored entity JSON.

    ``upto`` is the sequence number committed when the page started (``committed``). A client
    of an older ``protocol_version`` gets each case as it can parse it (``for_version``): the
    one case where the stored JSON is parsed again.
    """
    older = protocol_version is None or protocol_version < protocol.PROTOCOL_VERSION
    limit = max(1, min(limit or DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT))
    rows = _rows_after(session, principal.audiences, cursor.seq, upto, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    parts = []
    for kind, entity_id, version, payload, sealed, reason, _seq, audience in rows:
        if payload is None:
            data = b"null"
        elif not sealed:
            data = payload
        else:
            try:
                data = sealer.open(payload, where=sync_row_binding(kind, entity_id, audience))
            except Unreadable as exc:
                # Damaged, or copied here from another row or audience: the caller does not
                # get it, and the cursor moves past it so the replica's sync is not stuck.
                log.error("sync row %s %s for %s does not open, not served: %s",
                          kind, entity_id, audience, exc)
                continue
        if older and kind == "case" and payload is not None:
            data = json.dumps(for_version(json.loads(data), protocol_version),
                              ensure_ascii=False, separators=(",", ":")).encode()
        # encode_basestring_ascii is json.dumps for one string minus its per-call overhead,
        # which shows at 2,000 rows a page.
        parts.append(
            b'{"kind":"%s","id":%s,"version":%d,"data":%s,"reason":%s}'
            % (kind.encode(), encode_basestring_ascii(entity_id).encode(), version, data,
               _REASONS[reason])
        )
    # A complete page holds everything visible up to ``upto``: the cursor may move there.
    last = rows[-1].seq if has_more else max(upto, cursor.seq)
    token = encode_cursor(Cursor(epoch=cursor.epoch, scope=cursor.scope, seq=last), key=key)
    metrics.count_pull(len(parts))
    return b'{"changes":[%s],"cursor":"%s","has_more":%s}' % (
        b",".join(parts), token.encode(), b"true" if has_more else b"false"
    )


# kind, entity_id, version, payload, sealed, reason, seq, audience
_PullRow = Row[str, str, int, bytes | None, bool, str | None, int, str]


def _rows_after(session: Session, audiences: Sequence[str], after: int, upto: int,
                count: int) -> list[_PullRow]:
    """The first ``count`` rows in ``(after, upto]`` visible to any of ``audiences``, by ``seq``.

    One query per audience, merged here: ``audience = ? AND seq > ? ORDER BY seq LIMIT n``
    walks the (audience, seq) index in order and stops after n rows, whereas one query with
    ``audience IN (...)`` makes the database sort *every* matching row above the cursor,
    payloads included, for each page: 4x slower per page at 10,000 cases, and growing with
    the number of rows above the cursor. Reading up to ``count`` rows per audience costs a
    few rows more than needed when several audiences are busy; the merge keeps the first
    ``count`` overall.
    """
    per_audience: list[Sequence[_PullRow]] = []
    for audience in audiences:
        stmt = (
            select(SyncRow.kind, SyncRow.entity_id, SyncRow.version, SyncRow.payload,
                   SyncRow.sealed, SyncRow.reason, SyncRow.seq, SyncRow.audience)
            .where(SyncRow.audience == audience, SyncRow.seq > after, SyncRow.seq <= upto)
            .order_by(SyncRow.seq)
            .limit(count)
        )
        if after == 0:
            # A new replica holds nothing to delete: skip tombstones.
            stmt = stmt.where(SyncRow.payload.is_not(None))
        per_audience.append(session.execute(stmt).all())
    return list(itertools.islice(heapq.merge(*per_audience, key=lambda row: row.seq), count))


def has_changes(*, session: Session, principal: Principal, cursor: Cursor) -> bool:
    """Whether a pull from ``cursor`` started now would return something: the same rows, read
    the same way (bounded by what is committed, tombstones left out of a first pull)."""
    upto = committed(session).seq
    return bool(_rows_after(session, principal.audiences, cursor.seq, upto, 1))
