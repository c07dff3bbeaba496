"""``imi-desk self-test``: proof that an installed client works on this machine.

Sets up a throw-away profile against the configured (or given) server with the machine's
roll-out settings, opens it with its passphrase as a user would, syncs it through the real
window and sync controller, and checks what an installation must bring: the SQLCipher module
(the replica is encrypted), the UI catalogues and Qt's own translations. Prints one line per
check and exits 0 only if all passed; the profile is removed either way.
"""

import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.i18n import _, set_language
from desktop.machine_config import MachineConfig
from desktop.models import account
from desktop.models import profile as profiles
from desktop.models.transport import Offline, ServerRefused

if TYPE_CHECKING:
    from desktop.controller import AppController

SYNC_TIMEOUT_MS = 60_000


class SelfTestFailed(Exception):
    pass


def run_self_test(config: MachineConfig, *, server_url: str, username: str, password: str,
                  training: bool = False, language: str | None = None) -> int:
    folder = Path(tempfile.mkdtemp(prefix="imi-self-test-"))
    try:
        for line in _checks(config, folder / "profile", server_url=server_url,
                            username=username, password=password, training=training,
                            language=language or config.language or "de"):
            print(f"ok: {line}")
    except (SelfTestFailed, Offline, ServerRefused) as exc:
        print(f"imi-desk self-test failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("imi-desk self-test passed")
    return 0


def _checks(config: MachineConfig, path: Path, *, server_url: str, username: str,
            password: str, training: bool, language: str) -> list[str]:
    from desktop.controller import AppController
    from desktop.qt import QApplication
    from desktop.qt_locale import apply_language, qt_translation_loaded

    QApplication.instance() or QApplication(sys.argv[:1])
    done = []
    if not server_url:
        raise SelfTestFailed("no server address: give --server-url or configure server_url")
    passphrase = secrets.token_urlsafe(16)
    _profile, _key, replica = account.set_up(
        path, server_url=server_url, username=username, password=password,
        passphrase=passphrase, training=training, connection=config.connection)
    replica.close()
    done.append(f"signed in to {server_url} as {username} and created an encrypted profile")
    profile, key = profiles.unlock(path, passphrase)
    done.append("opened the profile with its passphrase (SQLCipher)")

    set_language(language)
    apply_language(language)
    if language != "en" and _("Unlock IMI") == "Unlock IMI":
        raise SelfTestFailed(f"the UI catalogue for {language!r} is missing")
    if language != "en" and not qt_translation_loaded():
        raise SelfTestFailed(f"Qt's own translation for {language!r} is missing")
    done.append(f"UI and Qt translations for {language!r} loaded")

    controller = AppController(profile, key, language=language, connection=config.connection)
    try:
        _start_and_wait_for_first_sync(controller)
        if controller.sync.problem or controller.sync.online is not True:
            raise SelfTestFailed(f"sync failed: {controller.sync.problem or 'offline'}")
        areas = controller.reader.areas()
        if not areas:
            raise SelfTestFailed("the sync brought no catalogue")
        done.append(f"synced with the server through the window: {len(areas)} area(s), "
                    f"{controller.reader.count_cases('all')} case(s)")
    finally:
        controller.window.close()
        controller.shutdown()
    return done


def _start_and_wait_for_first_sync(controller: "AppController") -> None:
    from desktop.qt import QEventLoop, QTimer

    loop = QEventLoop()
    timer = QTimer(singleShot=True)
    timer.timeout.connect(loop.quit)
    controller.sync.sig_status_changed.connect(loop.quit)
    timer.start(SYNC_TIMEOUT_MS)
    controller.start()
    loop.exec()
    if not timer.isActive():
        raise SelfTestFailed(f"no sync finished within {SYNC_TIMEOUT_MS // 1000} s")
    timer.stop()
