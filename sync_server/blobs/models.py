"""Blob tables: documents uploaded in chunks, each chunk sealed, and which case refers to which.

An upload belongs to the authority that made it (``authority_id``): two authorities uploading
the same document hold two uploads. A chunk is sealed on its own (``crypto.blob_binding``: the
document, the authority and the chunk's offset), so a chunk moved elsewhere does not open and
a document is read, and written, one chunk at a time.
"""

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import Base


class BlobUpload(Base):
    __tablename__ = "blob_uploads"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), primary_key=True,
                                              index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(120))
    received: Mapped[int] = mapped_column(BigInteger)
    complete: Mapped[bool]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class BlobChunk(Base):
    __tablename__ = "blob_chunks"
    __table_args__ = (ForeignKeyConstraint(["sha256", "authority_id"],
                                           ["blob_uploads.sha256", "blob_uploads.authority_id"]),)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    length: Mapped[int]
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class BlobRef(Base):
    """A case refers to a document (``sync_protocol.attachments.refs_in``), kept in the clear
    so that a download finds the cases that may allow it."""

    __tablename__ = "blob_refs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True, index=True)
