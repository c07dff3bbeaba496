"""``imi-server``: initialise, run and administer the sync server.

    imi-server init --data DIR [--demo | --training] [--database-url URL]
    imi-server reset-training --data DIR
    imi-server run --data DIR [--host 127.0.0.1] [--port 8470] [--ssl-certfile F --ssl-keyfile K]
                   [--log-format text|json] [--metrics loopback|open|off]
                   [--translation-url URL --translation-engine NAME --translation-timeout S]
    imi-server add-authority --data DIR --id ID --member-state CC --name NAME --areas PQ,...
    imi-server add-user --data DIR --username U --authority ID --name NAME [--roles ...]
    imi-server set-password --data DIR --username U
    imi-server list-authorities --data DIR [--member-state CC]
    imi-server rotate-key --data DIR            a new master key for new writes
    imi-server reseal --data DIR [--batch N]    rewrite old sealed values under the current key
    imi-server deactivate-user|reactivate-user --data DIR --username U
    imi-server deactivate-authority|reactivate-authority --data DIR --id ID
    imi-server revoke-tokens --data DIR (--username U | --device DEVICE_ID)
    imi-server backup --data DIR --to FILE      a consistent copy, also while the server runs
    imi-server restore --data DIR --from FILE   put a backup in place, start a new epoch
    imi-server new-epoch --data DIR             after restoring the database by other means

Every command takes ``--key-file PATH`` (default ``IMI_KEY_FILE``, else ``DIR/server.key``).
"""

import argparse
import dataclasses
import datetime as dt
import getpass
import logging
import logging.config
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sync_protocol.errors import ProtocolError
from sync_protocol.languages import LANGUAGES
from sync_protocol.version import PROTOCOL_VERSION
from sync_server import backup
from sync_server.auth import admin
from sync_server.auth.models import User
from sync_server.config import (
    ConfigError,
    Settings,
    key_file_path,
    load_settings,
    load_translation,
)
from sync_server.context import NotInitialised, open_database
from sync_server.crypto import Sealer
from sync_server.db import make_engine
from sync_server.directory.models import Authority
from sync_server.directory.service import add_authority, add_user
from sync_server.keys import KeyringError, read_key_file, write_key_file
from sync_server.logs import LOG_FORMATS, log_config
from sync_server.metrics import METRICS_ACCESS
from sync_server.migrate import new_epoch, upgrade
from sync_server.reseal import DEFAULT_BATCH, Progress, reseal
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
# Long-polls are released at once when stopping; this bounds any other request.
GRACEFUL_SHUTDOWN_S = 1


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
        sub.add_argument("--key-file", type=Path,
                         help="the master key file (default: IMI_KEY_FILE, else DIR/server.key); "
                              "keep it out of database backups")
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
    run.add_argument("--log-format", choices=LOG_FORMATS, default="text",
                     help="text: one readable line per record (console); json: one JSON "
                          "object per line (log collectors; the systemd unit's choice)")
    run.add_argument("--metrics", choices=METRICS_ACCESS, default="loopback",
                     help="who may read /metrics: loopback (this machine, the default), "
                          "open (anyone reaching the server) or off")
    run.add_argument("--token-idle-days", type=float,
                     help="a token unused this long expires (default: IMI_TOKEN_IDLE_DAYS or 30)")
    run.add_argument("--token-max-days", type=float,
                     help="a token this old expires (default: IMI_TOKEN_MAX_DAYS or 90)")
    run.add_argument("--translation-url",
                     help="machine translation of free text through this LibreTranslate "
                          "server (default: IMI_TRANSLATION_URL; none: off). Its key: "
                          "IMI_TRANSLATION_API_KEY")
    run.add_argument("--translation-engine", help="the engine's name readers see beside each "
                     "translation (default: IMI_TRANSLATION_ENGINE or LibreTranslate)")
    run.add_argument("--translation-timeout", type=float,
                     help="seconds the engine may take (default: IMI_TRANSLATION_TIMEOUT or 15)")
    run.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    run.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")

    authority = command("add-authority", _add_authority, "register a competent authority")
    authority.add_argument("--id", required=True)
    authority.add_argument("--member-state", required=True)
    authority.add_argument("--name", required=True, help="official name, untranslated")
    authority.add_argument("--areas", default="PQ", help="comma-separated area codes")
    authority.add_argument("--competences", default="",
                           help="comma-separated professions or activities (e.g. dentist,retail)")
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

    command("rotate-key", _rotate_key, "add a new master key; new writes use it")
    resealing = command("reseal", _reseal, "rewrite sealed values under the current key")
    resealing.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                           help="values per transaction")

    for name, handler, help_text in (
        ("deactivate-user", _deactivate_user, "refuse a user at sign-in and at every request"),
        ("reactivate-user", _reactivate_user, "let a deactivated user work again"),
    ):
        command(name, handler, help_text).add_argument("--username", required=True)
    for name, handler, help_text in (
        ("deactivate-authority", _deactivate_authority, "refuse every user of an authority"),
        ("reactivate-authority", _reactivate_authority, "let an authority's users work again"),
    ):
        command(name, handler, help_text).add_argument("--id", required=True)
    revoke = command("revoke-tokens", _revoke_tokens, "sign out a user or one device")
    target = revoke.add_mutually_exclusive_group(required=True)
    target.add_argument("--username")
    target.add_argument("--device", help="device id")

    backup_command = command("backup", _backup,
                             "a consistent copy of the database, also while the server runs")
    backup_command.add_argument("--to", dest="target", type=Path, required=True,
                                help="the backup file to write (SQLite: a database file; "
                                     "PostgreSQL: pg_dump's custom format)")
    restore = command("restore", _restore,
                      "put a backup in place (SQLite or PostgreSQL); replicas download again")
    restore.add_argument("--from", dest="backup", type=Path, required=True,
                         help="a file written by 'imi-server backup'")
    command("new-epoch", _new_epoch,
            "after a database was restored by other means: replicas download again")
    return parser


def _settings(options: argparse.Namespace, *, create: bool = False) -> Settings:
    return load_settings(options.data, database_url=options.database_url,
                         key_file=options.key_file, create=create,
                         token_idle_days=getattr(options, "token_idle_days", None),
                         token_max_days=getattr(options, "token_max_days", None))


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
                counts["cases"] = seed_demo_cases(session, Sealer(settings.keyring))
            print(f"seeded {counts['authorities']} authorities, {counts['users']} users and "
                  f"{counts['cases']} cases")
        if options.training:
            _init_training(engine, Sealer(settings.keyring))
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
            made = reset_training(session, Sealer(settings.keyring))
    finally:
        engine.dispose()
    print(f"training data reset: {made} practice cases")
    return 0


def _run(options: argparse.Namespace) -> int:
    import uvicorn

    from sync_server.app import create_app
    from sync_server.context import build_context

    class Server(uvicorn.Server):
        """Releases the long-polls first when stopping: uvicorn waits for open requests."""

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            context.notifier.close()
            await super().shutdown(sockets)

    logs = log_config(options.log_level, options.log_format)
    logging.config.dictConfig(logs)
    settings = dataclasses.replace(
        _settings(options), metrics_access=options.metrics,
        translation=load_translation(options.translation_url,
                                     engine_name=options.translation_engine,
                                     timeout_s=options.translation_timeout))
    context = build_context(settings)
    scheme = "https" if options.ssl_certfile else "http"
    print(f"imi-server: serving {scheme}://{options.host}:{options.port} on "
          f"{context.engine.dialect.name}, protocol {PROTOCOL_VERSION}"
          f"{', training system' if context.training else ''}", flush=True)
    # Uvicorn's access log would print each path with its query string: ``imi.access`` in
    # the app logs the route template instead (at INFO).
    config = uvicorn.Config(create_app(context=context), host=options.host, port=options.port,
                            log_config=logs, access_log=False,
                            ssl_certfile=options.ssl_certfile, ssl_keyfile=options.ssl_keyfile,
                            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    Server(config).run()
    return 0


def _backup(options: argparse.Namespace) -> int:
    settings = _settings(options)
    _initialised_engine(options).dispose()  # refuses a database 'init' never ran on
    backup.backup(settings.database_url, options.target)
    print(f"backed up the database to {options.target} ({options.target.stat().st_size} "
          f"bytes). The master key file {key_file_path(options.data, options.key_file)} is "
          "NOT in the backup: keep a copy of it apart, a restore needs it")
    return 0


def _restore(options: argparse.Namespace) -> int:
    settings = _settings(options)
    backup.restore(settings.database_url, options.backup)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)  # a backup from an older release gets the newer schema
        epoch = new_epoch(engine)
    finally:
        engine.dispose()
    print(f"restored {options.backup}; new epoch {epoch}: every replica downloads everything "
          "again and sends its waiting changes")
    return 0


def _new_epoch(options: argparse.Namespace) -> int:
    engine = _initialised_engine(options)
    try:
        epoch = new_epoch(engine)
    finally:
        engine.dispose()
    print(f"new epoch {epoch}: every replica downloads everything again")
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
        "competences": [c.strip() for c in options.competences.split(",") if c.strip()],
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


def _administer(options: argparse.Namespace,
                work: Callable[[Session, admin.Administrator, dt.datetime], str]) -> int:
    """Run an administration action as the console's server administrator; print its outcome."""
    engine = _initialised_engine(options)
    try:
        with Session(engine) as session:
            print(work(session, admin.Administrator.console(), dt.datetime.now(dt.UTC)))
    finally:
        engine.dispose()
    return 0


def _set_password(options: argparse.Namespace) -> int:
    password = _read_password(options)

    def work(session: Session, console: admin.Administrator, now: dt.datetime) -> str:
        state = admin.set_password(session, admin=console, password=password, now=now,
                                   user_id=admin.user_id_of(session, options.username))
        return (f"password set for {options.username}; "
                f"{state.tokens_revoked} sign-in tokens revoked")

    return _administer(options, work)


def _user_active(options: argparse.Namespace, active: bool) -> int:
    def work(session: Session, console: admin.Administrator, now: dt.datetime) -> str:
        admin.set_user_active(session, admin=console, active=active, now=now,
                              user_id=admin.user_id_of(session, options.username))
        return f"{options.username} is {'active' if active else 'deactivated'}"

    return _administer(options, work)


def _deactivate_user(options: argparse.Namespace) -> int:
    return _user_active(options, False)


def _reactivate_user(options: argparse.Namespace) -> int:
    return _user_active(options, True)


def _authority_active(options: argparse.Namespace, active: bool) -> int:
    def work(session: Session, console: admin.Administrator, now: dt.datetime) -> str:
        admin.set_authority_active(session, admin=console, authority_id=options.id,
                                   active=active, now=now)
        return f"authority {options.id} is {'active' if active else 'deactivated'}"

    return _administer(options, work)


def _deactivate_authority(options: argparse.Namespace) -> int:
    return _authority_active(options, False)


def _reactivate_authority(options: argparse.Namespace) -> int:
    return _authority_active(options, True)


def _revoke_tokens(options: argparse.Namespace) -> int:
    def work(session: Session, console: admin.Administrator, now: dt.datetime) -> str:
        if options.device:
            state = admin.revoke_device_tokens(session, admin=console, now=now,
                                               device_id=options.device)
        else:
            state = admin.revoke_user_tokens(session, admin=console, now=now,
                                             user_id=admin.user_id_of(session, options.username))
        return f"{state.tokens_revoked} sign-in tokens revoked"

    return _administer(options, work)


def _rotate_key(options: argparse.Namespace) -> int:
    if os.environ.get("IMI_SERVER_KEY"):
        raise ConfigError("the keys come from IMI_SERVER_KEY, which this command cannot change: "
                          "add an entry '<next id>:<64 new hex digits>' to it on every instance")
    path = key_file_path(options.data, options.key_file)
    if not path.exists():
        raise ConfigError(f"no key file {path}: run 'imi-server init' first, or give its place "
                          "with --key-file or IMI_KEY_FILE")
    try:
        keyring = read_key_file(path).rotated()
    except KeyringError as exc:
        raise ConfigError(str(exc)) from None
    write_key_file(path, keyring, replace=True)
    print(f"key {keyring.current_id} is now the current key in {path}. Give this file to every "
          "server instance and restart them; then run 'imi-server reseal' to rewrite older "
          "values under it.")
    return 0


def _reseal(options: argparse.Namespace) -> int:
    if options.batch < 1:
        raise ConfigError("--batch must be at least 1")
    settings = _settings(options)
    engine = _initialised_engine(options)

    def report(progress: Progress) -> None:
        print(f"{progress.column}: {progress.resealed} of {progress.total} resealed"
              + (f", {progress.unreadable} unreadable" if progress.unreadable else ""),
              flush=True)

    try:
        done = reseal(engine, Sealer(settings.keyring), batch=options.batch, report=report)
    finally:
        engine.dispose()
    unreadable = sum(p.unreadable for p in done)
    print(f"resealed {sum(p.resealed for p in done)} values under key "
          f"{settings.keyring.current_id}"
          + (f"; {unreadable} did not open and were left as they are (see the log)"
             if unreadable else ""))
    return 1 if unreadable else 0


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
