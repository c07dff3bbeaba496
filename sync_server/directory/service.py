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
from sync_protocol.directory import EEA_STATES, LEVELS, CompetenceList  # noqa: F401 (re-exported)
from sync_protocol.errors import LocalProtocolError
from sync_protocol.messages import EntityKind
from sync_server.auth.models import Token, User
from sync_server.auth.passwords import hash_password
from sync_server.catalogue.models import LegislativeArea
from sync_server.directory.models import (
    Authority,
    AuthorityArea,
    AuthorityCompetence,
    Competence,
    CompetenceLabel,
    MemberState,
)
from sync_server.sync.models import SyncRow
from sync_server.sync.publish import PUBLIC, json_payload, publish, publish_new
from sync_server.sync.sequence import SequenceLock

# ``server_administrator``: administers every authority and user (``auth.admin``); granted
# only from the server's console. ``coordinator``: acts for a coordinator authority (approves
# requests and replies, configures the organisation within its scope).
ROLES = frozenset({"request_handler", "allocator", "referral_handler", "local_data_administrator",
                   "server_administrator", CATALOGUE_EDITOR_ROLE, "coordinator"})



def add_member_states(session: Session, seq: SequenceLock, codes: Sequence[str]) -> None:
    for code in codes:
        if session.get(MemberState, code) is None:
            session.add(MemberState(code=code))
            publish(session, seq, kind=EntityKind.MEMBER_STATE, entity_id=code, version=1,
                    payload=json_payload({"code": code}), audiences=PUBLIC)


def add_competences(session: Session, seq: SequenceLock, competences: CompetenceList) -> int:
    """Add the controlled-list entries that are not there yet (or not yet published, after a
    migration), and update those whose labels changed; return how many were published."""
    areas = set(session.scalars(select(LegislativeArea.code)))
    rows = {c.code: c for c in session.scalars(select(Competence))}
    sent = set(session.scalars(select(SyncRow.entity_id).where(
        SyncRow.kind == EntityKind.COMPETENCE.value)))
    fresh, changed = [], 0
    for position, entry in enumerate(competences.competences):
        if entry.area not in areas:
            raise LocalProtocolError("unknown_area",
                                     f"competence {entry.code}: no area {entry.area}")
        row = rows.get(entry.code)
        payload = json_payload(entry.model_dump(mode="json"))
        if row is None:
            session.add(Competence(code=entry.code, area=entry.area, position=position, labels=[
                CompetenceLabel(competence=entry.code, language=lang, label=text)
                for lang, text in sorted(entry.labels.items())]))
            fresh.append((entry.code, 1, payload))
            continue
        if (entry.code in sent and row.area == entry.area
                and {lb.language: lb.label for lb in row.labels} == entry.labels):
            continue
        row.area = entry.area
        row.labels = [CompetenceLabel(competence=entry.code, language=lang, label=text)
                      for lang, text in sorted(entry.labels.items())]
        publish(session, seq, kind=EntityKind.COMPETENCE, entity_id=entry.code, version=1,
                payload=payload, audiences=PUBLIC)
        changed += 1
    publish_new(session, seq, kind=EntityKind.COMPETENCE, entities=fresh, audiences=PUBLIC)
    return changed + len(fresh)


def authority_payload(authority: Authority) -> dict[str, Any]:
    return {
        "id": authority.id,
        "member_state": authority.member_state,
        "official_name": authority.official_name,
        "designation": authority.designation,
        "description": authority.description,
        "region": authority.region,
        "level": authority.level,
        "address": authority.address,
        "postal_code": authority.postal_code,
        "city": authority.city,
        "email": authority.email,
        "phone": authority.phone,
        "website": authority.website,
        "coordinator_id": authority.coordinator_id,
        "areas": authority.areas,
        "competences": authority.competences,
    }


def add_authority(session: Session, seq: SequenceLock, data: dict[str, Any]) -> Authority:
    """Register an authority from ``data`` (the seed file's and the console's shape).

    ``competences`` is a list of controlled-list codes; each brings its area into ``areas``.
    ``coordinator_id`` defaults to the member state's national coordinator (``nimic-XX``)
    when there is one.
    """
    return add_authorities(session, seq, [data])[0]


def add_authorities(session: Session, seq: SequenceLock,
                    entries: Sequence[dict[str, Any]]) -> list[Authority]:
    """Register several authorities in one batch (see ``add_authority``); an entry may name an
    earlier one of the batch as its coordinator. All or none: the first invalid entry raises."""
    states = set(session.scalars(select(MemberState.code)))
    areas_known = set(session.scalars(select(LegislativeArea.code)))
    competences_known = {c.code: c for c in session.scalars(select(Competence))}
    ids = set(session.scalars(select(Authority.id)))
    authorities = []
    for data in entries:
        authority = _new_authority(data, states=states, areas_known=areas_known,
                                   competences_known=competences_known, ids=ids)
        ids.add(authority.id)
        authorities.append(authority)
    session.add_all(authorities)
    publish_new(session, seq, kind=EntityKind.AUTHORITY, audiences=PUBLIC, entities=[
        (a.id, 1, json_payload(authority_payload(a))) for a in authorities])
    return authorities


def _new_authority(data: dict[str, Any], *, states: set[str], areas_known: set[str],
                   competences_known: dict[str, Competence], ids: set[str]) -> Authority:
    state = data["member_state"]
    if state not in states:
        raise LocalProtocolError("unknown_member_state", f"no member state {state}")
    if data["id"] in ids:
        raise LocalProtocolError("already_exists", f"authority {data['id']} already exists")
    level = data.get("level", "national")
    if level not in LEVELS:
        raise LocalProtocolError("invalid_arguments", f"level {level!r} is not one of {LEVELS}")
    areas = list(dict.fromkeys(data.get("areas", [])))
    entries = []
    for code in dict.fromkeys(data.get("competences", [])):
        competence = competences_known.get(code)
        if competence is None:
            raise LocalProtocolError("unknown_competence", f"no competence {code}",
                                     params={"competence": code})
        entries.append(competence)
        if competence.area not in areas:
            areas.append(competence.area)
    for area in areas:
        if area not in areas_known:
            raise LocalProtocolError("unknown_area", f"no legislative area {area}")
    nimic = f"nimic-{state}"
    default = nimic if nimic in ids and data["id"] != nimic else None
    coordinator_id = data.get("coordinator_id", default)
    if coordinator_id is not None and coordinator_id not in ids:
        raise LocalProtocolError("unknown_authority", f"no coordinator {coordinator_id}",
                                 params={"authority": coordinator_id})
    return Authority(
        id=data["id"],
        member_state=state,
        official_name=data["official_name"],
        designation=data.get("designation", {}),
        description=data.get("description", {}),
        region=data.get("region", ""),
        level=level,
        address=data.get("address", ""),
        postal_code=data.get("postal_code", ""),
        city=data.get("city", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        website=data.get("website", ""),
        coordinator_id=coordinator_id,
        active=True,
        area_rows=[AuthorityArea(authority_id=data["id"], area=a) for a in areas],
        competence_rows=[AuthorityCompetence(authority_id=data["id"], competence=c.code, entry=c)
                         for c in entries],
    )


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
