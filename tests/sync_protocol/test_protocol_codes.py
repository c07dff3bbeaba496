"""Every refusal code raised anywhere is one of ``sync_protocol.errors.CODES``.

The client translates exactly that list (``tests/desktop/test_refusals.py``), so a code raised
but not listed would reach a user as an untranslated word. The constructor refuses unlisted
codes at run time; this test finds them in code paths no other test happens to take.
"""

import ast
from pathlib import Path

import pytest

from sync_protocol import codes as protocol_codes
from sync_protocol.errors import CODES, ProtocolError, WorkflowRefused

REPO = Path(__file__).resolve().parents[2]
RAISERS = {"ProtocolError", "LocalProtocolError", "RemoteProtocolError", "WorkflowRefused",
           "error_response"}
# ``super().__init__(code, ...)`` in the protocol's and the server's own error classes; the
# client's local errors (a profile, the replica) have codes of their own, not the protocol's.
SUBCLASS_PACKAGES = ("sync_protocol", "sync_server")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _codes_in(path: Path, raisers: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or _name(node.func) not in raisers:
            continue
        # A code is written as a string, or as a constant of ``sync_protocol.codes``.
        named = [ast.Constant(value=getattr(protocol_codes, a.id)) for a in node.args[:1]
                 if isinstance(a, ast.Name) and isinstance(getattr(protocol_codes, a.id, None),
                                                           str)]
        literals = named + [a for a in node.args if isinstance(a, ast.Constant)
                            and isinstance(a.value, str)]
        keyword = [k.value for k in node.keywords if k.arg == "code"
                   and isinstance(k.value, ast.Constant)]
        # error_response(status, code, message): the code is the first string argument.
        for constant in (literals[:1] + keyword):
            assert isinstance(constant, ast.Constant)
            found.append((node.lineno, str(constant.value)))
    return found


def test_every_code_raised_in_the_sources_is_defined_by_the_protocol():
    unknown = []
    seen = set()
    for package in ("sync_protocol", "sync_server", "desktop"):
        raisers = RAISERS | ({"__init__"} if package in SUBCLASS_PACKAGES else set())
        for path in sorted((REPO / package).rglob("*.py")):
            for line, code in _codes_in(path, raisers):
                if code.islower() and " " not in code:  # a code, not a sentence
                    seen.add(code)
                    if code not in CODES:
                        unknown.append(f"{path.relative_to(REPO)}:{line}: {code}")
    assert not unknown, "codes missing from sync_protocol.errors.CODES:\n" + "\n".join(unknown)
    # The scan really finds the codes (a scan that found nothing would pass too).
    assert {"conflict", "invalid_transition", "wrong_credentials", "mutation_gap",
            "mutation_id_reused"} <= seen


def test_a_code_outside_the_list_or_with_other_parameters_is_refused():
    with pytest.raises(ValueError, match="not a code"):
        ProtocolError("made_up", "m")
    with pytest.raises(ValueError, match="carries"):
        WorkflowRefused("conflict", "m", params={"action": "send"})
    assert WorkflowRefused("conflict", "m", params={"action": "send", "state": "sent"}).params \
        == {"action": "send", "state": "sent"}
