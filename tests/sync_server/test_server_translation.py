"""Machine translation of free text: against a real local HTTP server speaking LibreTranslate.

The server's provider talks HTTP to ``LibreTranslateDouble`` as it would to a real engine; the
double translates, is down, is slow or answers garbage. Every failure leaves the case and its
sync rows exactly as they were.
"""

import dataclasses
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from factories import create_args, wait_until
from libretranslate_double import LibreTranslateDouble
from sqlalchemy import event, select, text

from sync_server.sync.models import SyncRow
from sync_server.translation.models import CaseTranslation
from sync_server.translation.provider import TranslationSettings

REQUEST = "Bitte bestätigen Sie die Approbation der Zahnärztin."


@pytest.fixture
def engine() -> Iterator[LibreTranslateDouble]:
    double = LibreTranslateDouble()
    yield double
    double.close()


def _with_engine(server: Any, engine: LibreTranslateDouble, *, timeout_s: float = 5.0) -> Any:
    settings = dataclasses.replace(server.settings, translation=TranslationSettings(
        url=engine.url, engine_name="LibreTranslate (test)", api_key="secret-key",
        timeout_s=timeout_s))
    _context, client = server.new_app_client(settings)
    return client


def _sent_case(server: Any) -> tuple[Any, Any, dict[str, Any]]:
    de, hu = server.peer("DE"), server.peer("HU")
    args = create_args(responder=hu.authority_id,
                       request_text={"text": REQUEST, "lang": "de"})
    assert de.step("case.create", args)["status"] == "applied"
    result = de.step("case.send", {"case_id": args["case_id"]})
    assert result["status"] == "applied"
    return de, hu, result["change"]["data"]


def _translate(client: Any, peer: Any, case_id: str, field: str = "request_text",
               target: str = "hu") -> Any:
    return client.post("/v1/translations", headers=peer.headers,
                       json={"case_id": case_id, "field": field, "target": target})


def test_a_reader_gets_a_translation_kept_with_the_case_and_synced_to_both_sides(server, engine):
    client = _with_engine(server, engine)
    de, hu, case = _sent_case(server)
    de.pull_all(), hu.pull_all()
    response = _translate(client, hu, case["id"])
    assert response.status_code == 200, response.text
    translation = response.json()
    assert translation["text"] == f"[hu] {REQUEST}"
    assert translation["engine"] == "LibreTranslate (test)"
    assert (translation["source_lang"], translation["target_lang"]) == ("de", "hu")
    assert engine.received == [{"q": REQUEST, "source": "de", "target": "hu", "format": "text",
                                "api_key": "secret-key"}]
    for peer in (de, hu):  # both sides' replicas receive it; the case itself did not change
        changes = peer.pull_all()
        assert [c["kind"] for c in changes] == ["translation"]
        assert changes[0]["data"] == translation
    # Asked again: the kept translation, without asking the engine.
    again = _translate(client, de, case["id"])
    assert again.json() == translation and len(engine.received) == 1
    # Sealed at rest, like the case.
    (sealed,) = server.rows(select(CaseTranslation.sealed))
    assert REQUEST.encode() not in sealed[0] and b"[hu]" not in sealed[0]


FAILURES = (("error", "translation_unavailable"), ("slow", "translation_timeout"),
            ("garbage", "translation_garbled"), ("empty", "translation_garbled"),
            ("down", "translation_unavailable"))  # down last: the engine does not come back


def test_an_engine_down_slow_or_answering_garbage_is_refused_and_nothing_changes(server, engine):
    client = _with_engine(server, engine, timeout_s=0.5)
    _de, hu, case = _sent_case(server)
    rows_before = server.rows(select(SyncRow.kind, SyncRow.entity_id, SyncRow.seq))
    for mode, code in FAILURES:
        if mode == "down":
            engine.close()
        else:
            engine.mode = mode
        response = _translate(client, hu, case["id"])
        assert response.status_code == 409, (mode, response.text)
        assert response.json()["code"] == code, mode
        assert response.json()["params"] == {"engine": "LibreTranslate (test)"}
        assert server.count(CaseTranslation) == 0
        assert server.rows(select(SyncRow.kind, SyncRow.entity_id, SyncRow.seq)) == rows_before


def test_who_may_ask_and_what_can_be_translated(server, engine):
    client = _with_engine(server, engine)
    de, hu, case = _sent_case(server)
    fr = server.peer("FR")
    refused = _translate(client, fr, case["id"])  # not involved: as if there were no case
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    nothing = _translate(client, hu, case["id"], field="reply_text")
    assert (nothing.status_code, nothing.json()["code"], nothing.json()["params"]) == (
        409, "nothing_to_translate", {"field": "reply_text"})
    same = _translate(client, de, case["id"], target="de")
    assert same.json()["code"] == "nothing_to_translate"
    unsupported = _translate(client, hu, case["id"], target="fi")
    assert unsupported.json()["code"] == "translation_language_unsupported"
    assert unsupported.json()["params"] == {"engine": "LibreTranslate (test)", "source": "de",
                                            "target": "fi"}
    no_token = client.post("/v1/translations",
                           json={"case_id": case["id"], "field": "request_text", "target": "hu"})
    assert no_token.status_code == 401
    assert engine.received == []


def test_machine_translation_is_off_unless_configured(server):
    _de, hu, case = _sent_case(server)
    response = _translate(server.client, hu, case["id"])
    assert (response.status_code, response.json()["code"]) == (409, "translation_off")


def test_a_translation_made_of_a_draft_follows_the_case_to_the_requested_authority(
        server, engine):
    client = _with_engine(server, engine)
    de, hu = server.peer("DE"), server.peer("HU")
    args = create_args(responder=hu.authority_id, request_text={"text": REQUEST, "lang": "de"})
    de.step("case.create", args)
    hu.pull_all()
    assert _translate(client, de, args["case_id"], target="fr").status_code == 200
    assert _translate(client, hu, args["case_id"]).json()["code"] == "not_found"  # a draft
    assert [c["kind"] for c in hu.pull_all()] == []
    de.step("case.send", {"case_id": args["case_id"]})
    kinds = sorted(c["kind"] for c in hu.pull_all())
    assert kinds == ["case", "translation"]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_storing_a_translation_locks_the_case_row_before_the_sequence_lock(server, engine):
    """A push forwarding the case at the same time holds its row until it commits: the
    translation waits for it (and reads the new audiences), or the push waits for the
    translation (and republishes it). Read without the lock, the translation would publish to
    the case's old audiences after the push's republication missed it."""
    settings = dataclasses.replace(server.settings, translation=TranslationSettings(
        url=engine.url, engine_name="LibreTranslate (test)", api_key="secret-key",
        timeout_s=5.0))
    context, client = server.new_app_client(settings)
    _de, hu, case = _sent_case(server)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(context.engine, "before_cursor_execute", record)
    try:
        assert _translate(client, hu, case["id"]).status_code == 200
    finally:
        event.remove(context.engine, "before_cursor_execute", record)
    sequence = [i for i, s in enumerate(statements) if s.startswith("UPDATE server_state")]
    case_locks = [i for i, s in enumerate(statements)
                  if s.startswith("SELECT") and "FROM cases" in s and s.endswith("FOR UPDATE")]
    assert sequence and case_locks, statements
    assert case_locks[0] < sequence[0]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_a_translation_stored_while_a_forward_commits_goes_to_the_new_responder(
        server, engine, monkeypatch):
    """HU forwards the case to FR; its push is held open at its end (case and sequence locked)
    while DE's translation is stored. The translation waits for the case and goes to FR, not to
    HU, which lost the case."""
    client = _with_engine(server, engine)
    de, hu, case = _sent_case(server)
    fr = server.peer("FR")
    fr.pull_all(), hu.pull_all()
    holding, release = threading.Event(), threading.Event()
    real_announce = server.context.notifier.announce

    def held_announce(session, audiences):
        real_announce(session, audiences)
        holding.set()
        release.wait(60)

    monkeypatch.setattr(server.context.notifier, "announce", held_announce)
    answers: dict[str, Any] = {}

    def forward():
        answers["forward"] = hu.step("case.forward", {"case_id": case["id"],
                                                      "responder_authority_id": fr.authority_id})

    def translate():
        answers["translate"] = _translate(client, de, case["id"], target="fr")

    forwarding = threading.Thread(target=forward, daemon=True)
    forwarding.start()
    assert holding.wait(60)
    translating = threading.Thread(target=translate, daemon=True)
    translating.start()
    try:
        wait_until(lambda: not translating.is_alive() or _someone_waits(server.engine),
                   what="the translation never waited for the forward")
    finally:
        release.set()
        forwarding.join(60)
        translating.join(60)
    assert answers["forward"]["status"] == "applied", answers
    assert answers["translate"].status_code == 200, answers["translate"].text
    assert [c["kind"] for c in fr.pull_all() if c["data"] is not None] == ["case", "translation"]
    assert [c["kind"] for c in hu.pull_all() if c["data"] is not None] == []


def _someone_waits(db_engine: Any) -> bool:
    with db_engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND cardinality(pg_blocking_pids(pid)) > 0")))
