"""Severity shown by colour, icon and word together, never by colour alone (the words are
`exodesk.models.vocabulary.short_label`)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon

from exodesk.models.enums import Severity
from exodesk.ui.common import icons
from exodesk.ui.common.icons import Icon

BACKGROUND = {
    Severity.BLOCK: QColor("#f5c2c7"),
    Severity.WARN: QColor("#ffe69c"),
    Severity.INFO: QColor("#b6effb"),
}
TEXT_ON_BACKGROUND = QColor("#1a1a1a")
_ICON = {  # a strong colour of its own, readable on light and dark backgrounds
    Severity.BLOCK: (Icon.BLOCK, "#c8283a"),
    Severity.WARN: (Icon.WARN, "#b07800"),
    Severity.INFO: (Icon.INFO, "#1c6fd6"),
}


def icon(severity: Severity) -> QIcon:
    name, colour = _ICON[severity]
    return icons.icon(name, colour)
