"""`exodesk trace` on a file exactly as ExoDesk left it is answered straight from the file,
without SQLAlchemy, and gives what the usual way gives, for every lot; any other case (a file
changed outside ExoDesk, no such lot, a file not ExoDesk's) takes the usual way."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO_TODAY
from sqlalchemy import select

from exodesk.cli import main
from exodesk.cli.quick_trace import _read, quick_trace
from exodesk.db import open_database
from exodesk.models import Lot, Product, Treatment
from exodesk.services.treatments.corrections import void_treatment
from exodesk.services.treatments.trace import trace_lot

REASON = "entered against the wrong patient by mistake"

# Runs the command line in a fresh interpreter, then says whether SQLAlchemy was imported.
PROBE = """
import json, sys
from exodesk.cli import main
code = main(json.loads(sys.argv[1]))
sys.stdout.flush()
print("\\n" + json.dumps({"code": code, "sqlalchemy": "sqlalchemy" in sys.modules}))
"""


def _noted(path: Path) -> Path:
    open_database(str(path)).close()  # ExoDesk leaves the file: its identity is noted
    return path


def _every_lot(path: Path) -> list[tuple[str, str]]:
    db = open_database(str(path))
    try:
        with db.read() as session:
            return list(
                session.execute(
                    select(Product.name, Lot.code).join(Product, Product.id == Lot.product_id)
                )
            )
    finally:
        db.close()


def _probe(argv: list[str], tmp_path: Path) -> tuple[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    *out, last = done.stdout.rstrip("\n").split("\n")
    return "\n".join(out).rstrip("\n"), json.loads(last)


def test_every_lot_reads_as_the_usual_way_reads_it(demo_db: Path) -> None:
    db = open_database(str(demo_db))
    try:
        with db.write() as session:  # a void treatment: counted nowhere, left out by both
            ref = session.scalars(select(Treatment.ref).order_by(Treatment.ref)).first()
            assert ref is not None
            void_treatment(session, ref, reason=REASON, today=DEMO_TODAY, user=None)
    finally:
        db.close()
    db = open_database(str(demo_db))
    try:
        with db.read() as session:
            for product, lot in _every_lot(demo_db):
                assert _read(demo_db, product, lot) == trace_lot(session, product, lot), lot
    finally:
        db.close()


@pytest.mark.parametrize("as_json", [True, False])
def test_the_command_answers_without_sqlalchemy_and_prints_the_same(
    demo_db: Path, tmp_path: Path, as_json: bool
) -> None:
    product, lot = "Celvia MSC-Exo Lyo 50", "CV-1170A"
    argv = ["--db", str(_noted(demo_db)), "trace", product, lot] + (["--json"] if as_json else [])
    quick, said = _probe(argv, tmp_path)
    assert said == {"code": 0, "sqlalchemy": False}
    assert quick.count("T-") >= 2
    os.utime(demo_db)  # changed outside ExoDesk, as far as anyone can tell: checked in full
    usual, said = _probe(argv, tmp_path)
    assert said == {"code": 0, "sqlalchemy": True}
    assert usual == quick
    quick_again, said = _probe(argv, tmp_path)  # the full check noted the file again
    assert said == {"code": 0, "sqlalchemy": False} and quick_again == quick


def test_anything_unusual_takes_the_usual_way(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(product="Celvia MSC-Exo Lyo 50", lot="CV-1170A", json=True)
    assert quick_trace(str(demo_db), args) is None  # never noted in this data folder
    _noted(demo_db)
    assert quick_trace(str(demo_db), args) == 0
    capsys.readouterr()
    unknown = argparse.Namespace(product="Celvia MSC-Exo Lyo 50", lot="NO-SUCH", json=True)
    assert quick_trace(str(demo_db), unknown) is None
    assert main(["--db", str(demo_db), "trace", "Celvia MSC-Exo Lyo 50", "NO-SUCH"]) != 0
    assert "no lot 'NO-SUCH'" in capsys.readouterr().err
    assert quick_trace("postgresql+psycopg://nobody@nowhere/none", args) is None
    assert quick_trace(str(tmp_path / "missing.sqlite"), args) is None

    other = tmp_path / "other.sqlite"  # not ExoDesk's, though it looks alike
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.close()
    assert _read(other, "Celvia MSC-Exo Lyo 50", "CV-1170A") is None
