"""Server fixtures: every test that asks for ``server`` runs on SQLite and on PostgreSQL.

PostgreSQL: one throwaway database (``imi_test_<random>``) per test session on the server named
by ``IMI_TEST_PG_URL``; each test starts from an empty ``public`` schema, or, when it asks for
``db_engine`` (``server`` does), from a copy of a database migrated and seeded once per session
(``CREATE DATABASE ... TEMPLATE``); the database is dropped before each copy and at the end, which
fails if any test leaked a connection. A PostgreSQL that cannot be reached fails the tests: the
suite never skips its second database silently.

SQLite the same way: an empty file, or a copy of the session's migrated and seeded one. Running
the migration chain and the seed for every test cost about two seconds a test; the chain itself
is tested from an empty database (``database_url``) by the tests that ask for no more.
"""

import dataclasses
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import Engine, func, make_url, select, text, update
from sqlalchemy.orm import Session

from sync_server.app import create_app
from sync_server.auth import passwords as security
from sync_server.config import Settings
from sync_server.context import ServerContext, build_context
from sync_server.db import make_engine
from sync_server.keys import Keyring
from sync_server.orm import ServerState

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factories import PASSWORD, Directory, Peer, build_directory, init_database

from tests.conftest import copy_database

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _libpq_url(url: str) -> str:
    """The URL psycopg itself takes (no SQLAlchemy driver suffix)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id with the smallest cost: the same code path, milliseconds instead of 100 ms."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher",
                      PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    base = _libpq_url(os.environ.get("IMI_TEST_PG_URL", DEFAULT_PG_URL))
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        problem = str(exc)
    else:
        problem = ""
    if problem:
        pytest.fail(
            f"PostgreSQL is unreachable at {make_url(base).render_as_string()} ({problem}). "
            "The server suite runs on SQLite and PostgreSQL: start PostgreSQL or point "
            "IMI_TEST_PG_URL at one.",
            pytrace=False,
        )
    name = f"imi_test_{secrets.token_hex(6)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(base, name)


def _drop_database(base: str, name: str) -> None:
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as admin:
        # No FORCE: if a test leaked a connection, this fails and says so.
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@dataclasses.dataclass(frozen=True)
class Template:
    """A database migrated and seeded once per session (with the small test directory or
    without), which tests start from as a copy."""

    location: str  # SQLite: the file; PostgreSQL: the database's name
    directory: Directory | None


@pytest.fixture(scope="session")
def _templates(_cheap_password_hashing: None) -> Iterator[dict[tuple[str, bool], Template]]:
    """The session's templates, made when first asked for, keyed by (backend, directory)."""
    made: dict[tuple[str, bool], Template] = {}
    yield made
    base = _libpq_url(os.environ.get("IMI_TEST_PG_URL", DEFAULT_PG_URL))
    for (backend, _), template in made.items():
        if backend == "postgres":
            _drop_database(base, template.location)


def _template(templates: dict[tuple[str, bool], Template], backend: str, directory: bool,
              database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Template:
    key = (backend, directory)
    if key in templates:
        return templates[key]
    if backend == "sqlite":
        location = str(tmp_path_factory.mktemp("template") / "imi.db")
        url = f"sqlite:///{location}"
    else:
        location = f"imi_template_{secrets.token_hex(6)}"
        base = _libpq_url(os.environ.get("IMI_TEST_PG_URL", DEFAULT_PG_URL))
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(location)))
        url = make_url(database_url).set(database=location).render_as_string(
            hide_password=False)
    engine = make_engine(url)
    try:
        init_database(engine)
        made = build_directory(engine, password=PASSWORD) if directory else None
    finally:
        engine.dispose()
    templates[key] = Template(location=location, directory=made)
    return templates[key]


def _copy_template(template: Template, database_url: str) -> None:
    """Replace the (empty) database at ``database_url`` with a copy of ``template``, under a
    new epoch of its own, as a freshly initialised server has."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        copy_database(Path(template.location), Path(parsed.database))
    else:
        base = _libpq_url(os.environ.get("IMI_TEST_PG_URL", DEFAULT_PG_URL))
        name = parsed.database
        _drop_database(base, str(name))
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(str(name)), sql.Identifier(template.location)))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of an empty database of ``backend`` (no tables)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'imi.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def db_engine(backend: str, database_url: str, request: pytest.FixtureRequest,
              _templates: dict[tuple[str, bool], Template],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine of the test's own on the migrated and seeded database, to look inside (with
    the small test directory when the test asks for ``server``)."""
    template = _template(_templates, backend, "server" in request.fixturenames, database_url,
                         tmp_path_factory)
    _copy_template(template, database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            session.execute(update(ServerState).where(ServerState.id == 1)
                            .values(epoch=secrets.token_hex(8)))
        yield engine
    finally:
        engine.dispose()


@dataclasses.dataclass(kw_only=True)
class Server:
    """A migrated, seeded server with the small test directory and a client on its API."""

    backend: str
    url: str
    engine: Engine
    settings: Settings
    context: ServerContext
    client: TestClient
    directory: Directory

    def peer(self, member_state: str, *, device_id: str | None = None) -> Peer:
        user = self.directory.users[member_state]
        return Peer.login(self.client, user.username, user.password, device_id=device_id)

    def count(self, model: Any, *where: Any) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def scalar(self, stmt: Any) -> Any:
        with Session(self.engine) as session:
            return session.scalar(stmt)

    def rows(self, stmt: Any) -> list[Any]:
        with Session(self.engine) as session:
            return list(session.execute(stmt).all())

    @property
    def epoch(self) -> str:
        return str(self.scalar(select(ServerState.epoch)))

    def new_app_client(self, settings: Settings | None = None
                       ) -> tuple[ServerContext, TestClient]:
        """A second server instance on the same database (as after a restart), optionally
        with other settings (a rotated keyring, other token lifetimes)."""
        context = build_context(settings or self.settings)
        self._extra.append(context)
        return context, TestClient(create_app(context=context))

    _extra: list[ServerContext] = dataclasses.field(default_factory=list)


@pytest.fixture
def server(backend: str, database_url: str, db_engine: Engine, tmp_path: Path,
           _templates: dict[tuple[str, bool], Template]) -> Iterator[Server]:
    directory = _templates[(backend, True)].directory
    assert directory is not None
    settings = Settings(data_dir=tmp_path, database_url=database_url,
                        keyring=Keyring.generate())
    context = build_context(settings)
    client = TestClient(create_app(context=context))
    handle = Server(backend=backend, url=database_url, engine=db_engine, settings=settings,
                    context=context, client=client, directory=directory)
    try:
        yield handle
    finally:
        client.close()
        context.engine.dispose()
        for extra in handle._extra:
            extra.engine.dispose()
