"""Atomic writes never replace what is not a regular file."""

from __future__ import annotations

import os
from pathlib import Path

from exodesk.files import write_atomically


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
