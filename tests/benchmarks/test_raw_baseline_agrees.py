"""The raw-sqlite3 baseline of benchmarks/ gives ExoDesk's answers byte for byte, so the ratios
benchmarks/compare.py prints compare the same work. Small files only; nothing here is timed.

Two clinics: a few dozen generated lots with every optional field of the contract added by
hand (voids, overrides, times, reconstitution, status changes, transfers, a clinic register
row, restricted and suspended certificates), and the demo clinic, which shows every rule."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "benchmarks" / "raw_baseline.py"
TODAY = dt.date(2026, 6, 15)


def _generate(lots: int, treatments: int, today: dt.date) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location(
        "bench_generate", REPO / "benchmarks" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    document: dict[str, Any] = module.generate(lots, treatments, today, seed=3, products=14)
    return document


def _enriched(today: dt.date) -> dict[str, Any]:
    """A generated clinic plus a record of every optional kind, still valid for ExoDesk."""
    doc = copy.deepcopy(_generate(36, 400, today))
    day = lambda n: (today - dt.timedelta(days=n)).isoformat()  # noqa: E731
    names = [p["name"] for p in doc["products"]]

    def early_lot(product: str) -> dict[str, Any]:  # received at least 120 days ago
        return next(x for x in doc["lots"] if x["product"] == product and x["received"] <= day(120))

    lot0, lot1 = early_lot(names[0]), early_lot(names[1])  # 001 has a 24-hour window
    for lot in (lot0, lot1):
        lot["quantity"] += 10
        lot["expiry"] = (today + dt.timedelta(days=40)).isoformat()  # lot_expiring
    doc["products"][0]["reorder_level"] = 5

    def treatment(ref: str, lot: dict[str, Any], date: str, **extra: Any) -> dict[str, Any]:
        row = {
            "ref": ref,
            "date": date,
            "product": lot["product"],
            "lot": lot["lot"],
            "patient": "P-900001",
            "practitioner": "Dr Über",
            "route": "intradermal",
            "zone": "face",
            "vials": 1,
            "time": None,
            "reconstituted": None,
            "override": None,
            "void": None,
        }
        row.update(extra)
        return row

    reason = "patient consented after a full review of the risks"
    doc["treatments"] += [
        treatment(
            "T-X1",
            lot0,
            day(20),
            time="10:30",
            reconstituted=f"{day(21)}T08:00",
            route="intravenous",
            zone="periorbital",
            override={
                "by": "Dr Override",
                "reason": reason,
                "rules": ["used_after_reconstitution_window"],
            },
        ),
        treatment(
            "T-X2",
            lot0,
            day(19),
            reconstituted=f"{day(21)}T23:59",
            void={"on": day(18), "by": "Dr A", "reason": "entered in error"},
        ),
        treatment("T-X3", lot0, day(18), reconstituted=f"{day(20)}T00:00"),
        treatment("T-X4", lot0, day(17), time="09:05", reconstituted=f"{day(18)}T09:05"),
        treatment(
            "T-X5",
            lot1,
            day(100),
            route="nebulised",
            override={
                "by": "Dr O",
                "reason": reason,
                "rules": ["route_outside_intended_use", "used_unreleased_lot"],
            },
        ),
        treatment("T-X6", lot1, day(90)),
    ]
    home = lot1["location"]
    elsewhere = next(loc["name"] for loc in doc["locations"] if loc["name"] != home)

    def movement(
        ref: str, lot: dict[str, Any], date: str, kind: str, **extra: Any
    ) -> dict[str, Any]:
        row = {
            "ref": ref,
            "date": date,
            "product": lot["product"],
            "lot": lot["lot"],
            "kind": kind,
            "quantity": 0,
            "reason": "bench check",
            "status": None,
            "location": None,
            "void": None,
        }
        row.update(extra)
        return row

    doc["movements"] += [
        movement("M-X1", lot1, day(110), "status_change", status="on_hold"),
        movement("M-X2", lot1, day(95), "status_change", status="released"),
        movement(
            "M-X3",
            lot1,
            day(95),
            "status_change",
            status="recalled",
            void={"on": day(94), "by": "QA", "reason": "wrong lot chosen"},
        ),
        movement("M-X4", lot1, day(80), "transfer", location=elsewhere),
        movement(
            "M-X5",
            lot0,
            day(60),
            "waste",
            quantity=-1,
            void={"on": day(59), "by": "QA", "reason": "vial was found intact"},
        ),
        movement("M-X6", lot0, day(50), "adjustment", quantity=2),
    ]
    doc["lots"].append(
        {
            "product": lot0["product"],
            "lot": "VOID-1",
            "expiry": day(-400),
            "received": day(10),
            "quantity": 4,
            "location": None,
            "status": "released",
            "void": {"on": day(9), "by": "Dr A", "reason": "receipt entered twice"},
        }
    )
    device = [p["name"] for p in doc["products"] if p["regulatory_class"] == "device_iii"]
    certified = {
        n for d in doc["documents"] if d["kind"] == "ce_certificate" for n in d["products"]
    }
    uncertified = [n for n in names if n not in certified]
    doc["documents"] += [
        {
            "kind": "ce_certificate",
            "number": "CE-R1",
            "issuer": "Example Body 9999",
            "issued": day(2300),
            "expires": (today + dt.timedelta(days=30)).isoformat(),
            "products": uncertified[:1],
            "lot": None,
            "status": "restricted",
            "sha256": None,
            "body_number": None,
            "verified_on": day(3),
            "verified_by": "Dr V",
        },
        {
            "kind": "ce_certificate",
            "number": "CE-S1",
            "issuer": "No Number Ltd",
            "issued": day(400),
            "expires": None,
            "products": device[:1],
            "lot": None,
            "status": "suspended",
            "sha256": None,
            "body_number": "0044",
        },
    ]
    doc["bodies"] = [
        {
            "number": "9999",
            "name": "Bench Body",
            "country": "DE",
            "mdr": False,
            "uk_approved": False,
        },
        {
            "number": "0044",
            "name": "TÜV NORD CERT GmbH",
            "country": "DE",
            "mdr": False,
            "uk_approved": True,
        },
    ]
    return doc


def _run(argv: list[str]) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXODESK_")}
    done = subprocess.run(argv, capture_output=True, env=env, cwd=REPO, timeout=300)
    assert done.returncode == 0, f"{argv[:4]}: exit {done.returncode}\n{done.stderr.decode()}"
    return done.stdout


def _exodesk(*words: str) -> bytes:
    """ExoDesk's answer, run in this process (the command line's own `main`): its output is
    the same as the program's, without a process start per command."""
    from exodesk.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(words))
    assert code == 0, f"{words[:3]}: exit {code}"
    return out.getvalue().encode("utf-8")


def _assert_agree(
    ex_db: Path, data: Path, tmp: Path, today: dt.date, lots: list[tuple[str, str]]
) -> None:
    raw_db = tmp / "raw.sqlite"
    raw = [sys.executable, str(RAW), "--db", str(raw_db)]
    _run([*raw, "import", str(data)])
    _run([*raw, "import", str(data)])  # again: nothing new, the answers unchanged
    day = today.isoformat()
    for words in (["check", "--today", day, "--json"], ["stock", "--today", day, "--json"]) + tuple(
        ["trace", product, lot, "--json"] for product, lot in lots
    ):
        ours = _exodesk(*words, "--db", str(ex_db))
        theirs = _run([*raw, *words])
        assert json.loads(ours), f"{words}: nothing to compare"
        assert theirs == ours, f"{words[0]}: the baseline's answer differs from ExoDesk's"
    (_exodesk("export", str(tmp / "exodesk.json"), "--db", str(ex_db)))
    _run([*raw, "export", str(tmp / "raw.json")])
    assert (tmp / "raw.json").read_bytes() == (tmp / "exodesk.json").read_bytes()


def test_agrees_on_a_generated_clinic_with_every_optional_field(tmp_path: Path) -> None:
    doc = _enriched(TODAY)
    data = tmp_path / "clinic.json"
    data.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ex_db = tmp_path / "exodesk.sqlite"
    (_exodesk("import", str(data), "--db", str(ex_db)))
    checked = json.loads(
        _exodesk("check", "--today", TODAY.isoformat(), "--json", "--db", str(ex_db))
    )
    rules = {f["rule"] for f in checked}
    # the hand-made records raise what they were made for (so the comparison covers them)
    for rule in (
        "used_after_reconstitution_window",
        "used_unreleased_lot",
        "certificate_restricted",
        "certificate_expiring",
        "certificate_too_long",
        "certificate_body_unknown",
        "lot_expiring",
        "route_outside_intended_use",
    ):
        assert rule in rules, rule
    assert any(f["overridden"] for f in checked)
    lots = sorted(
        {(t["product"], t["lot"]) for t in doc["treatments"] if t["ref"] in ("T-X1", "T-X5")}
    )
    _assert_agree(ex_db, data, tmp_path, TODAY, lots)


def test_agrees_on_the_demo_clinic(demo_db: Path, tmp_path: Path) -> None:
    from conftest import DEMO_TODAY

    data = tmp_path / "demo.json"
    (_exodesk("export", str(data), "--db", str(demo_db)))
    doc = json.loads(data.read_text(encoding="utf-8"))
    treated = sorted({(t["product"], t["lot"]) for t in doc["treatments"] if t["void"] is None})
    _assert_agree(demo_db, data, tmp_path, DEMO_TODAY, treated[:3])
