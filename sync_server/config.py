"""Server settings: a data directory, and optionally a database URL and key from the environment.

The data directory holds the SQLite database (the embedded default) and ``server.key``, the
secret that signs cursors and seals personal data. In production ``IMI_DATABASE_URL`` points
at PostgreSQL and ``IMI_SERVER_KEY`` (64 hex digits) is given to every instance alike.
"""

import dataclasses
import os
import secrets
from pathlib import Path

from sync_server.auth.throttle import LoginLimits

KEY_FILE = "server.key"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    data_dir: Path
    database_url: str
    key: bytes
    login_limits: LoginLimits = dataclasses.field(default_factory=LoginLimits)

    @property
    def cursor_key(self) -> bytes:
        return self.key

    @property
    def seal_key(self) -> bytes:
        return self.key


class ConfigError(Exception):
    """The server cannot start with this configuration; the message says how to fix it."""


def load_settings(
    data_dir: Path, *, database_url: str | None = None, create: bool = False
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
    return Settings(
        data_dir=data_dir,
        database_url=url,
        key=_load_key(data_dir, create=create),
        login_limits=LoginLimits.from_environment(),
    )


def _load_key(data_dir: Path, *, create: bool) -> bytes:
    from_env = os.environ.get("IMI_SERVER_KEY")
    if from_env:
        try:
            key = bytes.fromhex(from_env)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ConfigError("IMI_SERVER_KEY must be 64 hexadecimal digits")
        return key
    path = data_dir / KEY_FILE
    if not path.exists():
        if not create:
            raise ConfigError(f"no {KEY_FILE} in {data_dir}: run 'imi-server init' first")
        _write_private(path, secrets.token_hex(32))
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (ValueError, UnicodeDecodeError):
        key = b""
    if len(key) != 32:
        raise ConfigError(f"{path} is damaged: it must hold 64 hexadecimal digits")
    return key


def _write_private(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600 whatever the umask, complete or not at all (temporary
    file, fsync, link, fsync of the folder). If another process created it meanwhile, its
    file stays: two ``init`` runs at once still end with one key."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
