"""How a void record looks wherever it is listed (struck through, greyed, its void in the
tooltip), the reason dialog every void asks through, and the context menus of lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.vocabulary import VOID_INTRO, VOID_REASON, VOID_SHOWN, VOID_TITLE
from exodesk.services.stock.voiding import VoidMark
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

if TYPE_CHECKING:
    from exodesk.services.session import Session

T = TypeVar("T")
VOID_TEXT = QColor("#6b6b6b")
VOID_BANNER_STYLE = (
    "font-weight: 600; color: #1a1a1a; background-color: #e2e3e5; padding: 6px; "
    "border: 1px solid #adb5bd; border-radius: 3px;"
)


def void_font(base: QFont | None = None) -> QFont:
    font = QFont(base) if base is not None else QFont()
    font.setStrikeOut(True)
    return font


def void_text(mark: VoidMark | None) -> str:
    if mark is None:
        return ""
    return VOID_SHOWN.format(on=mark.on.isoformat(), by=mark.by, reason=mark.reason)


def void_role_data(void: bool, role: int, tooltip: str = "") -> Any:
    """What a model returns for a void row in `role` (None: nothing special)."""
    if not void:
        return None
    if role == Qt.ItemDataRole.FontRole:
        return void_font()
    if role == Qt.ItemDataRole.ForegroundRole:
        return QBrush(VOID_TEXT)
    if role == Qt.ItemDataRole.ToolTipRole and tooltip:
        return tooltip
    return None


class ReasonDialog(QDialog):
    """Asks why, then runs `write(session, reason)` through the one write path. `result_value`
    holds what the write returned once it succeeded."""

    def __init__(
        self,
        ctx: AppContext,
        what: str,
        write: Callable[[Session, str], object],
        changes: Changes,
        parent: QWidget | None = None,
        *,
        title: str | None = None,
        intro: str | None = None,
        prompt: str = VOID_REASON,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._write = write
        self._changes = changes
        self.result_value: object = None
        self.setWindowTitle(title or VOID_TITLE.format(what=what))
        intro_label = QLabel(intro or VOID_INTRO.format(what=what[:1].upper() + what[1:]))
        intro_label.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(prompt)
        self.reason.setMaximumHeight(90)
        label = QLabel(f"&{prompt}:")
        label.setBuddy(self.reason)
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro_label)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.reason.setFocus()

    def text(self) -> str:
        return self.reason.toPlainText()

    def save(self) -> None:
        reason = self.text()
        run_write(
            self.ctx,
            lambda session: self._write(session, reason),
            self._changes,
            error_line=self.error,
            on_success=self._done,
        )

    def _done(self, result: object) -> None:
        self.result_value = result
        self.accept()


Entry = tuple[str, Callable[[], object], bool]  # (label, what it does, enabled)


def context_menu(parent: QWidget, entries: Sequence[Entry]) -> QMenu:
    menu = QMenu(parent)
    for text, run, enabled in entries:
        action = QAction(text, menu)
        action.setEnabled(enabled)
        action.triggered.connect(lambda _checked=False, run=run: run())
        menu.addAction(action)
    return menu


class _MenuKey(QObject):
    """The Menu key (and Shift+F10) on a list pops its context menu at the current row."""

    def __init__(self, view: QAbstractItemView, popup: Callable[[QPoint | None], object]):
        super().__init__(view)
        self._popup = popup

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            shift_f10 = (
                event.key() == Qt.Key.Key_F10
                and event.modifiers() == Qt.KeyboardModifier.ShiftModifier
            )
            if event.key() == Qt.Key.Key_Menu or shift_f10:
                self._popup(None)
                return True
        return False


def install_context_menu(
    view: QAbstractItemView, entries: Callable[[], Sequence[Entry]]
) -> Callable[[QPoint | None], QMenu | None]:
    """Right click, and the Menu key, offer `entries()` for the current row. Returns the
    function that pops the menu up (tests call it with None: at the current row)."""
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def popup(at: QPoint | None) -> QMenu | None:
        if at is not None:
            index = view.indexAt(at)
            if index.isValid():
                view.setCurrentIndex(index)
        items = entries()
        if not items:
            return None
        menu = context_menu(view, items)
        if at is None:
            rect = view.visualRect(view.currentIndex())
            at = rect.bottomLeft() if rect.isValid() else QPoint(0, 0)
        menu.popup(view.viewport().mapToGlobal(at))
        return menu

    view.customContextMenuRequested.connect(popup)
    view.installEventFilter(_MenuKey(view, popup))
    return popup
