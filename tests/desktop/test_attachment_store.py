"""The profile's attachment folder: documents encrypted chunk by chunk with the replica's key
material, read from any offset, refused when damaged or changed; a case that leaves the
replica (revocation) takes its documents with it; what was only read once goes at unlock."""

import contextlib
import datetime as dt
import hashlib
import os
import uuid

import pytest

from desktop.models import attachments, attention, cases, dossier
from desktop.models import profile as profiles
from desktop.models.attachment_files import PickedFile
from desktop.models.attachment_store import (
    CHUNK,
    OPENED_FOLDER,
    DocumentChanged,
    DocumentDamaged,
)
from desktop.models.replica import Replica
from sync_protocol.attachments import AttachmentRef, refs_in
from sync_protocol.cases import CaseRecord

KEY = bytes(range(32))


@pytest.fixture
def replica(tmp_path):
    (tmp_path / "profile").mkdir()
    made = Replica.open(tmp_path / "profile" / "replica.db", KEY)
    yield made
    with contextlib.suppress(Exception):
        made.close()


def _doc(tmp_path, size, name="Diplom.pdf"):
    data = os.urandom(size)
    path = tmp_path / name
    path.write_bytes(data)
    ref = AttachmentRef(sha256=hashlib.sha256(data).hexdigest(), name=name, size=size,
                        media_type="application/pdf")
    return data, PickedFile(path=path, ref=ref)


def test_documents_are_encrypted_and_read_back_from_any_offset(replica, tmp_path):
    data, picked = _doc(tmp_path, 3 * CHUNK + 123)
    attachments.attach(replica, [picked])
    store = replica.attachments
    assert store is not None
    raw = store.path(picked.ref.sha256).read_bytes()
    assert data[:64] not in raw and data[-64:] not in raw
    assert picked.ref.sha256 not in str(store.path(picked.ref.sha256))
    assert store.read(picked.ref.sha256) == data
    for start, length in ((0, 10), (CHUNK - 5, 10), (2 * CHUNK, CHUNK + 123), (3 * CHUNK, 500)):
        assert store.read_range(picked.ref.sha256, start, length) == data[start:start + length]
    assert attachments.pending_uploads(replica) == [picked.ref]
    attachments.uploaded(replica, picked.ref.sha256)
    assert attachments.pending_uploads(replica) == []

    # Another profile's key does not open it; a flipped bit or a cut-off end is found.
    other = Replica.open(tmp_path / "other.db", bytes(32))
    try:
        assert other.attachments is not None
        copied = other.attachments.path(picked.ref.sha256)
        copied.parent.mkdir()
        copied.write_bytes(raw)
        with pytest.raises(DocumentDamaged):
            other.attachments.read(picked.ref.sha256)
    finally:
        other.close()
    path = store.path(picked.ref.sha256)
    path.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    with pytest.raises(DocumentDamaged):
        store.read(picked.ref.sha256)
    path.write_bytes(raw[:-(CHUNK // 2)])
    with pytest.raises(DocumentDamaged):
        store.read(picked.ref.sha256)


def test_a_file_changed_since_it_was_picked_is_not_attached(replica, tmp_path):
    _data, picked = _doc(tmp_path, 1000)
    picked.path.write_bytes(os.urandom(1000))
    with pytest.raises(DocumentChanged):
        attachments.attach(replica, [picked])
    assert attachments.pending_uploads(replica) == []
    assert replica.attachments is not None and replica.attachments.stored() == set()


def _case_data(*refs: AttachmentRef) -> dict:
    return {
        "id": uuid.uuid4().hex, "version": 2, "state": "sent", "area": "PQ",
        "question_set": "PQ-GEN", "question_set_version": 1,
        "requester_authority_id": "DE-LZK", "responder_authority_id": "HU-ENKK",
        "subject": {"family_name": "Nagy", "given_names": "László", "profession": "dentist"},
        "questions": ["PQ-GEN-Q01"], "answer_by": "2027-01-01",
        "request_attachments": [r.model_dump() for r in refs],
        "created_at": "2026-12-01T09:00:00+00:00", "updated_at": "2026-12-01T09:00:00+00:00"}


def test_a_revoked_case_takes_its_documents_along_unless_another_case_refers_to_them(
        replica, tmp_path):
    only, only_ref = _doc(tmp_path, 5000, "a.pdf")
    shared, shared_ref = _doc(tmp_path, 6000, "b.pdf")
    first, second = _case_data(only_ref.ref, shared_ref.ref), _case_data(shared_ref.ref)
    with replica.transaction():
        replica.put_cases([cases.row_values(d, cases.json_text(d), "HU-ENKK", None)
                           for d in (first, second)])
    attachments.save_download(replica, only_ref.ref, only, keep=True)
    attachments.save_download(replica, shared_ref.ref, shared, keep=True)
    store = replica.attachments
    assert store is not None

    with replica.transaction():
        replica.delete_cases([first["id"]])

    assert not store.has(only_ref.ref.sha256)
    assert store.has(shared_ref.ref.sha256)
    assert set(attachments.states(replica, [only_ref.ref.sha256, shared_ref.ref.sha256])) == {
        shared_ref.ref.sha256}
    with replica.transaction():
        replica.delete_cases([second["id"]])
    assert store.stored() == set()


def test_documents_read_once_go_at_unlock_kept_ones_stay(replica, tmp_path):
    read_once, once = _doc(tmp_path, 3000, "once.pdf")
    kept, keep = _doc(tmp_path, 4000, "keep.pdf")
    attachments.save_download(replica, once.ref, read_once, keep=False)
    attachments.save_download(replica, keep.ref, kept, keep=False)
    attachments.set_kept(replica, keep.ref.sha256, True)
    store = replica.attachments
    assert store is not None
    stray = store.folder / ("0" * 40 + ".imia")
    stray.write_bytes(b"left by a crash")

    assert attachments.tidy(replica) == 2
    assert not store.has(once.ref.sha256) and store.has(keep.ref.sha256)
    assert not stray.exists()
    with pytest.raises(ValueError, match="not the document"):
        attachments.save_download(replica, once.ref, b"not the document", keep=True)


def test_the_dossier_lists_the_documents_with_their_hash(replica, tmp_path):
    _data, picked = _doc(tmp_path, 180_000, "Diplom_Bauer.pdf")
    data = _case_data(picked.ref)
    with replica.transaction():
        replica.put_cases([cases.row_values(data, cases.json_text(data), "DE-LZK", None)])
    built = dossier.build(replica, data["id"], printed_by="Anna Weber",
                          printed_at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    assert built is not None
    sha = picked.ref.sha256
    assert "Diplom_Bauer.pdf" in built.html and "175.8 kB" in built.html
    assert " ".join(sha[i:i + 16] for i in range(0, 64, 16)) in built.html
    assert "No attachments." not in built.html


def test_a_step_referring_to_documents_held_here_queues_them_again(replica, tmp_path):
    _data, picked = _doc(tmp_path, 2000)
    attachments.attach(replica, [picked])
    attachments.uploaded(replica, picked.ref.sha256)
    with replica.transaction():
        attachments.queue_held(replica, {"case_id": "x", "attachments": [
            picked.ref.model_dump(), {"sha256": "0" * 64, "name": "elsewhere.pdf"}]})
    assert attachments.pending_uploads(replica) == [picked.ref]


def test_a_refused_step_lists_the_documents_it_carried():
    ref = AttachmentRef(sha256="ab" * 32, name="Antwort.pdf", size=52_000,
                        media_type="application/pdf")
    item = {"id": 1, "case_id": "c" * 32, "name": "case.answer", "code": "attachment_missing",
            "params": {"name": "Antwort.pdf"}, "at": "2026-12-02T09:00:00+00:00",
            "acted_at": None, "args": {"case_id": "c" * 32, "answers": [],
                                       "attachments": [ref.model_dump()]}}
    told = attention.describe(item, case=None, question_sets=lambda _c, _v: None,
                              authority_name=lambda _a: None, language="en")
    assert ("Document", "Antwort.pdf (50.8 kB)") in told.entered
    assert told.reason == ("The document “Antwort.pdf” had not reached the server completely. "
                           "Take the step again: IMI uploads the document first.")


def test_a_discarded_profile_leaves_no_documents(replica, tmp_path):
    _data, picked = _doc(tmp_path, 2000)
    attachments.attach(replica, [picked])
    opened = attachments.open_copy(replica, picked.ref, tmp_path / "profile" / OPENED_FOLDER)
    assert opened.read_bytes() == _data
    replica.close()
    profiles.discard(tmp_path / "profile")
    assert sorted(p.name for p in (tmp_path / "profile").iterdir()) == []


def test_a_download_in_parts_resumes_and_refuses_another_document(replica, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setattr(attachments, "DOWNLOAD_PART", CHUNK)
    data, picked = _doc(tmp_path, 3 * CHUNK + 777)
    sha = picked.ref.sha256
    store = replica.attachments
    assert store is not None
    asked: list[int] = []

    def fetch(start: int, length: int) -> bytes:
        asked.append(start)
        if len(asked) == 3:
            raise ConnectionError("the line dropped")
        return data[start:start + length]

    with pytest.raises(ConnectionError):
        attachments.download(store, fetch, picked.ref)
    assert store.partial_size(sha) == 2 * CHUNK and not store.has(sha)
    partial = store.path(sha).with_suffix(".partial")
    assert data[:64] not in partial.read_bytes()  # encrypted while it arrives
    attachments.download(store, fetch, picked.ref)
    assert asked == [0, CHUNK, 2 * CHUNK, 2 * CHUNK, 3 * CHUNK]
    assert store.read(sha) == data and not partial.exists()

    _other, wrong = _doc(tmp_path, 2 * CHUNK, "other.pdf")
    with pytest.raises(DocumentChanged):
        attachments.download(store, lambda _start, length: os.urandom(length), wrong.ref)
    assert not store.has(wrong.ref.sha256) and store.partial_size(wrong.ref.sha256) == 0


def test_the_documents_of_messages_are_listed_under_their_message(tmp_path):
    _data, request = _doc(tmp_path, 1000, "Antrag.pdf")
    _data, comment = _doc(tmp_path, 2000, "Anlage.pdf")
    data = _case_data(request.ref)
    data["messages"] = [{"kind": "comment", "authority_id": "DE-LZK", "user_name": "Anna Weber",
                         "at": "2026-12-02T10:00:00+00:00",
                         "text": {"text": "Anbei.", "lang": "de"},
                         "attachments": [comment.ref.model_dump()]}]
    case = CaseRecord.model_validate(data)
    groups = attachments.document_groups(case)
    assert [(title.split(" of ")[0], [r.name for r in refs]) for title, refs in groups] == [
        ("Request", ["Antrag.pdf"]), ("Message", ["Anlage.pdf"])]
    assert refs_in(case) == {request.ref.sha256, comment.ref.sha256}
