"""The directory (member states, authorities, users) and the catalogue, and their publication.

Directory and catalogue are public to every signed-in replica (audience ``public``); users are
not synced at all. Every function here writes inside the caller's transaction and takes the
sequence lock, so it can be combined with other writes.
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync_protocol.authoring import CATALOGUE_EDITOR_ROLE
from sync_protocol.errors import LocalProtocolError
from sync_protocol.messages import EntityKind
from sync_server.auth.models import Token, User
from sync_server.auth.passwords import hash_password
from sync_server.directory.models import Authority, MemberState
from sync_server.sync.publish import PUBLIC, json_payload, publish
from sync_server.sync.sequence import SequenceLock

# The 27 EU member states and the three EEA EFTA states.
EEA_STATES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
)

# ``server_administrator``: administers every authority and user (``auth.admin``); granted
# only from the server's console.
ROLES = frozenset({"request_handler", "allocator", "referral_handler", "local_data_administrator",
                   "server_administrator", CATALOGUE_EDITOR_ROLE})



def add_member_states(session: Session, seq: SequenceLock, codes: Sequence[str]) -> None:
    for code in codes:
        if session.get(MemberState, code) is None:
            session.add(MemberState(code=code))
            publish(session, seq, kind=EntityKind.MEMBER_STATE, entity_id=code, version=1,
                    payload=json_payload({"code": code}), audiences=PUBLIC)


def authority_payload(authority: Authority) -> dict[str, Any]:
    return {
        "id": authority.id,
        "member_state": authority.member_state,
        "official_name": authority.official_name,
        "designation": authority.designation,
        "description": authority.description,
        "region": authority.region,
        "level": authority.level,
        "city": authority.city,
        "email": authority.email,
        "phone": authority.phone,
        "areas": authority.areas,
        "competences": authority.competences,
    }


def add_authority(session: Session, seq: SequenceLock, data: dict[str, Any]) -> Authority:
    if session.get(MemberState, data["member_state"]) is None:
        raise LocalProtocolError("unknown_member_state", f"no member state {data['member_state']}")
    if session.get(Authority, data["id"]) is not None:
        raise LocalProtocolError("already_exists", f"authority {data['id']} already exists")
    authority = Authority(
        id=data["id"],
        member_state=data["member_state"],
        official_name=data["official_name"],
        designation=data.get("designation", {}),
        description=data.get("description", {}),
        region=data.get("region", ""),
        level=data.get("level", "national"),
        city=data.get("city", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        areas=list(data.get("areas", [])),
        competences=list(data.get("competences", [])),
    )
    session.add(authority)
    publish(session, seq, kind=EntityKind.AUTHORITY, entity_id=authority.id, version=1,
            payload=json_payload(authority_payload(authority)), audiences=PUBLIC)
    return authority


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str,
    authority_id: str,
    roles: list[str],
    language: str,
) -> User:
    if session.get(Authority, authority_id) is None:
        raise LocalProtocolError("unknown_authority", f"no authority {authority_id}",
                                 params={"authority": authority_id})
    unknown = set(roles) - ROLES
    if unknown:
        raise LocalProtocolError("invalid_role", f"unknown roles: {', '.join(sorted(unknown))}")
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise LocalProtocolError("already_exists", f"user {username} already exists")
    user = User(
        id=uuid.uuid4().hex,
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        authority_id=authority_id,
        roles=list(roles),
        language=language,
        scope_version=1,
        active=True,
    )
    session.add(user)
    return user


def set_password(session: Session, *, user: User, password: str,
                 keep_token: str | None = None) -> int:
    """Set ``user``'s password and revoke their other tokens; return how many were revoked.

    ``keep_token``: the digest of the token to keep (the caller's own, when users change their
    own password); every other session of the user must sign in with the new password.
    """
    user.password_hash = hash_password(password)
    revoke = update(Token).where(Token.user_id == user.id, Token.revoked.is_(False))
    if keep_token is not None:
        revoke = revoke.where(Token.token_hash != keep_token)
    return int(session.execute(revoke.values(revoked=True)).rowcount)  # type: ignore[attr-defined]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
