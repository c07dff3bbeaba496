"""Qt fixtures: the real main window over a real profile synced with the live server."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.controller import AppController
from tests.conftest import LiveServer, signed_in_window


@pytest.fixture
def controller(qtbot, live_server: LiveServer, tmp_path: Path) -> Iterator[AppController]:
    with signed_in_window(qtbot, live_server.url, tmp_path / "de.weber", "de.weber", "de") as made:
        yield made
