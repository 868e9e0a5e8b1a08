"""A file's bytes handed over to an import are held by it alone, and read exactly as bytes
passed the ordinary way: a file the streamed reading does not take (here one that starts with
a UTF-8 byte order mark) is read whole from the very same bytes, and kept as they were."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest
from file_imports import import_into
from sample_files import base_document, treatment

from exodesk.db import open_database
from exodesk.services.audit.imports import PackedFile
from exodesk.services.interchange import importer
from exodesk.services.interchange.export import export_document
from exodesk.services.interchange.importer import Handover


def test_handed_over_bytes_are_taken_once() -> None:
    handed = Handover(b"{}")
    assert handed.take() == b"{}"
    with pytest.raises(RuntimeError, match="handed over already"):
        handed.take()


def _imported(db_path: Path, raw: bytes | Handover) -> dict[str, object]:
    import_into(db_path, raw)
    db = open_database(str(db_path))
    try:
        with db.read() as session:
            return export_document(session)
    finally:
        db.close()


def test_a_file_with_a_byte_order_mark_reads_the_same_handed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "PER_RECORD_EVENTS_UP_TO", 5)  # the file itself is kept
    monkeypatch.setattr(PackedFile, "IN_BACKGROUND_FROM", 1)  # compressed on its own thread
    doc = base_document()
    doc["lots"][0]["quantity"] = 100
    doc["treatments"] = [treatment(f"T-{n:04d}") for n in range(20)]
    plain = json.dumps(doc).encode("utf-8")
    marked = b"\xef\xbb\xbf" + plain
    expected = _imported(tmp_path / "plain.sqlite", plain)
    assert _imported(tmp_path / "passed.sqlite", marked) == expected
    assert _imported(tmp_path / "handed.sqlite", Handover(marked)) == expected
    with sqlite3.connect(tmp_path / "handed.sqlite") as raw:
        size, content = raw.execute("SELECT size, content FROM imported_file").fetchone()
    raw.close()
    assert size == len(marked)
    assert zlib.decompress(content) == marked
