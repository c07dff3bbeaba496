"""The question set generator and the language management tool, on the server: drafts only
catalogue editors see, publication that checks completeness, XLIFF and PO in and out."""

from typing import Any

import pytest
from drafts import AREA, QUESTION_SET, new_area_draft
from factories import PASSWORD, Peer
from sqlalchemy.orm import Session
from translate.storage.po import pofile
from translate.storage.xliff import xlifffile

from sync_server.directory.service import add_user

DRAFTS = "/v1/catalogue/drafts"


@pytest.fixture
def editor(server) -> Peer:
    with Session(server.engine) as session, session.begin():
        add_user(session, username="eu.editor", password=PASSWORD, display_name="EU Editor",
                 authority_id=server.directory.authorities["DE"], roles=["catalogue_editor"],
                 language="en")
    return Peer.login(server.client, "eu.editor")


def _put(peer: Peer, draft: dict[str, Any]) -> Any:
    return peer.client.put(f"{DRAFTS}/{draft['question_set']['code']}", json=draft,
                           headers=peer.headers)


def _publish(peer: Peer, code: str = QUESTION_SET) -> Any:
    return peer.client.post(f"{DRAFTS}/{code}/publish", headers=peer.headers)


def _problems(response: Any) -> set[tuple[str, str, str]]:
    return {(p["code"], p["text"], p["language"]) for p in response.json()["problems"]}


def test_only_catalogue_editors_see_and_change_drafts(server, editor):
    assert _put(editor, new_area_draft()).status_code == 200
    handler = server.peer("HU")
    for response in (handler.client.get(DRAFTS, headers=handler.headers),
                     _put(handler, new_area_draft()), _publish(handler),
                     handler.client.get(f"{DRAFTS}/{QUESTION_SET}/export",
                                        params={"language": "hu", "format": "po"},
                                        headers=handler.headers)):
        assert (response.status_code, response.json()["code"]) == (403, "not_catalogue_editor")
    # Drafts are never synced: a handler's pull does not carry them.
    assert all(c["kind"] != "question_set" or c["id"].startswith("PQ") or
               c["id"].startswith("SERV") for c in handler.pull_all())


def test_a_new_area_is_published_complete_and_reaches_every_replica(server, editor):
    draft = new_area_draft()
    del draft["question_set"]["questions"][1]["texts"]["de"]  # German, but not all of it
    assert _put(editor, draft).status_code == 200
    refused = _publish(editor)
    assert refused.json()["published"] is False
    assert _problems(refused) == {("text_missing", "DENT-Q2", "de")}

    handler = server.peer("HU")
    handler.pull_all()
    saved = _put(editor, new_area_draft())
    assert saved.status_code == 200, saved.text
    published = _publish(editor)
    assert published.json() == {"published": True, "version": 1, "problems": []}
    changes = {(c["kind"], c["id"]): c["data"] for c in handler.pull_all()}
    assert changes[("area", AREA)]["names"]["de"] == "Dentalhygieniker"
    qs = changes[("question_set", f"{QUESTION_SET}@1")]
    assert [q["answer_type"] for q in qs["questions"]] == ["yes_no", "date", "document"]

    # The next version starts from the published one; version 1 never changes.
    (stored,) = editor.client.get(DRAFTS, headers=editor.headers).json()
    assert (stored["base_version"], stored["question_set"]["version"]) == (1, 2)
    stale = _put(editor, new_area_draft())  # still claims to start from nothing
    assert (stale.status_code, stale.json()["code"]) == (409, "draft_outdated")
    stored["question_set"]["questions"][0]["texts"]["en"] = (
        "Is the person registered with {authority} today?")
    assert _put(editor, stored).status_code == 200
    outdated = _publish(editor)
    assert _problems(outdated) == {("text_outdated", "DENT-Q1", "de")}


def test_a_language_goes_out_as_xliff_and_po_and_comes_back_without_losing_anything(
        server, editor):
    assert _put(editor, new_area_draft()).status_code == 200
    exported = editor.client.get(f"{DRAFTS}/{QUESTION_SET}/export",
                                 params={"language": "hu", "format": "xliff"},
                                 headers=editor.headers)
    assert exported.status_code == 200
    store = xlifffile.parsestring(exported.content)
    assert store.gettargetlanguage() == "hu" and len(store.units) == 9
    hungarian = {"DENT": "Dentálhigiénikusok",
                 "DENT-Q1": "Nyilvántartja-e a személyt a(z) {authority}?",
                 "DENT-Q1-Y": "Igen", "DENT-Q1-N": "Nem"}
    for unit in store.units:
        text_id = unit.getid().split("\x04")[-1]
        if text_id in hungarian:
            unit.target = hungarian[text_id]
    report = _import(editor, "hu", "xliff", bytes(store))
    assert report == {"language": "hu", "accepted": 4, "refused": []}

    # A PO file from an agency: one good text, an unknown id, a broken placeholder, one
    # made from an older English text.
    po = pofile.parsestring(editor.client.get(
        f"{DRAFTS}/{QUESTION_SET}/export", params={"language": "hu", "format": "po"},
        headers=editor.headers).content)
    units = {unit.getcontext(): unit for unit in po.units if not unit.isheader()}
    assert units["DENT-Q1"].target == hungarian["DENT-Q1"]  # what is translated goes out
    units["DENT-S1"].target = "Nyilvántartás"
    units["DENT-Q1"].target = "Nyilvántartja-e a személyt?"  # lost {authority}
    units["DENT-Q2"].source = "Since when?"
    units["DENT-Q2"].target = "Mióta?"
    stray = po.addsourceunit("Unknown")
    stray.setcontext("DENT-Q99")
    stray.target = "Ismeretlen"
    report = _import(editor, "hu", "po", bytes(po))
    assert report["accepted"] == 1
    assert {(p["code"], p["text"]) for p in report["refused"]} == {
        ("placeholders_differ", "DENT-Q1"), ("text_outdated", "DENT-Q2"),
        ("unknown_text", "DENT-Q99")}

    for data, file_format, code in ((b"<xliff><file", "xliff", "import_unreadable"),
                                    (exported.content, "xliff", "import_wrong_language"),
                                    (b'msgid "a\nmsgstr', "po", "import_unreadable")):
        language = "de" if code == "import_wrong_language" else "hu"
        response = editor.client.post(f"{DRAFTS}/{QUESTION_SET}/import",
                                      params={"language": language, "format": file_format},
                                      content=data, headers=editor.headers)
        assert (response.status_code, response.json()["code"]) == (422, code)

    (draft,) = editor.client.get(DRAFTS, headers=editor.headers).json()
    question = draft["question_set"]["questions"][0]
    assert question["texts"]["hu"] == hungarian["DENT-Q1"]  # kept through every refusal
    assert draft["question_set"]["sections"][0]["texts"]["hu"] == "Nyilvántartás"
    assert "hu" not in draft["question_set"]["questions"][1]["texts"]


def _import(peer: Peer, language: str, file_format: str, data: bytes) -> dict[str, Any]:
    return _import_set(peer, QUESTION_SET, language, file_format, data)


def test_a_published_set_goes_to_an_agency_before_anyone_drafted_it(server, editor):
    exported = editor.client.get(f"{DRAFTS}/PQ-GEN/export",
                                 params={"language": "de", "format": "po"},
                                 headers=editor.headers)
    assert exported.status_code == 200, exported.text
    po = pofile.parsestring(exported.content)
    units = [u for u in po.units if not u.isheader()]
    assert units and all(u.target and not u.isfuzzy() for u in units)  # German, all current
    (unit,) = [u for u in units if u.getcontext() == "PQ-GEN"]
    unit.target = unit.target + " (überarbeitet)"
    report = _import_set(editor, "PQ-GEN", "de", "po", bytes(po))
    assert (report["accepted"], report["refused"]) == (1, [])
    (draft,) = editor.client.get(DRAFTS, headers=editor.headers).json()
    assert draft["base_version"] == max(  # the import started the next version's draft
        c["version"] for c in server.peer("HU").pull_all()
        if c["kind"] == "question_set" and c["id"].startswith("PQ-GEN@"))


def _import_set(peer: Peer, code: str, language: str, file_format: str, data: bytes
                ) -> dict[str, Any]:
    response = peer.client.post(f"{DRAFTS}/{code}/import",
                                params={"language": language, "format": file_format},
                                content=data, headers=peer.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
