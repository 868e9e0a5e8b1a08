"""Time `exodesk import-sheet` on a workbook of 50,000 treatment rows.

    python benchmarks/import_sheet.py [--treatments 50000] [--lots 500] [--products 20]
        [--seed 1] [--keep DIR] [--exodesk COMMAND]

Writes, into a temporary folder, an interchange file with the clinic and its products (imported
first with `exodesk import`), a lots workbook (imported with `exodesk import-sheet --kind
lots`) and a treatments workbook as a clinic keeps one: a title row, a header row of usual
names (Date, Product, Batch no, Patient, Practitioner, Route as the window labels it, Zone,
Vials, Notes), date cells, vial counts stored as text here and there, and no ref column, so
refs are derived. Then times, each in its own process as a user would run it:

- baseline: python-calamine reading every cell of the treatments sheet, and nothing else;
- import-sheet: `exodesk import-sheet FILE --kind treatments --db DB`;
- import-sheet again: the same sheet, every row already there (nothing new).

Prints the seconds of each, and the ratio of import-sheet to the baseline. The target is at
most 30 s for 50,000 rows on 2 cores. Exit status 1 if a command failed. Needs the project's
virtual environment (openpyxl writes the workbooks)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TODAY = dt.date(2026, 11, 1)
ROUTES = ("Intradermal injection (nappage)", "topical_post_procedure", "Subdermal scalp")
ZONES = ("face", "Neck", "décolletage", "hands", None)
PRACTITIONERS = ("Dr A", "Dr B", "Nurse C")
BASELINE = (
    "import sys, python_calamine as c\n"
    "book = c.CalamineWorkbook.from_path(sys.argv[1])\n"
    "rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)\n"
    "print(sum(len(r) for r in rows))\n"
)


def exodesk_command(given: str | None) -> list[str]:
    if given:
        return shlex.split(given)
    for script in (Path(sys.executable).parent / "exodesk", REPO / ".venv" / "bin" / "exodesk"):
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [sys.executable, "-m", "exodesk"]


def clinic_file(path: Path, products: int) -> list[str]:
    names = [f"Bench Exo {i:02d}" for i in range(products)]
    doc = {
        "format": "exodesk/1",
        "clinic": {"name": "Benchmark Clinic", "market": "UK"},
        "locations": [{"name": "Fridge A"}],
        "products": [
            {
                "name": name,
                "manufacturer": "Example Bio",
                "source_type": "plant",
                "form": "lyophilised",
                "regulatory_class": "cosmetic",
                "intended_routes": ["topical_post_procedure", "intradermal", "subdermal_scalp"],
                "markets": ["UK"],
                "composition_documented": True,
            }
            for name in names
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return names


def lots_workbook(path: Path, names: list[str], lots: int) -> list[tuple[str, str]]:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Lots")
    sheet.append(["Product", "Batch no", "Use by", "Date received", "Qty", "Fridge"])
    made = []
    for i in range(lots):
        product, code = names[i % len(names)], f"B{i:05d}"
        received = TODAY - dt.timedelta(days=720)
        sheet.append([product, code, TODAY + dt.timedelta(days=365), received, 1000, "Fridge A"])
        made.append((product, code))
    book.save(path)
    return made


def treatments_workbook(path: Path, lots: list[tuple[str, str]], rows: int, seed: int) -> None:
    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Treatments")
    sheet.append(["Treatments given, 2025-2026"])
    sheet.append(
        ["Date", "Product", "Batch no", "Patient", "Practitioner", "Route", "Zone", "Vials",
         "Notes"]
    )  # fmt: skip
    for i in range(rows):
        product, code = lots[i % len(lots)]
        day = TODAY - dt.timedelta(days=rng.randrange(700))
        vials: int | str = rng.choice((1, 1, 1, 2))
        if i % 7 == 0:
            vials = str(vials)  # a number stored as text
        sheet.append(
            [day, product, code, f"P-{rng.randrange(8000):05d}", rng.choice(PRACTITIONERS),
             rng.choice(ROUTES), rng.choice(ZONES), vials, "" if i % 5 else "follow-up"]
        )  # fmt: skip
    book.save(path)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO)
    seconds = time.perf_counter() - started
    said = (done.stdout.strip() or done.stderr.strip()).splitlines()
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-3:]
    return seconds, done.returncode, " | ".join(said[-2:])[:100]


def bench(args: argparse.Namespace, work: Path) -> int:
    exodesk = exodesk_command(args.exodesk)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("EXODESK_DB", None)
    db = work / "clinic.sqlite"
    started = time.perf_counter()
    names = clinic_file(work / "clinic.json", args.products)
    lots = lots_workbook(work / "lots.xlsx", names, args.lots)
    sheet = work / "treatments.xlsx"
    treatments_workbook(sheet, lots, args.treatments, args.seed)
    print(
        f"generated {args.treatments:,} treatment rows ({sheet.stat().st_size / 1e6:.1f} MB) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    steps = [
        ("import clinic (JSON)", [*exodesk, "import", str(work / "clinic.json"), "--db", str(db)]),
        ("import-sheet lots", [*exodesk, "import-sheet", str(work / "lots.xlsx"), "--kind", "lots",
                               "--db", str(db)]),
        ("baseline: calamine read only", [sys.executable, "-c", BASELINE, str(sheet)]),
        ("import-sheet treatments", [*exodesk, "import-sheet", str(sheet), "--kind",
                                     "treatments", "--db", str(db)]),
        ("import-sheet again (nothing new)", [*exodesk, "import-sheet", str(sheet), "--kind",
                                              "treatments", "--db", str(db)]),
    ]  # fmt: skip
    seconds: dict[str, float] = {}
    failed = False
    width = max(len(name) for name, _ in steps)
    print(f"{'step':<{width}}  {'seconds':>8}  {'exit':>4}  output")
    for name, argv in steps:
        took, code, said = timed(argv, env)
        seconds[name] = took
        failed |= code != 0
        print(f"{name:<{width}}  {took:8.2f}  {code:>4}  {said}")
    base, full = seconds["baseline: calamine read only"], seconds["import-sheet treatments"]
    print(
        f"\n{args.treatments:,} rows: import-sheet {full:.2f} s, raw read {base:.2f} s, "
        f"ratio {full / base:.1f}x (target: import-sheet at most 30 s)"
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--treatments", type=int, default=50_000)
    parser.add_argument("--lots", type=int, default=500)
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--exodesk", help="command that runs exodesk (default: found)")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        for old in args.keep.glob("clinic.sqlite*"):
            old.unlink()  # a fresh database every run
        return bench(args, args.keep)
    with tempfile.TemporaryDirectory(prefix="exodesk-sheet-bench-") as work:
        return bench(args, Path(work))


if __name__ == "__main__":
    sys.exit(main())
