"""Every window action declared once: text, shortcut, status tip (MusicBrainz Picard's way)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QStyle, QWidget


class ActionId(Enum):
    IMPORT = auto()
    EXPORT = auto()
    PRINT = auto()
    QUIT = auto()
    NEW = auto()
    RECEIVE = auto()
    RECORD_TREATMENT = auto()
    FIND = auto()
    REFRESH = auto()
    ABOUT = auto()


@dataclass(frozen=True)
class ActionSpec:
    text: str
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None
    tip: str
    icon: QStyle.StandardPixmap | None = None


SP = QStyle.StandardPixmap
SPECS: dict[ActionId, ActionSpec] = {
    ActionId.IMPORT: ActionSpec(
        "&Import file…", "Ctrl+I", "Add records from an ExoDesk file", SP.SP_DialogOpenButton
    ),
    ActionId.EXPORT: ActionSpec(
        "&Export file…",
        "Ctrl+E",
        "Write the whole database as an ExoDesk file",
        SP.SP_DialogSaveButton,
    ),
    ActionId.PRINT: ActionSpec(
        "&Print or save PDF…",
        QKeySequence.StandardKey.Print,
        "Print what this view shows, or save it as PDF",
    ),
    ActionId.QUIT: ActionSpec("&Quit", QKeySequence.StandardKey.Quit, "Close ExoDesk"),
    ActionId.NEW: ActionSpec(
        "&New…",
        QKeySequence.StandardKey.New,
        "New record of the kind this view shows",
        SP.SP_FileIcon,
    ),
    ActionId.RECEIVE: ActionSpec(
        "&Receive delivery…", "Ctrl+R", "Scan boxes of a delivery into stock", SP.SP_ArrowDown
    ),
    ActionId.RECORD_TREATMENT: ActionSpec(
        "Record &treatment…",
        "Ctrl+T",
        "Record a treatment, checked against the rules",
        SP.SP_DialogApplyButton,
    ),
    ActionId.FIND: ActionSpec(
        "&Find", QKeySequence.StandardKey.Find, "Search in this view", SP.SP_FileDialogContentsView
    ),
    ActionId.REFRESH: ActionSpec(
        "Re&fresh",
        QKeySequence.StandardKey.Refresh,
        "Reload from the database",
        SP.SP_BrowserReload,
    ),
    ActionId.ABOUT: ActionSpec("&About ExoDesk", None, "Version and database"),
}


def make_action(action_id: ActionId, parent: QWidget) -> QAction:
    spec = SPECS[action_id]
    action = QAction(spec.text, parent)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    action.setStatusTip(spec.tip)
    action.setToolTip(f"{spec.text.replace('&', '').rstrip('…')} — {spec.tip}")
    if spec.icon is not None:
        action.setIcon(QApplication.style().standardIcon(spec.icon))
    return action


def icon_for(pixmap: QStyle.StandardPixmap) -> QIcon:
    return QApplication.style().standardIcon(pixmap)
