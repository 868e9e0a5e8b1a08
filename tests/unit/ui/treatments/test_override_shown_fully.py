"""A treatment recorded despite block findings shows its override fully, in its card and in
the Treatments list: who overrode, which rules (by their titles from the vocabulary), when
and why (screenshots at 1024x768)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from background_loads import loaded
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models.vocabulary import rule_title
from exodesk.services.treatments.recording import TreatmentDraft, record_treatment
from exodesk.ui.shell.context import AppContext
from exodesk.ui.treatments.treatment_card import TreatmentCardDialog
from exodesk.ui.treatments.treatments_view import TreatmentsView

TODAY = dt.date(2026, 11, 22)
REASON = "agreed with the medical director, patient consented"
SCREEN = (1024, 768)


def record_overridden(ctx: AppContext) -> tuple[str, tuple[str, ...]]:
    with ctx.db.write() as session:
        recorded = record_treatment(
            session,
            TreatmentDraft(
                TODAY,
                "Verda Centella Exosome Cream",
                "VC-0630",
                "P-7777",
                "Dr Joon-ho Park",
                "topical_post_procedure",
                "periorbital",
                1,
            ),
            today=TODAY,
            user="tester",
            override_reason=REASON,
        )
    assert recorded.overridden
    return recorded.ref, recorded.overridden


def card_texts(card: TreatmentCardDialog) -> dict[str, str]:
    form = card.form
    out: dict[str, str] = {}
    for i in range(form.rowCount()):
        name = form.itemAt(i, form.ItemRole.LabelRole)
        value = form.itemAt(i, form.ItemRole.FieldRole)
        if name is not None and value is not None:
            out[name.widget().text()] = value.widget().text()
    return out


def test_the_card_shows_who_which_rules_when_and_why(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    ref, rules = record_overridden(ctx)
    card = TreatmentCardDialog(ctx, ref)
    qtbot.addWidget(card)
    card.resize(*SCREEN)
    card.show()
    qtbot.waitExposed(card)
    texts = card_texts(card)
    recorded_at = card.card.recorded_at
    assert texts["Overridden by:"] == f"tester, {recorded_at:%Y-%m-%d %H:%M} UTC"
    assert texts["Rules overridden:"].splitlines() == [rule_title(r) for r in rules]
    assert texts["Reason for overriding:"] == REASON
    assert all(r not in texts["Rules overridden:"] for r in rules)  # titles, never ids
    save_shot(card, "treatment_card_override", tmp_path)


def test_the_list_shows_the_selected_override(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    ref, rules = record_overridden(ctx)
    view = TreatmentsView(ctx)
    qtbot.addWidget(view)
    view.resize(*SCREEN)
    view.show()
    qtbot.waitExposed(view)
    view.select(ref)
    loaded(qtbot, view)
    assert view.override_line.isVisible()
    line = view.override_line.text()
    assert line.startswith("Overridden by tester on ")
    assert REASON in line and " UTC" in line
    assert all(rule_title(r) in line for r in rules)
    save_shot(view, "treatments_list_override", tmp_path)
    other = next(r for r in range(view.model.rowCount()) if not view.model.row(r).overridden)
    view.table.selectRow(other)
    assert not view.override_line.isVisible()
