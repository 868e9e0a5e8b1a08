"""`exodesk import-sheet` through the command line (shared/INTERCHANGE.md, "Spreadsheets"):
exit 0 and what was added; exit 2 with each problem on stderr as `row N, column C (HEADER):
…` and nothing written; --dry-run writes nothing; the same sheet twice changes nothing;
ignored headers named; an admin needed once the database has accounts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sample_files import LOCATION, PRODUCT
from sheet_files import clinic_document, write_csv, write_xlsx

from exodesk.cli import main
from exodesk.services.accounts import users

HEADER = ["Product", "Batch no", "Expiry", "Received", "Qty", "Fridge", "Notes"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EXODESK_USER", "EXODESK_PASSWORD", "EXODESK_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


class Run:
    """`exodesk ARGS --db DB` in-process; keeps what it printed."""

    def __init__(self, db: Path, tmp: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch):
        self.db, self.tmp, self.capsys, self.monkeypatch = db, tmp, capsys, monkeypatch
        self.out = self.err = ""

    def __call__(self, *args: str, **env: str) -> int:
        with self.monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            code = main([*args, "--db", str(self.db)])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        return code

    def export(self) -> Any:
        path = self.tmp / "export.json"
        assert self("export", str(path)) == 0, self.err
        return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def run(db_path: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> Run:
    runner = Run(db_path, tmp_path, capsys, monkeypatch)
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(clinic_document()), encoding="utf-8")
    assert runner("import", str(path)) == 0, runner.err
    return runner


def lots_sheet(tmp_path: Path, *rows: list[Any], name: str = "lots.xlsx") -> Path:
    return write_xlsx(
        tmp_path / name,
        [["Deliveries 2026"], [], HEADER, *rows, [], [None] * 9],
        merges=["A1:G1"],
    )


GOOD = [
    [PRODUCT, "L1", dt.date(2027, 6, 30), "2026-01-10", "20", "Fridge B", "first box"],
    [PRODUCT, "L2", 46568, None, 5, LOCATION, None],
]


def test_a_sheet_is_imported(run: Run, tmp_path: Path) -> None:
    path = lots_sheet(tmp_path, *GOOD)
    assert run("import-sheet", str(path), "--kind", "lots") == 0, run.err
    assert (
        run.out == "Imported lots.xlsx (lots): 2 lots, 1 new locations; 0 lots already present.\n"
    )
    assert run.err == "exodesk: warning: column G (Notes) ignored: not a field of a lots sheet\n"
    assert run("stock", "--json") == 0
    stock = {(r["lot"], r["on_hand"], r["location"]) for r in json.loads(run.out)}
    assert stock == {("L1", 20, "Fridge B"), ("L2", 5, LOCATION)}


def test_the_same_sheet_twice_changes_nothing(run: Run, tmp_path: Path) -> None:
    path = lots_sheet(tmp_path, *GOOD)
    assert run("import-sheet", str(path), "--kind", "lots") == 0, run.err
    before = run.export()
    assert run("import-sheet", str(path), "--kind", "lots") == 0, run.err
    assert run.out == "Imported lots.xlsx (lots): nothing new; 2 lots already present.\n"
    assert run.export() == before


def test_a_dry_run_writes_nothing(run: Run, tmp_path: Path) -> None:
    before = run.export()
    path = lots_sheet(tmp_path, *GOOD)
    assert run("import-sheet", str(path), "--kind", "lots", "--dry-run") == 0, run.err
    assert run.out.splitlines() == [
        "Would import lots.xlsx (lots): 2 lots, 1 new locations; 0 lots already present. "
        "Nothing was written (--dry-run).",
        f"  would add lot L1 of {PRODUCT} (row 4)",
        f"  would add lot L2 of {PRODUCT} (row 5)",
        "  would add location Fridge B (row 4)",
    ]
    assert run.export() == before


def test_an_ambiguous_date_is_refused_naming_the_cell(run: Run, tmp_path: Path) -> None:
    before = run.export()
    path = write_csv(
        tmp_path / "lots.csv",
        [
            HEADER,
            [PRODUCT, "L1", "30/06/2027", "", "1", "", ""],
            [PRODUCT, "L2", "01/07/2027", "", "1", "", ""],
        ],
        separator=";",
        bom=True,
    )
    assert run("import-sheet", str(path), "--kind", "lots") == 2
    assert run.err.splitlines()[-2:] == [
        "row 3, column C (Expiry): 01/07/2027 could be 1 July 2027 (day first) or 7 January "
        "2027 (month first); say which with --dates day-first or --dates month-first",
        f"exodesk: {path}: 1 error(s); nothing was imported",
    ]
    assert run.export() == before
    assert run("import-sheet", str(path), "--kind", "lots", "--dates", "day-first") == 0, run.err
    assert {r["lot"]: r["expiry"] for r in run.export()["lots"]} == {
        "L1": "2027-06-30",
        "L2": "2027-07-01",
    }


def test_a_bad_row_leaves_nothing_written(run: Run, tmp_path: Path) -> None:
    before = run.export()
    path = lots_sheet(tmp_path, *GOOD, [PRODUCT, "L3", "2027-02-30", None, "many", None, None])
    assert run("import-sheet", str(path), "--kind", "lots") == 2
    assert run.err.splitlines()[1:] == [
        "row 6, column C (Expiry): 2027-02-30 is not a day of the calendar "
        "(February 2027 has 28 days)",
        'row 6, column E (Qty): "many" is not a whole number',
        f"exodesk: {path}: 2 error(s); nothing was imported",
    ]
    assert run.export() == before


def test_a_map_and_its_mistakes(run: Run, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "lots.csv",
        [["Artikel", "Charge", "Verfall", "Menge"], [PRODUCT, "L1", "2027-06-30", "4"]],
    )
    mapping = '{"Artikel": "product", "Charge": "lot", "Verfall": "expiry", "Menge": "quantity"}'
    assert run("import-sheet", str(path), "--kind", "lots", "--map", mapping) == 0, run.err
    assert run.export()["lots"][0]["quantity"] == 4
    assert run("import-sheet", str(path), "--kind", "lots", "--map", '{"Charge": "batch"}') == 2
    assert '--map: "batch" (for "Charge") is not a field of a lots sheet' in run.err


def test_treatments_with_derived_refs(run: Run, tmp_path: Path) -> None:
    lots = lots_sheet(tmp_path, *GOOD)
    assert run("import-sheet", str(lots), "--kind", "lots") == 0, run.err
    path = write_xlsx(
        tmp_path / "treatments.xlsx",
        [
            ["Date", "Product", "Lot", "Patient", "Practitioner", "Route", "Zone", "Vials"],
            [dt.date(2026, 5, 1), PRODUCT, "L1", "P-1", "Dr A", "Intradermal", "Face", 1],
            [dt.date(2026, 5, 1), PRODUCT, "L1", "P-1", "Dr A", "Intradermal", "Face", 1],
        ],
    )
    assert run("import-sheet", str(path), "--kind", "treatments") == 0, run.err
    assert "2 treatments" in run.out
    before = run.export()
    assert run("import-sheet", str(path), "--kind", "treatments") == 0, run.err
    assert "nothing new" in run.out and run.export() == before


def test_an_admin_is_needed_once_there_are_accounts(run: Run, tmp_path: Path) -> None:
    admin, doctor = "admin secret", "doctor secret"
    assert run("user", "add", "Boss", "--role", "admin", EXODESK_PASSWORD=admin) == 0, run.err
    assert (
        run(
            "user",
            "add",
            "Dr B",
            "--role",
            "practitioner",
            "--user",
            "Boss",
            EXODESK_PASSWORD=admin,
            EXODESK_NEW_PASSWORD=doctor,
        )  # fmt: skip
        == 0
    ), run.err
    path = str(lots_sheet(tmp_path, *GOOD))
    assert (
        run("import-sheet", path, "--kind", "lots", "--user", "Dr B", EXODESK_PASSWORD=doctor) == 2
    )
    assert "Dr B is a practitioner; importing a file needs the admin role" in run.err
    assert (
        run("import-sheet", path, "--kind", "lots", "--user", "Boss", EXODESK_PASSWORD=admin) == 0
    )


def test_unknown_kind_and_missing_file(run: Run, tmp_path: Path) -> None:
    assert run("import-sheet", str(tmp_path / "none.xlsx"), "--kind", "lots") == 2
    assert "none.xlsx: cannot read the file" in run.err
    assert run("import-sheet", str(tmp_path / "none.xlsx"), "--kind", "vials") == 2
