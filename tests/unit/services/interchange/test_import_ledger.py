"""An import refuses a file that takes a lot below zero on any day, even when the lot's vials
in all cover its vials out; and a large import, which writes its tables' indexes afresh after
the rows, leaves exactly the indexes the migrations made, whether it lands or fails."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from file_imports import import_into
from sample_files import Doc, adjustment, base_document, day, treatment

from exodesk.db import open_database
from exodesk.services import bulk
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange import importer


def _refused(db_path: Path, doc: Doc) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        import_into(db_path, doc)
    return [f"{p.field}: {p.message}" for p in refused.value.problems]


def _with(*records: Doc) -> Doc:
    """The base document (one lot of 10 vials received 120 days ago) plus these records."""
    doc = base_document()
    for rec in records:
        doc["movements" if "kind" in rec else "treatments"].append(rec)
    return doc


def test_vials_used_before_more_came_in_are_refused_though_the_totals_cover_them(
    db_path: Path,
) -> None:
    doc = _with(
        treatment("T-1", vials=8, date=day(-30)),
        treatment("T-2", vials=4, date=day(-10)),
        adjustment("M-1", 5, date=day(-5)),  # 15 in all covers 12 out, but 5 days too late
    )
    problems = _refused(db_path, doc)
    assert len(problems) == 1
    assert problems[0].startswith("treatments[1].vials: takes lot ")
    assert f"below zero on {day(-10)} (stock on hand would be -2)" in problems[0]


def test_the_same_vials_in_on_time_are_taken(db_path: Path) -> None:
    doc = _with(
        treatment("T-1", vials=8, date=day(-30)),
        treatment("T-2", vials=4, date=day(-10)),
        adjustment("M-1", 5, date=day(-20)),
    )
    assert import_into(db_path, doc).added["treatments"] == 2


def test_a_treatment_before_its_lot_was_received_is_refused(db_path: Path) -> None:
    doc = _with(treatment("T-1", vials=1, date=day(-130)))  # received 120 days ago
    problems = _refused(db_path, doc)
    assert [p.split(":")[0] for p in problems] == ["treatments[0].vials"]
    assert "stock on hand would be -1" in problems[0]


def test_a_new_treatment_that_an_earlier_stored_one_overdraws_is_refused(db_path: Path) -> None:
    import_into(db_path, _with(treatment("T-1", vials=8, date=day(-10))))
    later = _with(
        treatment("T-1", vials=8, date=day(-10)), treatment("T-2", vials=3, date=day(-50))
    )
    problems = _refused(db_path, later)
    assert len(problems) == 1
    assert "stock on hand would be -1" in problems[0]
    assert import_into(
        db_path, _with(treatment("T-1", vials=8, date=day(-10)))
    ).added == dict.fromkeys((*importer.SECTIONS, "clinic"), 0)


def _indexes(db_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path) as raw:
        found = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()
    raw.close()
    return [(str(name), str(sql)) for name, sql in found]


def _many(count: int) -> Doc:
    doc = base_document()
    doc["lots"][0]["quantity"] = count
    doc["treatments"] = [treatment(f"T-{n:05d}", date=day(-10)) for n in range(count)]
    return doc


@pytest.fixture
def set_aside_from_five(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "SET_ASIDE_FROM_ROWS", 5)


@pytest.mark.usefixtures("set_aside_from_five")
def test_a_large_import_leaves_the_indexes_the_migrations_made(
    db_path: Path, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh.sqlite"
    open_database(str(fresh)).close()
    import_into(db_path, _many(40))
    assert _indexes(db_path) == _indexes(fresh)
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        plan = raw.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM treatment WHERE patient = 'P-0001'"
        ).fetchall()
    raw.close()
    assert "ix_treatment_patient" in str(plan)


@pytest.mark.usefixtures("set_aside_from_five")
def test_an_import_that_fails_while_writing_leaves_nothing_and_every_index(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_database(str(db_path)).close()
    before = _indexes(db_path)

    def broken(self: object, new: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(importer._Writer, "_write_movements", broken)
    with pytest.raises(OSError, match="disk gone"):
        import_into(db_path, _many(40))
    assert _indexes(db_path) == before
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT count(*) FROM treatment").fetchone() == (0,)
    raw.close()
