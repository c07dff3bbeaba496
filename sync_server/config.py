"""Server settings: a data directory, and optionally a database URL, keys and token lifetimes.

The data directory holds the SQLite database (the embedded default) and, unless placed
elsewhere, the key file ``server.key``: the master keys from which the cursor-signing and
data-sealing keys are derived (see ``keys``). Keep the key file out of database backups: a
backup and its key together reveal every sealed record. In production ``IMI_DATABASE_URL``
points at PostgreSQL, and every instance reads the same key file (``--key-file`` or
``IMI_KEY_FILE``) or the same ``IMI_SERVER_KEY``.

Tokens: a device's token is needed only to sync, never to work, so it may live long. It
expires after ``token_idle`` without any use (sliding: each sync renews it) and in any case
``token_max_age`` after sign-in. The defaults, 30 days idle and 90 days in all, let an officer
work offline through a long absence and sign in once on return, while a token copied off a
lost laptop stops working within a quarter even if the thief keeps syncing with it.
"""

import dataclasses
import datetime as dt
import os
from pathlib import Path

from sync_server.auth.throttle import LoginLimits
from sync_server.keys import Keyring, KeyringError, read_key_file, write_key_file
from sync_server.translation.provider import TranslationSettings

KEY_FILE = "server.key"
DEFAULT_TOKEN_IDLE_DAYS = 30.0
DEFAULT_TOKEN_MAX_DAYS = 90.0


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    data_dir: Path
    database_url: str
    keyring: Keyring
    token_idle: dt.timedelta = dt.timedelta(days=DEFAULT_TOKEN_IDLE_DAYS)
    token_max_age: dt.timedelta = dt.timedelta(days=DEFAULT_TOKEN_MAX_DAYS)
    login_limits: LoginLimits = dataclasses.field(default_factory=LoginLimits)
    # Who may read /metrics (``metrics.METRICS_ACCESS``): the same machine only, by default.
    metrics_access: str = "loopback"
    # Machine translation of free text: off (None) unless the administrator names an engine.
    translation: TranslationSettings | None = None

    @property
    def cursor_key(self) -> bytes:
        return self.keyring.cursor_key

    @property
    def cursor_keys(self) -> tuple[bytes, ...]:
        return self.keyring.cursor_keys


class ConfigError(Exception):
    """The server cannot start with this configuration; the message says how to fix it."""


def key_file_path(data_dir: Path, key_file: Path | None = None) -> Path:
    """Where the key file is: ``--key-file``, else ``IMI_KEY_FILE``, else in the data dir."""
    if key_file is not None:
        return key_file.resolve()
    from_env = os.environ.get("IMI_KEY_FILE")
    return Path(from_env).resolve() if from_env else data_dir.resolve() / KEY_FILE


def load_settings(
    data_dir: Path,
    *,
    database_url: str | None = None,
    key_file: Path | None = None,
    create: bool = False,
    token_idle_days: float | None = None,
    token_max_days: float | None = None,
) -> Settings:
    data_dir = data_dir.resolve()
    if create and not data_dir.exists():
        try:
            # Owner only: the key and the database live here (mkdir's mode is umasked).
            data_dir.mkdir(mode=0o700, parents=True)
            data_dir.chmod(0o700)
        except OSError as exc:
            raise ConfigError(f"cannot create the data directory {data_dir}: {exc.strerror}"
                              ) from exc
    if create and not data_dir.is_dir():
        raise ConfigError(f"cannot create the data directory {data_dir}: a file is there")
    if not data_dir.is_dir():
        raise ConfigError(f"no data directory {data_dir}: run 'imi-server init --data {data_dir}'")
    url = database_url or os.environ.get("IMI_DATABASE_URL") or f"sqlite:///{data_dir / 'imi.db'}"
    path = key_file_path(data_dir, key_file)
    idle = _days("IMI_TOKEN_IDLE_DAYS", token_idle_days, DEFAULT_TOKEN_IDLE_DAYS)
    max_age = _days("IMI_TOKEN_MAX_DAYS", token_max_days, DEFAULT_TOKEN_MAX_DAYS)
    return Settings(
        data_dir=data_dir,
        database_url=url,
        keyring=load_keyring(path, create=create),
        token_idle=dt.timedelta(days=idle),
        token_max_age=dt.timedelta(days=max(idle, max_age)),
        login_limits=LoginLimits.from_environment(),
        translation=load_translation(),
    )


def load_translation(url: str | None = None, *, engine_name: str | None = None,
                     timeout_s: float | None = None) -> TranslationSettings | None:
    """The machine-translation engine: ``--translation-url`` or ``IMI_TRANSLATION_URL`` (a
    LibreTranslate server), its key in ``IMI_TRANSLATION_API_KEY`` (never on the command line,
    where other users of the machine could read it), the name readers see
    (``IMI_TRANSLATION_ENGINE``, default LibreTranslate) and the time it may take
    (``IMI_TRANSLATION_TIMEOUT``, seconds, default 15). No URL: machine translation is off."""
    url = url or os.environ.get("IMI_TRANSLATION_URL")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ConfigError("the machine-translation URL must start with http:// or https://")
    if timeout_s is None:
        text = os.environ.get("IMI_TRANSLATION_TIMEOUT")
        try:
            timeout_s = float(text) if text else 15.0
        except ValueError:
            raise ConfigError("IMI_TRANSLATION_TIMEOUT must be a number of seconds") from None
    if not 0 < timeout_s <= 120:
        raise ConfigError("the machine-translation timeout must be between 0 and 120 seconds")
    name = engine_name or os.environ.get("IMI_TRANSLATION_ENGINE") or "LibreTranslate"
    return TranslationSettings(url=url, engine_name=name[:100], timeout_s=timeout_s,
                               api_key=os.environ.get("IMI_TRANSLATION_API_KEY") or None)


def _days(variable: str, given: float | None, default: float) -> float:
    if given is None:
        text = os.environ.get(variable)
        try:
            given = float(text) if text else default
        except ValueError:
            raise ConfigError(f"{variable} must be a number of days") from None
    if not 0 < given <= 3650:
        raise ConfigError(f"{variable} must be between 0 and 3650 days")
    return given


def load_keyring(path: Path, *, create: bool) -> Keyring:
    """The keys from ``IMI_SERVER_KEY``, else from the key file (made on ``create``)."""
    from_env = os.environ.get("IMI_SERVER_KEY")
    try:
        if from_env:
            return Keyring.from_text(from_env, source="IMI_SERVER_KEY")
        if not path.exists():
            if not create:
                raise ConfigError(f"no key file {path}: run 'imi-server init' first, or give "
                                  "its place with --key-file or IMI_KEY_FILE")
            write_key_file(path, Keyring.generate(), replace=False)
        return read_key_file(path)
    except KeyringError as exc:
        raise ConfigError(str(exc)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the key file {path}: {exc.strerror}") from None
