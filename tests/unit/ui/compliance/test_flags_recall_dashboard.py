"""Flags, Recall and Dashboard views on the demo clinic."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from background_loads import loaded
from conftest import DEMO_TODAY
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models.enums import Severity
from exodesk.services.compliance import rules
from exodesk.ui.compliance.dashboard_view import DashboardView
from exodesk.ui.compliance.flags_view import FlagsView
from exodesk.ui.treatments.recall_view import RecallView


def _flags(ctx: Any) -> list[rules.Flag]:
    with ctx.db.read() as session:
        return rules.check(session, DEMO_TODAY)


def test_flags_filter_by_severity_rule_and_text(qtbot: QtBot, ctx: Any, tmp_path: Path) -> None:
    view = FlagsView(ctx)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    flags = _flags(ctx)
    view.set_flags(flags)
    loaded(qtbot, view)
    assert view.model.rowCount() == len(flags)
    view.severity.setCurrentIndex(view.severity.findData(Severity.BLOCK))
    loaded(qtbot, view)
    blocks = [f for f in flags if f.severity is Severity.BLOCK]
    assert view.model.rowCount() == len(blocks)
    assert view.summary.text() == (
        f"{len(blocks)} of {len(flags)} flag(s) shown · {len(blocks)} open block(s)"
    )
    view.severity.setCurrentIndex(0)
    view.rule.setCurrentIndex(view.rule.findData("missing_coa"))
    loaded(qtbot, view)
    assert view.model.rowCount() == sum(f.rule == "missing_coa" for f in flags)
    view.rule.setCurrentIndex(0)
    qtbot.keyClicks(view.search, "PeriOrbital")
    loaded(qtbot, view)
    assert {view.model.index(r, 1).data() for r in range(view.model.rowCount())} == {
        "Under-eye use not approved"
    }
    view.search.clear()
    loaded(qtbot, view)
    assert view.model.rowCount() == len(flags)
    view.table.selectRow(0)
    save_shot(view, "flags_view", tmp_path)
    assert "What to do:" in view.detail.text()


def test_a_flag_opens_the_record_it_is_about(qtbot: QtBot, ctx: Any) -> None:
    view = FlagsView(ctx)
    qtbot.addWidget(view)
    view.set_flags(_flags(ctx))
    view.rule.setCurrentIndex(view.rule.findData("used_after_expiry"))
    loaded(qtbot, view)
    view.table.selectRow(0)
    flag = view.selected()
    assert flag is not None
    with qtbot.waitSignal(ctx.bus.open_requested) as opened:
        qtbot.keyClick(view.open_button, Qt.Key.Key_Space)
    assert opened.args == ["treatment", flag.treatment]
    assert view.open_button.text() == "&Open the treatment"


def test_severity_is_shown_by_word_icon_and_colour(qtbot: QtBot, ctx: Any) -> None:
    view = FlagsView(ctx)
    qtbot.addWidget(view)
    view.set_flags(_flags(ctx))
    loaded(qtbot, view)
    index = view.model.index(0, 0)
    assert index.data() == "BLOCK"
    assert index.data(Qt.ItemDataRole.DecorationRole) is not None
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None


def test_recall_lists_patients_and_exports_csv_and_pdf(
    qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    view = RecallView(ctx)
    qtbot.addWidget(view)
    view.resize(1100, 650)
    view.show()
    view.reload()
    view.show_lot("Celvia MSC-Exo Lyo 50", "CV-1170A")
    rows = view.rows()
    assert rows and [r.date for r in rows] == sorted(r.date for r in rows)
    patients = {r.patient for r in rows}
    assert f"{len(patients)} patient(s)" in view.summary.text()
    assert view.csv_button.isEnabled()
    save_shot(view, "recall_view", tmp_path)

    out = tmp_path / "recall.csv"
    view.export_csv(out)
    lines = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [line["ref"] for line in lines] == [r.ref for r in rows]
    assert {line["patient"] for line in lines} == patients
    assert {line["lot"] for line in lines} == {"CV-1170A"}

    pdf = tmp_path / "recall.pdf"
    view.save_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_recall_of_an_unknown_lot_says_so(qtbot: QtBot, ctx: Any) -> None:
    view = RecallView(ctx)
    qtbot.addWidget(view)
    view.reload()
    view.show_lot("Celvia MSC-Exo Lyo 50", "NO-SUCH-LOT")
    assert "no lot 'NO-SUCH-LOT'" in view.message.text()
    assert view.model.rowCount() == 0
    assert not view.csv_button.isEnabled()


def test_recall_model_passes_the_model_tester(
    qtbot: QtBot, ctx: Any, qtmodeltester: ModelTester
) -> None:
    view = RecallView(ctx)
    qtbot.addWidget(view)
    view.reload()
    view.show_lot("Celvia MSC-Exo Lyo 50", "CV-1170A")
    qtmodeltester.check(view.model)


def test_dashboard_counts_and_items_open_their_detail(
    qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    view.reload()
    qtbot.waitUntil(lambda: view.data is not None, timeout=30_000)
    flags = _flags(ctx)
    blocks = sum(f.severity is Severity.BLOCK for f in flags)
    assert view.tiles[Severity.BLOCK].text().count(str(blocks)) == 1
    expiring = [view.expiring.item(i).text() for i in range(view.expiring.count())]
    assert any("CV-3012B" in text for text in expiring)
    missing = [view.missing.item(i).text() for i in range(view.missing.count())]
    assert any(text.startswith("Rosalis Callus Exosome Cream: no ") for text in missing)
    save_shot(view, "dashboard_view", tmp_path)
    with qtbot.waitSignal(ctx.bus.open_requested) as opened:
        view.locations.itemActivated.emit(view.locations.item(0))
    assert opened.args[0] == "location"


def test_flag_models_pass_the_model_tester(
    qtbot: QtBot, ctx: Any, qtmodeltester: ModelTester
) -> None:
    view = FlagsView(ctx)
    qtbot.addWidget(view)
    view.set_flags(_flags(ctx))
    loaded(qtbot, view)
    qtmodeltester.check(view.model)
    view.severity.setCurrentIndex(view.severity.findData(Severity.WARN))
    loaded(qtbot, view)
    qtmodeltester.check(view.model)
