"""One-time activation codes: how a new or reset account gets a password its user chose.

Nobody sets a password for somebody else. Creating an account (an approved authority's first
administrator, a user an administrator adds) or resetting a password issues a code of 16
characters (80 random bits, in groups of four, without the letters people confuse); only its
Argon2 hash is stored. The coordinator or administrator hands the code over; the user sets
their own password with it (``activate``), once, within ``ACTIVATION_DAYS``. Until then the
account has no usable password and every token it had is revoked.
"""

import datetime as dt
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sync_protocol.errors import LocalProtocolError
from sync_protocol.registration import ACTIVATION_DAYS, Activation, ActivationCodeGiven
from sync_server.auth import audit
from sync_server.auth.models import PendingActivation, Token, User
from sync_server.auth.passwords import DUMMY_HASH, hash_password, verify_password

# Crockford's base 32: no I, L, O or U, so a code read out on the phone is typed right.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSED = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _normalised(code: str) -> str:
    return code.upper().replace("-", "").replace(" ", "").translate(_CONFUSED)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def issue(session: Session, *, user: User, created_by: str, now: dt.datetime
          ) -> ActivationCodeGiven:
    """A new code for ``user`` (in the caller's transaction): the old password, any earlier
    code and every token of the user stop working."""
    code = _new_code()
    expires = now + dt.timedelta(days=ACTIVATION_DAYS)
    # A random password nobody knows: sign-ins fail as for a wrong password, in as much time.
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    session.execute(update(Token).where(Token.user_id == user.id, Token.revoked.is_(False))
                    .values(revoked=True))
    session.execute(delete(PendingActivation).where(PendingActivation.user_id == user.id))
    session.add(PendingActivation(user_id=user.id, code_hash=hash_password(_normalised(code)),
                                  created_at=now, expires_at=expires, created_by=created_by))
    return ActivationCodeGiven(user_id=user.id, username=user.username, code=code,
                               expires_at=expires)


def pending_user_ids(session: Session, user_ids: list[str]) -> set[str]:
    return set(session.scalars(select(PendingActivation.user_id)
                               .where(PendingActivation.user_id.in_(user_ids))))


def activate(session: Session, *, request: Activation, now: dt.datetime) -> str:
    """Set the password of ``request.username`` with its code; return the user's id.

    Refused alike (``invalid_activation``) whether the user name is unknown, no code is
    pending, the code is wrong or it has expired: the caller learns nothing else.
    """
    with session.begin():
        user = session.scalars(select(User).where(User.username == request.username)
                               .with_for_update()).first()
        pending = session.get(PendingActivation, user.id) if user is not None else None
        # Always one hash: the answer takes as long whatever was wrong.
        matches = verify_password(pending.code_hash if pending else DUMMY_HASH,
                                  _normalised(request.code))
        if (user is None or pending is None or not matches
                or _utc(pending.expires_at) < now or not user.active):
            raise LocalProtocolError("invalid_activation",
                                     "the activation code is wrong, used or expired",
                                     status_hint=400)
        user.password_hash = hash_password(request.password)
        session.delete(pending)
        audit.record(session, at=now, actor=user.id, actor_authority_id=user.authority_id,
                     action="user.activate", target_kind="user", target_id=user.id)
        return user.id
