"""The first main window: stock on hand and compliance flags, reloaded on F5."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableView,
    QTabWidget,
)

from exodesk.db import Database
from exodesk.models.enums import Severity
from exodesk.services import rules
from exodesk.services.stock import stock_on_hand

from .table_models import SORT_ROLE, FlagTableModel, StockTableModel


def _table(model: QAbstractTableModel) -> QTableView:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return view


class MainWindow(QMainWindow):
    def __init__(self, db: Database, today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__()
        self.db = db
        self.today = today
        self.setWindowTitle(f"ExoDesk — {db.display_name}")
        self.stock_model = StockTableModel()
        self.flag_model = FlagTableModel()
        self.stock_view = _table(self.stock_model)
        self.flag_view = _table(self.flag_model)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.stock_view, "Stock")
        self.tabs.addTab(self.flag_view, "Flags")
        self.setCentralWidget(self.tabs)
        self.counts = QLabel()
        self.statusBar().addPermanentWidget(self.counts)
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence(Qt.Key.Key_F5))
        refresh.setStatusTip("Reload stock and flags from the database")
        refresh.triggered.connect(self.reload)
        self.addAction(refresh)
        self.menuBar().addMenu("&View").addAction(refresh)
        self.resize(1280, 800)
        self.reload()

    def reload(self) -> None:
        today = self.today()
        with self.db.read() as session:
            stock = stock_on_hand(session)
            flags = rules.check(session, today)
        self.stock_model.set_rows(stock)
        self.flag_model.set_rows(flags)
        counts = {s: sum(1 for f in flags if f.severity is s) for s in Severity}
        self.counts.setText(
            f"{counts[Severity.BLOCK]} block · {counts[Severity.WARN]} warn · "
            f"{counts[Severity.INFO]} info"
        )
        self.tabs.setTabText(1, f"Flags ({len(flags)})")
        self.statusBar().showMessage(f"{len(stock)} lots in stock as of {today}", 5000)
