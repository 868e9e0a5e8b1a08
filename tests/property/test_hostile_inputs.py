"""Properties of hostile input, through the command line in-process (`exodesk.cli.main`):

- an interchange file (a valid document with its values mutated, or its raw text mutated:
  huge numbers, NaN/Infinity literals, lone surrogates, control characters, very long text,
  deep nesting, duplicate keys, wrong types, impossible dates) is imported (exit 0) or refused
  as invalid input (exit 2), never anything else;
- a count sheet (the sheet ExoDesk writes, its cells or bytes mutated) is entered (exit 0) or
  refused (exit 2), never anything else;
- a refusal leaves every row of every table as it was, and no message carries a control
  character or a traceback.

The database is a real migrated SQLite file that holds data, built once per session.
Examples are derandomized, so every run (and CI) tries exactly the same inputs."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sample_files import base_document, lot, movement, product, treatment

from exodesk.cli import main

CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\ud800-\udfff]")
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
Draw = Callable[..., Any]


def seed_document() -> dict[str, Any]:
    """A small valid document touching every section (lots, treatments, movements)."""
    doc = base_document()
    doc["products"].append(product("Exo Two", intended_routes=["intradermal"]))
    doc["lots"].append(lot("EX2", "Exo Two", quantity=30))
    doc["treatments"].append(treatment("T-0001", "EX2", "Exo Two"))
    doc["movements"].append(movement("M-0001", "waste", "EX2", "Exo Two", quantity=-2))
    return doc


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A migrated database holding the seed document and an open count, and its sheet."""
    folder = tmp_path_factory.mktemp("property-template")
    db, seed, sheet = folder / "clinic.sqlite", folder / "seed.json", folder / "sheet.csv"
    seed.write_text(json.dumps(seed_document()), encoding="utf-8")
    assert main(["import", str(seed), "--db", str(db)]) == 0
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["count", "start", "--today", "2026-06-01", "--db", str(db)]) == 0
    count_id = out.getvalue().strip()
    assert main(["count", "sheet", count_id, str(sheet), "--db", str(db)]) == 0
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"db": db, "count": count_id, "sheet": sheet.read_text(encoding="utf-8")}


@pytest.fixture
def db(template: dict[str, Any], tmp_path: Path) -> Path:
    """This test's own copy; shared by its examples (an accepted import stays, which is
    fine: the property holds for any database that holds data)."""
    path = tmp_path / "clinic.sqlite"
    shutil.copyfile(template["db"], path)
    return path


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }


def run_and_check(capsys: pytest.CaptureFixture[str], db: Path, argv: list[str]) -> int:
    """Run `argv`: exit 0 or 2 only; on 2, nothing changed; no message has a control
    character, a traceback or an 'unexpected error'."""
    capsys.readouterr()
    before = dump(db)
    code = main([*argv, "--db", str(db)])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    assert "Traceback" not in err and "unexpected error" not in err, err
    for line in (out + err).splitlines():
        assert not CONTROL.search(line), repr(line)
        assert len(line) < 600, line[:200]
    if code == 2:
        assert dump(db) == before, "a refused input changed the database"
    return code


# -- hostile interchange files -------------------------------------------------------------

LONG = "x" * 20_000
HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            2**63,
            -(2**63),
            2**64 + 1,
            10**30,
            -1,
            0,
            1_000_001,
            1e308,
            -1e308,
            1.5,
            -0.0,
            5e-324,
            True,
            None,
            "",
            " ",
            LONG,
            "2026-02-30",
            "2026-02-29",
            "2026-13-01",
            "0000-01-01",
            "9999-12-31",
            "2026-1-1",
            "2026-06-01T00:00",
            "\x1b[31mred\x07",
            "a\u202eb",
            "=cmd|' /C calc'!A0",
            "10",
            [],
            {},
            [1, "a", None],
            {"on": "2026-01-01", "by": "x", "reason": "y"},
        ]
    ),
    st.integers(),
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "L", "Nd", "P", "Zs"]),
        max_size=30,
    ),
)
RAW_MUTATIONS = [
    "none",
    "nan",
    "infinity",
    "surrogate",
    "duplicate",
    "nest",
    "digits",
    "truncate",
    "bom",
    "bad-utf8",
    "control-raw",
]


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) whose value can be replaced."""
    found: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((node, key))
            found.extend(_slots(value))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.append((node, i))
            found.extend(_slots(value))
    return found


@st.composite
def hostile_files(draw: Draw) -> bytes:
    doc = seed_document()
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        container, key = draw(st.sampled_from(_slots(doc)))
        container[key] = draw(HOSTILE_VALUES)
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    kind = draw(st.sampled_from(["none"] * 5 + RAW_MUTATIONS))  # often the values alone
    numbers = list(re.finditer(r"(?<=: )-?\d+(?:\.\d+)?(?=[,}\]])", text))
    strings = list(re.finditer(r'(?<=: )"[^"\\]*"', text))
    if kind in ("nan", "infinity", "digits") and numbers:
        at = draw(st.sampled_from(numbers))
        literal = {
            "nan": "NaN",
            "infinity": draw(st.sampled_from(["Infinity", "-Infinity"])),
            "digits": "9" * draw(st.integers(min_value=20, max_value=6000)),
        }[kind]
        text = text[: at.start()] + literal + text[at.end() :]
    elif kind == "surrogate" and strings:
        at = draw(st.sampled_from(strings))
        escape = draw(st.sampled_from(["\\ud800", "\\udfff", "a\\ud83d", "\\u0000", "\\u001b[2J"]))
        text = text[: at.start()] + f'"{escape}"' + text[at.end() :]
    elif kind == "duplicate":
        key = draw(st.sampled_from(["name", "lot", "quantity", "format", "ref", "expiry"]))
        text = text.replace(f'"{key}": ', f'"{key}": 1, "{key}": ', 1)
    elif kind == "nest":
        depth = draw(st.integers(min_value=1, max_value=3000))
        text = text.replace("[]", "[" * depth + "]" * depth, 1)
        if "[" * depth not in text:
            text = text.replace('"format"', '"deep": ' + "[" * depth + "]" * depth + ', "format"')
    elif kind == "truncate":
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    raw = text.encode("utf-8", "surrogatepass")
    if kind == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif kind == "bad-utf8":
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"])) + raw[at:]
    elif kind == "control-raw" and strings:
        at = draw(st.sampled_from(strings))
        raw = text[: at.start() + 1].encode() + b"\x1b\x07" + text[at.start() + 1 :].encode()
    return raw


@SETTINGS
@given(raw=hostile_files())
def test_a_hostile_interchange_file_is_imported_or_refused_with_exit_2(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: bytes
) -> None:
    path = tmp_path / "hostile.json"
    path.write_bytes(raw)
    event(f"exit {run_and_check(capsys, db, ['import', str(path)])}")


def test_the_unmutated_seed_imports_and_changes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The property can fail: the seed itself imports, and a plainly bad one is refused."""
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed_document()), encoding="utf-8")
    before = dump(db)
    assert run_and_check(capsys, db, ["import", str(path)]) == 0
    assert dump(db) == before
    path.write_text(json.dumps(seed_document()).replace('"quantity": 10', '"quantity": 1e400'))
    assert run_and_check(capsys, db, ["import", str(path)]) == 2


# -- hostile count sheets ------------------------------------------------------------------

FIELD_LIMIT = "y" * (csv.field_size_limit() + 1)
HOSTILE_CELLS = st.one_of(
    st.sampled_from(
        [
            str(2**63),
            "1e400",
            "-1",
            "9" * 5000,
            "NaN",
            "inf",
            "1.5",
            "1_000",
            "٣",
            "+3",
            "1000000",
            "1000001",
            "",
            " 4 ",
            "2026-02-30",
            "2030-12-31",
            "\x1b[31m\x07",
            "\x00",
            "a\u202eb",
            '=HYPERLINK("x")',
            "'=x",
            "\ufeff",
            LONG,
            FIELD_LIMIT,
        ]
    ),
    st.integers(min_value=-10, max_value=2_000_000).map(str),
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "L", "Nd", "P", "Zs"]),
        max_size=20,
    ),
)
SHEET_MUTATIONS = [
    "none",
    "duplicate-row",
    "drop-header",
    "extra-column",
    "semicolon",
    "unclosed-quote",
    "truncate",
    "bom",
    "bad-utf8",
    "binary",
    "many-rows",
    "field-limit",
]


@st.composite
def hostile_sheets(draw: Draw, sheet: str) -> bytes:
    rows = list(csv.reader(io.StringIO(sheet)))
    for r in rows[1:]:
        r[5] = r[4]  # counted as expected
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        r = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        c = draw(st.integers(min_value=0, max_value=5))
        rows[r][c] = draw(HOSTILE_CELLS)
    kind = draw(st.sampled_from(["none"] * 5 + SHEET_MUTATIONS))  # often the cells alone
    if kind == "duplicate-row":
        rows.append(list(draw(st.sampled_from(rows[1:]))))
    elif kind == "drop-header":
        rows = rows[1:]
    elif kind == "extra-column":
        rows = [[*r, draw(HOSTILE_CELLS)] for r in rows]
    elif kind == "field-limit":  # a cell past the csv module's limit, anywhere
        r = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        rows[r][draw(st.integers(min_value=0, max_value=5))] = FIELD_LIMIT
    elif kind == "many-rows":
        rows += [["Exo Plant 10", f"X{i}", "", "", "", "1"] for i in range(3000)]
    out = io.StringIO()
    csv.writer(out, delimiter=";" if kind == "semicolon" else ",").writerows(rows)
    text = out.getvalue()
    if kind == "unclosed-quote":
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + '"' + text[at:]
    elif kind == "truncate":
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    raw = text.encode("utf-8", "surrogatepass")
    if kind == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif kind == "bad-utf8":
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        raw = raw[:at] + b"\xff\xfe" + raw[at:]
    elif kind == "binary":
        raw = draw(st.binary(max_size=200))
    return raw


@pytest.fixture(scope="session")
def sheets(template: dict[str, Any]) -> st.SearchStrategy[bytes]:
    return hostile_sheets(template["sheet"])


@SETTINGS
@given(data=st.data())
def test_a_hostile_count_sheet_is_entered_or_refused_with_exit_2(
    db: Path,
    template: dict[str, Any],
    sheets: st.SearchStrategy[bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    data: st.DataObject,
) -> None:
    path = tmp_path / "hostile.csv"
    path.write_bytes(data.draw(sheets))
    event(f"exit {run_and_check(capsys, db, ['count', 'enter', template['count'], str(path)])}")


def test_the_unmutated_sheet_is_entered(
    db: Path, template: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(template["sheet"], encoding="utf-8")
    assert run_and_check(capsys, db, ["count", "enter", template["count"], str(path)]) == 0
    path.write_text(template["sheet"].replace("\n", f"\nExo Plant 10,PL001,,,,{2**63}\n", 1))
    assert run_and_check(capsys, db, ["count", "enter", template["count"], str(path)]) == 2
