"""Every window action declared once: text, shortcut, status tip (MusicBrainz Picard's way)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from exodesk.models.vocabulary import RECONSTITUTE_ACTION, RECONSTITUTE_TIP
from exodesk.ui.common.icons import Icon, icon


class ActionId(Enum):
    IMPORT = auto()
    IMPORT_SHEET = auto()
    EXPORT = auto()
    PRINT = auto()
    QUIT = auto()
    NEW = auto()
    RECEIVE = auto()
    RECORD_TREATMENT = auto()
    RECONSTITUTE = auto()
    FIND = auto()
    REFRESH = auto()
    ABOUT = auto()
    ACCOUNTS = auto()
    CLINIC_SETTINGS = auto()
    BACKUPS = auto()
    NOTIFIED_BODIES = auto()
    LOCK = auto()
    SWITCH_USER = auto()


@dataclass(frozen=True)
class ActionSpec:
    text: str
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None
    tip: str
    icon: Icon


SPECS: dict[ActionId, ActionSpec] = {
    ActionId.IMPORT: ActionSpec(
        "&Import file…", "Ctrl+I", "Add records from an ExoDesk file", Icon.IMPORT
    ),
    ActionId.IMPORT_SHEET: ActionSpec(
        "Import from &spreadsheet…",
        "Ctrl+Shift+I",
        "Add products, lots, treatments or documents from an .xlsx or .csv sheet",
        Icon.IMPORT,
    ),
    ActionId.EXPORT: ActionSpec(
        "&Export file…",
        "Ctrl+E",
        "Write the whole database as an ExoDesk file",
        Icon.EXPORT,
    ),
    ActionId.PRINT: ActionSpec(
        "&Print or save PDF…",
        QKeySequence.StandardKey.Print,
        "Print what this view shows, or save it as PDF",
        Icon.PRINT,
    ),
    ActionId.QUIT: ActionSpec("&Quit", QKeySequence.StandardKey.Quit, "Close ExoDesk", Icon.QUIT),
    ActionId.NEW: ActionSpec(
        "&New…",
        QKeySequence.StandardKey.New,
        "New record of the kind this view shows",
        Icon.NEW,
    ),
    ActionId.RECEIVE: ActionSpec(
        "&Receive delivery…", "Ctrl+R", "Scan boxes of a delivery into stock", Icon.RECEIVE
    ),
    ActionId.RECORD_TREATMENT: ActionSpec(
        "Record &treatment…",
        "Ctrl+T",
        "Record a treatment, checked against the rules",
        Icon.RECORD_TREATMENT,
    ),
    ActionId.RECONSTITUTE: ActionSpec(
        RECONSTITUTE_ACTION, "Ctrl+Shift+V", RECONSTITUTE_TIP, Icon.RECORD_TREATMENT
    ),
    ActionId.FIND: ActionSpec(
        "&Find", QKeySequence.StandardKey.Find, "Search in this view", Icon.FIND
    ),
    ActionId.REFRESH: ActionSpec(
        "Re&fresh",
        QKeySequence.StandardKey.Refresh,
        "Reload from the database",
        Icon.REFRESH,
    ),
    ActionId.ABOUT: ActionSpec("&About ExoDesk", None, "Version and database", Icon.ABOUT),
    ActionId.ACCOUNTS: ActionSpec(
        "&Accounts…", None, "Add accounts, change roles, reset passwords", Icon.ACCOUNT
    ),
    ActionId.CLINIC_SETTINGS: ActionSpec(
        "&Clinic settings…", None, "The clinic's name, market and warning horizons", Icon.INFO
    ),
    ActionId.BACKUPS: ActionSpec(
        "&Backups…", None, "Back up now, see the copies kept, restore one", Icon.EXPORT
    ),
    ActionId.NOTIFIED_BODIES: ActionSpec(
        "&Notified bodies…",
        None,
        "The register of notified bodies: the clinic's additions and corrections",
        Icon.INFO,
    ),
    ActionId.LOCK: ActionSpec(
        "&Lock now", "Ctrl+Shift+L", "Cover the window until a password is typed", Icon.LOCK
    ),
    ActionId.SWITCH_USER: ActionSpec(
        "&Switch user…", None, "Let someone else sign in with their own account", Icon.ACCOUNT
    ),
}


def make_action(action_id: ActionId, parent: QWidget) -> QAction:
    spec = SPECS[action_id]
    action = QAction(spec.text, parent)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    action.setStatusTip(spec.tip)
    action.setToolTip(f"{spec.text.replace('&', '').rstrip('…')} — {spec.tip}")
    action.setIcon(icon(spec.icon))
    return action
