"""The administration screens in the gallery: registration, activation, users and roles.

They talk to the server only through their owner, so the gallery shows them with sample
answers (an application queue, an authority's users), as a coordinator and an authority's
local data administrator see them.
"""

import datetime as dt
from collections.abc import Callable, Sequence

from desktop.qt import Qt, QWidget
from desktop.refusals import explain
from desktop.views.coordination_dialogs import RegisterAuthorityDialog, RegistrationQueueDialog
from desktop.views.registration_dialogs import (
    ActivationCodeDialog,
    ActivationDialog,
    SelfRegistrationDialog,
)
from desktop.views.users_dialog import NewUserDialog, UsersDialog
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.registration import (
    AdministratorDetails,
    AuthorityDetails,
    Registration,
    UserList,
    UserSummary,
)

Shoot = Callable[[QWidget, str], None]
SUBMITTED = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)

APPLICATIONS = (
    Registration(
        id="a1", status="pending", submitted_at=SUBMITTED, coordinator_id="sdimic-DE-BY",
        authority=AuthorityDetails(
            official_name="Zahnärztlicher Bezirksverband Niederbayern", member_state="DE",
            region="Bayern", level="regional", city="Landshut",
            email="info@zbv-niederbayern.example.de", phone="+49 871 430 60", areas=("PQ",)),
        administrator=AdministratorDetails(username="zbv.huber", display_name="Maria Huber",
                                           language="de")),
    Registration(
        id="a2", status="pending", submitted_at=SUBMITTED + dt.timedelta(days=2),
        coordinator_id="sdimic-DE-BY",
        authority=AuthorityDetails(
            official_name="Gewerbeamt der Stadt Regensburg", member_state="DE",
            region="Bayern", level="local", city="Regensburg",
            email="gewerbeamt@regensburg.example.de", areas=("SERV",)),
        administrator=AdministratorDetails(username="rgb.schmid", display_name="Jonas Schmid",
                                           language="de")),
)


def _user(name: str, username: str, roles: tuple[str, ...], areas: tuple[str, ...] = ("PQ",),
          *, active: bool = True, pending: bool = False) -> UserSummary:
    return UserSummary(id=username, username=username, display_name=name, language="de",
                       roles=roles, areas=areas, active=active, activation_pending=pending)


USERS = UserList(
    authority_id="DE-LZK-BW", roles=("request_handler", "allocator", "referral_handler",
                                     "local_data_administrator"),
    areas=("PQ",),
    users=(
        _user("Anna Weber", "de.weber", ("request_handler", "allocator")),
        _user("Klaus Schneider", "de.schneider", ("local_data_administrator",
                                                  "referral_handler")),
        _user("Nora Neumann", "de.neumann", ("request_handler",), pending=True),
        _user("Peter Vogel", "de.vogel", ("allocator",), active=False),
    ))


# The screens ``render`` shoots, in its order.
SCREENS = ("self-registration", "self-registration-rejected", "activate-account",
           "activation-code", "registration-queue", "registration-queue-reason",
           "registration-queue-empty", "register-authority", "users-and-roles", "new-user")


def render(shoot: Shoot, areas: Sequence[LegislativeArea]) -> None:
    """Every administration screen, in the current UI language."""
    apply = SelfRegistrationDialog("https://imi.example.eu", areas=areas)
    apply.fields.official_name.setText(APPLICATIONS[0].authority.official_name)
    apply.fields.member_state.setCurrentIndex(apply.fields.member_state.findData("DE"))
    apply.fields.level.setCurrentIndex(apply.fields.level.findData("regional"))
    apply.fields.region.setText("Bayern")
    apply.fields.city.setText("Landshut")
    apply.fields.email.setText("info@zbv-niederbayern.example.de")
    apply.fields.username.setText("zbv.huber")
    apply.fields.display_name.setText("Maria Huber")
    apply.fields.areas.item(0).setCheckState(Qt.CheckState.Checked)
    apply.show()
    apply.show_receipt("q3Vt0dJ8mC2xW7yZ1aB4nK6pL9sE5fGh")
    shoot(apply, "self-registration")
    apply.show_status("rejected", "Bitte registrieren Sie sich über die Landeszahnärztekammer.")
    shoot(apply, "self-registration-rejected")
    apply.close()

    activate = ActivationDialog("https://imi.example.eu")
    activate.username.setText("zbv.huber")
    activate.code.setText("7K2M-Q9XD-4HRT-B8WN")
    activate.show()
    activate.show_error(explain("invalid_activation"))
    shoot(activate, "activate-account")
    activate.close()

    code = ActivationCodeDialog(username="zbv.huber", code="7K2M-Q9XD-4HRT-B8WN",
                                expires="08.12.2026")
    code.show()
    shoot(code, "activation-code")
    code.close()

    queue = RegistrationQueueDialog(APPLICATIONS, areas=areas)
    queue.show()
    shoot(queue, "registration-queue")
    queue.reject_button.click()  # no reason given yet: the dialog asks for one
    shoot(queue, "registration-queue-reason")
    queue.close()
    empty = RegistrationQueueDialog((), areas=areas)
    empty.show()
    shoot(empty, "registration-queue-empty")
    empty.close()

    register = RegisterAuthorityDialog(areas=areas, member_state="DE")
    register.show()
    register.ok_button.click()  # nothing entered: it says which field
    shoot(register, "register-authority")
    register.close()

    users = UsersDialog(USERS, areas=areas, me="de.schneider")
    users.show()
    shoot(users, "users-and-roles")
    users.close()
    new_user = NewUserDialog(roles=USERS.roles, areas=areas)
    new_user.show()
    new_user.ok_button.click()
    shoot(new_user, "new-user")
    new_user.close()
