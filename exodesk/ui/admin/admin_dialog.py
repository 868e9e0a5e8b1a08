"""The Administration window: accounts, the clinic's settings, the register of notified
bodies and backups, one tab each.
Only an admin opens it (the window's Administration menu); if someone who is not one signs
in at the lock screen meanwhile, it closes (the services would refuse them anyway)."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QVBoxLayout, QWidget

from exodesk.services.accounts.users import Permission
from exodesk.ui.admin.accounts_panel import AccountsPanel
from exodesk.ui.admin.backups_panel import BackupsPanel
from exodesk.ui.admin.bodies_panel import BodiesPanel
from exodesk.ui.admin.clinic_settings import ClinicSettingsPanel
from exodesk.ui.shell.context import AppContext

TABS = ("Accounts", "Clinic", "Notified bodies", "Backups")
TAB_NEEDS = {
    "Accounts": Permission.MANAGE_USERS,
    "Clinic": Permission.EDIT_SETTINGS,
    "Notified bodies": Permission.EDIT_REGISTER,
    "Backups": Permission.RESTORE,
}


class AdministrationDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, tab: str = "Accounts"):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Administration — ExoDesk")
        self.accounts = AccountsPanel(ctx)
        self.clinic = ClinicSettingsPanel(ctx)
        self.bodies = BodiesPanel(ctx)
        self.backups = BackupsPanel(ctx)
        self.tabs = QTabWidget()
        panels = (self.accounts, self.clinic, self.bodies, self.backups)
        for name, panel in zip(TABS, panels, strict=True):
            self.tabs.addTab(panel, name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(900, 600)
        self._enable_tabs()
        self.show_tab(tab)
        ctx.bus.user_changed.connect(self._user_changed)

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))

    def _enable_tabs(self) -> None:
        for index, name in enumerate(TABS):
            self.tabs.setTabEnabled(index, self.ctx.may(TAB_NEEDS[name]))

    def _user_changed(self) -> None:
        self._enable_tabs()
        if not any(self.ctx.may(p) for p in TAB_NEEDS.values()) and not self.backups.busy:
            self.reject()

    def reject(self) -> None:
        if not self.backups.busy:  # a restore must finish: it reopens the database
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.backups.busy:
            event.ignore()
        else:
            super().closeEvent(event)
