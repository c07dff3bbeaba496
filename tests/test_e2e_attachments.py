"""An attachment upload interrupted and resumed, end to end: a real client, a real server and
a misbehaving HTTP server between them (``tests/misbehaving_proxy.py``) that cuts the line in
the middle of the document. The step that refers to the document waits until the server holds
all of it; the next passes resume from the offset the server holds; the other authority then
downloads exactly the document (its download cut too, and resumed), and both keep it
encrypted in their profile folder."""

import functools
import hashlib
import os
import uuid

import pytest

from desktop.models import attachments, cases
from desktop.models.attachment_files import PickedFile, inspect_file
from desktop.models.sync_engine import UPLOAD_CHUNK
from desktop.models.transport import Offline, Transport
from sync_protocol.attachments import AttachmentRef
from tests import factories
from tests.conftest import make_client


def test_an_attachment_upload_interrupted_and_resumed(live_server, proxy, tmp_path):
    de = make_client(proxy.url, "de.weber", tmp_path / "de")
    hu = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    through_proxy = Transport(proxy.url)
    try:
        de.sync()
        hu.sync()
        data = b"%PDF-1.4\n" + os.urandom(3 * UPLOAD_CHUNK + 500_000)
        source = tmp_path / "Diplom.pdf"
        source.write_bytes(data)
        picked = inspect_file(source)
        sha = picked.ref.sha256
        assert sha == hashlib.sha256(data).hexdigest()
        case_id = uuid.uuid4().hex
        with de.replica.transaction():
            attachments.attach(de.replica, [picked])
            cases.perform(de.replica, name="case.create", args=factories.create_args(
                responder="HU-ENKK", case_id=case_id,
                attachments=[picked.ref.model_dump()]))
        cases.perform(de.replica, name="case.send", args={"case_id": case_id})
        direct = Transport(live_server.url, token=de.replica.get_meta("token"))

        # The line drops while the second chunk travels: nothing is pushed.
        pushes = proxy.count("/v1/sync/push")
        proxy.fail_next("reset", path="/v1/blobs/", skip=2)  # the HEAD and chunk 1 pass
        with pytest.raises(Offline):
            de.sync()
        assert proxy.count("/v1/sync/push") == pushes
        assert de.replica.pending_count() == 2
        assert direct.blob_held(sha) == (UPLOAD_CHUNK, False)

        # Next pass: resumed at 1 MiB; the third chunk arrives but its answer is lost.
        proxy.fail_next("reset_after", path="/v1/blobs/", skip=1)
        with pytest.raises(Offline):
            de.sync()
        assert proxy.count("/v1/sync/push") == pushes
        assert direct.blob_held(sha) == (2 * UPLOAD_CHUNK, False)

        # Next pass: the rest, then the steps.
        de.sync()
        assert de.replica.pending_count() == 0
        assert direct.blob_held(sha) == (len(data), True)
        assert attachments.pending_uploads(de.replica) == []
        puts = [f for m, p, f in proxy.seen if m == "PUT" and p.startswith("/v1/blobs/")]
        assert puts == ["", "reset", "reset_after", "", ""]  # each chunk sent once, one again

        hu.sync()
        received = cases.get_case(hu.replica, case_id)
        assert received is not None and received.request_attachments == (picked.ref,)
        assert hu.engine.transport.get_blob(sha, start=len(data) - 10) == data[-10:]
        # HU downloads in parts; the line drops during the second: the next attempt fetches
        # only what is missing.
        store = hu.replica.attachments
        assert store is not None
        through_proxy.token = hu.replica.get_meta("token")
        fetch = functools.partial(through_proxy.get_blob, sha)
        proxy.fail_next("reset", path="/v1/blobs/", skip=1)
        with pytest.raises(Offline):
            attachments.download(store, fetch, picked.ref)
        assert store.partial_size(sha) == UPLOAD_CHUNK and not store.has(sha)
        gets = proxy.count("/v1/blobs/")
        attachments.download(store, fetch, picked.ref)
        assert proxy.count("/v1/blobs/") - gets == 3  # parts 2, 3 and 4
        attachments.record_download(hu.replica, picked.ref, keep=True)
        assert attachments.states(hu.replica, [sha])[sha].kept

        # At rest in both profiles: encrypted, neither the content nor its hash in the clear.
        for profile in (tmp_path / "de", tmp_path / "hu"):
            stored = list((profile / "attachments").glob("*"))
            assert len(stored) == 1
            raw = stored[0].read_bytes()
            assert data[5000:5100] not in raw and b"%PDF" not in raw
            assert sha not in stored[0].name
        assert hu.replica.attachments is not None
        assert hu.replica.attachments.read(sha) == data
    finally:
        de.close()
        hu.close()
        through_proxy.close()


def test_a_document_the_server_refuses_does_not_hold_up_the_pass(live_server, tmp_path):
    de = make_client(live_server.url, "de.weber", tmp_path / "de")
    try:
        de.sync()
        archive = tmp_path / "Unterlagen.zip"
        archive.write_bytes(b"PK\x03\x04" + os.urandom(2000))
        # A type the picker would refuse, as an older or faulty client might queue it.
        ref = AttachmentRef(sha256=hashlib.sha256(archive.read_bytes()).hexdigest(),
                            name=archive.name, size=2004, media_type="application/zip")
        case_id = uuid.uuid4().hex
        with de.replica.transaction():
            attachments.attach(de.replica, [PickedFile(path=archive, ref=ref)])
            cases.perform(de.replica, name="case.create", args=factories.create_args(
                responder="HU-ENKK", case_id=case_id, attachments=[ref.model_dump()]))

        report = de.sync()

        assert [(r.code, r.params) for r in report.refused] == [
            ("attachment_type", {"media_type": "application/zip"})]
        assert de.replica.pending_count() == 0
        assert attachments.pending_uploads(de.replica) == []
        assert cases.get_case(de.replica, case_id) is None  # the create did not happen
    finally:
        de.close()
