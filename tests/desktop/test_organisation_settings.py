"""Issue 8 item 7, the organisation settings view: a coordinator sees and changes the approval
rules and authority modes of its scope, with a real server process and real replicas."""

from pathlib import Path

import pytest

from desktop.models import organisation
from desktop.qt import Qt
from desktop.refusals import explain
from desktop.views.organisation_dialog import OrganisationDialog, RuleDialog
from sync_protocol.organisation import (
    ApprovalRule,
    AuthorityAreaMode,
    AuthorityMode,
    CoordinatorKind,
    CoordinatorScope,
    Direction,
)
from tests.conftest import make_client, signed_in_window


@pytest.fixture
def hofmann(qtbot, own_server, tmp_path: Path):
    """The Bavarian coordinator's window, in German, on a server of the test's own (its
    changes would reroute other tests' Bavarian messages)."""
    with signed_in_window(qtbot, own_server.url, tmp_path / "by.hofmann", "by.hofmann",
                          "de") as made:
        yield made


def _rows(tree) -> list[list[str]]:
    return [[tree.topLevelItem(r).text(c) for c in range(tree.columnCount())]
            for r in range(tree.topLevelItemCount())]


def test_item7_a_coordinator_changes_the_rules_and_modes_of_its_scope(
        qtbot, hofmann, own_server, tmp_path: Path, monkeypatch):
    window = hofmann.window
    assert window.admin_menu.menuAction().isVisible()
    assert window.organisation_action.isVisible()
    assert window.organisation_action.text() == "Organisationseinstellungen…"
    shown: list[OrganisationDialog] = []
    monkeypatch.setattr(OrganisationDialog, "exec",
                        lambda self: shown.append(self) or self.show())
    window.organisation_action.trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    dialog = shown[0]
    # The demo's rule, in German: Bavarian requests in PQ wait for this office.
    ((state, region, area, direction, approver),) = _rows(dialog.rule_list)
    assert (state, region, direction) == ("Deutschland", "Bayern", "Ausgehende Anfragen")
    assert area.startswith("Berufsqualifikationen")
    assert approver == hofmann.reader.authority("sdimic-DE-BY")["official_name"]
    assert dialog.add_rule.isEnabled() and dialog.offline.isHidden()

    # A new rule in scope: Bavarian replies in PQ need this office's approval too.
    def choose(rule_dialog: RuleDialog) -> int:
        assert rule_dialog.approver.currentData() == "sdimic-DE-BY"  # itself, by default
        rule_dialog.region.setCurrentIndex(rule_dialog.region.findData("Bayern"))
        rule_dialog.direction.setCurrentIndex(rule_dialog.direction.findData("reply"))
        rule_dialog.save.click()
        return rule_dialog.result()

    monkeypatch.setattr(RuleDialog, "exec", choose)
    dialog.add_rule.click()
    qtbot.waitUntil(lambda: dialog.rule_list.topLevelItemCount() == 2, timeout=10_000)
    assert dialog.error.text() == ""
    assert dialog.rule_list.currentItem().text(3) == "Antworten"

    # An authority's mode: the Bavarian dental chamber only sends in PQ.
    dialog.mode_authority.setCurrentIndex(dialog.mode_authority.findData("DE-BLZK"))
    dialog.mode_area.setCurrentIndex(dialog.mode_area.findData("PQ"))
    dialog.mode_choice.setCurrentIndex(dialog.mode_choice.findData("send"))
    dialog.set_mode.click()
    qtbot.waitUntil(lambda: dialog.mode_list.topLevelItemCount() == 1, timeout=10_000)
    assert dialog.mode_list.topLevelItem(0).text(2) == "Nur senden"

    # Outside the scope (France): the server refuses, the dialog says why, in German.
    dialog.sig_rule_requested.emit(ApprovalRule(
        member_state="FR", area="PQ", direction=Direction.REQUEST,
        coordinator_authority_id="sdimic-DE-BY"), True)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=10_000)
    assert dialog.error.text() == explain("outside_scope", {"member_state": "FR"})
    assert "Frankreich" in dialog.error.text()
    assert dialog.rule_list.topLevelItemCount() == 2
    dialog.close()

    # Both changes reach another replica with its next sync.
    other = make_client(own_server.url, "de.huber", tmp_path / "de.huber")
    try:
        other.sync()
        assert ApprovalRule(member_state="DE", region="Bayern", area="PQ",
                            direction=Direction.REPLY,
                            coordinator_authority_id="sdimic-DE-BY"
                            ) in organisation.rules(other.replica)
        assert AuthorityAreaMode(authority_id="DE-BLZK", area="PQ", mode=AuthorityMode.SEND
                                 ) in organisation.modes(other.replica)
        assert not any(r.member_state == "FR" for r in organisation.rules(other.replica))
    finally:
        other.close()


def test_item7_offline_the_settings_are_shown_read_only(qtbot):
    scope = CoordinatorScope(authority_id="sdimic-DE-BY", kind=CoordinatorKind.SDIMIC,
                             member_state="DE", region="Bayern")
    rule = ApprovalRule(member_state="DE", region="Bayern", area="PQ",
                        direction=Direction.REQUEST, coordinator_authority_id="sdimic-DE-BY")
    settings = organisation.Settings(
        scope=scope, rules=(rule,), modes=(), coordinators=(scope,),
        authorities=(("DE-BLZK", "Bayerische Landeszahnärztekammer", "DE", "Bayern"),),
        names={"sdimic-DE-BY": "StMWi"}, areas=())
    dialog = OrganisationDialog(settings, online=False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.rule_list.setCurrentItem(dialog.rule_list.topLevelItem(0))
    assert dialog.offline.isVisible()
    assert _rows(dialog.rule_list) == [["Germany", "Bayern", "PQ", "Outgoing requests",
                                        "StMWi"]]
    for button in (dialog.add_rule, dialog.change_rule, dialog.remove_rule, dialog.set_mode):
        assert not button.isEnabled()
    dialog.set_online(True)
    assert dialog.offline.isHidden()
    assert dialog.change_rule.isEnabled() and dialog.remove_rule.isEnabled()
    assert dialog.rule_list.currentItem().data(0, Qt.ItemDataRole.UserRole) == rule.id
