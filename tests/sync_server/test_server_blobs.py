"""Attachments on the server: chunked, resumable uploads by SHA-256, sealed at rest, read only
by the authorities that see a case referring to them; steps referring to a document the server
does not hold complete are refused. SQLite and PostgreSQL."""

import dataclasses
import datetime as dt
import hashlib
import os

import pytest
from factories import PASSWORD, Peer, answer_args, create_args, new_id
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.blobs.models import BlobChunk, BlobRef, BlobUpload
from sync_server.crypto import SCHEME, Sealer, header
from sync_server.directory.service import add_user
from sync_server.reseal import reseal

PDF = "application/pdf"


def _document(size: int = 300_000) -> bytes:
    return b"%PDF-1.4\n" + os.urandom(size - 9)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _put(peer, sha, chunk, start, total, media_type=PDF):
    headers = {**peer.headers, "Content-Type": media_type,
               "Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{total}"}
    return peer.client.put(f"/v1/blobs/{sha}", content=chunk, headers=headers)


def _upload(peer, data, *, chunk=100_000, media_type=PDF):
    sha = _sha(data)
    for start in range(0, len(data), chunk):
        response = _put(peer, sha, data[start:start + chunk], start, len(data), media_type)
        assert response.status_code == 200, response.json()
    return sha


def _head(peer, sha):
    return peer.client.head(f"/v1/blobs/{sha}", headers=peer.headers)


def _get(peer, sha, **headers):
    return peer.client.get(f"/v1/blobs/{sha}", headers={**peer.headers, **headers})


def _ref(data, name="Diplom.pdf", media_type=PDF):
    return {"sha256": _sha(data), "name": name, "size": len(data), "media_type": media_type}


def test_upload_resumes_from_the_offset_the_server_holds_and_is_sealed_at_rest(server):
    de = server.peer("DE")
    data = _document()
    sha = _sha(data)
    assert _head(de, sha).status_code == 404  # nothing yet: start at 0

    assert _put(de, sha, data[:120_000], 0, len(data)).json() == {
        "sha256": sha, "size": len(data), "received": 120_000, "complete": False}
    held = _head(de, sha)
    assert (held.status_code, held.headers["upload-offset"], held.headers["upload-complete"]) \
        == (200, "120000", "?0")

    # A chunk from the wrong offset (a lost answer, a confused client) is refused with the
    # offset to continue from; nothing is written.
    wrong = _put(de, sha, data[100_000:200_000], 100_000, len(data))
    assert (wrong.status_code, wrong.json()["code"], wrong.json()["params"]) == (
        409, "upload_offset", {"offset": 120_000})

    done = _put(de, sha, data[120_000:], 120_000, len(data))
    assert done.json()["complete"] is True
    assert _head(de, sha).headers["upload-offset"] == str(len(data))
    # The last chunk sent again (its answer lost): answered as complete, nothing added.
    assert _put(de, sha, data[120_000:], 120_000, len(data)).json()["complete"] is True
    assert server.count(BlobChunk, BlobChunk.sha256 == sha) == 2

    # At rest: sealed chunks, no plaintext in the database.
    for (sealed,) in server.rows(select(BlobChunk.sealed).where(BlobChunk.sha256 == sha)):
        assert data[1000:1100] not in sealed and b"%PDF" not in sealed

    # Its uploader reads it back, whole and by range.
    assert _get(de, sha).content == data
    part = _get(de, sha, Range="bytes=119990-120009")
    assert (part.status_code, part.content, part.headers["content-range"]) == (
        206, data[119_990:120_010], f"bytes 119990-120009/{len(data)}")
    assert _get(de, sha, Range="bytes=-5").content == data[-5:]
    assert _get(de, sha, Range="bytes=299990-").content == data[299_990:]


def test_a_document_whose_content_differs_from_its_hash_is_dropped(server):
    de = server.peer("DE")
    data = _document(50_000)
    claimed = _sha(b"something else")
    first = _put(de, claimed, data[:30_000], 0, len(data))
    assert first.status_code == 200
    last = _put(de, claimed, data[30_000:], 30_000, len(data))
    assert (last.status_code, last.json()["code"]) == (422, "attachment_hash_mismatch")
    assert server.count(BlobUpload, BlobUpload.sha256 == claimed) == 0
    assert server.count(BlobChunk, BlobChunk.sha256 == claimed) == 0
    assert _head(de, claimed).status_code == 404


BAD_UPLOADS = [
    ({"Content-Range": "bytes 0-9/21000000"}, b"x" * 10, 413, "attachment_too_large"),
    ({"Content-Range": "bytes 0-1/2", "Content-Type": "application/x-msdownload"}, b"MZ", 415,
     "attachment_type"),
    ({"Content-Range": "bytes 0-9/5"}, b"x" * 10, 416, "invalid_range"),
    ({"Content-Range": "bytes 0-9/100"}, b"x" * 3, 416, "invalid_range"),
    ({"Content-Range": "bytes 5-2/100"}, b"", 416, "invalid_range"),
    ({"Content-Range": "garbage"}, b"x", 416, "invalid_range"),
    ({}, b"x", 416, "invalid_range"),
    ({"Content-Range": "bytes 0-0/99999999999999999999"}, b"x", 416, "invalid_range"),
]


def test_bad_uploads_get_a_code_never_a_500(server):
    de = server.peer("DE")
    sha = _sha(b"whatever")
    seen, expected = [], []
    for headers, body, status, code in BAD_UPLOADS:
        response = de.client.put(f"/v1/blobs/{sha}", content=body,
                                 headers={**de.headers, "Content-Type": PDF, **headers})
        seen.append((headers, response.status_code, response.json()["code"]))
        expected.append((headers, status, code))
    assert seen == expected
    assert server.count(BlobUpload) == 0


def test_bad_paths_and_ranges_get_a_code(server):
    de = server.peer("DE")
    data = _document(1000)
    sha = _upload(de, data)
    assert de.client.get("/v1/blobs/not-a-hash", headers=de.headers).status_code == 422
    for wanted in ("bytes=2000-", "bytes=5-2", "bytes=-0", "bytes=-", "pages=1-2",
                   "bytes=0-1,5-6"):
        response = _get(de, sha, Range=wanted)
        assert (response.status_code, response.json()["code"]) == (416, "invalid_range"), wanted
    assert de.client.get(f"/v1/blobs/{sha}").status_code == 401  # no token


def test_a_step_needs_its_documents_held_complete(server):
    de, hu = server.peer("DE"), server.peer("HU")
    data = _document(20_000)
    case_id = new_id()
    refused = de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id,
                                                 attachments=[_ref(data)]))
    assert (refused["status"], refused["code"], refused["params"]) == (
        "rejected", "attachment_missing", {"name": "Diplom.pdf"})

    sha = _sha(data)
    _put(de, sha, data[:10_000], 0, len(data))  # half of it
    assert de.step("case.create", create_args(
        responder=hu.authority_id, case_id=case_id, attachments=[_ref(data)]))["code"] \
        == "attachment_missing"
    _put(de, sha, data[10_000:], 10_000, len(data))
    wrong_type = de.step("case.create", create_args(
        responder=hu.authority_id, case_id=case_id,
        attachments=[_ref(data, media_type="application/zip")]))
    assert (wrong_type["code"], wrong_type["params"]) == (
        "attachment_type", {"media_type": "application/zip"})
    created = de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id,
                                                 attachments=[_ref(data)]))
    assert created["status"] == "applied"
    assert created["change"]["data"]["request_attachments"] == [_ref(data)]
    assert server.rows(select(BlobRef.sha256, BlobRef.case_id)) == [(sha, case_id)]

    # Another authority's hash alone does not let it refer to the document.
    fr = server.peer("FR")
    stolen = fr.step("case.create", create_args(responder=hu.authority_id,
                                                attachments=[_ref(data)]))
    assert stolen["code"] == "attachment_missing"


@pytest.fixture
def approvals(server):
    """HU's replies wait for nimic-HU; its coordinator signed in."""
    with Session(server.engine) as session, session.begin():
        add_user(session, username="hu.coordinator", password=PASSWORD,
                 display_name="hu.coordinator", authority_id="nimic-HU", roles=["coordinator"],
                 language="en")
        add_user(session, username="eu.coordinator", password=PASSWORD,
                 display_name="eu.coordinator", authority_id="commission",
                 roles=["coordinator"], language="en")
    commission = Peer.login(server.client, "eu.coordinator")
    rule = {"rule": {"member_state": "HU", "area": "PQ", "direction": "reply",
                     "coordinator_authority_id": "nimic-HU"}}
    assert commission.client.post("/v1/organisation/rules", json=rule,
                                  headers=commission.headers).status_code == 200
    return Peer.login(server.client, "hu.coordinator")


def test_only_the_authorities_that_see_the_case_read_its_documents(server, approvals):
    de, hu, fr, coordinator = (server.peer("DE"), server.peer("HU"), server.peer("FR"),
                               approvals)
    request_doc, reply_doc = _document(40_000), _document(30_000)
    request_sha = _upload(de, request_doc)
    case_id = new_id()
    assert [r["status"] for r in de.push(
        de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id,
                                               attachments=[_ref(request_doc)])),
        de.mutation("case.send", {"case_id": case_id}, base_version=1))] == ["applied"] * 2
    assert _get(hu, request_sha).content == request_doc
    assert _head(hu, request_sha).headers["upload-complete"] == "?1"
    for outsider in (fr, coordinator):
        refused = _get(outsider, request_sha)
        assert (refused.status_code, refused.json()["code"]) == (404, "attachment_unavailable")
        assert _head(outsider, request_sha).status_code == 404

    # The reply's document: read by HU and its coordinator while the reply waits for approval,
    # not yet by the requester (the reply is not hers until approved).
    reply_sha = _upload(hu, reply_doc)
    assert hu.step("case.accept", {"case_id": case_id})["status"] == "applied"
    answered = hu.step("case.answer", {**answer_args(case_id),
                                       "attachments": [_ref(reply_doc, name="Antwort.pdf")]})
    assert answered["change"]["data"]["state"] == "reply_awaiting_approval"
    assert _get(coordinator, reply_sha).content == reply_doc
    assert _get(de, reply_sha).status_code == 404
    assert _get(coordinator, request_sha).content == request_doc

    # Approved: the requester reads the reply's document; the coordinator lost sight of the
    # case, and with it of its documents.
    assert coordinator.step("case.approve", {"case_id": case_id})["status"] == "applied"
    assert _get(de, reply_sha).content == reply_doc
    for sha in (request_sha, reply_sha):
        assert _get(coordinator, sha).json()["code"] == "attachment_unavailable"
        assert _get(fr, sha).status_code == 404


def test_an_upload_no_case_refers_to_is_its_uploaders_alone(server):
    de, hu = server.peer("DE"), server.peer("HU")
    data = _document(5000)
    sha = _upload(de, data)
    assert _get(de, sha).content == data
    assert _get(hu, sha).status_code == 404
    assert _head(hu, sha).status_code == 404  # HU learns nothing of DE's upload
    # HU uploading the same document holds its own upload.
    assert _upload(hu, data) == sha
    assert server.count(BlobUpload, BlobUpload.sha256 == sha) == 2
    assert _get(hu, sha).content == data


def test_documents_are_resealed_under_a_rotated_key_and_still_read(server):
    de = server.peer("DE")
    data = _document(250_000)
    sha = _upload(de, data, chunk=60_000)
    rotated = dataclasses.replace(server.settings, keyring=server.settings.keyring.rotated())
    done = {p.column: p for p in reseal(server.engine, Sealer(rotated.keyring), batch=500)}
    assert (done["blob_chunks"].resealed, done["blob_chunks"].unreadable) == (5, 0)
    current = header(SCHEME, rotated.keyring.current_id)
    assert all(bytes(v).startswith(current)
               for (v,) in server.rows(select(BlobChunk.sealed)))
    _context, client = server.new_app_client(rotated)
    restarted = Peer.login(client, server.directory.users["DE"].username)
    assert restarted.client.get(f"/v1/blobs/{sha}", headers=restarted.headers).content == data


def test_uploads_no_step_ever_referred_to_go_after_two_weeks(server):
    de = server.peer("DE")
    old, referred, new = _document(3000), _document(4000), _document(5000)
    old_sha, referred_sha = _upload(de, old), _upload(de, referred)
    assert de.step("case.create", create_args(responder=server.peer("HU").authority_id,
                                              attachments=[_ref(referred)]))["status"] \
        == "applied"
    with Session(server.engine) as session, session.begin():
        for upload in session.scalars(select(BlobUpload)):
            upload.updated_at -= dt.timedelta(days=15)
    _upload(de, new)
    held = {sha for (sha,) in server.rows(select(BlobUpload.sha256))}
    assert held == {referred_sha, _sha(new)}
    assert server.count(BlobChunk, BlobChunk.sha256 == old_sha) == 0


def test_a_forwarding_authority_loses_the_documents_with_the_case(server):
    de, hu, fr = server.peer("DE"), server.peer("HU"), server.peer("FR")
    data = _document(8000)
    sha = _upload(de, data)
    case_id = new_id()
    assert [r["status"] for r in de.push(
        de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id,
                                               attachments=[_ref(data)])),
        de.mutation("case.send", {"case_id": case_id}, base_version=1))] == ["applied"] * 2
    assert _get(hu, sha).content == data
    assert _get(fr, sha).status_code == 404

    forwarded = hu.step("case.forward", {"case_id": case_id,
                                         "responder_authority_id": fr.authority_id})
    assert forwarded["status"] == "applied", forwarded

    assert _get(fr, sha).content == data
    assert _get(hu, sha).json()["code"] == "attachment_unavailable"
    assert _get(de, sha).content == data


def test_a_comments_documents_are_checked_and_read_by_the_other_side(server):
    de, hu = server.peer("DE"), server.peer("HU")
    case_id = new_id()
    assert [r["status"] for r in de.push(
        de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1))] == ["applied"] * 2
    data = _document(6000)
    comment = {"case_id": case_id, "text": {"text": "Bitte beachten Sie die Anlage.",
                                            "lang": "de"},
               "attachments": [_ref(data, name="Anlage.pdf")]}
    assert de.step("case.comment", comment)["code"] == "attachment_missing"
    sha = _upload(de, data)
    commented = de.step("case.comment", comment)
    assert commented["status"] == "applied", commented
    assert commented["change"]["data"]["messages"][0]["attachments"][0]["sha256"] == sha
    assert _get(hu, sha).content == data
