"""Interchange files as they were imported, kept compressed inside the database (so a backup
carries them): the audit trail's one event per import names a file here by its SHA-256, and
`audit verify` re-reads it to know every record that import wrote."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from exodesk.models.base import Base


class ImportedFile(Base):
    """One imported file: `content` is its bytes compressed with `compression` (zlib)."""

    __tablename__ = "imported_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the uncompressed bytes
    name: Mapped[str] = mapped_column(String(300))
    size: Mapped[int]  # bytes, uncompressed
    compression: Mapped[str] = mapped_column(String(16))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[dt.datetime]
