"""The fields of an authority that registers, and of its first local data administrator.

Shared by the self-registration dialog (an authority with no account yet) and the
coordinator's registration dialog. ``details()`` checks the input with the protocol's own
messages and says, in the UI language, which field is wrong.
"""

from collections.abc import Sequence

from pydantic import ValidationError

from desktop import formatting
from desktop.i18n import N_, _, current_language
from desktop.labels import label
from desktop.qt import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    Qt,
    QVBoxLayout,
    QWidget,
    named,
)
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.directory import EEA_STATES
from sync_protocol.languages import LANGUAGES, localized
from sync_protocol.registration import (
    LEVELS,
    AdministratorDetails,
    AuthorityDetails,
)

LEVEL_NAMES = {
    "national": N_("national"),
    "regional": N_("regional"),
    "local": N_("local"),
}

# The field a validation error names -> what the form calls it.
FIELD_NAMES = {
    "official_name": N_("Official name"),
    "member_state": N_("Member state"),
    "region": N_("Region"),
    "city": N_("City"),
    "email": N_("E-mail address"),
    "phone": N_("Telephone"),
    "areas": N_("Legislative areas"),
    "username": N_("User name"),
    "display_name": N_("Full name"),
}


def field_problem(error: ValidationError) -> str:
    """The first problem of ``error`` as a sentence naming the form's field."""
    where = next((str(part) for part in reversed(error.errors()[0]["loc"])
                  if str(part) in FIELD_NAMES), "")
    if not where:
        return _("Some entries are incomplete or invalid.")
    return _("Check the field “{field}”.").format(field=_(FIELD_NAMES[where]))


class AuthorityFields(QWidget):
    """Two groups side by side: the authority as the directory will show it, and the person
    who will administer its users."""

    def __init__(self, areas: Sequence[LegislativeArea] = (), *,
                 member_state: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        who = QGroupBox(_("Authority"))
        form = QFormLayout(who)
        self.official_name = named(QLineEdit(), "officialName")
        self.official_name.setPlaceholderText(_("in the authority's own language"))
        self.member_state = named(QComboBox(), "memberState")
        states = sorted(EEA_STATES, key=formatting.country_name)
        for code in states:
            self.member_state.addItem(formatting.country_name(code), code)
        self.member_state.setCurrentIndex(max(0, self.member_state.findData(member_state)))
        self.region = named(QLineEdit(), "region")
        self.level = named(QComboBox(), "level")
        for level in LEVELS:
            self.level.addItem(label(LEVEL_NAMES, level), level)
        self.city = named(QLineEdit(), "city")
        self.email = named(QLineEdit(), "email")
        self.phone = named(QLineEdit(), "phone")
        form.addRow(_("Official name"), self.official_name)
        form.addRow(_("Member state"), self.member_state)
        form.addRow(_("Region"), self.region)
        form.addRow(_("Level"), self.level)
        form.addRow(_("City"), self.city)
        form.addRow(_("E-mail address"), self.email)
        form.addRow(_("Telephone"), self.phone)
        self.areas = named(QListWidget(), "areas")
        # Area names are long ("Professional qualifications (Directive 2005/36/EC)"): they
        # wrap rather than scroll sideways.
        self.areas.setWordWrap(True)
        self.areas.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.areas.setMinimumHeight(90)
        self.areas.setMaximumHeight(160)
        form.addRow(_("Legislative areas"), self.areas)
        self.set_areas(areas)
        layout.addWidget(who, 2)

        admin = QGroupBox(_("Local data administrator"))
        admin_layout = QVBoxLayout(admin)
        admin_form = QFormLayout()
        self.username = named(QLineEdit(), "adminUsername")
        self.display_name = named(QLineEdit(), "adminName")
        self.language = named(QComboBox(), "adminLanguage")
        for code in sorted(LANGUAGES, key=formatting.language_name):
            self.language.addItem(formatting.language_name(code), code)
        self.language.setCurrentIndex(max(0, self.language.findData(current_language())))
        admin_form.addRow(_("User name"), self.username)
        admin_form.addRow(_("Full name"), self.display_name)
        admin_form.addRow(_("Language"), self.language)
        admin_layout.addLayout(admin_form)
        admin_layout.addStretch(1)
        layout.addWidget(admin, 1)

    def set_areas(self, areas: Sequence[LegislativeArea]) -> None:
        self.areas.clear()
        for area in areas:
            item = QListWidgetItem(localized(area.names, current_language()))
            item.setData(Qt.ItemDataRole.UserRole, area.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.areas.addItem(item)

    def checked_areas(self) -> tuple[str, ...]:
        return tuple(str(self.areas.item(row).data(Qt.ItemDataRole.UserRole))
                     for row in range(self.areas.count())
                     if self.areas.item(row).checkState() == Qt.CheckState.Checked)

    def details(self) -> tuple[AuthorityDetails, AdministratorDetails] | str:
        """The entries as protocol messages, or what is wrong with them (translated)."""
        try:
            authority = AuthorityDetails(
                official_name=self.official_name.text(),
                member_state=str(self.member_state.currentData()),
                region=self.region.text(), level=self.level.currentData(),
                city=self.city.text(), email=self.email.text(), phone=self.phone.text(),
                areas=self.checked_areas())
            administrator = AdministratorDetails(
                username=self.username.text().strip(), display_name=self.display_name.text(),
                language=str(self.language.currentData()))
        except ValidationError as error:
            return field_problem(error)
        return authority, administrator
