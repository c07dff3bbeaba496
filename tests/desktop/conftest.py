"""Qt fixtures: the real main window over a real profile synced with the live server."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.models import account
from desktop.qt_locale import apply_language
from sync_server.seed import DEMO_PASSWORD
from tests.conftest import PASSPHRASE, LiveServer


@pytest.fixture
def controller(qtbot, live_server: LiveServer, tmp_path: Path) -> Iterator[AppController]:
    profile, key, replica = account.set_up(tmp_path / "de.weber", server_url=live_server.url,
                                           username="de.weber", password=DEMO_PASSWORD,
                                           passphrase=PASSPHRASE)
    replica.close()
    made = AppController(profile, key, language="de")
    qtbot.addWidget(made.window)
    with qtbot.waitSignal(made.sync.sig_status_changed, timeout=15_000):
        made.start()
    yield made
    made.shutdown()
    set_language("en")
    apply_language("en")
