"""Signing in: the first start creates the admin, every start asks who is there, and an idle
window locks itself until the same person (or someone else) signs in again. Wrong passwords
are counted in the database (services/accounts/throttle.py), shared with every other window
and command line on it; this window only counts down the wait the database asks for."""

from __future__ import annotations

import datetime as dt
import html
import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QPalette, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.db import Database
from exodesk.models.enums import Role
from exodesk.models.vocabulary import phrase
from exodesk.services.accounts import throttle, users
from exodesk.services.accounts.users import Account
from exodesk.services.audit.trail import utc_now
from exodesk.services.errors import ExoDeskError, InvalidInput, Problem
from exodesk.ui.common.error_line import ERROR_STYLE
from exodesk.ui.common.icons import app_icon
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import BeforeTheWindow, run_write, write_or_refuse

IDLE_SETTING = "lock/idle_minutes"
DEFAULT_IDLE_MINUTES = 10
LAST_USER_SETTING = "sign_in/last_user"

Ev = QEvent.Type
INPUT_EVENTS = frozenset(
    {
        Ev.KeyPress,
        Ev.MouseButtonPress,
        Ev.MouseButtonDblClick,
        Ev.MouseMove,
        Ev.Wheel,
        Ev.TouchBegin,
        Ev.TouchUpdate,
        Ev.TabletPress,
    }
)
SHORTCUT_EVENTS = frozenset({Ev.Shortcut, Ev.ShortcutOverride})


def role_and_name(account: Account) -> str:
    return f"{account.name} ({phrase(account.role)})"


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setClearButtonEnabled(True)
    return field


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _show_error(label: QLabel, message: str) -> None:
    label.setText(f"Error: {message}")
    label.show()


class Throttle:
    """The wait the database's sign-in throttle asked for, counted down in this window by
    `now` (UTC; the same clock the tries are counted by, which tests pass in)."""

    def __init__(self, now: Callable[[], dt.datetime] = utc_now) -> None:
        self.now = now
        self.name = ""
        self._until: dt.datetime | None = None

    def wait_left(self) -> int:
        """Whole seconds to wait before the next try (0: go ahead)."""
        if self._until is None:
            return 0
        left = (self._until - self.now()).total_seconds()
        return max(0, math.ceil(left))

    def pause(self, name: str, seconds: int) -> None:
        self.name = name
        self._until = self.now() + dt.timedelta(seconds=seconds)

    def clear(self) -> None:
        self._until = None

    def message(self) -> str:
        return str(throttle.TooManyTries(self.name, self.wait_left()))


def check_password(
    db: Database,
    name: str,
    password: str,
    *,
    via: str = "sign-in window",
    now: dt.datetime | None = None,
) -> Account:
    """The account; else InvalidInput (name or password left empty), throttle.TooManyTries
    (nothing checked), users.WrongPassword or users.NoActiveAccount (written to the audit
    trail, which then counts it)."""
    name = name.strip()
    if not name:
        raise InvalidInput([Problem("name", "type your name")])
    if not password:
        raise InvalidInput([Problem("password", "type your password")])
    # One write through the one write path: it commits a wrong password to the trail (and
    # may upgrade an old password hash); the refusal is raised after the commit.
    attempt = write_or_refuse(
        BeforeTheWindow(db),
        lambda session: throttle.attempt_sign_in(session, name, password, via=via, now=now),
        Changes.NONE,
    )
    return attempt.result()


def seconds_to_wait(db: Database, name: str, now: dt.datetime) -> int:
    with db.read() as session:
        return throttle.seconds_to_wait(session, name, now)


def sign_in_refusal(refused: ExoDeskError) -> str:
    """What the sign-in form says when `check_password` refuses."""
    if isinstance(refused, users.WrongPassword):
        return f"wrong password for {refused.name}. Check Caps Lock and try again."
    if isinstance(refused, users.NoActiveAccount):
        return f"there is no active account named {refused.name!r}."
    return "\n".join(str(p) for p in refused.problems)


class _PasswordForm(QWidget):
    """Name and password with throttled tries; `signed_in(account)` when right. While the
    database asks to wait, the password and the button are off; typing another name
    switches them on again (that name's own count decides)."""

    signed_in = Signal(object)

    def __init__(
        self,
        db: Database,
        *,
        name: str = "",
        button_text: str = "&Sign in",
        throttle: Throttle | None = None,
        via: str = "sign-in window",
        submit_on_return: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """In a dialog, Enter presses the default button; elsewhere (`submit_on_return`) the
        password field's Enter signs in. `via` names this form in the audit trail."""
        super().__init__(parent)
        self.db = db
        self.via = via
        self.throttle = throttle or Throttle()
        self.name = QLineEdit(name)
        self.name.setPlaceholderText("Your name, as your account was created")
        self.password = _password_field()
        self.error = _error_label()
        self.button = QPushButton(button_text)
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        form = QFormLayout()
        name_label = QLabel("&Name:")
        name_label.setBuddy(self.name)
        password_label = QLabel("&Password:")
        password_label.setBuddy(self.password)
        form.addRow(name_label, self.name)
        form.addRow(password_label, self.password)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_pause)
        self.button.clicked.connect(self.try_sign_in)
        self.name.returnPressed.connect(self.password.setFocus)
        self.name.textEdited.connect(self._name_edited)
        if submit_on_return:
            self.password.returnPressed.connect(self.try_sign_in)

    def focus(self) -> None:
        target = self.password if self.name.text() else self.name
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def try_sign_in(self) -> None:
        if self.throttle.wait_left():
            self._update_pause()
            return
        name, now = self.name.text().strip(), self.throttle.now()
        try:
            account = check_password(self.db, name, self.password.text(), via=self.via, now=now)
        except throttle.TooManyTries as wait:
            self.password.clear()
            self.throttle.pause(wait.name, wait.seconds)
            self._update_pause()
            return
        except ExoDeskError as refused:
            self.password.clear()
            _show_error(self.error, sign_in_refusal(refused))
            if isinstance(refused, (users.WrongPassword, users.NoActiveAccount)):
                # That wrong one may have been the last free try: say so now.
                seconds = seconds_to_wait(self.db, name, now)
                if seconds:
                    self.throttle.pause(name, seconds)
                    self._update_pause()
                    return
            self.focus()
            return
        self.throttle.clear()
        self.error.hide()
        self.password.clear()
        self.signed_in.emit(account)

    def _name_edited(self) -> None:
        """Another name: its own count decides at the next try (the typing stays here)."""
        if self.throttle.wait_left():
            self.throttle.clear()
            self._tick.stop()
            self.error.hide()
            for widget in (self.password, self.button):
                widget.setEnabled(True)

    def _update_pause(self) -> None:
        left = self.throttle.wait_left()
        paused = left > 0
        for widget in (self.password, self.button):
            widget.setEnabled(not paused)
        if paused:
            _show_error(self.error, self.throttle.message() + ".")
            if not self._tick.isActive():
                self._tick.start()
        elif self._tick.isActive():
            self._tick.stop()
            self.error.hide()
            self.focus()


class FirstAdminDialog(QDialog):
    """No account exists yet: create the admin, who then adds everyone else."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.account: Account | None = None
        self.setWindowTitle("ExoDesk — create the admin account")
        intro = QLabel(
            "<p><b>Welcome to ExoDesk.</b></p>"
            "<p>Create the <b>admin</b> account first. The admin adds the other accounts "
            "(practitioners, stock managers, auditors) and edits products and documents. "
            "Everyone then signs in with their own name and password, and the audit trail "
            "records who did what.</p>"
        )
        intro.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Dr Amelia Hart")
        self.password = _password_field()
        self.password.setPlaceholderText(f"at least {users.MIN_PASSWORD_LENGTH} characters")
        self.again = _password_field()
        self.error = _error_label()
        form = QFormLayout()
        for text, field in (
            ("&Name:", self.name),
            ("&Password:", self.password),
            ("Password &again:", self.again),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        database = QLabel(f"Database: {db.display_name}")
        database.setStyleSheet("color: palette(mid);")
        database.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("&Create admin account")
        self.create_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.buttons.accepted.connect(self.create_account)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(database)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def create_account(self) -> None:
        if self.password.text() != self.again.text():
            _show_error(self.error, "password again: the two passwords differ")
            self.again.clear()
            self.again.setFocus()
            return
        name, password = self.name.text(), self.password.text()
        run_write(
            BeforeTheWindow(self.db),
            lambda session: users.create_user(session, name, Role.ADMIN, password, by=None),
            Changes.ACCOUNTS,
            on_success=self._created,
            on_failure=lambda refused: _show_error(
                self.error, "\n".join(str(p) for p in refused.problems)
            ),
        )

    def _created(self, account: Account) -> None:
        self.account = account
        self.accept()


class SignInDialog(QDialog):
    """Who is there: name and password. Five wrong passwords for a name (in any window or
    command line on the database) pause its tries for 30 s, then longer."""

    def __init__(
        self,
        db: Database,
        parent: QWidget | None = None,
        *,
        name: str = "",
        throttle: Throttle | None = None,
    ) -> None:
        super().__init__(parent)
        self.account: Account | None = None
        self.setWindowTitle("ExoDesk — sign in")
        heading = QLabel("<span style='font-size:13pt'><b>Sign in to ExoDesk</b></span>")
        self.form = _PasswordForm(db, name=name, throttle=throttle)
        database = QLabel(f"Database: {db.display_name}")
        database.setWordWrap(True)
        database.setStyleSheet("color: palette(mid);")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(self.form.button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.rejected.connect(self.reject)
        self.form.signed_in.connect(self._signed_in)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.form)
        layout.addWidget(database)
        layout.addWidget(self.buttons)
        self.form.button.setDefault(True)  # now that it is inside the dialog
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)  # focused or not, Enter signs in
        self.setMinimumWidth(480)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.form.focus()

    def _signed_in(self, account: Account) -> None:
        self.account = account
        self.accept()


def sign_in_at_start(db: Database, parent: QWidget | None = None) -> Account | None:
    """The first start creates the admin; later starts ask for a name and password. None
    when the person cancels (ExoDesk then closes), or when the database has had accounts
    but none is active now: nobody can sign in, and making a "first" admin would let anyone
    take it over, so the refusal is shown instead."""
    with db.read() as session:
        first = not users.accounts_exist(session)
        nobody = not first and not users.active_accounts_exist(session)
    if nobody:
        QMessageBox.critical(
            parent,
            "ExoDesk — nobody can sign in",
            f"ExoDesk cannot open {db.display_name} for work: "
            f"{users.NobodyCanSignIn()}.\n\nNothing was changed.",
        )
        return None
    settings = QSettings()
    dialog: FirstAdminDialog | SignInDialog
    if first:
        dialog = FirstAdminDialog(db, parent)
    else:
        dialog = SignInDialog(db, parent, name=str(settings.value(LAST_USER_SETTING, "") or ""))
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.account is None:
        return None
    settings.setValue(LAST_USER_SETTING, dialog.account.name)
    return dialog.account


# -- the idle lock ---------------------------------------------------------------------------


class _Cover(QFrame):
    """An opaque sheet over one window, which hides what it shows while locked."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("lock-cover")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Mid))
        self.setPalette(palette)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Other children are disabled while covered: no focus, clicks or shortcuts reach them.
        self.disabled = [
            w
            for w in host.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if w is not self and not w.isWindow() and w.isEnabled()
        ]
        for widget in self.disabled:
            widget.setEnabled(False)
        self.fit()
        self.show()
        self.raise_()

    def fit(self) -> None:
        host = self.parentWidget()
        if host is not None:
            self.setGeometry(host.rect())

    def remove(self) -> None:
        for widget in self.disabled:
            widget.setEnabled(True)
        self.hide()
        self.deleteLater()


class LockScreen(QFrame):
    """The panel asking for the password: the same person unlocks, or someone else signs in."""

    def __init__(
        self,
        db: Database,
        user: str,
        role: Role | None,
        minutes: float,
        throttle: Throttle,
        why: str = "idle",
    ) -> None:
        """`why`: "idle" (no use for `minutes`), "now" (Lock now) or "switch" (Switch user:
        the name field is left empty for the next person)."""
        super().__init__()
        self.setObjectName("lock-screen")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setPalette(QApplication.palette())  # the panel stands out from the cover
        self.setMaximumWidth(480)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(48, 48))
        title = QLabel("<span style='font-size:15pt'><b>ExoDesk is locked</b></span>")
        who = f"{user} ({phrase(role)})" if role is not None else user
        after = (
            f"{minutes:g} minute{'s' if minutes != 1 else ''}"
            if minutes >= 1
            else f"{minutes * 60:.0f} seconds"
        )
        at = dt.datetime.now().strftime("%H:%M")
        self.explanation = QLabel(
            f"Locked at {at} after {after} without use, to keep patients' records private."
            "<br>"
            f"Signed in: <b>{who}</b>. Type your password to go on, or sign in as "
            "someone else with their name and password."
        )
        if why == "now":
            self.explanation.setText(
                f"Locked at {at} by {html.escape(user)}, to keep patients' records private.<br>"
                f"Signed in: <b>{html.escape(who)}</b>. Type your password to go on, or sign "
                "in as someone else with their name and password."
            )
        elif why == "switch":
            title.setText("<span style='font-size:15pt'><b>Switch user</b></span>")
            self.explanation.setText(
                f"<b>{html.escape(who)}</b> stepped away at {at}. The next person signs in "
                f"with their own name and password; {html.escape(user)} can come back the "
                "same way."
            )
        self.explanation.setWordWrap(True)
        self.form = _PasswordForm(
            db,
            name=user,
            button_text="&Unlock",
            throttle=throttle,
            via="lock screen",
            submit_on_return=True,
        )
        if why == "switch":
            self.form.name.clear()
            self.form.button.setText("&Sign in")
        row = QVBoxLayout(self)
        row.setContentsMargins(24, 20, 24, 20)
        row.setSpacing(10)
        head = QFormLayout()
        head.addRow(icon, title)
        row.addLayout(head)
        row.addWidget(self.explanation)
        row.addWidget(self.form)
        buttons = QDialogButtonBox()
        buttons.addButton(self.form.button, QDialogButtonBox.ButtonRole.AcceptRole)
        row.addWidget(buttons)


class _LockDialog(QDialog):
    """Holds the lock screen when a dialog was open (its modality would block the window):
    application-modal, it cannot be closed with Esc or the title bar."""

    def __init__(self, panel: LockScreen, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("ExoDesk — locked")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        layout = QVBoxLayout(self)
        layout.addWidget(panel)
        self.unlocked = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Esc does not close it; Enter is the password field's own (no default button).
        if event.key() not in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.unlocked:
            super().closeEvent(event)
        else:
            event.ignore()

    def reject(self) -> None:
        if self.unlocked:
            super().reject()


class IdleLock(QObject):
    """After `idle_seconds` without a key press, click or mouse move anywhere in ExoDesk
    (setting lock/idle_minutes, default 10; 0 switches the lock off) every window is covered
    and a password is asked. The same user unlocks; another user signing in changes
    ctx.user and ctx.role and announces ctx.bus.user_changed. While no accounts exist
    (ctx.role is None) nothing locks."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        ctx: AppContext,
        window: QWidget,
        *,
        idle_seconds: float | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.throttle = throttle or Throttle()
        if idle_seconds is None:
            idle_seconds = idle_minutes_setting() * 60
        self.idle_seconds = idle_seconds
        self._last_input = time.monotonic()
        self._covers: list[_Cover] = []
        self.screen: LockScreen | None = None
        self._dialog: _LockDialog | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(int(min(max(idle_seconds * 250, 50), 5000)))
        self._timer.timeout.connect(self._check)
        app = QApplication.instance()
        if idle_seconds > 0 and app is not None:
            app.installEventFilter(self)
            self._timer.start()

    @property
    def is_locked(self) -> bool:
        return self.screen is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in INPUT_EVENTS:
            self._last_input = time.monotonic()
        elif kind in SHORTCUT_EVENTS and self.screen is not None:
            return not self._inside_lock_screen(watched)
        elif kind == Ev.Resize and isinstance(watched, QWidget):
            for cover in self._covers:
                if cover.parentWidget() is watched:
                    cover.fit()
        return False

    def _inside_lock_screen(self, watched: QObject) -> bool:
        screen = self.screen
        if screen is None:
            return True
        target = watched.parent() if isinstance(watched, QShortcut) else watched
        if isinstance(target, QAction):
            return False
        return isinstance(target, QWidget) and (target is screen or screen.isAncestorOf(target))

    def _check(self) -> None:
        if self.screen is None and time.monotonic() - self._last_input >= self.idle_seconds:
            self.lock()

    def lock(self, why: str = "idle") -> None:
        """Cover every window now and ask for the password; `why` as LockScreen says
        ("now": Lock now, "switch": Switch user)."""
        if self.screen is not None or self.ctx.role is None:
            return
        app = QApplication.instance()
        if app is not None:  # also when the idle lock is off: shortcuts stay off meanwhile
            app.installEventFilter(self)
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.close()
        modal = QApplication.activeModalWidget()
        others = [
            w
            for w in QApplication.topLevelWidgets()
            if w.isVisible()
            and w is not self.window
            and w.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)
        ]
        self._covers = [_Cover(w) for w in (self.window, *others)]
        self.screen = LockScreen(
            self.ctx.db, self.ctx.user, self.ctx.role, self.idle_seconds / 60, self.throttle, why
        )
        self.screen.form.signed_in.connect(self._signed_in)
        if modal is None:
            self._covers[0].layout_.addWidget(self.screen)
            self.screen.show()
        else:
            self._dialog = _LockDialog(self.screen, self.window)
            self._dialog.open()
        self.screen.form.focus()
        self.locked.emit()

    def _signed_in(self, account: Account) -> None:
        changed = account.name != self.ctx.user
        self.ctx.user, self.ctx.role = account.name, account.role
        QSettings().setValue(LAST_USER_SETTING, account.name)
        if self._dialog is not None:
            self._dialog.unlocked = True
            self._dialog.accept()
            self._dialog.deleteLater()
            self._dialog = None
        for cover in self._covers:
            cover.remove()
        self._covers = []
        if self.screen is not None:
            self.screen.deleteLater()
            self.screen = None
        self._last_input = time.monotonic()
        app = QApplication.instance()
        if self.idle_seconds <= 0 and app is not None:
            app.removeEventFilter(self)  # installed by a Lock now with the idle lock off
        if changed:
            self.ctx.bus.user_changed.emit()
        self.unlocked.emit()

    def stop(self) -> None:
        """No more locking (the window is closing)."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


def idle_minutes_setting() -> float:
    value = QSettings().value(IDLE_SETTING, DEFAULT_IDLE_MINUTES)
    try:
        minutes = float(str(value))
    except ValueError:
        return DEFAULT_IDLE_MINUTES
    return max(minutes, 0.0)
