"""Atomic writes: the file on disk is the old content or the new, never half; what is not a
regular file is written to, never replaced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exodesk.files import copy_atomically, temporary_beside, write_atomically


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "sheet.csv"
    target.write_text("old\n")
    write_atomically(target, "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.csv"]  # no temporary file left


def test_a_pipe_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomically(fifo, "through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert fifo.is_fifo()


def test_dev_null_stays_a_device() -> None:
    write_atomically(Path(os.devnull), "discarded")
    assert not Path(os.devnull).is_file()


def test_bytes_are_written_as_given(tmp_path: Path) -> None:
    target = tmp_path / "scan.pdf"
    write_atomically(target, b"%PDF-1.7\r\n\x00\xff")
    assert target.read_bytes() == b"%PDF-1.7\r\n\x00\xff"


def test_text_keeps_its_newlines(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_atomically(target, "a,b\r\nc,d\r\n")
    assert target.read_bytes() == b"a,b\r\nc,d\r\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sheet.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), temporary_beside(tmp_path, ".sheet.csv.") as tmp:
        tmp.write_text("half")
        raise RuntimeError("power cut")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.csv"]


def test_a_copy_replaces_the_target_whole(tmp_path: Path) -> None:
    source, target = tmp_path / "daily.sqlite", tmp_path / "monthly.sqlite"
    source.write_bytes(b"new copy")
    target.write_bytes(b"old copy, longer")
    copy_atomically(source, target)
    assert target.read_bytes() == b"new copy"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daily.sqlite", "monthly.sqlite"]
