"""Schema migrations (Alembic) and the first server state."""

import secrets
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sync_server.auth.token_cache import MIGRATING
from sync_server.orm import ServerState

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision and make sure the server state row exists."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        connection.execution_options(**{MIGRATING: True})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with Session(engine) as session, session.begin():
        if session.scalars(select(ServerState).where(ServerState.id == 1)).first() is None:
            session.add(ServerState(id=1, epoch=secrets.token_hex(8), last_seq=0))


def new_epoch(engine: Engine) -> str:
    """Start a new epoch (after restoring a backup): every replica re-bootstraps."""
    epoch = secrets.token_hex(8)
    with Session(engine) as session, session.begin():
        session.get_one(ServerState, 1).epoch = epoch
    return epoch
