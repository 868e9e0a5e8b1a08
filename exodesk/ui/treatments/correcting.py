"""Correcting a treatment in the treatment dialog: the form is filled from the stored
treatment, a line asks what was wrong, and Save voids the old record and writes the new one
in one transaction (`corrections.correct_treatment`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout

from exodesk.models.vocabulary import CORRECT_REASON, CORRECT_TITLE
from exodesk.services.treatments.corrections import correct_treatment, draft_of
from exodesk.services.treatments.recording import RecordedTreatment, TreatmentDraft

if TYPE_CHECKING:
    from exodesk.services.session import Session
    from exodesk.ui.treatments.treatment_dialog import TreatmentDialog


class CorrectionForm:
    """The part of a TreatmentDialog that corrects treatment `ref`."""

    def __init__(self, dialog: TreatmentDialog, ref: str) -> None:
        self.ref = ref
        with dialog.ctx.db.read() as session:
            self.old = draft_of(session, ref)
        dialog.setWindowTitle(CORRECT_TITLE.format(ref=ref))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. wrong patient reference")
        label = QLabel(f"&{CORRECT_REASON.format(ref=ref)}:")
        label.setBuddy(self.reason)
        form = QFormLayout()
        form.addRow(label, self.reason)
        layout = dialog.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertLayout(0, form)
        self._fill(dialog, self.old)
        self.reason.setFocus()

    @staticmethod
    def _fill(dialog: TreatmentDialog, old: TreatmentDraft) -> None:
        day = old.date
        dialog.date.setDate(QDate(day.year, day.month, day.day))
        dialog.product.setCurrentIndex(dialog.product.findText(old.product))
        if dialog.lot.findData(old.lot) < 0:  # its own vials still count until it is void
            dialog.lot.addItem(f"{old.lot} (the lot of the treatment corrected)", old.lot)
            dialog.lot.setEnabled(True)
            dialog.lot_note.hide()
        dialog.lot.setCurrentIndex(dialog.lot.findData(old.lot))
        dialog.route.setCurrentIndex(max(dialog.route.findData(old.route), 0))
        if old.zone is not None:
            dialog.zone.setCurrentIndex(max(dialog.zone.findData(old.zone), 0))
        dialog.vials.setValue(old.vials)
        dialog.patient.setText(old.patient)
        dialog.practitioner.setCurrentText(old.practitioner)

    def record(
        self,
        session: Session,
        draft: TreatmentDraft,
        *,
        today: dt.date,
        user: str | None,
        override_reason: str | None,
    ) -> RecordedTreatment:
        """As `record_treatment`, voiding the old treatment in the same transaction."""
        return correct_treatment(
            session,
            self.ref,
            draft,
            reason=self.reason.text(),
            today=today,
            user=user,
            override_reason=override_reason,
        ).recorded
