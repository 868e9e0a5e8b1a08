"""A treatment's card: everything recorded (who, when, what, where), the override and the
void; from it, Void… and Correct… (for whoever may) and the lot's card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Route, Zone
from exodesk.models.vocabulary import (
    CORRECT_ACTION,
    OPEN_LOT_CARD,
    OVERRIDDEN,
    OVERRIDDEN_FLAG,
    TREATMENT_CARD_TITLE,
    VOID_ACTION,
    VOID_COUNTS,
    field_label,
    label_for,
    rule_title,
    short_label,
)
from exodesk.services.accounts.users import Permission
from exodesk.services.treatments.cards import TreatmentCard, treatment_card
from exodesk.services.treatments.corrections import void_treatment
from exodesk.ui.common import severity
from exodesk.ui.common.voids import VOID_BANNER_STYLE, ReasonDialog, void_text
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext

if TYPE_CHECKING:
    from exodesk.services.session import Session


def _words(field: str) -> str:
    text = field_label(field)
    return text[:1].upper() + text[1:] + ":"


class TreatmentCardDialog(QDialog):
    """Shows `card` (reloaded after a void or a correction). `voided` / `corrected_by` say
    what happened from it."""

    def __init__(self, ctx: AppContext, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ref = ref
        self.corrected_by: str | None = None
        self.correction_dialog: QDialog | None = None
        self.form = QFormLayout()
        self.flags = QListWidget()
        self.flags.setMaximumHeight(120)
        self.flags.setWordWrap(True)  # a finding's whole message, no sideways scrolling
        self.void_label = QLabel()
        self.void_label.setWordWrap(True)
        self.void_button = QPushButton(VOID_ACTION)
        self.correct_button = QPushButton(CORRECT_ACTION)
        self.lot_button = QPushButton(OPEN_LOT_CARD)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.void_button, self.correct_button, self.lot_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.void_button.clicked.connect(self.ask_void)
        self.correct_button.clicked.connect(self.correct)
        self.lot_button.clicked.connect(self.open_lot)
        layout = QVBoxLayout(self)
        layout.addWidget(self.void_label)
        layout.addLayout(self.form)
        self.flags_label = QLabel("Findings on this treatment:")
        layout.addWidget(self.flags_label)
        layout.addWidget(self.flags)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.reload()

    def reload(self) -> None:
        with self.ctx.db.read() as session:
            self.card = treatment_card(session, self.ref, self.ctx.today())
        card = self.card
        self.setWindowTitle(TREATMENT_CARD_TITLE.format(ref=card.ref))
        while self.form.rowCount():
            self.form.removeRow(0)
        rows: list[tuple[str, str]] = [
            ("ref", card.ref),
            ("date", card.date.isoformat()),
            ("time", card.time.strftime("%H:%M") if card.time else "—"),
            ("patient", card.patient),
            ("practitioner", card.practitioner),
            ("product", card.product),
            ("lot", card.lot),
            ("route", label_for(Route, card.route)),
            ("zone", label_for(Zone, card.zone) if card.zone else "—"),
            ("vials", str(card.vials)),
            (
                "reconstituted",
                card.reconstituted.strftime("%Y-%m-%d %H:%M") if card.reconstituted else "—",
            ),
            (
                "recorded_by",
                f"{card.recorded_by or '—'}, {card.recorded_at:%Y-%m-%d %H:%M} UTC",
            ),
        ]
        if card.override_reason:
            rows += [
                ("override_by", f"{overridden_by(card)}, {override_when(card)}"),
                ("override_rules", "\n".join(override_rules(card))),
                ("override_reason", card.override_reason),
            ]
        for field, value in rows:
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(_words(field), shown)
        # a void record's card keeps its values readable; the banner says it counts nowhere
        self.void_label.setText(f"{void_text(card.void)}. {VOID_COUNTS}")
        self.void_label.setVisible(card.void is not None)
        self.void_label.setStyleSheet(VOID_BANNER_STYLE)
        self.flags.clear()
        for flag in card.flags:
            words = f"{short_label(flag.severity)}: {flag.message}"
            if not flag.is_open:
                words += f" ({OVERRIDDEN})"
            item = QListWidgetItem(severity.icon(flag.severity), words)
            item.setToolTip(rule_title(flag.rule))
            self.flags.addItem(item)
        self.flags.setVisible(bool(card.flags))
        self.flags_label.setVisible(bool(card.flags))
        may = may_change(self.ctx, card)
        self.void_button.setEnabled(may)
        self.correct_button.setEnabled(may and self.ctx.may(Permission.RECORD_TREATMENT))

    def ask_void(self) -> ReasonDialog:
        dialog = void_treatment_dialog(self.ctx, self.card.ref, self)
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def correct(self) -> QDialog:
        from exodesk.ui.treatments.treatment_dialog import TreatmentDialog

        dialog = TreatmentDialog(self.ctx, self, correcting=self.card.ref)
        dialog.accepted.connect(lambda: self._corrected(dialog))
        self.correction_dialog = dialog
        dialog.open()
        return dialog

    def _corrected(self, dialog: QDialog) -> None:
        recorded = getattr(dialog, "recorded", None)
        self.corrected_by = getattr(recorded, "ref", None)
        self.reload()

    def open_lot(self) -> None:
        from exodesk.ui.stock.lot_card import LotCardDialog

        LotCardDialog(self.ctx, self.card.product, self.card.lot, self).open()


def overridden_by(card: TreatmentCard) -> str:
    return card.override_by or card.recorded_by or card.practitioner


def override_when(card: TreatmentCard) -> str:
    """When the block findings were overridden: when the treatment was recorded."""
    return f"{card.recorded_at:%Y-%m-%d %H:%M} UTC"


def override_rules(card: TreatmentCard) -> list[str]:
    """The rules overridden, by their plain titles."""
    return [rule_title(r) for r in card.override_rules] or ["—"]


def override_text(card: TreatmentCard) -> str:
    """Who overrode which rules, when and why, in one line ("" when nothing was)."""
    if not card.override_reason:
        return ""
    said = OVERRIDDEN_FLAG.format(
        by=overridden_by(card), when=f" on {override_when(card)}", reason=card.override_reason
    )
    return f"{said} · {_words('override_rules')} {'; '.join(override_rules(card))}"


def may_change(ctx: AppContext, card: TreatmentCard) -> bool:
    """Whether the signed-in user may void or correct this treatment."""
    return card.may_void(ctx.role, ctx.user)


def void_treatment_dialog(ctx: AppContext, ref: str, parent: QWidget | None) -> ReasonDialog:
    def write(session: Session, reason: str) -> object:
        return void_treatment(session, ref, reason=reason, today=ctx.today(), user=ctx.user)

    return ReasonDialog(ctx, f"treatment {ref}", write, Changes.TREATMENTS | Changes.STOCK, parent)
