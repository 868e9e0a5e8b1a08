"""What the window shows of an open vial and does with one: its time left in words, a time
field, its label, and "Discard…" (one vial of waste, with the reason)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Severity
from exodesk.models.vocabulary import (
    DISCARD_VIAL_BUTTON,
    DISCARD_VIAL_INTRO,
    DISCARD_VIAL_REASON,
    DISCARD_VIAL_TITLE,
    VIAL_LEFT,
    VIAL_PASSED,
)
from exodesk.services.labels import VialLabel
from exodesk.services.stock.vials import VialRow, discard_vial, local_now
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

STAMP = "%Y-%m-%d %H:%M"
STATE_SEVERITY = {"last hour": Severity.WARN, "expired": Severity.BLOCK}


def clinic_now(ctx: AppContext) -> dt.datetime:
    """The clinic's wall clock to the minute, on the window's day (`ctx.today`)."""
    return dt.datetime.combine(ctx.today(), local_now().time())


def duration_words(span: dt.timedelta) -> str:
    minutes = max(0, int(span.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def stamp(at: dt.datetime, now: dt.datetime) -> str:
    """The time alone on the day of `now`, else the day and the time."""
    return f"{at:%H:%M}" if at.date() == now.date() else f"{at:{STAMP}}"


def left_words(row: VialRow, now: dt.datetime) -> str:
    left = row.left(now)
    use_by = stamp(row.use_by, now)
    if left < dt.timedelta(0):
        return VIAL_PASSED.format(late=duration_words(-left), use_by=use_by)
    return VIAL_LEFT.format(left=duration_words(left), use_by=use_by)


def vial_text(row: VialRow, now: dt.datetime) -> str:
    return (
        f"{row.ref} · {row.product} · lot {row.lot} — opened "
        f"{stamp(row.reconstituted_at, now)} by {row.reconstituted_by} — {left_words(row, now)}"
    )


def vial_details(row: VialRow) -> str:
    """Everything on the vial's label, in full."""
    return (
        f"{row.ref}: {row.product}, lot {row.lot} (expires {row.expiry.isoformat()}), "
        f"reconstituted {row.reconstituted_at:{STAMP}} by {row.reconstituted_by}; its "
        f"{row.hours}-hour window ends {row.use_by:{STAMP}}"
    )


def short_vial_text(row: VialRow, now: dt.datetime) -> str:
    """One line for a choice of vials of one product: lot, when and by whom, time left."""
    left = row.left(now)
    state = (
        f"window passed {duration_words(-left)} ago"
        if left < dt.timedelta(0)
        else f"{duration_words(left)} left"
    )
    return (
        f"{row.ref} · lot {row.lot} · opened {stamp(row.reconstituted_at, now)} by "
        f"{row.reconstituted_by} · {state}"
    )


def vial_label(row: VialRow) -> VialLabel:
    return VialLabel(
        row.product,
        row.lot,
        row.expiry,
        row.reconstituted_at,
        row.hours,
        row.reconstituted_by,
        row.gtin,
    )


class TimeField(QTimeEdit):
    """HH:MM, left with one Tab (not one per section)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("HH:mm")

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 (Qt's name)
        return QWidget.focusNextPrevChild(self, next)

    def set_time(self, time: dt.time) -> None:
        self.setTime(QTime(time.hour, time.minute))

    def value(self) -> dt.time:
        time = self.time()
        return dt.time(time.hour(), time.minute())


class DiscardVialDialog(QDialog):
    """Discard one open vial: the reason is required; `movement` is the waste's reference
    once it is recorded."""

    def __init__(self, ctx: AppContext, row: VialRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.row = ctx, row
        self.movement: str | None = None
        self.setWindowTitle(DISCARD_VIAL_TITLE.format(ref=row.ref))
        intro = QLabel(
            DISCARD_VIAL_INTRO.format(
                ref=row.ref,
                product=row.product,
                lot=row.lot,
                at=f"{row.reconstituted_at:{STAMP}}",
                by=row.reconstituted_by,
            )
        )
        intro.setWordWrap(True)
        self.left = QLabel(left_words(row, clinic_now(ctx)))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(DISCARD_VIAL_REASON)
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.discard_button = self.buttons.addButton(
            DISCARD_VIAL_BUTTON, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.discard_button.setEnabled(False)
        self.buttons.accepted.connect(self.discard)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(
            lambda text: self.discard_button.setEnabled(bool(text.strip()))
        )
        layout = QVBoxLayout(self)
        for widget in (intro, self.left, reason_label, self.reason, self.error, self.buttons):
            layout.addWidget(widget)
        self.resize(520, self.sizeHint().height())

    def discard(self) -> None:
        ctx, ref, reason = self.ctx, self.row.ref, self.reason.text()
        now = clinic_now(ctx)
        run_write(
            ctx,
            lambda session: discard_vial(
                session, ref, reason=reason, on=now.date(), user=ctx.user, now=now
            ),
            Changes.STOCK,
            error_line=self.error,
            on_success=self._discarded,
        )

    def _discarded(self, movement: str) -> None:
        self.movement = movement
        self.accept()
