"""Loading the catalogue and the demo directory from the JSON files in ``seed/``."""

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sync_protocol.catalogue import CatalogueFile
from sync_server.directory_service import (
    EEA_STATES,
    add_authority,
    add_member_states,
    add_user,
    load_catalogue,
)
from sync_server.sequence import SequenceLock

SEED_DIR = Path(__file__).parent / "seed"
CATALOGUE_FILE = SEED_DIR / "question_set_pq.json"
DIRECTORY_FILE = SEED_DIR / "demo_directory.json"

# Every demo user signs in with this password; the README says so. Never used outside --demo.
DEMO_PASSWORD = "imi-demo"


def seed_base(session: Session) -> None:
    """What every server starts with: the 30 EEA states and the shipped catalogue."""
    seq = SequenceLock(session).acquire()
    add_member_states(session, seq, EEA_STATES)
    session.flush()
    catalogue = CatalogueFile.model_validate_json(CATALOGUE_FILE.read_bytes())
    load_catalogue(session, seq, catalogue)
    seq.flush()


def seed_demo(session: Session, *, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """The demo directory: authorities and users of several member states."""
    directory = json.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))
    seq = SequenceLock(session).acquire()
    for authority in directory["authorities"]:
        add_authority(session, seq, authority)
    session.flush()
    for user in directory["users"]:
        add_user(session, username=user["username"], password=password,
                 display_name=user["display_name"], authority_id=user["authority_id"],
                 roles=user["roles"], language=user["language"])
    seq.flush()
    return {"authorities": len(directory["authorities"]), "users": len(directory["users"])}
