"""The main window: navigation between the views, menus, toolbar, status bar. After each
change a view reloads if it shows a kind of record that changed (now if visible, else when
next shown); flags are computed once per change, off the UI thread, by one FlagFeed."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from exodesk import __version__
from exodesk.files import write_atomically
from exodesk.models.enums import Severity
from exodesk.models.vocabulary import phrase, rule_title, short_label
from exodesk.services.accounts.users import Permission, needs_text
from exodesk.services.audit.anchors import ANCHOR_EXPORT, record_anchor
from exodesk.services.compliance import rules
from exodesk.services.compliance.flag_list import FlagList
from exodesk.services.errors import ExoDeskError
from exodesk.services.interchange.export import dumps, export_document
from exodesk.services.interchange.importer import Handover, ImportSummary, import_bytes
from exodesk.services.queries import clinic_summary
from exodesk.ui.accounts.sign_in import IdleLock
from exodesk.ui.admin.admin_dialog import AdministrationDialog
from exodesk.ui.audit.audit_view import AuditView
from exodesk.ui.catalogue.documents_view import DocumentsView
from exodesk.ui.catalogue.products_view import ProductsView
from exodesk.ui.common import severity
from exodesk.ui.common.elided_label import ElidedLabel
from exodesk.ui.common.file_dialogs import ask_open_file, ask_save_file
from exodesk.ui.common.icons import Icon, icon
from exodesk.ui.common.jobs import wait_for_background_jobs
from exodesk.ui.common.printing import html_table, print_with_dialog, report_html
from exodesk.ui.compliance.dashboard_view import DashboardView
from exodesk.ui.compliance.flag_feed import FlagFeed
from exodesk.ui.compliance.flags_view import FlagsView
from exodesk.ui.counts.counts_view import CountsView
from exodesk.ui.sheets.import_dialog import SheetImportDialog
from exodesk.ui.shell.actions import SPECS, ActionId, make_action
from exodesk.ui.shell.changes import FLAG_INPUTS, Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_slow_write
from exodesk.ui.stock.receive_dialog import ReceiveDialog
from exodesk.ui.stock.record_cards import open_record_card
from exodesk.ui.stock.stock_view import StockView
from exodesk.ui.treatments.closing_vials import UNATTENDED, ClosingVials
from exodesk.ui.treatments.recall_view import RecallView
from exodesk.ui.treatments.reconstitute_dialog import ReconstituteDialog
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog
from exodesk.ui.treatments.treatments_view import TreatmentsView


class View(Protocol):
    shows: Changes  # the kinds of record it shows: it reloads when one of them changed

    def reload(self) -> None: ...
    def focus_search(self) -> None: ...
    def select(self, key: Any) -> None: ...


NAVIGATION = (
    ("Dashboard", Icon.DASHBOARD),
    ("Stock", Icon.STOCK),
    ("Products", Icon.PRODUCTS),
    ("Documents", Icon.DOCUMENTS),
    ("Treatments", Icon.TREATMENTS),
    ("Flags", Icon.FLAGS),
    ("Recall", Icon.RECALL),
    ("Counts", Icon.COUNTS),
    ("Audit", Icon.AUDIT),
)
# What each role may use: window actions, and the views' buttons that write (hidden, since
# the views enable them by selection). The services refuse the rest anyway.
ACTION_NEEDS = {
    ActionId.IMPORT: Permission.IMPORT,
    ActionId.IMPORT_SHEET: Permission.IMPORT,
    ActionId.RECEIVE: Permission.RECEIVE_STOCK,
    ActionId.RECORD_TREATMENT: Permission.RECORD_TREATMENT,
    ActionId.RECONSTITUTE: Permission.OPEN_VIAL,
}
ADMIN_NEEDS = {
    ActionId.ACCOUNTS: Permission.MANAGE_USERS,
    ActionId.CLINIC_SETTINGS: Permission.EDIT_SETTINGS,
    ActionId.BACKUPS: Permission.RESTORE,
    ActionId.NOTIFIED_BODIES: Permission.EDIT_REGISTER,
}
ADMIN_TAB_NEEDS = {
    "Accounts": Permission.MANAGE_USERS,
    "Clinic": Permission.EDIT_SETTINGS,
    "Backups": Permission.RESTORE,
    "Notified bodies": Permission.EDIT_REGISTER,
}
ADMIN_ITEMS = (
    ActionId.ACCOUNTS,
    ActionId.CLINIC_SETTINGS,
    ActionId.NOTIFIED_BODIES,
    ActionId.BACKUPS,
    None,
    ActionId.LOCK,
    ActionId.SWITCH_USER,
)
BUTTON_NEEDS = (
    ("products", "new_button", Permission.EDIT_CATALOGUE),
    ("documents", "register_button", Permission.EDIT_CATALOGUE),
    ("documents", "attach_button", Permission.EDIT_CATALOGUE),
    ("documents", "status_button", Permission.EDIT_CATALOGUE),
    ("stock", "status_button", Permission.ADJUST_STOCK),
    ("stock", "waste_button", Permission.ADJUST_STOCK),
    ("stock", "move_button", Permission.ADJUST_STOCK),
    ("treatments", "new_button", Permission.RECORD_TREATMENT),
    ("treatments", "reconstitute_button", Permission.OPEN_VIAL),
    ("counts_view", "start_button", Permission.COUNT_STOCK),
    ("counts_view", "count_button", Permission.COUNT_STOCK),
    ("counts_view", "enter_button", Permission.COUNT_STOCK),
    ("counts_view", "close_button", Permission.CLOSE_COUNT),
)
NEW_NEEDS = {
    "Products": Permission.EDIT_CATALOGUE,
    "Documents": Permission.EDIT_CATALOGUE,
    "Stock": Permission.RECEIVE_STOCK,
}
TITLE_BAR_ALLOWANCE = 32  # pixels kept for the title bar before the window manager frames it
OPENS_IN = {
    "product": "Products",
    "lot": "Stock",
    "treatment": "Treatments",
    "document": "Documents",
    "rule": "Flags",
    "flags": "Flags",  # a Severity or a FlagQuery: the Flags view filtered
    "location": "Stock",
    "stock": "Stock",  # a StockQuery: the Stock view filtered
    "count": "Counts",
}


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.flags: list[rules.Flag] = []
        self.flag_feed = FlagFeed(ctx, self)
        self._stale: set[str] = set()
        self.clinic_name = ""  # the window's title names it
        self.idle_lock: IdleLock | None = None  # set by app.py: Lock now and Switch user use it
        self.admin_dialog: AdministrationDialog | None = None
        self.sheet_dialog: SheetImportDialog | None = None  # File › Import from spreadsheet…

        self.dashboard = DashboardView(ctx, self.flag_feed)
        self.stock = StockView(ctx)
        self.products = ProductsView(ctx)
        self.documents = DocumentsView(ctx)
        self.treatments = TreatmentsView(ctx)
        self.flag_view = FlagsView(ctx)
        self.recall = RecallView(ctx)
        self.counts_view = CountsView(ctx)
        self.audit = AuditView(ctx)
        self.views: dict[str, QWidget] = {
            "Dashboard": self.dashboard,
            "Stock": self.stock,
            "Products": self.products,
            "Documents": self.documents,
            "Treatments": self.treatments,
            "Flags": self.flag_view,
            "Recall": self.recall,
            "Counts": self.counts_view,
            "Audit": self.audit,
        }

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(170)
        self.stack = QStackedWidget()
        for name, view_icon in NAVIGATION:
            self.nav.addItem(QListWidgetItem(icon(view_icon), name))
            self.stack.addWidget(self.views[name])
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_status_bar()
        self.nav.currentRowChanged.connect(self._show_view)
        ctx.bus.changed.connect(self.changed)
        ctx.bus.busy.connect(self._show_busy)
        self.flag_feed.ready.connect(self._flags_ready)
        self.flag_feed.failed.connect(self._flags_failed)
        ctx.bus.open_requested.connect(self.open_record)
        ctx.bus.user_changed.connect(self.apply_role)
        for view in (
            self.stock,
            self.counts_view,
            self.audit,
            self.recall,
            self.treatments,
            self.flag_view,
        ):
            view.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))

        self._restore_settings()
        self.apply_role()
        self.refresh()

    # -- building --------------------------------------------------------------------------

    def _build_actions(self) -> None:
        a = {i: make_action(i, self) for i in ActionId}
        self.actions_by_id = a
        a[ActionId.IMPORT].triggered.connect(self.import_file)
        a[ActionId.IMPORT_SHEET].triggered.connect(self.import_sheet)
        a[ActionId.EXPORT].triggered.connect(self.export_file)
        a[ActionId.PRINT].triggered.connect(self.print_current)
        a[ActionId.QUIT].triggered.connect(self.close)
        a[ActionId.NEW].triggered.connect(self.new_record)
        a[ActionId.RECEIVE].triggered.connect(self.receive_delivery)
        a[ActionId.RECORD_TREATMENT].triggered.connect(self.record_treatment)
        a[ActionId.RECONSTITUTE].triggered.connect(self.reconstitute_vial)
        a[ActionId.FIND].triggered.connect(self.find_in_view)
        a[ActionId.REFRESH].triggered.connect(self.refresh)
        a[ActionId.ABOUT].triggered.connect(self.about)
        a[ActionId.ACCOUNTS].triggered.connect(lambda: self.administration("Accounts"))
        a[ActionId.CLINIC_SETTINGS].triggered.connect(lambda: self.administration("Clinic"))
        a[ActionId.BACKUPS].triggered.connect(lambda: self.administration("Backups"))
        a[ActionId.NOTIFIED_BODIES].triggered.connect(
            lambda: self.administration("Notified bodies")
        )
        a[ActionId.LOCK].triggered.connect(lambda: self.lock_now("now"))
        a[ActionId.SWITCH_USER].triggered.connect(lambda: self.lock_now("switch"))

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for i in (
            ActionId.IMPORT,
            ActionId.IMPORT_SHEET,
            ActionId.EXPORT,
            None,
            ActionId.PRINT,
            None,
            ActionId.QUIT,
        ):
            file_menu.addSeparator() if i is None else file_menu.addAction(a[i])
        records = menu.addMenu("&Records")
        for i in (ActionId.NEW, ActionId.RECEIVE, ActionId.RECORD_TREATMENT, ActionId.RECONSTITUTE):
            records.addAction(a[i])
        view_menu = menu.addMenu("&View")
        view_menu.addAction(a[ActionId.FIND])
        view_menu.addAction(a[ActionId.REFRESH])
        view_menu.addSeparator()
        for number, (name, view_icon) in enumerate(NAVIGATION, start=1):
            action = view_menu.addAction(icon(view_icon), name)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _=False, n=name: self.show_view(n))
        self.admin_menu = menu.addMenu("&Administration")
        self.admin_menu.setToolTipsVisible(True)  # a disabled item says why
        for i in ADMIN_ITEMS:
            self.admin_menu.addSeparator() if i is None else self.admin_menu.addAction(a[i])
        menu.addMenu("&Help").addAction(a[ActionId.ABOUT])

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for i in (
            ActionId.RECEIVE,
            ActionId.RECORD_TREATMENT,
            ActionId.NEW,
            None,
            ActionId.FIND,
            ActionId.REFRESH,
            ActionId.PRINT,
        ):
            toolbar.addSeparator() if i is None else toolbar.addAction(a[i])
        self.addToolBar(toolbar)
        QShortcut(QKeySequence("Ctrl+L"), self).activated.connect(self.nav.setFocus)

    def _build_status_bar(self) -> None:
        # Labels that give way (elided, whole text in the tooltip): a long path or clinic name
        # never widens the window beyond a small screen
        self.database_label = ElidedLabel(f"Database: {self.ctx.db.display_name}")
        self.clinic_label = ElidedLabel()
        self.counts = QLabel()
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        self.user_label = QLabel()  # short, and who is signed in must always show whole
        bar = self.statusBar()
        bar.addWidget(self.database_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.clinic_label)
        bar.addPermanentWidget(self.counts)

    def apply_role(self) -> None:
        """Show who is signed in; offer only what their role may do."""
        ctx = self.ctx
        role = "" if ctx.role is None else f" ({phrase(ctx.role)})"
        self.user_label.setText(f"Signed in: {ctx.user}{role}" if ctx.role else f"User: {ctx.user}")
        for action_id, permission in ACTION_NEEDS.items():
            self.actions_by_id[action_id].setEnabled(ctx.may(permission))
        self.actions_by_id[ActionId.NEW].setEnabled(
            any(ctx.may(p) for p in (*NEW_NEEDS.values(), Permission.RECORD_TREATMENT))
        )
        for view_name, button_name, permission in BUTTON_NEEDS:
            button = getattr(getattr(self, view_name, None), button_name, None)
            if isinstance(button, QWidget):
                button.setVisible(ctx.may(permission))
        self.products.editor.setEnabled(ctx.may(Permission.EDIT_CATALOGUE))
        self._apply_admin_role()

    # -- views -----------------------------------------------------------------------------

    def current_name(self) -> str:
        row = self.nav.currentRow()
        return NAVIGATION[row][0] if row >= 0 else "Dashboard"

    def current_view(self) -> View:
        view = self.views[self.current_name()]
        return view  # type: ignore[return-value]

    def _row_of(self, name: str) -> int:
        return [n for n, _ in NAVIGATION].index(name)

    def show_view(self, name: str) -> None:
        self.nav.setCurrentRow(self._row_of(name))

    def _show_view(self, row: int) -> None:
        name = NAVIGATION[row][0]
        self.stack.setCurrentIndex(row)
        self._update_title()
        if name in self._stale:
            self._stale.discard(name)
            self._reload(name)

    def _reload(self, name: str) -> None:
        view: View = self.views[name]  # type: ignore[assignment]
        view.reload()

    def refresh(self) -> None:
        """Reload everything (F5): changes made elsewhere, e.g. by the command line."""
        self.changed(Changes.ALL)

    def changed(self, changes: Changes) -> None:
        """Flags first (the Dashboard waits for them), then each view showing a kind that
        changed: the visible one now, the others when next shown."""
        if changes & Changes.SETTINGS:
            self._show_clinic()
        if changes & FLAG_INPUTS:
            self.counts.setText("checking…")
            self.flag_feed.recompute()
        current = self.current_name()
        for name, view in self.views.items():
            if changes & getattr(view, "shows", Changes.ALL):
                self._stale.add(name)
        if current in self._stale:
            self._stale.discard(current)
            self._reload(current)

    def _show_clinic(self) -> None:
        with self.ctx.db.read() as session:
            clinic = clinic_summary(session)
        self.clinic_label.setText(f"{clinic[0]} ({clinic[1]})" if clinic else "no clinic set")
        self.clinic_name = clinic[0] if clinic else ""
        self._update_title()

    def _update_title(self) -> None:
        """'Stock — ExoDesk — Harley Street Aesthetics': the view, and the clinic."""
        clinic = self.clinic_name or "no clinic set"
        self.setWindowTitle(f"{self.current_name()} — ExoDesk — {clinic}")

    # -- administration --------------------------------------------------------------------

    def _apply_admin_role(self) -> None:
        """Admins get the Administration items; others see them off, saying why."""
        for action_id, permission in ADMIN_NEEDS.items():
            action = self.actions_by_id[action_id]
            action.setEnabled(self.ctx.may(permission))
            spec_tip = SPECS[action_id].tip
            why = needs_text(permission)
            action.setToolTip(spec_tip if action.isEnabled() else f"{why[0].upper()}{why[1:]}")
        can_lock = self.ctx.role is not None
        for action_id in (ActionId.LOCK, ActionId.SWITCH_USER):
            action = self.actions_by_id[action_id]
            action.setEnabled(can_lock)
            action.setToolTip(
                SPECS[action_id].tip
                if can_lock
                else "This database has no accounts yet: add one under Accounts first"
            )

    def administration(self, tab: str) -> None:
        """The Administration window at `tab` (Accounts, Clinic or Backups)."""
        needed = ADMIN_TAB_NEEDS[tab]
        if not self.ctx.may(needed):
            self.statusBar().showMessage(
                f"{self.ctx.user} may not do this: {needs_text(needed)}.", 8000
            )
            return
        dialog = AdministrationDialog(self.ctx, self, tab)
        self.admin_dialog = dialog
        try:
            dialog.exec()
        finally:
            self.admin_dialog = None
            dialog.deleteLater()

    def lock_now(self, why: str = "now") -> None:
        """Lock now ("now"), or let someone else sign in ("switch"): the lock screen."""
        if self.idle_lock is None:
            self.idle_lock = IdleLock(self.ctx, self, idle_seconds=0)
        self.idle_lock.lock(why)

    def _show_busy(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()

    def _flags_failed(self, message: str) -> None:
        self.counts.setText("flags unavailable")
        self.statusBar().showMessage(f"Could not check the rules: {message}")

    def _flags_ready(self, result: list[rules.Flag]) -> None:
        self.flags = result
        listed = self.flag_feed.listed or FlagList(result)
        self.flag_view.set_flags(listed)
        counts = listed.open_counts  # overridden flags are listed, not counted
        parts = [
            f"<span style='background:{severity.BACKGROUND[s].name()}; color:#1a1a1a'>"
            f"&nbsp;{counts[s]} {short_label(s)}&nbsp;</span>"
            for s in (Severity.BLOCK, Severity.WARN)
        ]
        self.counts.setText(" ".join(parts))
        self.counts.setToolTip(", ".join(f"{counts[s]} {phrase(s)}" for s in Severity) + " flag(s)")
        self.nav.item(self._row_of("Flags")).setText(f"Flags ({len(self.flags)})")

    def open_record(self, kind: str, key: object) -> None:
        """A lot or a treatment opens its card; anything else is shown in its view."""
        if open_record_card(self.ctx, kind, key, self) is not None:
            return
        name = OPENS_IN.get(kind)
        if name is None:
            return
        self.show_view(name)
        if kind == "location":
            self.stock.show_location(str(key))
        else:
            self.current_view().select(key)

    # -- actions ---------------------------------------------------------------------------

    def find_in_view(self) -> None:
        self.current_view().focus_search()

    def new_record(self) -> None:
        name = self.current_name()
        needed = NEW_NEEDS.get(name, Permission.RECORD_TREATMENT)
        if not self.ctx.may(needed):
            self.statusBar().showMessage(
                f"{self.ctx.user} may not do this: {needs_text(needed)}.", 8000
            )
            return
        if name == "Products":
            self.products.new_product()
        elif name == "Documents":
            self.documents.new_document()
        elif name == "Stock":
            self.receive_delivery()
        else:
            self.record_treatment()

    def receive_delivery(self) -> None:
        ReceiveDialog(self.ctx, self).exec()

    def record_treatment(self) -> None:
        product = self.products.current_product() if self.current_name() == "Products" else None
        dialog = TreatmentDialog(self.ctx, self, product=product)
        if dialog.exec() and dialog.recorded is not None:
            self.show_view("Treatments")
            self.treatments.select(dialog.recorded.ref)
            self.statusBar().showMessage(f"Treatment {dialog.recorded.ref} recorded.", 10000)

    def reconstitute_vial(self) -> None:
        product = self.products.current_product() if self.current_name() == "Products" else None
        dialog = ReconstituteDialog(self.ctx, self, product=product)
        if dialog.exec() and dialog.opened is not None:
            self.statusBar().showMessage(f"Vial {dialog.opened.ref} reconstituted.", 10000)

    def import_file(self) -> None:
        chosen = ask_open_file(
            self, "Import an ExoDesk file", "ExoDesk files (*.json);;All files (*)"
        )
        if chosen is not None:
            self.import_path(chosen)

    def import_sheet(self) -> SheetImportDialog | None:
        """File › Import from spreadsheet…: the import dialog, not modal (the window stays
        usable while a sheet is read and checked)."""
        if not self.ctx.may(Permission.IMPORT):
            self.statusBar().showMessage(
                f"{self.ctx.user} may not do this: {needs_text(Permission.IMPORT)}.", 8000
            )
            return None
        dialog = self.sheet_dialog
        if dialog is not None and (dialog.isVisible() or dialog.busy):
            dialog.show()  # one at a time: the one open (or still importing) comes forward
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        if dialog is not None:
            dialog.deleteLater()
        self.sheet_dialog = SheetImportDialog(self.ctx, self)
        self.sheet_dialog.show()
        return self.sheet_dialog

    def import_path(self, path: Path) -> None:
        """Import `path` on a worker thread; the window stays live and says so meanwhile."""
        try:
            raw = Handover(path.read_bytes())  # the import holds the file's only copy
        except OSError as exc:
            QMessageBox.warning(self, "Import", f"Cannot read {path}: {exc.strerror}")
            return
        user = self.ctx.user

        def imported(summary: ImportSummary) -> None:
            self.statusBar().showMessage(
                f"Imported {path.name}: {summary.total_added} new record(s).", 10000
            )

        run_slow_write(
            self.ctx,
            lambda session: import_bytes(session, raw, user=user, source=path.name),
            Changes.ALL & ~Changes.ACCOUNTS,
            on_success=imported,
            on_failure=lambda refused: self._import_refused(path, refused),
            busy=[self.actions_by_id[ActionId.IMPORT]],
            busy_text=f"Importing {path.name}…",
        )

    def _import_refused(self, path: Path, refused: ExoDeskError) -> None:
        problems = refused.problems
        shown = "".join(f"<li>{html.escape(str(p))}</li>" for p in problems[:30])
        more = f"<p>… and {len(problems) - 30} more.</p>" if len(problems) > 30 else ""
        QMessageBox.warning(
            self,
            "Import refused",
            f"<p><b>{html.escape(path.name)}</b> was not imported: nothing was "
            f"written.</p><ul>{shown}</ul>{more}",
        )

    def export_file(self) -> None:
        chosen = ask_save_file(
            self, "Export the database", "exodesk-export.json", "ExoDesk files (*.json)"
        )
        if chosen is None:
            return
        name = str(chosen)
        with self.ctx.db.read() as session:
            text = dumps(export_document(session))
        try:
            write_atomically(Path(name), text)
        except OSError as exc:
            QMessageBox.warning(self, "Export", f"Cannot write {name}: {exc.strerror}")
            return
        with self.ctx.db.read() as session:
            warning = record_anchor(session, ANCHOR_EXPORT, where=name)
        self.statusBar().showMessage(
            f"Exported to {name}." + (f" {warning}" if warning else ""), 10000
        )

    def print_current(self) -> None:
        name = self.current_name()
        if name == "Recall":
            self.recall.print_report()
        elif name == "Flags":
            print_with_dialog(self.flags_report(), self, landscape=True)
        elif name == "Audit":
            print_with_dialog(self.audit.report(), self, landscape=True)
        elif name == "Counts":
            self.counts_view.print_sheet()
        elif name == "Stock":
            self.stock.print_list()
        else:
            self.statusBar().showMessage(
                "Printing is available from the Stock, Flags, Recall, Counts and Audit views.",
                8000,
            )

    def flags_report(self) -> str:
        rows = self.flag_view.listed.flags  # every flag, whatever the view's filters
        return report_html(
            "Compliance flags",
            [
                f"{self.clinic_label.text()} — as of {self.ctx.today().isoformat()}",
                f"{len(rows)} flag(s)",
            ],
            html_table(
                ["Severity", "Rule", "Product", "Lot", "Treatment", "What to do"],
                [
                    [
                        short_label(f.severity),
                        rule_title(f.rule),
                        f.product,
                        f.lot or "",
                        f.treatment or "",
                        f.message,
                    ]
                    for f in rows
                ],
            ),
        )

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About ExoDesk",
            f"<p><b>ExoDesk {__version__}</b></p><p>Exosome products, lots, treatments and "
            f"compliance.</p><p>Database: {html.escape(self.ctx.db.display_name)}</p>",
        )

    # -- settings --------------------------------------------------------------------------

    def _settings(self) -> QSettings:
        return QSettings()

    def _restore_settings(self) -> None:
        settings = self._settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        self.fit_to_screen()
        state = settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        last = settings.value("window/view", "Dashboard")
        self.show_view(last if last in self.views else "Dashboard")

    def fit_to_screen(self) -> None:
        """Keep the whole window, status bar included, on the screen's available area (a
        geometry saved on a larger screen, or the first start's size on a small one)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        available = screen.availableGeometry()
        frame, inner = self.frameGeometry(), self.geometry()
        # the window manager's frame; before the first show, room for a title bar
        extra_w = max(frame.width() - inner.width(), 0)
        extra_h = max(frame.height() - inner.height(), 0) or TITLE_BAR_ALLOWANCE
        width = max(min(inner.width(), available.width() - extra_w), self.minimumWidth())
        height = max(min(inner.height(), available.height() - extra_h), self.minimumHeight())
        self.resize(width, height)
        x = min(max(frame.x(), available.left()), available.right() + 1 - width - extra_w)
        y = min(max(frame.y(), available.top()), available.bottom() + 1 - height - extra_h)
        self.move(max(x, available.left()), max(y, available.top()))

    def closeEvent(self, event: QCloseEvent) -> None:
        unattended = bool(self.property(UNATTENDED))
        if not unattended and not ClosingVials(self.ctx, self).may_close():  # asked first
            event.ignore()
            return
        settings = self._settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/view", self.current_name())
        wait_for_background_jobs()
        super().closeEvent(event)
