"""`exodesk void treatment|movement|lot` on the demo clinic, with the contract's exit codes:
a void record is kept but counts nowhere, not in `stock`, `check` or `trace`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exodesk.cli import main

TODAY = "2026-11-22"
PRODUCT = "Celvia MSC-Exo Lyo 50"
LOT = "CV-1170A"


def run(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--db", str(db)])
    out, err = capsys.readouterr()
    return code, out, err


def on_hand(capsys: pytest.CaptureFixture[str], db: Path, lot: str = LOT) -> int:
    code, out, _ = run(capsys, db, "stock", "--json", "--today", TODAY)
    assert code == 0
    return next((r["on_hand"] for r in json.loads(out) if r["lot"] == lot), 0)


def traced(capsys: pytest.CaptureFixture[str], db: Path) -> list[str]:
    code, out, _ = run(capsys, db, "trace", PRODUCT, LOT, "--json")
    assert code == 0
    return [r["ref"] for r in json.loads(out)]


def flagged(capsys: pytest.CaptureFixture[str], db: Path) -> set[str | None]:
    code, out, _ = run(capsys, db, "check", "--json", "--today", TODAY)
    assert code == 0
    return {f["treatment"] for f in json.loads(out)}


def test_void_a_treatment(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    refs = traced(capsys, demo_db)
    flagged_before = flagged(capsys, demo_db)
    ref = next(r for r in refs if r in flagged_before)  # a treatment that raises a flag
    before = on_hand(capsys, demo_db)
    code, out, err = run(
        capsys, demo_db, "void", "treatment", ref, "--reason", "wrong patient", "--today", TODAY
    )
    assert (code, err) == (0, "")
    assert ref in out
    assert on_hand(capsys, demo_db) == before + 1
    assert ref not in traced(capsys, demo_db)
    assert ref not in flagged(capsys, demo_db)
    code, _, err = run(capsys, demo_db, "void", "treatment", ref, "--reason", "again")
    assert code == 2 and "already void" in err
    assert run(capsys, demo_db, "void", "treatment", "T-9999", "--reason", "x")[0] == 2
    assert run(capsys, demo_db, "void", "treatment", refs[0], "--reason", " ")[0] == 2
    assert run(capsys, demo_db, "audit", "verify")[0] == 0


def test_void_a_movement_and_a_lot(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    code, _, err = run(
        capsys, demo_db, "void", "lot", "Lactiva Exo Repair Serum", "LB-1034", "--reason", "x"
    )
    assert code == 2 and "still used" in err
    code, _, _ = run(capsys, demo_db, "void", "movement", "M-0009", "--reason", "miscounted")
    assert code == 0
    assert run(capsys, demo_db, "void", "movement", "M-0009", "--reason", "again")[0] == 2
    assert run(capsys, demo_db, "void", "movement", "M-9999", "--reason", "x")[0] == 2
    assert run(capsys, demo_db, "void", "lot", "No such", "L1", "--reason", "x")[0] == 2
    assert run(capsys, demo_db, "audit", "verify")[0] == 0


def test_a_void_below_zero_is_refused(
    capsys: pytest.CaptureFixture[str], demo_db: Path, write_json: object
) -> None:
    # the +1 adjustment M-0009 of VC-0815: use every vial, then the +1 cannot be voided
    lot = "VC-0815"
    left = on_hand(capsys, demo_db, lot)
    doc = {
        "format": "exodesk/1",
        "treatments": [
            {
                "ref": "T-9000",
                "date": TODAY,
                "product": "Verda Centella Exosome Cream",
                "lot": lot,
                "patient": "P-9000",
                "practitioner": "Dr A",
                "route": "topical_post_procedure",
                "zone": "face",
                "vials": left,
            }
        ],
    }
    path = write_json(doc)  # type: ignore[operator]
    assert run(capsys, demo_db, "import", str(path))[0] == 0
    code, _, err = run(capsys, demo_db, "void", "movement", "M-0009", "--reason", "no")
    assert code == 2 and "below zero" in err
