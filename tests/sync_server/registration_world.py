"""A small world of coordinators and administrators for the registration tests.

On top of ``build_directory`` (DE, HU, FR authorities with a request handler each): a
Commission, the NIMICs of Germany and Hungary, an SDIMIC for Bayern and a DIMIC for the PQ
area in Germany, each with a user in the ``coordinator`` role; at the German authority a
local data administrator, an allocator and a referral handler; at the Hungarian one a local
data administrator (of another authority, in another state).
"""

import dataclasses
import uuid
from typing import Any

from factories import PASSWORD, Peer
from sqlalchemy.orm import Session

from sync_protocol.organisation import CoordinatorKind, CoordinatorScope
from sync_protocol.version import PROTOCOL_VERSION
from sync_server.auth.throttle import LoginLimits
from sync_server.directory.service import add_authority, add_user
from sync_server.organisation.service import add_coordinator
from sync_server.sync.sequence import SequenceLock

AREA = "PQ"
OTHER_AREA = "SERV"

# name -> (authority id, member state, region, area, kind)
COORDINATORS: dict[str, tuple[str, str | None, str | None, str | None, CoordinatorKind]] = {
    "commission": ("T-COM", None, None, None, CoordinatorKind.COMMISSION),
    "nimic": ("T-NIMIC-DE", "DE", None, None, CoordinatorKind.NIMIC),
    "sdimic": ("T-SDIMIC-DE-BY", "DE", "Bayern", None, CoordinatorKind.SDIMIC),
    "dimic": ("T-DIMIC-DE-PQ", "DE", None, AREA, CoordinatorKind.DIMIC),
    "other_nimic": ("T-NIMIC-HU", "HU", None, None, CoordinatorKind.NIMIC),
}

# name -> (member state of the authority, roles)
STAFF: dict[str, tuple[str, list[str]]] = {
    "local_admin": ("DE", ["local_data_administrator"]),
    "allocator": ("DE", ["allocator"]),
    "referral_handler": ("DE", ["referral_handler"]),
    "other_local_admin": ("HU", ["local_data_administrator"]),
}


@dataclasses.dataclass
class World:
    server: Any
    client: Any
    peers: dict[str, Peer]


def build_world(server: Any) -> World:
    """The world, and a client on a server instance whose allowance of calls without an
    account is large enough for a test that applies many times from one address."""
    with Session(server.engine) as session, session.begin():
        seq = SequenceLock(session).acquire()
        for name, (authority_id, state, region, area, kind) in COORDINATORS.items():
            add_authority(session, seq, {"id": authority_id, "member_state": state or "BE",
                                         "official_name": f"Coordinator {name}",
                                         "areas": [AREA, OTHER_AREA], "competences": []})
            session.flush()
            add_coordinator(session, seq, CoordinatorScope(
                authority_id=authority_id, kind=kind, member_state=state, region=region,
                area=area))
            add_user(session, username=f"t.{name}", password=PASSWORD, display_name=name,
                     authority_id=authority_id, roles=["coordinator"], language="en")
        for name, (state, roles) in STAFF.items():
            add_user(session, username=f"t.{name}", password=PASSWORD, display_name=name,
                     authority_id=server.directory.authorities[state], roles=roles,
                     language="en")
        seq.flush()
    limits = LoginLimits(unauthenticated="1000 per hour")
    _context, client = server.new_app_client(dataclasses.replace(server.settings,
                                                                 login_limits=limits))
    peers = {name: Peer.login(client, f"t.{name}") for name in (*COORDINATORS, *STAFF)}
    handler = server.directory.de
    peers["request_handler"] = Peer.login(client, handler.username, handler.password)
    return World(server=server, client=client, peers=peers)


def authority(member_state: str = "DE", region: str = "Bayern", areas: tuple[str, ...] = (AREA,),
              name: str = "Zahnärztekammer Niederbayern") -> dict[str, Any]:
    return {"official_name": name, "member_state": member_state, "region": region,
            "level": "regional", "city": "Landshut", "email": "info@zk-nb.example.de",
            "phone": "+49 871 123", "areas": list(areas)}


def administrator(username: str | None = None) -> dict[str, Any]:
    return {"username": username or f"adm.{uuid.uuid4().hex[:10]}",
            "display_name": "Erika Mustermann", "language": "de"}


def self_registration(**kwargs: Any) -> dict[str, Any]:
    return {"protocol_version": PROTOCOL_VERSION, "authority": authority(**kwargs),
            "administrator": administrator()}
