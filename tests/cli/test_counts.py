"""Stock counts through the command line, exactly as the contract describes them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from exodesk.cli import main
from exodesk.db import open_database
from exodesk.services.counts.counts import count_lines

TODAY = "2026-11-22"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stock(capsys: pytest.CaptureFixture[str], db: Path) -> dict[tuple[str, str], int]:
    code, out, _ = run(capsys, "stock", "--json", "--db", str(db))
    assert code == 0
    return {(r["product"], r["lot"]): r["on_hand"] for r in json.loads(out)}


def read_sheet(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_sheet(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    columns = columns or ["product", "lot", "expiry", "location", "expected", "counted"]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def opened(demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> dict[str, Any]:
    code, out, _ = run(
        capsys, "count", "start", "--location", "Fridge A", "--today", TODAY, "--db", str(demo_db)
    )
    assert code == 0
    count_id = out.strip()
    assert count_id.isdigit(), f"count start must print the id alone, got {out!r}"
    sheet = tmp_path / "sheet.csv"
    assert run(capsys, "count", "sheet", count_id, str(sheet), "--db", str(demo_db))[0] == 0
    return {"id": count_id, "sheet": sheet, "db": demo_db}


def test_sheet_lists_the_location_in_order_with_counted_empty(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    text = opened["sheet"].read_text(encoding="utf-8")
    assert text.splitlines()[0] == "product,lot,expiry,location,expected,counted"
    rows = read_sheet(opened["sheet"])
    assert rows and {r["location"] for r in rows} == {"Fridge A"}
    assert all(r["counted"] == "" for r in rows)
    keys = [(r["location"], r["product"], r["lot"]) for r in rows]
    assert keys == sorted(keys)
    on_hand = stock(capsys, opened["db"])
    assert all(int(r["expected"]) == on_hand[(r["product"], r["lot"])] for r in rows)


def test_whole_cycle_with_a_treatment_recorded_while_the_count_is_open(
    opened: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    write_json: Any,
) -> None:
    db, count_id = str(opened["db"]), opened["id"]
    rows = read_sheet(opened["sheet"])
    first, second, third = rows[0], rows[1], rows[2]
    # While the auditor counts, a practitioner uses 1 vial of the first lot, dated last week.
    treatment = {
        "format": "exodesk/1",
        "treatments": [
            {
                "ref": "T-COUNT-1",
                "date": "2026-11-15",
                "product": first["product"],
                "lot": first["lot"],
                "patient": "P-9999",
                "practitioner": "Dr A",
                "route": "intradermal",
                "zone": "face",
                "vials": 1,
            }
        ],
    }
    assert run(capsys, "import", str(write_json(treatment)), "--db", db)[0] == 0

    for r in rows:
        r["counted"] = r["expected"]
    first["counted"] = str(int(first["expected"]) - 1)  # matches: the treatment took one
    second["counted"] = str(int(second["expected"]) - 2)  # two missing
    third["counted"] = ""  # not counted: keeps its stock
    filled = write_sheet(tmp_path / "filled.csv", rows)
    before = stock(capsys, opened["db"])
    assert run(capsys, "count", "enter", count_id, str(filled), "--db", db)[0] == 0

    code, out, _ = run(
        capsys,
        "count",
        "close",
        count_id,
        "--reason",
        "monthly count",
        "--json",
        "--today",
        TODAY,
        "--db",
        db,
    )
    assert code == 0
    discrepancies = json.loads(out)
    assert discrepancies == [
        {
            "product": second["product"],
            "lot": second["lot"],
            "location": "Fridge A",
            "expected": int(second["expected"]),
            "counted": int(second["counted"]),
            "adjustment": -2,
        }
    ]
    after = stock(capsys, opened["db"])
    for r in rows:
        key = (r["product"], r["lot"])
        if r["counted"]:
            assert after.get(key, 0) == int(r["counted"])
        else:
            assert after[key] == before[key]


def test_entering_again_replaces_earlier_counts(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db, count_id = str(opened["db"]), opened["id"]
    rows = read_sheet(opened["sheet"])[:1]
    rows[0]["counted"] = "1"
    assert (
        run(
            capsys,
            "count",
            "enter",
            count_id,
            str(write_sheet(tmp_path / "a.csv", rows)),
            "--db",
            db,
        )[0]
        == 0
    )
    rows[0]["counted"] = "2"
    assert (
        run(
            capsys,
            "count",
            "enter",
            count_id,
            str(write_sheet(tmp_path / "b.csv", rows)),
            "--db",
            db,
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "count", "close", count_id, "--reason", "r", "--json", "--db", db)
    assert code == 0
    assert [d["counted"] for d in json.loads(out)] == [2]


def test_a_lot_found_but_not_expected_can_be_added(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db, count_id = str(opened["db"]), opened["id"]
    found = {
        "product": "Verda Centella Exosome Cream",
        "lot": "VC-0630",
        "expiry": "",
        "location": "Fridge A",
        "expected": "",
        "counted": "4",
    }
    assert (
        run(
            capsys,
            "count",
            "enter",
            count_id,
            str(write_sheet(tmp_path / "found.csv", [found])),
            "--db",
            db,
        )[0]
        == 0
    )
    code, out, _ = run(
        capsys, "count", "close", count_id, "--reason", "found in fridge A", "--json", "--db", db
    )
    assert code == 0
    assert stock(capsys, opened["db"])[("Verda Centella Exosome Cream", "VC-0630")] == 4


def _lines(db: Path, count_id: str) -> list[Any]:
    handle = open_database(str(db))
    with handle.read() as session:
        lines = count_lines(session, int(count_id))
    handle.close()
    return lines


@pytest.mark.parametrize(
    ("mutate", "expected_message"),
    [
        (lambda rows: rows[0].update(counted="-3"), "row 2, column counted: -3"),
        (lambda rows: rows[1].update(counted="six"), "row 3, column counted: 'six' is not a whole"),
        (lambda rows: rows[0].update(lot="NO-SUCH-LOT"), "row 2, column lot: no lot 'NO-SUCH-LOT'"),
        (lambda rows: rows[0].update(product="Ghost"), "row 2, column product: unknown product"),
        (lambda rows: rows.append(dict(rows[0])), "is on the sheet twice (first on row 2)"),
        (lambda rows: rows[0].update(expected="999"), "row 2, column expected: the sheet says 999"),
        (lambda rows: rows[0].update(expiry="2030-02-30"), "row 2, column expiry: '2030-02-30'"),
    ],
)
def test_a_bad_sheet_is_refused_naming_row_and_column_and_nothing_is_written(
    opened: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    mutate: Any,
    expected_message: str,
) -> None:
    rows = read_sheet(opened["sheet"])
    for r in rows:
        r["counted"] = r["expected"]
    mutate(rows)
    before = _lines(opened["db"], opened["id"])
    code, _, err = run(
        capsys,
        "count",
        "enter",
        opened["id"],
        str(write_sheet(tmp_path / "bad.csv", rows)),
        "--db",
        str(opened["db"]),
    )
    assert code == 2
    assert expected_message in err
    assert "nothing was entered" in err
    assert "Traceback" not in err
    assert _lines(opened["db"], opened["id"]) == before


def test_missing_columns_are_named(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = read_sheet(opened["sheet"])
    bad = write_sheet(tmp_path / "cols.csv", rows, ["product", "lot", "expected"])
    code, _, err = run(capsys, "count", "enter", opened["id"], str(bad), "--db", str(opened["db"]))
    assert code == 2
    assert "row 1, column counted: missing" in err
    assert "row 1, column expiry: missing" in err


def test_the_sheet_of_another_count_is_refused(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(demo_db)
    fridge_b = run(capsys, "count", "start", "--location", "Fridge B", "--db", db)[1].strip()
    fridge_a = run(capsys, "count", "start", "--location", "Fridge A", "--db", db)[1].strip()
    sheet_b = tmp_path / "b.csv"
    run(capsys, "count", "sheet", fridge_b, str(sheet_b), "--db", db)
    rows = read_sheet(sheet_b)
    for r in rows:
        r["counted"] = r["expected"]
    code, _, err = run(
        capsys,
        "count",
        "enter",
        fridge_a,
        str(write_sheet(tmp_path / "filled_b.csv", rows)),
        "--db",
        db,
    )
    assert code == 2
    assert "is this the sheet of another count?" in err


def test_closed_and_unknown_counts_are_refused(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    db, count_id = str(opened["db"]), opened["id"]
    assert run(capsys, "count", "close", count_id, "--reason", "done", "--db", db)[0] == 0
    code, _, err = run(capsys, "count", "close", count_id, "--reason", "again", "--db", db)
    assert code == 2 and "read-only" in err
    code, _, err = run(capsys, "count", "enter", count_id, str(opened["sheet"]), "--db", db)
    assert code == 2 and "read-only" in err
    for argv in (
        ["sheet", "404", str(opened["sheet"])],
        ["enter", "404", str(opened["sheet"])],
        ["close", "404", "--reason", "x"],
    ):
        code, _, err = run(capsys, "count", *argv, "--db", db)
        assert code == 2 and "no stock count 404" in err


def test_close_needs_a_reason(opened: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "count", "close", opened["id"], "--reason", "  ", "--db", str(opened["db"])
    )
    assert code == 2 and "reason" in err


def test_report_says_who_counted_and_what_was_adjusted(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db, count_id = str(opened["db"]), opened["id"]
    rows = read_sheet(opened["sheet"])[:1]
    rows[0]["counted"] = str(int(rows[0]["expected"]) + 1)
    main(
        [
            "count",
            "enter",
            count_id,
            str(write_sheet(tmp_path / "a.csv", rows)),
            "--db",
            db,
            "--user",
            "auditor-jo",
        ]
    )
    main(["count", "close", count_id, "--reason", "spot check", "--db", db, "--user", "boss"])
    report = tmp_path / "report.csv"
    assert run(capsys, "count", "report", count_id, str(report), "--db", db)[0] == 0
    text = report.read_text(encoding="utf-8")
    heading, table = text.split("\n\n", 1)
    assert "spot check" in heading and "boss" in heading
    lines = {(r["product"], r["lot"]): r for r in csv.DictReader(io.StringIO(table))}
    line = lines[(rows[0]["product"], rows[0]["lot"])]
    assert (line["counted_by"], line["adjustment"]) == ("auditor-jo", "1")
    assert line["expected_at_close"] == rows[0]["expected"]


# -- hostile sheets, report paths, and exit codes after a committed write ------------------


def _filled(opened: dict[str, Any], tmp_path: Path, counted: str) -> Path:
    rows = read_sheet(opened["sheet"])
    for r in rows:
        r["counted"] = r["expected"]
    rows[1]["counted"] = counted
    return write_sheet(tmp_path / "hostile.csv", rows)


@pytest.mark.parametrize("counted", [str(2**63), "1e400", "-1", "9" * 5000, "NaN", "1.5"])
def test_a_count_out_of_bounds_is_refused_with_exit_2(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path, counted: str
) -> None:
    before = _lines(opened["db"], opened["id"])
    sheet = _filled(opened, tmp_path, counted)
    code, _, err = run(
        capsys, "count", "enter", opened["id"], str(sheet), "--db", str(opened["db"])
    )
    assert code == 2, err
    assert "row 3, column counted:" in err
    assert "nothing was entered" in err and "unexpected" not in err
    assert len(err) < 600
    assert _lines(opened["db"], opened["id"]) == before


@pytest.mark.parametrize(
    "raw",
    [
        b'product,lot,expiry,location,expected,counted\nP,"' + b"x" * 200_000 + b'",,,,1\n',
        b"\x00\x01\x02\xff\xfe binary",
        b"",
        b"Exo,L1,2027-01-01,Fridge A,2,1\n",
        b"product,lot,expiry,location,expected,counted\n\x1b[2J\x1b]0;pwned\x07,L,,,,1\n",
    ],
    ids=["field-limit", "binary", "empty", "no-header", "escapes"],
)
def test_a_hostile_sheet_file_is_refused_with_exit_2_and_a_short_message(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path, raw: bytes
) -> None:
    before = _lines(opened["db"], opened["id"])
    sheet = tmp_path / "hostile.csv"
    sheet.write_bytes(raw)
    code, out, err = run(
        capsys, "count", "enter", opened["id"], str(sheet), "--db", str(opened["db"])
    )
    assert code == 2, err
    assert f"{sheet}: 1 error(s); nothing was entered" in err
    assert "\x1b" not in err and "\x07" not in err and "Traceback" not in err
    assert len(err) < 600 and out == ""
    assert _lines(opened["db"], opened["id"]) == before


def _is_open(db: Path, count_id: str) -> bool:
    from exodesk.services.counts.counts import get_count

    handle = open_database(str(db))
    with handle.read() as session:
        is_open = get_count(session, int(count_id)).is_open
    handle.close()
    return is_open


def _counted(opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = read_sheet(opened["sheet"])
    for r in rows:
        r["counted"] = r["expected"]
    rows[0]["counted"] = str(int(rows[0]["expected"]) - 1)  # one discrepancy
    sheet = write_sheet(tmp_path / "filled.csv", rows)
    assert (
        run(capsys, "count", "enter", opened["id"], str(sheet), "--db", str(opened["db"]))[0] == 0
    )


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_a_bad_report_path_is_refused_before_the_count_is_closed(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    _counted(opened, capsys, tmp_path)
    report = tmp_path / "no such folder" / "report.csv" if where == "missing folder" else tmp_path
    code, out, err = run(
        capsys,
        "count", "close", opened["id"], "--reason", "monthly count",
        "--report", str(report), "--db", str(opened["db"]),
    )  # fmt: skip
    assert code == 2, err
    assert str(report) in err and f"count {opened['id']} was not closed" in err
    assert out == ""
    assert _is_open(opened["db"], opened["id"])


def test_close_writes_the_report_it_is_given(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _counted(opened, capsys, tmp_path)
    report = tmp_path / "report.csv"
    code, out, err = run(
        capsys,
        "count", "close", opened["id"], "--reason", "monthly count",
        "--report", str(report), "--db", str(opened["db"]),
    )  # fmt: skip
    assert code == 0, err
    assert "1 discrepancy adjusted" in out
    assert report.read_text(encoding="utf-8").startswith(f"count,{opened['id']},")


def test_a_report_that_fails_after_the_close_says_the_count_was_closed(
    opened: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno

    import exodesk.cli.counts as cli_counts

    _counted(opened, capsys, tmp_path)

    def no_space(path: Path, content: str | bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(cli_counts, "write_atomically", no_space)
    report = tmp_path / "report.csv"
    code, _, err = run(
        capsys,
        "count", "close", opened["id"], "--reason", "monthly count",
        "--report", str(report), "--db", str(opened["db"]),
    )  # fmt: skip
    assert code == 1, err
    assert f"count {opened['id']} WAS closed" in err and str(report) in err
    assert "nothing was written" not in err
    assert not _is_open(opened["db"], opened["id"])


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_a_bad_report_or_sheet_or_export_path_is_exit_2_naming_it(
    opened: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    target = tmp_path / "gone" / "out.csv" if where == "missing folder" else tmp_path
    for argv in (
        ("count", "report", opened["id"], str(target)),
        ("count", "sheet", opened["id"], str(target)),
        ("export", str(target)),
    ):
        code, _, err = run(capsys, *argv, "--db", str(opened["db"]))
        assert code == 2, (argv, err)
        assert str(target) in err and "unexpected" not in err, (argv, err)


def test_a_crash_after_the_close_never_says_nothing_was_written(
    opened: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import exodesk.cli.counts as cli_counts

    _counted(opened, capsys, tmp_path)

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("table broke")

    monkeypatch.setattr(cli_counts, "format_table", broken)
    code, _, err = run(
        capsys,
        "count",
        "close",
        opened["id"],
        "--reason",
        "monthly count",
        "--db",
        str(opened["db"]),
    )
    assert code == 1
    assert "nothing was written" not in err
    assert "saved to the database" in err
    assert not _is_open(opened["db"], opened["id"])


@pytest.mark.parametrize(("unbuffered", "as_json"), [(False, False), (True, True)])
def test_a_reader_that_goes_away_after_the_close_is_not_a_failure(
    opened: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    unbuffered: bool,
    as_json: bool,
) -> None:
    """`exodesk count close … | head`: the count is closed and committed, so the exit is 0
    and nothing claims otherwise (the output pipe is closed before anything is printed)."""
    import os
    import subprocess
    import sys

    _counted(opened, capsys, tmp_path)
    env = dict(os.environ, PYTHONUNBUFFERED="1" if unbuffered else "")
    argv = [sys.executable, "-m", "exodesk", "count", "close", opened["id"]]
    argv += ["--reason", "monthly count", "--db", str(opened["db"])]
    argv += ["--json"] if as_json else []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # the reader is gone before the command prints anything
        err = child.stderr.read().decode("utf-8", "replace")
        code = child.wait(timeout=120)
    assert code == 0, err
    assert err == ""
    assert not _is_open(opened["db"], opened["id"])
