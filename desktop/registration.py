"""Before a profile exists: applying to register an authority, and activating an account.

Opened from the set-up dialog with the server address and connection typed there. Each call
runs on a network lane of its own (``Background``); answers come back on the GUI thread and
refusals are explained in the UI language.
"""

from collections.abc import Callable
from typing import TypeVar

from desktop.i18n import _
from desktop.models import administration
from desktop.models.transport import Connection, Transport
from desktop.operations import Background
from desktop.qt import QMessageBox, QWidget
from desktop.refusals import explain_error
from desktop.views.registration_dialogs import ActivationDialog, SelfRegistrationDialog
from sync_protocol.registration import (
    AdministratorDetails,
    AuthorityDetails,
    RegistrationReceipt,
    RegistrationStatus,
)

T = TypeVar("T")


class _Lane:
    """A network lane and a transport per server address, closed with the dialog."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.background = Background("imi-register")
        self._transports: list[Transport] = []

    def run(self, server_url: str, call: Callable[[Transport], T], *,
            success: Callable[[T], None], failure: Callable[[str], None]) -> None:
        transport = Transport(server_url, connection=self.connection)
        self._transports.append(transport)
        self.background.run_net(lambda: call(transport), success=success,
                                failure=lambda error: failure(explain_error(error)))

    def close(self) -> None:
        for transport in self._transports:
            transport.abort()
        self.background.shutdown()
        for transport in self._transports:
            transport.close()


def self_registration(parent: QWidget | None, *, server_url: str,
                      connection: Connection) -> SelfRegistrationDialog:
    """Open the application form (modal); the areas are asked of the server first."""
    lane = _Lane(connection)
    dialog = SelfRegistrationDialog(server_url, parent=parent)

    def load_areas(url: str) -> None:
        if url:
            lane.run(url, administration.area_choices,
                     success=lambda choices: dialog.set_areas(choices.areas),
                     failure=dialog.show_error)

    def submit(url: str, authority: AuthorityDetails, admin: AdministratorDetails) -> None:
        def applied(receipt: RegistrationReceipt) -> None:
            dialog.show_receipt(receipt.reference)

        lane.run(url, lambda t: administration.apply(t, authority=authority,
                                                     administrator=admin),
                 success=applied, failure=dialog.show_error)

    def check(url: str, reference: str) -> None:
        def told(status: RegistrationStatus) -> None:
            dialog.show_status(status.status, status.reason)

        lane.run(url, lambda t: administration.status(t, reference=reference),
                 success=told, failure=dialog.status.setText)

    dialog.sig_areas_requested.connect(load_areas)
    dialog.sig_submit_requested.connect(submit)
    dialog.sig_status_requested.connect(check)
    dialog.finished.connect(lambda _result: lane.close())
    load_areas(server_url)
    return dialog


def activation(parent: QWidget | None, *, server_url: str,
               connection: Connection) -> ActivationDialog:
    lane = _Lane(connection)
    dialog = ActivationDialog(server_url, parent=parent)

    def activate(url: str, username: str, code: str, password: str) -> None:
        def done(_state: object) -> None:
            QMessageBox.information(dialog, _("Account activated"),
                                    _("Your password is set. Sign in with your user name "
                                      "and the new password."))
            dialog.accept()

        lane.run(url, lambda t: administration.activate(t, username=username, code=code,
                                                        password=password),
                 success=done, failure=dialog.show_error)

    dialog.sig_activate_requested.connect(activate)
    dialog.finished.connect(lambda _result: lane.close())
    return dialog

