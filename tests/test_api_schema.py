"""Schemathesis against the real server process: no 5xx, and every answer matches the schema.

A server of its own (the session's ``live_server`` serves other tests, whose data this must
not disturb), signed in as a demo officer: every generated request carries a valid token, so
the generated bodies and parameters reach the routes' own checks rather than stopping at
401. A push is sent for the signed-in device; when the server answers ``mutation_gap`` it is
sent again with the ids it expects, so generated mutations reach the argument checks too.
Sign-in limits are the defaults except the refusal pause (no flood here to slow down).
"""

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from desktop import local_server
from sync_protocol.version import PROTOCOL_VERSION
from sync_server.app import api
from sync_server.seed import DEMO_PASSWORD
from tests.conftest import demo_seed, server_data

EXAMPLES_PER_ROUTE = int(os.environ.get("IMI_SCHEMATHESIS_EXAMPLES", "150"))
DEVICE_ID = "5c4e3a" + "0" * 26


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The demo data as ``init --demo`` made it for this run, copied (not seeded again).
    data_dir = server_data(demo_seed(tmp_path_factory), tmp_path_factory.mktemp("api-server"))
    # Five wrong sign-ins per address, then 429 at once: hundreds of generated sign-ins would
    # otherwise each cost a full Argon2 hash.
    process, url = local_server.start(data_dir, env={
        "IMI_LOGIN_REFUSAL_PAUSE": "0", "IMI_LOGIN_LIMIT_PER_ADDRESS": "5 per hour"})
    try:
        yield url
    finally:
        local_server.stop(process)


@pytest.fixture(scope="module")
def api_token(api_server: str) -> str:
    answer = requests.post(api_server + "/v1/auth/login", timeout=30, json={
        "protocol_version": PROTOCOL_VERSION, "username": "de.weber", "password": DEMO_PASSWORD,
        "device_id": DEVICE_ID})
    answer.raise_for_status()
    return str(answer.json()["token"])


# The document the server serves at /openapi.json, built without a database (schemathesis's
# lazy fixture loader does not run on pytest 9.2); the calls go to the real server.
schema = schemathesis.openapi.from_dict(api().openapi())
# Every check but "schema-valid data is accepted": a schema cannot say that a cursor's
# signature must verify, that a user name must exist, or what the workflow allows next;
# such requests are refused with a 4xx code, which the other checks hold to the schema.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
COUNTS: dict[str, dict[str, int]] = {}


def _count(label: str, status: int) -> None:
    per_route = COUNTS.setdefault(label, {})
    per_route[str(status)] = per_route.get(str(status), 0) + 1


def _for_our_device(case: Any) -> bool:
    """Point a generated push at the signed-in device, if it names a well-formed device (a
    case generated with a missing or malformed device id keeps it, and must be refused)."""
    if case.path != "/v1/sync/push" or not isinstance(case.body, dict) or not (
            isinstance(case.body.get("device_id"), str)
            and re.fullmatch(r"[0-9a-f]{32}", case.body["device_id"])):
        return False
    case.body["device_id"] = DEVICE_ID
    return True


# One test per route, each with its own id, so that pytest-xdist (which keeps one copy of each
# test id) runs them all; each draws positive and negative cases for its route.
def _operations() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # the server's own document does not load: say why
            raise result.err()
        found[result.ok().label] = result.ok()
    return found


OPERATIONS = _operations()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_route_answers_within_its_schema_and_never_5xx(label: str, api_server: str,
                                                            api_token: str) -> None:
    operation = OPERATIONS[label]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None,
              suppress_health_check=list(HealthCheck), database=None)
    def one_case(case: Any) -> None:
        _check(case, api_server, api_token)

    one_case()


def _check(case: Any, api_server: str, api_token: str) -> None:
    # A case generated to test a missing or malformed token keeps it; every other carries ours.
    negative_headers = case.meta is not None and any(
        location.name == "HEADER" and info.mode.name == "NEGATIVE"
        for location, info in case.meta.components.items())
    headers = {} if negative_headers else {"Authorization": f"Bearer {api_token}"}
    pushing = _for_our_device(case)
    response = case.call_and_validate(base_url=api_server, headers=headers,
                                      excluded_checks=EXCLUDED)
    _count(case.operation.label, response.status_code)
    assert response.status_code < 500, response.text
    if pushing and response.status_code == 409 and isinstance(case.body.get("mutations"), list):
        expected = response.json().get("expected_mutation_id")
        if expected is not None:
            for offset, mutation in enumerate(case.body["mutations"]):
                if isinstance(mutation, dict):
                    mutation["mutation_id"] = expected + offset
            response = case.call_and_validate(base_url=api_server, headers=headers,
                                              excluded_checks=EXCLUDED)
            _count(case.operation.label + " (ids fixed)", response.status_code)
            assert response.status_code < 500, response.text


def test_schemathesis_reached_every_route_with_hundreds_of_examples(api_server: str) -> None:
    """Runs after the generated tests (same module, later in the file): prints the counts."""
    routes = {f"{method.upper()} {path}"
              for path, item in requests.get(api_server + "/openapi.json", timeout=10)
              .json()["paths"].items() for method in item}
    print("schemathesis answers per route:", json.dumps(COUNTS, sort_keys=True))  # noqa: T201
    assert routes <= set(COUNTS), f"routes never exercised: {routes - set(COUNTS)}"
    for route in routes:
        total = sum(COUNTS[route].values())
        # Routes with few distinct inputs (GET /v1/meta) end early: Hypothesis stops when it
        # has tried everything there is.
        assert total >= 1
    assert sum(sum(c.values()) for c in COUNTS.values()) >= 2 * EXAMPLES_PER_ROUTE
