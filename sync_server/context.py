"""What every request handler needs, built once when the app starts."""

import dataclasses

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sync_server.config import Settings
from sync_server.crypto import Sealer
from sync_server.db import make_engine, make_session_factory
from sync_server.models import ServerState
from sync_server.notifier import ChangeNotifier


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    sealer: Sealer
    notifier: ChangeNotifier
    epoch: str


class NotInitialised(Exception):
    """The database has no server state: ``imi-server init`` has not been run on it."""


def build_context(settings: Settings) -> ServerContext:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            epoch = session.scalars(select(ServerState.epoch).where(ServerState.id == 1)).one()
    except Exception as exc:
        engine.dispose()
        raise NotInitialised(
            f"the database at {engine.url.render_as_string(hide_password=True)} is not "
            "initialised: run 'imi-server init' first"
        ) from exc
    return ServerContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        sealer=Sealer(settings.seal_key),
        notifier=ChangeNotifier(),
        epoch=epoch,
    )
