"""What every request handler needs, built once when the app starts."""

import dataclasses

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sync_server.auth.hash_pool import HashPool
from sync_server.auth.throttle import LoginThrottle
from sync_server.auth.token_cache import TokenCache
from sync_server.config import Settings
from sync_server.crypto import Sealer
from sync_server.db import make_engine, make_session_factory
from sync_server.orm import ServerState
from sync_server.sync.notifier import ChangeNotifier
from sync_server.sync.state import StateReader
from sync_server.translation.libretranslate import LibreTranslate
from sync_server.translation.provider import TranslationProvider


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    sealer: Sealer
    notifier: ChangeNotifier
    # Training or production never changes for a database. The epoch can (a restore): it is
    # read per request (``sync.epoch.committed``), never kept here.
    throttle: LoginThrottle
    hashes: HashPool
    # The state row for many requests at once, and each audience's newest row (``sync.state``).
    state: StateReader
    # Tokens verified recently (``auth.token_cache``); what a revocation ends at once.
    tokens: TokenCache = dataclasses.field(default_factory=TokenCache)
    training: bool = False
    # The machine-translation engine, None when the administrator configured none.
    translator: TranslationProvider | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Identity:
    """What the server state row says about this system when it is opened: its epoch, and if
    it is a training (practice) system."""

    epoch: str
    training: bool


class NotInitialised(Exception):
    """The database has no server state: ``imi-server init`` has not been run on it."""


def open_database(database_url: str) -> tuple[Engine, Identity]:
    """An engine on an initialised server database, and its identity.

    The one way the server and the CLI open the database: ``NotInitialised`` (never a raw
    driver error) when ``imi-server init`` has not run on it.
    """
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            epoch, training = session.execute(
                select(ServerState.epoch, ServerState.training).where(ServerState.id == 1)
            ).one()
    except Exception as exc:
        engine.dispose()
        raise NotInitialised(
            f"the database at {engine.url.render_as_string(hide_password=True)} is not "
            "initialised: run 'imi-server init' first"
        ) from exc
    return engine, Identity(epoch=epoch, training=training)


def build_context(settings: Settings) -> ServerContext:
    engine, identity = open_database(settings.database_url)
    sessions = make_session_factory(engine)
    return ServerContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        state=StateReader(sessions),
        sealer=Sealer(settings.keyring),
        notifier=ChangeNotifier(),
        training=identity.training,
        throttle=LoginThrottle(settings.login_limits),
        hashes=HashPool.from_environment(),
        translator=LibreTranslate(settings.translation) if settings.translation else None,
    )
