"""Item 3 of issue 6, in the real window: a token the server no longer accepts (revoked or
expired) brings up a sign-in dialog in the officer's language, and nothing queued is lost."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.models import account, cases
from desktop.qt_locale import apply_language
from sync_server.auth.models import Token
from sync_server.cli import main as imi_server
from sync_server.db import make_engine
from sync_server.seed import DEMO_PASSWORD
from tests import factories
from tests.conftest import PASSPHRASE, make_client


def _refuse_token(how: str, data_dir, device_id: str) -> None:
    if how == "revoked":
        assert imi_server(["revoke-tokens", "--data", str(data_dir), "--device", device_id]) == 0
        return
    # Expired: unused for longer than the server's idle period (30 days by default).
    engine = make_engine(f"sqlite:///{data_dir / 'imi.db'}")
    try:
        with Session(engine) as session, session.begin():
            long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
            session.execute(update(Token).where(Token.device_id == device_id)
                            .values(last_used_at=long_ago))
    finally:
        engine.dispose()


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_item3_a_refused_token_asks_for_the_password_in_hungarian_and_keeps_the_queue(
        qtbot, live_server, tmp_path, how):
    profile, key, replica = account.set_up(tmp_path / "hu", server_url=live_server.url,
                                           username="hu.kovacs", password=DEMO_PASSWORD,
                                           passphrase=PASSPHRASE)
    replica.close()
    window_side = AppController(profile, key)  # in the user's language: Hungarian
    qtbot.addWidget(window_side.window)
    try:
        window_side.start()
        qtbot.waitUntil(lambda: window_side.sync.last_sync is not None, timeout=15_000)

        _refuse_token(how, live_server.data_dir, profile.device_id)
        case_id = uuid.uuid4().hex
        args = factories.create_args(responder="DE-LZK-BW", case_id=case_id,
                                     family_name="Szabó", questions=("PQ-GEN-Q01",))
        window_side.perform([("case.create", args), ("case.send", {"case_id": case_id})])

        qtbot.waitUntil(lambda: window_side._sign_in is not None
                        and window_side._sign_in.isVisible(), timeout=15_000)
        dialog = window_side._sign_in
        assert dialog.windowTitle() == "Ismételt bejelentkezés"
        reason = {"revoked": "Bejelentkezését megszüntették",
                  "expired": "Bejelentkezése lejárt"}[how]
        assert dialog.reason.text().startswith(reason)
        assert dialog.sign_in.text() == "Bejelentkezés"
        # Nothing queued is lost, and the window says it is signed out.
        assert window_side.reader.pending_count() == 2
        assert cases.get_case(window_side.reader, case_id) is not None
        assert window_side.window.status.sign_in.isVisible()
        assert window_side.sync.signed_out == f"token_{how}"

        # A wrong password: said so in Hungarian, the dialog stays.
        dialog.password.setText("not the password")
        dialog.sign_in.click()
        qtbot.waitUntil(lambda: dialog.error.text() == "A jelszó hibás.", timeout=10_000)
        assert window_side.reader.pending_count() == 2

        # "Later": the dialog closes; the status bar opens it again.
        dialog.reject()
        assert window_side._sign_in is None
        window_side.window.status.sign_in.click()
        dialog = window_side._sign_in
        assert dialog is not None and dialog.isVisible()

        dialog.password.setText(DEMO_PASSWORD)
        dialog.sign_in.click()
        qtbot.waitUntil(lambda: window_side.reader.pending_count() == 0, timeout=15_000)
        assert not dialog.isVisible()
        assert window_side.sync.signed_out is None
        assert not window_side.window.status.sign_in.isVisible()
    finally:
        window_side.window.close()  # as the officer closes it: hidden first, then shut down
        window_side.shutdown()
        set_language("en")
        apply_language("en")

    # The queue reached the server exactly once: the German side receives the request.
    germany = make_client(live_server.url, "de.weber", tmp_path / "de")
    germany.sync()
    received = cases.get_case(germany.replica, case_id)
    assert received is not None and received.version == 2
