"""The coordinator hierarchy every server starts with, and the demo's approval rules.

The coordinators' authorities (``commission``, ``nimic-XX``, ``sdimic-DE-XX``) belong to the
directory, which seeds them with their full entries; this module adds a minimal entry only
for one that is missing, then records each one's scope in ``coordinators``.
"""

from sqlalchemy.orm import Session

from sync_protocol.authoring import CATALOGUE_EDITOR_ROLE
from sync_protocol.directory import EEA_STATES
from sync_protocol.organisation import ApprovalRule, CoordinatorKind, CoordinatorScope, Direction
from sync_server.directory.models import Authority
from sync_server.directory.service import add_authority, add_user
from sync_server.organisation.service import add_coordinator, set_approval_rule
from sync_server.sync.sequence import SequenceLock

COMMISSION = "commission"

# The German Länder, as the directory spells their regions.
LAENDER = {
    "BW": "Baden-Württemberg", "BY": "Bayern", "BE": "Berlin", "BB": "Brandenburg",
    "HB": "Bremen", "HH": "Hamburg", "HE": "Hessen", "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen", "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz",
    "SL": "Saarland", "SN": "Sachsen", "ST": "Sachsen-Anhalt", "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}


def nimic(member_state: str) -> str:
    return f"nimic-{member_state}"


def sdimic(land: str) -> str:
    return f"sdimic-DE-{land}"


def coordinator_scopes() -> list[CoordinatorScope]:
    """The Commission, one NIMIC per EEA state, one SDIMIC per German Land."""
    scopes = [CoordinatorScope(authority_id=COMMISSION, kind=CoordinatorKind.COMMISSION)]
    scopes += [CoordinatorScope(authority_id=nimic(state), kind=CoordinatorKind.NIMIC,
                                member_state=state, parent_authority_id=COMMISSION)
               for state in EEA_STATES]
    scopes += [CoordinatorScope(authority_id=sdimic(land), kind=CoordinatorKind.SDIMIC,
                                member_state="DE", region=region,
                                parent_authority_id=nimic("DE"))
               for land, region in LAENDER.items()]
    return scopes


def _minimal_authority(scope: CoordinatorScope) -> dict[str, object]:
    if scope.kind is CoordinatorKind.COMMISSION:
        return {"id": scope.authority_id, "member_state": "BE",
                "official_name": "European Commission", "level": "national"}
    if scope.kind is CoordinatorKind.SDIMIC:
        return {"id": scope.authority_id, "member_state": "DE", "region": scope.region,
                "official_name": f"IMI-Koordinierungsstelle {scope.region}",
                "level": "regional"}
    return {"id": scope.authority_id, "member_state": scope.member_state,
            "official_name": f"IMI national coordinator {scope.member_state}",
            "level": "national"}


def seed_coordinators(session: Session, seq: SequenceLock) -> int:
    """Every coordinator's scope (and a minimal authority where the directory has none)."""
    scopes = coordinator_scopes()
    for scope in scopes:
        if session.get(Authority, scope.authority_id) is None:
            add_authority(session, seq, _minimal_authority(scope))
    session.flush()
    for scope in scopes:
        add_coordinator(session, seq, scope)
    return len(scopes)


# The demo's organisation: requests from Bavaria need the Bavarian coordinator's approval,
# replies from Poland the Polish national coordinator's (both in the PQ area).
DEMO_RULES = (
    ApprovalRule(member_state="DE", region="Bayern", area="PQ", direction=Direction.REQUEST,
                 coordinator_authority_id=sdimic("BY")),
    ApprovalRule(member_state="PL", area="PQ", direction=Direction.REPLY,
                 coordinator_authority_id=nimic("PL")),
)
# (user name, display name, coordinator authority, language)
DEMO_COORDINATORS = (
    ("by.hofmann", "Anna Hofmann", sdimic("BY"), "de"),
    ("by.schmid", "Tobias Schmid", sdimic("BY"), "de"),
    ("de.keller", "Martin Keller", nimic("DE"), "de"),
    ("hu.farkas", "Farkas Judit", nimic("HU"), "hu"),
    ("pl.zielinski", "Tomasz Zieliński", nimic("PL"), "pl"),
    ("eu.dupont", "Claire Dupont", COMMISSION, "fr"),
)
# The Commission's official who also runs the catalogue (question sets, languages).
DEMO_CATALOGUE_EDITORS = frozenset({"eu.dupont"})


def seed_demo_organisation(session: Session, seq: SequenceLock, *, password: str) -> int:
    """The demo's approval rules and coordinator users; return how many users were made."""
    for rule in DEMO_RULES:
        # Set as the Commission, whose scope covers every rule.
        set_approval_rule(session, seq, actor_authority_id=COMMISSION, rule=rule)
    for username, display_name, authority_id, language in DEMO_COORDINATORS:
        roles = ["coordinator"]
        if username in DEMO_CATALOGUE_EDITORS:
            roles.append(CATALOGUE_EDITOR_ROLE)
        add_user(session, username=username, password=password, display_name=display_name,
                 authority_id=authority_id, roles=roles, language=language)
    return len(DEMO_COORDINATORS)
