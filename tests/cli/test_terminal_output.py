"""Human output never passes control characters from the data to the terminal (contract):
a name carrying an escape sequence, written into the file behind ExoDesk's back, is shown as
visible text; `--json` and `export -` still carry the exact data."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pytest

from exodesk.cli import main
from exodesk.cli.terminal import safe

HOSTILE = "Exo\x1b]8;;http://evil\x07Clear\x1b[2J\x9b31m\u202eevil"


@pytest.fixture
def hostile_db(demo_db: Path) -> Path:
    with contextlib.closing(sqlite3.connect(demo_db)) as raw, raw:
        raw.execute("UPDATE location SET name = ? WHERE id = 1", (HOSTILE,))
        raw.execute("UPDATE treatment SET patient = ? WHERE id = 1", (HOSTILE,))
    return demo_db


def _controls(text: str) -> list[str]:
    return [c for c in text if c not in "\n\t" and (ord(c) < 32 or 0x7F <= ord(c) <= 0x9F)]


@pytest.mark.parametrize("command", [["stock"], ["check"], ["export", "-"], ["stock", "--json"]])
def test_no_control_character_reaches_the_terminal(
    hostile_db: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main([*command, "--db", str(hostile_db), "--today", "2026-11-22"][:None]) in (0, 2)
    out = capsys.readouterr()
    assert _controls(out.out + out.err) == []
    assert "\u202e" not in out.out


def test_json_output_still_carries_the_exact_data(
    hostile_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stock", "--json", "--db", str(hostile_db), "--today", "2026-11-22"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert HOSTILE in {row["location"] for row in rows}


def test_safe_shows_controls_as_visible_escapes() -> None:
    assert safe("a\x1b[31mb\tc\nd\x9b") == "a\\u001b[31mb\tc\nd\\u009b"
