"""The documents of a profile: attached to steps, uploaded before them, downloaded on demand.

- Attaching (``attach``) copies each picked file, encrypted, into the profile's attachment
  folder and records it as waiting for upload, in the transaction of the step that refers to
  it: the step's outbox row and its documents commit together.
- The sync engine uploads what waits (``pending_uploads``) before it pushes the outbox, each
  document resumed from the offset the server holds (``desktop.models.sync_engine``).
- A document of a case is downloaded when the officer opens or keeps it (``fetch``); it is
  kept for offline reading only when asked (``set_kept``): the others are removed at the next
  unlock (``tidy``). One's own attached documents are kept.
- A case that leaves this replica (revocation) takes its documents with it
  (``Replica.delete_cases``).
"""

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop import formatting
from desktop.i18n import _
from desktop.models.attachment_files import PickedFile
from desktop.models.attachment_store import AttachmentStore
from desktop.models.replica import Replica
from sync_protocol.attachments import AttachmentRef
from sync_protocol.cases import CaseRecord

# (heading, documents) per step of a case that carries documents.
Groups = Sequence[tuple[str, Sequence[AttachmentRef]]]


@dataclasses.dataclass(frozen=True)
class LocalState:
    """What this profile holds of one document."""

    stored: bool = False
    kept: bool = False
    uploading: bool = False


def _store(replica: Replica) -> AttachmentStore:
    assert replica.attachments is not None, "a replica opened from a profile"
    return replica.attachments


def _upsert(replica: Replica, ref: AttachmentRef, *, keep: bool, upload: bool) -> None:
    replica.write(
        "INSERT INTO attachments (sha256, name, size, media_type, stored, keep, upload) "
        "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (sha256) DO UPDATE SET stored = 1, "
        "keep = max(keep, excluded.keep), upload = max(upload, excluded.upload)",
        (ref.sha256, ref.name, ref.size, ref.media_type, int(keep), int(upload)))


def attach(replica: Replica, picked: Sequence[PickedFile]) -> None:
    """Copy ``picked`` into the encrypted folder and queue their upload (in the caller's
    transaction, with the step that refers to them). Raises ``DocumentChanged`` if a file is
    no longer what was picked."""
    store = _store(replica)
    with replica.transaction():
        for item in picked:
            if not store.has(item.ref.sha256):
                store.import_file(item.path, sha256=item.ref.sha256, size=item.ref.size)
            _upsert(replica, item.ref, keep=True, upload=True)


def queue_held(replica: Replica, args: dict[str, object]) -> None:
    """Queue for upload the documents a step's arguments refer to that this computer holds
    (a draft's documents, a refused step taken again): the server may have lost or dropped
    its copy, and the check costs one ``HEAD`` when it has it."""
    refs = args.get("attachments")
    if not isinstance(refs, list):
        return
    store = _store(replica)
    for ref in refs:
        sha = ref.get("sha256") if isinstance(ref, dict) else None
        if isinstance(sha, str) and store.has(sha):
            replica.write("UPDATE attachments SET upload = 1 WHERE sha256 = ? AND stored = 1",
                          (sha,))


def pending_uploads(replica: Replica) -> list[AttachmentRef]:
    rows = replica.read("SELECT sha256, name, size, media_type FROM attachments "
                        "WHERE upload = 1 AND stored = 1 ORDER BY rowid")
    return [AttachmentRef(sha256=s, name=n, size=z, media_type=m) for s, n, z, m in rows]


def uploaded(replica: Replica, sha256: str) -> None:
    with replica.transaction():
        replica.write("UPDATE attachments SET upload = 0 WHERE sha256 = ?",
                                   (sha256,))


def states(replica: Replica, hashes: Sequence[str]) -> dict[str, LocalState]:
    if not hashes:
        return {}
    rows = replica.read("SELECT sha256, stored, keep, upload FROM attachments "
                        "WHERE sha256 IN (SELECT value FROM json_each(?))",
                        (json.dumps(list(hashes)),))
    store = _store(replica)
    return {sha: LocalState(stored=bool(stored) and store.has(sha), kept=bool(keep),
                            uploading=bool(upload))
            for sha, stored, keep, upload in rows}


# A download travels in parts of this size (whole chunks of the attachment folder's files): a
# line that drops costs the part in flight, and the next attempt continues after the last
# part received.
DOWNLOAD_PART = 1024 * 1024


def download(store: AttachmentStore, fetch: Callable[[int, int], bytes],
             ref: AttachmentRef) -> None:
    """Download ``ref`` into ``store`` in parts, from where an earlier attempt stopped.
    ``fetch(start, length)`` is the network call (``Transport.get_blob``); it raises
    ``Offline`` when the line drops, and the parts received stay for the next attempt.
    Network and files only: run on the network lane, then ``record_download``."""
    if store.has(ref.sha256):
        return
    offset = store.partial_size(ref.sha256)
    while offset < ref.size:
        part = fetch(offset, min(DOWNLOAD_PART, ref.size - offset))
        if not part or offset + len(part) > ref.size:
            raise ValueError("the server sent another document than the one referred to")
        store.append_partial(ref.sha256, part)
        offset += len(part)
    store.finish_partial(ref.sha256, ref.size)


def record_download(replica: Replica, ref: AttachmentRef, *, keep: bool) -> None:
    """The document downloaded into the folder (``download``) is known from now on."""
    with replica.transaction():
        _upsert(replica, ref, keep=keep, upload=False)


def save_download(replica: Replica, ref: AttachmentRef, data: bytes, *, keep: bool) -> None:
    """Keep a downloaded document, encrypted; ``ValueError`` if it is not the document."""
    if hashlib.sha256(data).hexdigest() != ref.sha256 or len(data) != ref.size:
        raise ValueError("the downloaded content is not the document referred to")
    _store(replica).put_bytes(ref.sha256, data)
    with replica.transaction():
        _upsert(replica, ref, keep=keep, upload=False)


def set_kept(replica: Replica, sha256: str, keep: bool) -> None:
    with replica.transaction():
        replica.write("UPDATE attachments SET keep = ? WHERE sha256 = ?",
                                   (int(keep), sha256))


def tidy(replica: Replica) -> int:
    """At unlock: remove documents downloaded only to be read once, and encrypted files no
    row knows (left by a crash); return how many files went."""
    store = _store(replica)
    with replica.transaction():
        gone = [sha for (sha,) in replica.read(
            "SELECT sha256 FROM attachments WHERE keep = 0 AND upload = 0")]
        for sha in gone:
            replica.forget_document(sha)
        known = {store.path(sha) for (sha,) in replica.read("SELECT sha256 FROM attachments")}
    strays = store.stored() - known
    for path in strays:
        path.unlink(missing_ok=True)
    return len(gone) + len(strays)


def open_copy(replica: Replica, ref: AttachmentRef, folder: Path) -> Path:
    """A decrypted copy of ``ref`` in ``folder`` (a private temporary folder), for the
    system's viewer; named as the document, so the viewer shows its name."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in ref.name).strip() or "doc"
    target = folder / f"{ref.sha256[:8]}-{safe}"
    return _store(replica).decrypted_copy(ref.sha256, target)


def document_groups(case: CaseRecord) -> Groups:
    """The case's documents under the step that carries them, in the reader's language."""
    groups: list[tuple[str, Sequence[AttachmentRef]]] = [
        (_("Request"), case.request_attachments), (_("Reply"), case.reply_attachments)]
    for message in getattr(case, "messages", ()):
        refs: Sequence[AttachmentRef] = getattr(message, "attachments", ())
        if refs:
            when = formatting.datetime_text(getattr(message, "at", None))
            groups.append((_("Message of {when}").format(when=when), refs))
    return [(title, refs) for title, refs in groups if refs]
