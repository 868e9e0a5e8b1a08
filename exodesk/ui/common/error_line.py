"""The one way a dialog or view says what was refused: an error line under the form, and the
fields it names marked on the form."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from exodesk.services.errors import Problem

ERROR_STYLE = "color: #b00020; font-weight: 600;"
INVALID_FIELD_STYLE = "background-color: #f8d7da; color: #1a1a1a;"


class ErrorLine(QLabel):
    """Plain, selectable, wrapped text in the error colour; hidden while it says nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(ERROR_STYLE)
        self.hide()

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def show_problems(
        self, problems: Iterable[Problem], *, prefix: str = "Error: ", suffix: str = ""
    ) -> None:
        """Every problem on its own line, as `field: message` (or `row N, column C: …`)."""
        self.show_text(prefix + "\n".join(str(p) for p in problems) + suffix)

    def clear(self) -> None:
        super().clear()
        self.hide()


def mark_invalid(widget: QWidget, invalid: bool, why: str = "") -> None:
    """Colour a form field (or its label) that a problem names, or take the colour off."""
    widget.setStyleSheet(INVALID_FIELD_STYLE if invalid else "")
    widget.setToolTip(why if invalid else "")


def mark_label(label: QLabel, invalid: bool) -> None:
    """The label of a field a problem names, in the error colour."""
    label.setStyleSheet(ERROR_STYLE if invalid else "")
