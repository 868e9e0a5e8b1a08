"""Every CSV ExoDesk writes neutralises formula cells (INTERCHANGE.md, "Commands"): the count
sheet, the count report, the recall CSV and the audit CSV; a count sheet reads back unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from exodesk.cli import main
from exodesk.db import open_database
from exodesk.models import AuditAction
from exodesk.services.audit.log import AuditFilter, AuditRow, events_csv, iter_events
from exodesk.services.counts.counts import count_lines, get_count, report_csv
from exodesk.services.counts.sheet import SheetFile, SheetRow, format_sheet, parse_sheet
from exodesk.services.treatments.recall import recall_csv
from exodesk.services.treatments.trace import TraceRow, trace_lot
from tests import sample_files as sf

NAMES = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+2",
    "\tTab led",
    "\rCR led",
]
# The importer trims names, so tab- and CR-led names reach the writers only directly below.
STORED = NAMES[:4]
TODAY = sf.TODAY.isoformat()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, out


@pytest.fixture
def clinic(db_path: Path, write_json: Callable[..., Path]) -> Path:
    """A clinic whose products and lots are named like formulas, one treatment from each."""
    doc = sf.base_document()
    for i, name in enumerate(STORED):
        sf.add_product(doc, name, gtin=sf.gtin_for(f"p{i}"))
        doc["lots"].append(sf.lot(name, name))
        doc["documents"].append(sf.coa(name, name, number=f"COA-{i}"))
        doc["treatments"].append(
            sf.treatment(f"T-{i}", name, name, date=sf.day(-5), patient=name, practitioner=name)
        )
    code = main(["import", str(write_json(doc)), "--db", str(db_path)])
    assert code == 0
    return db_path


def assert_all_neutralised(text: str, names: list[str]) -> None:
    cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
    for name in names:
        assert "'" + name in cells
    assert not cells & set(NAMES)
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)


def test_count_sheet_and_report_neutralise_and_the_sheet_reads_back(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(clinic)
    _, out = run(capsys, "count", "start", "--today", TODAY, "--db", db)
    count_id = out.strip()
    sheet = tmp_path / "sheet.csv"
    run(capsys, "count", "sheet", count_id, str(sheet), "--db", db)
    text = sheet.read_text(encoding="utf-8")
    assert_all_neutralised(text, STORED)
    assert {(r.product, r.lot) for r in parse_sheet(text)} >= {(n, n) for n in STORED}

    # Count every lot as expected, editing the sheet cells as they are (still neutralised).
    rows = list(csv.reader(io.StringIO(text)))
    filled = [rows[0], *[[*r[:5], r[4]] for r in rows[1:]]]
    out_text = io.StringIO()
    csv.writer(out_text, lineterminator="\n").writerows(filled)
    (tmp_path / "filled.csv").write_text(out_text.getvalue(), encoding="utf-8")
    run(capsys, "count", "enter", count_id, str(tmp_path / "filled.csv"), "--db", db)
    with open_database(db).read() as session:
        lines = count_lines(session, int(count_id))
    counted = {(x.product, x.lot): x.counted for x in lines}
    for name in STORED:
        assert counted[(name, name)] == 9  # 10 received, one used by the treatment

    report = tmp_path / "report.csv"
    run(capsys, "count", "report", count_id, str(report), "--db", db)
    assert_all_neutralised(report.read_text(encoding="utf-8"), STORED)

    # Tab- and CR-led names, and a -2 adjustment, as the report writes them.
    with open_database(db).read() as session:
        summary = get_count(session, int(count_id))
    led = [
        replace(lines[0], product=name, lot=name, location=name, adjustment=-2)
        for name in NAMES[4:]
    ]
    text = report_csv(summary, led)
    assert_all_neutralised(text, NAMES[4:])
    body = list(csv.reader(io.StringIO(text)))[5:]
    assert [row[7] for row in body] == ["-2", "-2"]


def test_sheet_written_and_read_back_is_unchanged(tmp_path: Path) -> None:
    rows = [
        SheetRow(name, name, None, name, 3, None, row=i + 2)
        for i, name in enumerate([*NAMES, "'=already quoted", "'plain", "-2"])
    ]
    text = format_sheet(rows)
    assert_all_neutralised(text, NAMES)
    assert parse_sheet(text) == rows
    path = tmp_path / "offline.csv"
    path.write_text(text, encoding="utf-8")
    sheet = SheetFile.open(path)
    assert sheet.rows == rows
    sheet.set_counted(0, 2)
    assert [(r.product, r.lot, r.location) for r in SheetFile.open(path).rows] == [
        (r.product, r.lot, r.location) for r in rows
    ]


def test_negative_numbers_stay_numbers() -> None:
    rows = parse_sheet("product,lot,expiry,location,expected,counted\n-2,-1+2,,,3,\n")
    text = format_sheet(rows)
    assert text.splitlines()[1] == "-2,'-1+2,,,3,"


def test_recall_csv_neutralises(clinic: Path) -> None:
    with open_database(str(clinic)).read() as session:
        for name in STORED:
            text = recall_csv(name, name, trace_lot(session, name, name))
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[1][:2] == ["'" + name, "'" + name]
            assert rows[1][4:6] == ["'" + name, "'" + name]  # patient, practitioner
            assert_all_neutralised(text, [name])
    for name in NAMES[4:]:
        trace = [TraceRow("T-1", sf.TODAY, name, name, "intradermal", name, 2)]
        text = recall_csv(name, name, trace)
        assert_all_neutralised(text, [name])
        assert list(csv.reader(io.StringIO(text)))[1][-1] == "2"


def test_audit_csv_neutralises(clinic: Path) -> None:
    with open_database(str(clinic)).read() as session:
        text = events_csv(list(iter_events(session, AuditFilter())))
    rows = list(csv.reader(io.StringIO(text)))
    keys = {r[5] for r in rows[1:]}
    for name in STORED:
        assert "'" + name in keys
    assert_all_neutralised(text, STORED)
    assert all(r[0].isdigit() for r in rows[1:])
    at = dt.datetime(2026, 6, 1, 9, 0)
    led = [
        AuditRow(i, at, name, AuditAction.UPDATE, "lot", name, "status", name, "-2", name)
        for i, name in enumerate(NAMES[4:], start=1)
    ]
    text = events_csv(led)
    assert_all_neutralised(text, NAMES[4:])
    assert [r[8] for r in list(csv.reader(io.StringIO(text)))[1:]] == ["-2", "-2"]
