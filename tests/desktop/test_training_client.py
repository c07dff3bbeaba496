"""The client side of the training system (issue 11, item 3): training profiles live apart,
talk only to training servers (and production ones only to production servers), and every
window is marked while one is open."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop import local_server
from desktop.app import ProfileOpener
from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.machine_config import MachineConfig
from desktop.models import account, cases
from desktop.models.db_lane import InlineLane
from desktop.models.sync_engine import SyncEngine
from desktop.models.transport import Transport, WrongSystem
from desktop.qt import QDialog, QLabel, QMessageBox, QVBoxLayout
from desktop.qt_locale import apply_language
from desktop.views.training_banner import BANNER_NAME, TrainingMarker
from desktop.views.unlock_dialog import SetupForm
from sync_server.cases.models import Case
from sync_server.db import make_engine
from sync_server.training import TRAINING_PASSWORD
from tests.conftest import PASSPHRASE, LiveServer
from tests.factories import create_args


@pytest.fixture(scope="session")
def training_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("training-server")
    local_server.init(data_dir, training=True)
    server = LiveServer(data_dir=data_dir, port=local_server.free_port())
    server.start()
    yield server
    server.stop()


def _form(url: str, username: str, password: str) -> SetupForm:
    return SetupForm(server_url=url, username=username, password=password,
                     passphrase=PASSPHRASE)


def test_training_profiles_have_their_own_default_folder(tmp_path):
    config = MachineConfig(profiles_dir=tmp_path)

    assert ProfileOpener(None, config=config, training=True).profile_dir == tmp_path / "training"
    assert ProfileOpener(None, config=config).profile_dir == tmp_path / "profile"


def test_set_up_refuses_a_server_of_the_other_kind_and_writes_nothing(
        training_server, live_server, tmp_path):
    config = MachineConfig(profiles_dir=tmp_path)
    production = ProfileOpener(None, config=config)
    training = ProfileOpener(None, config=config, training=True)

    refused = production.set_up(_form(training_server.url, "de.weber", TRAINING_PASSWORD))
    assert refused is not None and "training system" in refused
    refused = training.set_up(_form(live_server.url, "de.weber", "imi-demo"))
    assert refused is not None and "production system" in refused
    assert not any(tmp_path.iterdir())

    assert training.set_up(_form(training_server.url, "de.weber", TRAINING_PASSWORD)) is None
    assert training.profile is not None and training.profile.training
    assert training.profile.path == tmp_path / "training"


def test_a_training_profile_never_sends_to_a_production_server(training_server, live_server,
                                                               tmp_path):
    profile, _key, replica = account.set_up(
        tmp_path / "t", server_url=training_server.url, username="hu.kovacs",
        password=TRAINING_PASSWORD, passphrase=PASSPHRASE, training=True)
    transport = Transport(training_server.url, token=replica.get_meta("token"), training=True)
    engine = SyncEngine(transport=transport, device_id=profile.device_id, db=InlineLane(replica))
    try:
        engine.sync()
        assert replica.count_cases("all") > 0  # practice cases arrived
        practice = create_args(responder="DE-LZK-BW")
        cases.perform(replica, name="case.create", args=practice)

        transport.base_url = live_server.url  # the address now leads to production
        with pytest.raises(WrongSystem):
            engine.sync()

        assert replica.pending_count() == 1  # kept, not sent
        production = make_engine(f"sqlite:///{live_server.data_dir / 'imi.db'}")
        try:
            with Session(production) as session:
                assert session.scalar(select(Case).where(Case.id == practice["case_id"])) is None
        finally:
            production.dispose()
    finally:
        transport.close()
        replica.close()


def test_a_production_profile_refuses_a_training_server(training_server, live_server,
                                                        tmp_path):
    profile, _key, replica = account.set_up(
        tmp_path / "p", server_url=live_server.url, username="de.weber", password="imi-demo",
        passphrase=PASSPHRASE)
    transport = Transport(training_server.url, token=replica.get_meta("token"),
                          training=profile.training)
    try:
        with pytest.raises(WrongSystem):
            transport.meta()
        with pytest.raises(WrongSystem):  # an answer's header is checked as well
            transport.wait("", timeout=0)
    finally:
        transport.close()
        replica.close()


@pytest.fixture
def marked_app(qapp) -> Iterator[TrainingMarker]:
    marker = TrainingMarker(qapp)
    yield marker
    qapp.removeEventFilter(marker)
    marker.deleteLater()
    set_language("en")
    apply_language("en")


def test_every_window_of_a_training_profile_is_marked(qtbot, marked_app, training_server,
                                                      tmp_path):
    profile, key, replica = account.set_up(
        tmp_path / "t", server_url=training_server.url, username="de.weber",
        password=TRAINING_PASSWORD, passphrase=PASSPHRASE, training=True)
    replica.close()
    controller = AppController(profile, key, language="de")
    qtbot.addWidget(controller.window)
    dialog = QDialog()
    QVBoxLayout(dialog).addWidget(QLabel("content", objectName="content"))
    dialog.setWindowTitle("Ein Dialog")
    qtbot.addWidget(dialog)
    box = QMessageBox(QMessageBox.Icon.Warning, "Hinweis", "Text")
    qtbot.addWidget(box)
    try:
        for window in (controller.window, dialog, box):
            window.show()
            qtbot.waitExposed(window)
            banner = window.findChild(QLabel, BANNER_NAME)
            assert banner is not None and banner.isVisible()
            assert banner.text() == "SCHULUNG — nur Übungsdaten"
            assert banner.geometry().top() == 0 and banner.width() == window.width()
            assert window.width() >= banner.sizeHint().width()  # the whole text shows
            assert window.windowTitle().startswith("SCHULUNG — ")
            # The banner covers nothing: the window's contents start below it.
            assert window.contentsRect().top() >= banner.height()
        assert dialog.findChild(QLabel, "content").geometry().top() >= (
            dialog.findChild(QLabel, BANNER_NAME).height())

        set_language("hu")  # the marking follows the language
        banner = controller.window.findChild(QLabel, BANNER_NAME)
        assert banner.text() == "GYAKORLÁS — csak gyakorlóadatok"
        assert controller.window.windowTitle().startswith("GYAKORLÁS — ")
        assert "SCHULUNG" not in controller.window.windowTitle()
    finally:
        controller.shutdown()

