"""The server's history: its epoch, the sequence committed so far, and noticing a restore.

A restore from backup takes the database back in time; sequence numbers after the backup are
then handed out a second time, for other rows. Replicas that pulled from the lost history must
start over, and the epoch in their cursors is how the server tells them (``reset_required``).
So the epoch changes on every restore, noticed in three ways:

1. ``imi-server restore`` puts a backup in place and starts a new epoch: the supported way.
2. At start, the server compares the database with the state it last saw in its data directory
   (``STATE_FILE``, written when the server stops and when it starts). An equal epoch with a
   lower ``last_seq`` means the database went back: a new epoch (``check_restored``). This
   catches a database file copied back while the server was stopped.
3. A signed cursor above the committed sequence of its own epoch can only come from a lost
   history (``sync.pull.check_history``): a new epoch. This catches a restore behind a running
   server, as long as a replica from the lost history shows up before the new history has
   handed out as many numbers; that is why 1 is the supported way.
"""

import dataclasses
import json
import logging
import secrets
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sync_server.orm import ServerState

STATE_FILE = "last_seen_state.json"
log = logging.getLogger("imi.server")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Committed:
    """The epoch and the highest sequence number committed, as read at one moment."""

    epoch: str
    seq: int


def committed(session: Session) -> Committed:
    epoch, seq = session.execute(
        select(ServerState.epoch, ServerState.last_seq).where(ServerState.id == 1)
    ).one()
    return Committed(epoch=epoch, seq=seq)


def new_epoch(sessions: sessionmaker[Session], *, seen: str) -> None:
    """Start a new epoch unless another request already did (compare-and-set on ``seen``)."""
    with sessions.begin() as session:
        session.execute(update(ServerState)
                        .where(ServerState.id == 1, ServerState.epoch == seen)
                        .values(epoch=secrets.token_hex(8)))


def remember(data_dir: Path, sessions: sessionmaker[Session]) -> None:
    """Write the committed state to the data directory (at start and at a clean stop)."""
    with sessions() as session:
        state = committed(session)
    path = data_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(state)), encoding="utf-8")
    tmp.replace(path)


def check_restored(data_dir: Path, sessions: sessionmaker[Session]) -> bool:
    """Start a new epoch if the database is behind the state this server last saw."""
    try:
        seen = Committed(**json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return False
    except (OSError, ValueError, TypeError):
        log.warning("%s is unreadable: restores are noticed by cursors only", STATE_FILE)
        return False
    with sessions() as session:
        now = committed(session)
    if now.epoch != seen.epoch or now.seq >= seen.seq:
        return False
    log.warning("the database is behind the last state this server saw (sequence %d < %d): "
                "it was restored from a backup; every replica downloads everything again",
                now.seq, seen.seq)
    new_epoch(sessions, seen=now.epoch)
    return True
