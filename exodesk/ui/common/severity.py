"""Severity shown by colour, icon and word together, never by colour alone."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from exodesk.models.enums import Severity

BACKGROUND = {
    Severity.BLOCK: QColor("#f5c2c7"),
    Severity.WARN: QColor("#ffe69c"),
    Severity.INFO: QColor("#b6effb"),
}
TEXT_ON_BACKGROUND = QColor("#1a1a1a")
WORD = {Severity.BLOCK: "BLOCK", Severity.WARN: "WARN", Severity.INFO: "INFO"}
_ICON = {
    Severity.BLOCK: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Severity.WARN: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Severity.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def icon(severity: Severity) -> QIcon:
    style = QApplication.style()
    return style.standardIcon(_ICON[severity])
