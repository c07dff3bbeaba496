"""``imi-server``: initialise, run and administer the sync server.

    imi-server init --data DIR [--demo | --training] [--database-url URL]
    imi-server reset-training --data DIR
    imi-server run --data DIR [--host 127.0.0.1] [--port 8470] [--ssl-certfile F --ssl-keyfile K]
    imi-server add-authority --data DIR --id ID --member-state CC --name NAME --areas PQ,...
    imi-server add-user --data DIR --username U --authority ID --name NAME [--roles ...]
    imi-server set-password --data DIR --username U
    imi-server list-authorities --data DIR [--member-state CC]
"""

import argparse
import getpass
import logging
import logging.config
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sync_protocol.errors import ProtocolError
from sync_protocol.languages import LANGUAGES
from sync_protocol.version import PROTOCOL_VERSION
from sync_server.auth.models import User
from sync_server.config import ConfigError, Settings, load_settings
from sync_server.context import NotInitialised, ServerContext, open_database
from sync_server.crypto import Sealer
from sync_server.db import make_engine
from sync_server.directory.models import Authority
from sync_server.directory.service import add_authority, add_user, set_password
from sync_server.migrate import upgrade
from sync_server.seed import seed_base, seed_demo, seed_demo_cases
from sync_server.sync.sequence import SequenceLock
from sync_server.training import (
    TRAINING_PASSWORD,
    NotTraining,
    has_cases,
    is_training,
    mark_training,
    reset_training,
    seed_training_cases,
)

DEFAULT_PORT = 8470


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = options.handler
    try:
        return handler(options)
    except (ConfigError, NotInitialised, NotTraining) as exc:
        print(f"imi-server: {exc}", file=sys.stderr)
        return 2
    except ProtocolError as exc:
        print(f"imi-server: {exc.message}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imi-server", description="IMI central sync server")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help_text: str
                ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--data", type=Path, required=True, help="server data directory")
        sub.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in --data)")
        sub.set_defaults(handler=handler)
        return sub

    init = command("init", _init, "create or upgrade the database")
    seeding = init.add_mutually_exclusive_group()
    seeding.add_argument("--demo", action="store_true", help="seed demo authorities and users")
    seeding.add_argument("--training", action="store_true",
                         help="create a training system with practice data (new database only)")

    command("reset-training", _reset_training,
            "put a training system's exchanges back to the practice set")

    run = command("run", _run, "serve the sync API")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=DEFAULT_PORT)
    run.add_argument("--log-level", default="warning")
    run.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    run.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")

    authority = command("add-authority", _add_authority, "register a competent authority")
    authority.add_argument("--id", required=True)
    authority.add_argument("--member-state", required=True)
    authority.add_argument("--name", required=True, help="official name, untranslated")
    authority.add_argument("--areas", default="PQ", help="comma-separated area codes")
    authority.add_argument("--region", default="")
    authority.add_argument("--level", choices=["national", "regional", "local"],
                           default="national")

    user = command("add-user", _add_user, "create a user at an authority")
    user.add_argument("--username", required=True)
    user.add_argument("--authority", required=True)
    user.add_argument("--name", required=True, help="display name")
    user.add_argument("--roles", default="request_handler")
    user.add_argument("--language", default="en", choices=LANGUAGES)
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from standard input (for scripts)")

    password = command("set-password", _set_password, "set a user's password")
    password.add_argument("--username", required=True)
    password.add_argument("--password-stdin", action="store_true")

    listing = command("list-authorities", _list_authorities, "list registered authorities")
    listing.add_argument("--member-state")
    return parser


def _settings(options: argparse.Namespace, *, create: bool = False) -> Settings:
    return load_settings(options.data, database_url=options.database_url, create=create)


def _initialised_engine(options: argparse.Namespace) -> Engine:
    """An engine on the server's database; ``NotInitialised`` if ``init`` never ran on it."""
    engine, _identity = open_database(_settings(options).database_url)
    return engine


def _write(options: argparse.Namespace, work: Callable[[Session], None]) -> None:
    engine = _initialised_engine(options)
    try:
        with Session(engine) as session, session.begin():
            work(session)
    finally:
        engine.dispose()


def _init(options: argparse.Namespace) -> int:
    settings = _settings(options, create=True)
    engine = make_engine(settings.database_url)
    try:
        if options.training:
            _refuse_production(engine)
        upgrade(engine)
        with Session(engine) as session, session.begin():
            seed_base(session)
        if options.demo:
            # One transaction: a failure midway leaves no half-seeded demo to trip a retry.
            with Session(engine) as session, session.begin():
                if session.scalars(select(User.id).limit(1)).first() is not None:
                    print(f"imi-server: {settings.data_dir} is already initialised and has "
                          "users; demo data go only into a new database, so nothing was "
                          "seeded (the schema is up to date)", file=sys.stderr)
                    return 1
                counts = seed_demo(session)
                counts["cases"] = seed_demo_cases(session, Sealer(settings.seal_key))
            print(f"seeded {counts['authorities']} authorities, {counts['users']} users and "
                  f"{counts['cases']} cases")
        if options.training:
            _init_training(engine, Sealer(settings.seal_key))
    finally:
        engine.dispose()
    print(f"initialised {settings.data_dir}")
    return 0


def _refuse_production(engine: Engine) -> None:
    """``init --training`` makes a new practice system; it never turns a production one into
    one (its real cases would be mixed with, and reset like, practice data)."""
    try:
        with Session(engine) as session:
            training = is_training(session)
            used = has_cases(session) or session.scalar(select(User.id).limit(1)) is not None
    except Exception:  # noqa: BLE001 - no tables yet: a new database, as wanted
        return
    if not training and used:
        raise NotTraining("this database already holds a production system; give "
                          "'init --training' a new data directory (and database)")


def _init_training(engine: Engine, sealer: Sealer) -> None:
    # One transaction: marked and seeded together, or not at all.
    with Session(engine) as session, session.begin():
        if is_training(session) and session.scalar(select(User.id).limit(1)) is not None:
            print("training system already seeded; 'imi-server reset-training' resets it")
            return
        mark_training(session)
        counts = seed_demo(session, password=TRAINING_PASSWORD)
        counts["cases"] = seed_training_cases(session, sealer)
    print(f"training system: seeded {counts['authorities']} authorities, {counts['users']} "
          f"users (password {TRAINING_PASSWORD!r}) and {counts['cases']} practice cases")


def _reset_training(options: argparse.Namespace) -> int:
    settings = _settings(options)
    engine = _initialised_engine(options)
    try:
        with Session(engine) as session, session.begin():
            made = reset_training(session, Sealer(settings.seal_key))
    finally:
        engine.dispose()
    print(f"training data reset: {made} practice cases")
    return 0


def _run(options: argparse.Namespace) -> int:
    import uvicorn

    from sync_server.app import create_app
    from sync_server.logs import log_config

    logging.config.dictConfig(log_config(options.log_level))
    app = create_app(_settings(options))
    context: ServerContext = app.state.context
    scheme = "https" if options.ssl_certfile else "http"
    print(f"imi-server: serving {scheme}://{options.host}:{options.port} on "
          f"{context.engine.dialect.name}, protocol {PROTOCOL_VERSION}"
          f"{', training system' if context.training else ''}", flush=True)
    # Uvicorn's access log would print each path with its query string: ``imi.access`` in
    # the app logs the route template instead (at INFO).
    uvicorn.run(app, host=options.host, port=options.port,
                log_config=log_config(options.log_level), access_log=False,
                ssl_certfile=options.ssl_certfile, ssl_keyfile=options.ssl_keyfile)
    return 0


def _read_password(options: argparse.Namespace) -> str:
    if options.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat: "):
        raise ProtocolError("password_mismatch", "the passwords differ")
    return first


def _add_authority(options: argparse.Namespace) -> int:
    data = {
        "id": options.id,
        "member_state": options.member_state.upper(),
        "official_name": options.name,
        "region": options.region,
        "level": options.level,
        "areas": [a.strip() for a in options.areas.split(",") if a.strip()],
    }

    def work(session: Session) -> None:
        seq = SequenceLock(session).acquire()
        add_authority(session, seq, data)
        seq.flush()

    _write(options, work)
    print(f"added authority {options.id}")
    return 0


def _add_user(options: argparse.Namespace) -> int:
    password = _read_password(options)
    roles = [r.strip() for r in options.roles.split(",") if r.strip()]

    def work(session: Session) -> None:
        add_user(session, username=options.username, password=password,
                 display_name=options.name, authority_id=options.authority, roles=roles,
                 language=options.language)

    _write(options, work)
    print(f"added user {options.username}")
    return 0


def _set_password(options: argparse.Namespace) -> int:
    password = _read_password(options)
    _write(options, lambda session: set_password(session, username=options.username,
                                                 password=password))
    print(f"password set for {options.username}")
    return 0


def _list_authorities(options: argparse.Namespace) -> int:
    engine = _initialised_engine(options)
    try:
        with Session(engine) as session:
            stmt = select(Authority).order_by(Authority.member_state, Authority.id)
            if options.member_state:
                stmt = stmt.where(Authority.member_state == options.member_state.upper())
            for authority in session.scalars(stmt):
                print(f"{authority.member_state}  {authority.id:<20} {authority.official_name}")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
