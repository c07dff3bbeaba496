"""The window's Administration menu: user administration and a coordinator's registration work.

Online actions (``desktop.models.administration``) on the network lane; the dialogs show the
answers. What the menu offers follows the signed-in user's roles (``offered``); the server
decides again on every call, from the token.
"""

from collections.abc import Callable
from typing import TypeVar

from desktop import formatting
from desktop.i18n import _
from desktop.models import administration, organisation
from desktop.models.replica import Replica, ReplicaError
from desktop.models.transport import Offline, Transport
from desktop.operations import Workers
from desktop.qt import QObject, QWidget
from desktop.refusals import explain_error
from desktop.views.coordination_dialogs import RegisterAuthorityDialog, RegistrationQueueDialog
from desktop.views.organisation_dialog import OrganisationDialog
from desktop.views.registration_dialogs import ActivationCodeDialog
from desktop.views.users_dialog import NewUserDialog, UsersDialog
from desktop.views.widgets import confirm
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.messages import UserInfo
from sync_protocol.organisation import ApprovalRule, AuthorityAreaMode
from sync_protocol.registration import (
    COORDINATOR,
    LOCAL_DATA_ADMINISTRATOR,
    ActivationCodeGiven,
    AdministratorDetails,
    AuthorityDetails,
    RegistrationDecision,
    RegistrationQueue,
    UserList,
    UserRights,
)

T = TypeVar("T")


def offered(roles: tuple[str, ...] | frozenset[str]) -> tuple[bool, bool]:
    """(user administration, registration work) for a user with ``roles``."""
    return LOCAL_DATA_ADMINISTRATOR in roles, COORDINATOR in roles


def show_code(parent: QWidget, given: ActivationCodeGiven) -> None:
    ActivationCodeDialog(username=given.username, code=given.code,
                         expires=formatting.date_text(given.expires_at.date()),
                         parent=parent).exec()


class Administration(QObject):
    def __init__(self, *, window: QWidget, transport: Transport, workers: Workers,
                 reader: Replica, user: UserInfo,
                 failed: Callable[[BaseException], None],
                 published: Callable[[], None],
                 online: Callable[[], bool] = lambda: True) -> None:
        super().__init__()
        self.window, self.transport, self.workers = window, transport, workers
        self.reader, self.user = reader, user
        self._failed = failed
        # Called when an authority was published: a sync brings it into the directory.
        self._published = published
        self._online = online

    def _net(self, call: Callable[[Transport], T], success: Callable[[T], None],
             failure: Callable[[BaseException], None] | None = None) -> None:
        self.workers.run_net(lambda: call(self.transport), success=success,
                             failure=failure or self._failed)

    # -- users -------------------------------------------------------------------------

    def show_users(self) -> None:
        self._net(administration.users, self._ask_users)

    def _ask_users(self, users: UserList) -> None:
        dialog = UsersDialog(users, areas=self.reader.areas(), me=self.user.user_id,
                             parent=self.window)
        problem = lambda error: dialog.show_error(explain_error(error))  # noqa: E731

        def reload(_result: object = None, select: str | None = None) -> None:
            self._net(administration.users, lambda fresh: dialog.set_users(fresh, select),
                      problem)

        def rights(user_id: str, roles: tuple[str, ...], areas: tuple[str, ...]) -> None:
            self._net(lambda t: administration.set_rights(t, user_id, UserRights(
                roles=roles, areas=areas)), reload, problem)

        def reset(user_id: str) -> None:
            user = dialog.selected()
            if user is None or not confirm(
                    dialog, title=_("Reset password"), action=_("Reset password"),
                    text=_("Reset the password of {name}? They are signed out everywhere and "
                           "need a new activation code, which you hand over.").format(
                               name=user.display_name)):
                return

            def given(code: ActivationCodeGiven) -> None:
                show_code(dialog, code)
                reload()

            self._net(lambda t: administration.reset_password(t, user_id), given, problem)

        def active(user_id: str, value: bool) -> None:
            self._net(lambda t: administration.set_active(t, user_id, value), reload, problem)

        def new_user() -> None:
            known = {a.code: a for a in self.reader.areas()}
            ask = NewUserDialog(roles=users.roles, areas=[
                known.get(code) or LegislativeArea(code=code, names={"en": code})
                for code in users.areas], parent=dialog)
            if not ask.exec() or ask.result_user is None:
                return
            request = ask.result_user

            def created(code: ActivationCodeGiven) -> None:
                show_code(dialog, code)
                reload(select=code.user_id)

            self._net(lambda t: administration.create_user(t, request), created, problem)

        dialog.sig_rights_requested.connect(rights)
        dialog.sig_reset_requested.connect(reset)
        dialog.sig_active_requested.connect(active)
        dialog.sig_new_user_requested.connect(new_user)
        dialog.exec()

    # -- registration --------------------------------------------------------------------

    def show_registrations(self) -> None:
        self._net(administration.queue, self._ask_registrations)

    def _ask_registrations(self, queue: RegistrationQueue) -> None:
        dialog = RegistrationQueueDialog(queue.registrations, areas=self.reader.areas(),
                                         parent=self.window)
        problem = lambda error: dialog.show_error(explain_error(error))  # noqa: E731

        def approved(decision: RegistrationDecision) -> None:
            dialog.decided(decision.registration_id or "")
            if decision.activation is not None:
                show_code(dialog, decision.activation)
            self._published()

        def approve(registration_id: str) -> None:
            self._net(lambda t: administration.approve(t, registration_id), approved, problem)

        def reject(registration_id: str, reason: str) -> None:
            self._net(lambda t: administration.reject(t, registration_id, reason),
                      lambda d: dialog.decided(d.registration_id or ""), problem)

        dialog.sig_approve_requested.connect(approve)
        dialog.sig_reject_requested.connect(reject)
        dialog.exec()

    def register_authority(self) -> None:
        dialog = RegisterAuthorityDialog(areas=self.reader.areas(),
                                         member_state=self.user.member_state,
                                         parent=self.window)

        def registered(decision: RegistrationDecision) -> None:
            dialog.accept()
            if decision.activation is not None:
                show_code(self.window, decision.activation)
            self._published()

        def register(authority: AuthorityDetails, admin: AdministratorDetails) -> None:
            self._net(lambda t: administration.register_authority(
                t, authority=authority, administrator=admin), registered,
                lambda error: dialog.show_error(explain_error(error)))

        dialog.sig_register_requested.connect(register)
        dialog.exec()

    # -- organisation ------------------------------------------------------------------------

    def show_organisation(self) -> None:
        """The rules and modes of the coordinator's scope, read on the DB lane (offline too)."""
        authority_id = self.user.authority_id
        self.workers.run_db(lambda replica: organisation.settings(replica, authority_id),
                            success=self._ask_organisation, failure=self._failed)

    def _ask_organisation(self, settings: organisation.Settings | None) -> None:
        if settings is None:  # the replica holds no scope for this authority
            self._failed(ReplicaError("not_a_coordinator", "no coordinator scope synced"))
            return
        dialog = OrganisationDialog(settings, online=self._online(), parent=self.window)

        def problem(error: BaseException) -> None:
            dialog.set_online(not isinstance(error, Offline))
            dialog.show_error(explain_error(error, authority_name=settings.names.get))

        def rule(change: ApprovalRule, active: bool) -> None:
            def changed(done: ApprovalRule) -> None:
                dialog.rule_changed(done, active)
                self._published()

            self._net(lambda t: organisation.change_rule(t, change, active=active), changed,
                      problem)

        def mode(change: AuthorityAreaMode) -> None:
            def changed(done: AuthorityAreaMode) -> None:
                dialog.mode_changed(done)
                self._published()

            self._net(lambda t: organisation.set_mode(t, change), changed, problem)

        dialog.sig_rule_requested.connect(rule)
        dialog.sig_mode_requested.connect(mode)
        dialog.exec()
