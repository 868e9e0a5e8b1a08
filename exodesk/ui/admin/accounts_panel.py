"""The accounts: who may sign in, with which role. An admin adds an account, changes its
role, resets its password or deactivates it; the services refuse what may not be done (the
last active admin stays an active admin) and the refusal is shown as they word it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Role
from exodesk.models.vocabulary import choices, description, label
from exodesk.services.accounts import users
from exodesk.services.accounts.users import Account
from exodesk.services.errors import ExoDeskError, Problem
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import Call, run_write

COLUMNS = ("Name", "Role", "Active", "Created")


def _password_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


def _role_combo(current: Role | None = None) -> QComboBox:
    combo = QComboBox()
    for role, text in choices(Role):
        combo.addItem(text, role)
        combo.setItemData(combo.count() - 1, description(role), Qt.ItemDataRole.ToolTipRole)
    if current is not None:
        combo.setCurrentIndex(combo.findData(current))
    return combo


class _AccountDialog(QDialog):
    """A small form with an error line and OK/Cancel; OK runs `save` (one write)."""

    def __init__(self, ctx: AppContext, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(f"{title} — ExoDesk")
        self.form = QFormLayout()
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def add_row(self, text: str, field: QWidget) -> None:
        row_label = QLabel(text)
        row_label.setBuddy(field)
        self.form.addRow(row_label, field)

    def say(self, text: str) -> None:
        self.intro.setText(text)
        self.intro.show()

    def write(self, call: Call[object]) -> None:
        run_write(
            self.ctx,
            call,
            Changes.ACCOUNTS,
            error_line=self.error,
            on_success=lambda _: self.accept(),
        )

    def passwords_differ(self, password: QLineEdit, again: QLineEdit) -> bool:
        if password.text() == again.text():
            return False
        self.error.show_problems([Problem("password again", "the two passwords differ")])
        again.clear()
        again.setFocus()
        return True

    def save(self) -> None:
        raise NotImplementedError


class AddAccountDialog(_AccountDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Add an account", "&Add account", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("As they will sign in, e.g. Nurse Priya Shah")
        self.role = _role_combo(Role.PRACTITIONER)
        self.password = _password_field(f"at least {users.MIN_PASSWORD_LENGTH} characters")
        self.again = _password_field()
        self.add_row("&Name:", self.name)
        self.add_row("&Role:", self.role)
        self.add_row("&Password:", self.password)
        self.add_row("Password &again:", self.again)
        self.say("Give them their password in person; they can change it after signing in.")

    def save(self) -> None:
        if self.passwords_differ(self.password, self.again):
            return
        name, password, by = self.name.text(), self.password.text(), self.ctx.user
        role: Role = self.role.currentData()
        self.write(lambda s: users.create_user(s, name, role, password, by=by))


class RoleDialog(_AccountDialog):
    def __init__(self, ctx: AppContext, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Role of {account.name}", "&Change role", parent)
        self.account = account
        self.role = _role_combo(account.role)
        self.say(f"<b>{account.name}</b> is now: {label(account.role)}.")
        self.add_row("New &role:", self.role)

    def save(self) -> None:
        name, by = self.account.name, self.ctx.user
        role: Role = self.role.currentData()
        self.write(lambda s: users.change_role(s, name, role, by=by))


class PasswordDialog(_AccountDialog):
    def __init__(self, ctx: AppContext, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"New password for {account.name}", "&Set password", parent)
        self.account = account
        self.password = _password_field(f"at least {users.MIN_PASSWORD_LENGTH} characters")
        self.again = _password_field()
        self.say(f"The old password of <b>{account.name}</b> stops working at once.")
        self.add_row("New &password:", self.password)
        self.add_row("Password &again:", self.again)

    def save(self) -> None:
        if self.passwords_differ(self.password, self.again):
            return
        name, password, by = self.account.name, self.password.text(), self.ctx.user
        self.write(lambda s: users.set_password(s, name, password, by=by))


class DeactivateDialog(_AccountDialog):
    def __init__(self, ctx: AppContext, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Deactivate {account.name}", "&Deactivate", parent)
        self.account = account
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. left the clinic")
        self.say(
            f"<b>{account.name}</b> will no longer be able to sign in. The account stays on "
            "record, so the audit trail still names who did what."
        )
        self.add_row("&Reason:", self.reason)

    def save(self) -> None:
        name, reason, by = self.account.name, self.reason.text(), self.ctx.user
        self.write(lambda s: users.deactivate(s, name, by=by, reason=reason))


class AccountsPanel(QWidget):
    shows = Changes.ACCOUNTS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.accounts: list[Account] = []
        heading = QLabel(
            "Everyone signs in with their own account; the role decides what they may do."
        )
        heading.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("accounts")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.add_button = QPushButton("&Add account…")
        self.role_button = QPushButton("Change &role…")
        self.password_button = QPushButton("Reset &password…")
        self.deactivate_button = QPushButton("&Deactivate…")
        self.error = ErrorLine()
        buttons = QHBoxLayout()
        for button in (
            self.add_button,
            self.role_button,
            self.password_button,
            self.deactivate_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(lambda: self.add_dialog().exec())
        self.role_button.clicked.connect(lambda: self._open(RoleDialog))
        self.password_button.clicked.connect(lambda: self._open(PasswordDialog))
        self.deactivate_button.clicked.connect(lambda: self._open(DeactivateDialog))
        self.table.itemSelectionChanged.connect(self._enable)
        ctx.bus.changed.connect(self._changed)
        self.reload()

    def _changed(self, changes: Changes) -> None:
        if changes & self.shows:
            self.reload()

    def reload(self) -> None:
        chosen = self.current()
        try:
            with self.ctx.db.read() as session:
                self.accounts = users.list_users(session)
        except ExoDeskError as refused:
            self.error.show_problems(refused.problems)
            return
        self.table.setRowCount(len(self.accounts))
        for row, account in enumerate(self.accounts):
            created = account.created_at.strftime("%Y-%m-%d")
            cells = (account.name, label(account.role), "yes" if account.active else "no", created)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not account.active:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
        if chosen is not None:
            self.select(chosen.name)
        self._enable()

    def select(self, name: str) -> None:
        for row, account in enumerate(self.accounts):
            if account.name == name:
                self.table.selectRow(row)
                return

    def current(self) -> Account | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.accounts):
            return None
        return self.accounts[rows[0].row()]

    def _enable(self) -> None:
        account = self.current()
        for button in (self.role_button, self.password_button):
            button.setEnabled(account is not None and account.active)
        self.deactivate_button.setEnabled(account is not None and account.active)

    def add_dialog(self) -> AddAccountDialog:
        return AddAccountDialog(self.ctx, self)

    def dialog_for(
        self, kind: type[RoleDialog | PasswordDialog | DeactivateDialog]
    ) -> RoleDialog | PasswordDialog | DeactivateDialog | None:
        account = self.current()
        return None if account is None else kind(self.ctx, account, self)

    def _open(self, kind: type[RoleDialog | PasswordDialog | DeactivateDialog]) -> None:
        dialog = self.dialog_for(kind)
        if dialog is not None:
            dialog.exec()

    def focus_search(self) -> None:
        self.table.setFocus()
