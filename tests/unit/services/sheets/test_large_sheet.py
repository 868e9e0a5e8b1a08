"""A clinic's whole treatments sheet: 50,000 rows from a real .xlsx, read, mapped and checked
as `import-sheet` does before it writes (the import's own speed is benchmarks/import_sheet.py's
to measure, never a test's)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from exodesk.services.sheets.importing import SheetOptions, read_sheet

ROWS = 50_000
HEADER = ["Date", "Product", "Batch no", "Patient", "Practitioner", "Route", "Zone", "Vials"]
FIRST_DAY = dt.date(2025, 1, 1)


def _sheet(path: Path) -> Path:
    """A title row, the header, then ROWS treatments (every tenth row's vials as text, as a
    clinic's sheet has them)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Treatments 2025")
    sheet.append(["Treatments given, Harbourside clinic"])
    sheet.append(HEADER)
    for i in range(ROWS):
        vials: object = str(1 + i % 2) if i % 10 == 0 else 1 + i % 2
        sheet.append(
            [
                FIRST_DAY + dt.timedelta(days=i % 365),
                f"Exo {i % 7}",
                f"L{i % 50:03d}",
                f"P-{i % 9000:05d}",
                "Dr A" if i % 3 else "Nurse B",
                "Intradermal injection (nappage)" if i % 2 else "topical_post_procedure",
                "Face",
                vials,
            ]
        )
    book.save(path)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("large-sheet")


def test_fifty_thousand_treatments_are_read_each_with_its_own_ref(folder: Path) -> None:
    read = read_sheet(_sheet(folder / "treatments.xlsx"), SheetOptions("treatments"))
    treatments = read.document.treatments
    assert len(treatments) == ROWS
    assert len({t.ref for t in treatments}) == ROWS  # identical rows get refs of their own
    first, last = treatments[0], treatments[-1]
    assert (first.date, first.product, first.lot, first.vials) == (FIRST_DAY, "Exo 0", "L000", 1)
    assert last.route.value == "intradermal" and last.zone is not None
    assert sum(t.vials for t in treatments) == ROWS // 2 * 3  # vials as text read as numbers
