"""What an administrator pre-configures for every user of a machine (silent roll-out, M13).

The one place the client reads its roll-out settings. They come from Qt's system scope:

- Linux: the INI file ``/etc/xdg/IMI/imi-desk.conf`` (``IMI_SYSTEM_CONFIG_DIR`` names another
  folder to look for ``IMI/imi-desk.conf`` in, for tests and trial roll-outs);
- Windows: the registry key ``HKEY_LOCAL_MACHINE\\Software\\IMI\\imi-desk``, which the MSI
  writes from its properties and a group policy may write too.

Keys (all optional): ``server_url``, ``training_server_url``, ``language`` (``de``, ``hu``...),
``ca_bundle`` (a PEM file with the CA certificate(s) to trust for the server's TLS, in
addition to the usual ones), ``proxy`` (``http://host:port``), ``profiles_dir`` (where
profiles live; ``~``, ``$VAR`` and ``%VAR%`` are expanded per user) and ``locked`` (the keys
users may not change, comma-separated, or ``all``).

A user's own choices (made in the set-up dialog) are kept in the user scope
(``~/.config/IMI/imi-desk.conf``, ``HKEY_CURRENT_USER\\Software\\IMI\\imi-desk``) and win over
the machine's defaults, except for locked keys: there the machine's value always applies.
``IMI_SERVER_URL`` in the environment pre-fills the server address unless it is locked.
"""

import dataclasses
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop.models.transport import Connection
from desktop.qt import QSettings
from sync_protocol.languages import LANGUAGES

ORGANISATION, APPLICATION = "IMI", "imi-desk"
SYSTEM_CONFIG_DIR_ENV = "IMI_SYSTEM_CONFIG_DIR"
SERVER_URL_ENV = "IMI_SERVER_URL"
KEYS = ("server_url", "training_server_url", "language", "ca_bundle", "proxy", "profiles_dir")
# Native: the registry on Windows, ``.conf`` INI files under XDG folders on Linux.
_FORMAT = QSettings.Format.NativeFormat


@dataclasses.dataclass(frozen=True, kw_only=True)
class MachineConfig:
    server_url: str = ""
    training_server_url: str = ""
    language: str = ""
    ca_bundle: str = ""
    proxy: str = ""
    profiles_dir: Path
    locked: frozenset[str] = frozenset()
    # Entries that were ignored, each a sentence for the administrator's log.
    problems: tuple[str, ...] = ()
    source: str = ""

    def is_locked(self, key: str) -> bool:
        return key in self.locked

    def profile_dir(self, *, training: bool) -> Path:
        """The default profile folder: training profiles live apart from production ones."""
        return self.profiles_dir / ("training" if training else "profile")

    def server_for(self, *, training: bool) -> str:
        return self.training_server_url if training else self.server_url

    @property
    def connection(self) -> Connection:
        return Connection(ca_bundle=self.ca_bundle or None, proxy=self.proxy or None)


def system_settings() -> QSettings:
    folder = os.environ.get(SYSTEM_CONFIG_DIR_ENV)
    if folder:
        QSettings.setPath(_FORMAT, QSettings.Scope.SystemScope, folder)
    return QSettings(_FORMAT, QSettings.Scope.SystemScope, ORGANISATION, APPLICATION)


def user_settings() -> QSettings:
    settings = QSettings(_FORMAT, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)
    settings.setFallbacksEnabled(False)  # the system scope is read on its own, for the locks
    return settings


def load() -> MachineConfig:
    system, user = system_settings(), user_settings()
    locked = _locks(system.value("locked"))
    problems: list[str] = []
    values: dict[str, str] = {}
    for key in KEYS:
        machine = _text(system.value(key))
        own = "" if key in locked else _text(user.value(key))
        env = os.environ.get(SERVER_URL_ENV, "") if key == "server_url" else ""
        value = machine if key in locked else (own or env or machine)
        problem = check(key, value)
        if problem:
            problems.append(problem)
            value = ""
        values[key] = expand(value) if key == "ca_bundle" else value
    profiles = values.pop("profiles_dir")
    return MachineConfig(
        **values,
        profiles_dir=Path(expand(profiles)) if profiles else default_profiles_dir(),
        locked=locked, problems=tuple(problems), source=system.fileName(),
    )


def save_user_choices(config: MachineConfig, **choices: str) -> None:
    """Keep what the user chose in the set-up dialog; locked keys are never written."""
    user = user_settings()
    for key, value in choices.items():
        if key not in KEYS:
            raise ValueError(f"unknown setting {key}")
        if not config.is_locked(key) and value != str(getattr(config, key)):
            user.setValue(key, value)
    user.sync()


def default_profiles_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "IMI"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "imi"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):  # an INI value with commas, a REG_MULTI_SZ
        return ",".join(str(v).strip() for v in value)
    return str(value).strip()


def _locks(value: Any) -> frozenset[str]:
    names: Iterable[str] = (n.strip() for n in _text(value).split(","))
    wanted = {n for n in names if n}
    return frozenset(KEYS) if wanted & {"all", "*"} else frozenset(wanted & set(KEYS))


def expand(value: str) -> str:
    return os.path.expanduser(os.path.expandvars(value))


def check(key: str, value: str) -> str | None:
    """Why ``value`` is not a valid ``key``, or None."""
    if not value:
        return None
    if key in ("server_url", "training_server_url", "proxy") and not value.startswith(
            ("http://", "https://")):
        return f"{key} {value!r} must start with http:// or https://; ignored"
    if key == "language" and value not in LANGUAGES:
        return f"language {value!r} is not a language IMI knows; ignored"
    if key == "ca_bundle":
        try:
            text = Path(expand(value)).read_text(encoding="ascii", errors="replace")
        except OSError as exc:
            return f"ca_bundle {value!r} cannot be read ({exc.strerror}); ignored"
        if "-----BEGIN CERTIFICATE-----" not in text:
            return f"ca_bundle {value!r} holds no PEM certificate; ignored"
    return None
