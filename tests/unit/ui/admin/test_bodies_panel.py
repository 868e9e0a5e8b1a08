"""The register of notified bodies in Administration, on the demo clinic signed in as the
admin "tester": the shipped rows and the clinic's, dated and searchable; a row added or
corrected (and what it does to a certificate's flag), a clinic's row removed, a CSV imported;
refusals beside their fields; the tab is an admin's only."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models.enums import DocumentKind, Role
from exodesk.services.accounts import users
from exodesk.services.audit.log import AuditFilter, list_events
from exodesk.services.catalogue.documents import DocumentDraft, register_document
from exodesk.services.compliance.rules import check
from exodesk.services.register.bodies import register_bodies
from exodesk.services.register.shipped import shipped_register
from exodesk.ui.admin.admin_dialog import TABS, AdministrationDialog
from exodesk.ui.admin.backups_panel import settle_background_jobs
from exodesk.ui.admin.bodies_panel import CLINIC_ROW, SHIPPED_ROW, BodiesPanel, BodyTableModel
from exodesk.ui.common.error_line import ERROR_STYLE

PASSWORD = "correct horse"
TODAY = dt.date(2026, 11, 22)
CELVIA = "Celvia MSC-Exo Lyo 50"
SHOT = (1024, 768)
COL = BodyTableModel


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    yield
    settle_background_jobs()  # nothing of this test's still runs on a worker thread
    gc.collect()  # its Qt objects are collected here, on the GUI thread, not in a worker


@pytest.fixture
def admin(ctx: Any) -> Iterator[Any]:
    """Signed in as the admin "tester"; "Sam" manages stock. A certificate for Celvia names
    notified body 9876, which no register knows."""
    with ctx.db.write() as session:
        users.create_user(session, "tester", Role.ADMIN, PASSWORD, by=None)
        users.create_user(session, "Sam", Role.STOCK_MANAGER, "sam's secret", by="tester")
        draft = DocumentDraft(
            DocumentKind.CE_CERTIFICATE,
            "CE 9876-MDR-0001",
            issuer="Vitalis Certification, notified body 9876",
            issued=dt.date(2025, 1, 10),
            expires=dt.date(2029, 1, 9),
            products=(CELVIA,),
        )
        register_document(session, draft, user="tester", store=ctx.document_store, today=TODAY)
    ctx.role = Role.ADMIN
    yield ctx


@pytest.fixture
def panel(qtbot: QtBot, admin: Any) -> BodiesPanel:
    widget = BodiesPanel(admin)
    qtbot.addWidget(widget)
    widget.resize(*SHOT)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _flagged(ctx: Any, number: str) -> bool:
    """Whether a certificate_body_unknown flag names notified body `number`."""
    with ctx.db.read() as session:
        return any(
            f.rule == "certificate_body_unknown" and f"notified body {number}" in f.message
            for f in check(session, TODAY)
        )


def _cell(panel: BodiesPanel, number: str, column: int) -> str:
    for row in range(panel.proxy.rowCount()):
        if panel.proxy.index(row, COL.COL_NUMBER).data() == number:
            return str(panel.proxy.index(row, column).data())
    raise AssertionError(f"{number} not shown")


def test_the_register_is_shown_whole_dated_and_searchable(
    panel: BodiesPanel, admin: Any, tmp_path: Path
) -> None:
    register = shipped_register()
    with admin.db.read() as session:
        bodies = register_bodies(session)
    assert panel.model.rowCount() == len(bodies) >= len(register.bodies)
    assert register.as_of.isoformat() in panel.about.text()
    assert register.source[:40] in panel.about.text()
    assert register.check_at in panel.about.text()
    assert _cell(panel, "0123", COL.COL_NAME) == "TÜV SÜD Product Service GmbH"
    assert _cell(panel, "0123", COL.COL_ROW) == SHIPPED_ROW
    assert _cell(panel, "0086", COL.COL_UK) == "yes"
    own = [n for n, b in bodies.items() if b.clinic]
    assert all(_cell(panel, n, COL.COL_ROW) == CLINIC_ROW for n in own)
    assert panel.counts.text() == (
        f"{len(bodies)} of {len(bodies)} bodies shown · {len(own)} of them the clinic's rows"
    )
    save_shot(panel, "bodies_panel", tmp_path)
    panel.search.setText("tüv")
    assert 0 < panel.proxy.rowCount() < len(bodies)
    assert all(
        "TÜV" in panel.proxy.index(r, COL.COL_NAME).data() for r in range(panel.proxy.rowCount())
    )
    panel.search.setText("0123")
    assert panel.proxy.rowCount() == 1
    assert panel.select("0123") and not panel.remove_button.isEnabled()  # a shipped row
    assert panel.correct_button.isEnabled()


def test_a_body_added_in_the_panel_clears_the_certificates_flag(
    panel: BodiesPanel, admin: Any, qtbot: QtBot, tmp_path: Path
) -> None:
    assert _flagged(admin, "9876")
    dialog = panel.add()
    qtbot.keyClicks(dialog.number, "9876")
    qtbot.keyClicks(dialog.name, "Vitalis Certification")
    qtbot.keyClicks(dialog.country, "de")
    dialog.mdr.setChecked(False)  # known, but designated nowhere: still not in the register
    dialog.resize(*SHOT)
    save_shot(dialog, "body_dialog", tmp_path)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert _cell(panel, "9876", COL.COL_ROW) == CLINIC_ROW
    assert _cell(panel, "9876", COL.COL_COUNTRY) == "DE"
    assert _flagged(admin, "9876")
    assert panel.current() is not None and panel.current().number == "9876"  # type: ignore[union-attr]

    correct = panel.correct()
    assert correct is not None and correct.number.isReadOnly()
    correct.mdr.setChecked(True)
    qtbot.mouseClick(correct.ok_button, Qt.MouseButton.LeftButton)
    assert correct.result() == correct.DialogCode.Accepted
    assert _cell(panel, "9876", COL.COL_MDR) == "yes"
    assert not _flagged(admin, "9876")
    with admin.db.read() as session:
        events = list_events(session, AuditFilter(record="body", key_contains="9876"), limit=20)
    assert {e.reason for e in events} == {"added in the window", "corrected in the window"}
    assert [(e.field, e.old, e.new) for e in events if e.reason == "corrected in the window"] == [
        ("mdr", "false", "true")
    ]
    assert all(e.user == "tester" for e in events)


def test_bad_rows_are_refused_beside_their_fields(
    panel: BodiesPanel, admin: Any, qtbot: QtBot
) -> None:
    before = panel.model.rowCount()
    dialog = panel.add()
    qtbot.keyClicks(dialog.number, "98x6")
    qtbot.keyClicks(dialog.country, "D1")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != dialog.DialogCode.Accepted
    text = dialog.error.text()
    assert 'number: "98x6" is not a notified body number of exactly four digits' in text
    assert "name:" in text and "country:" in text
    for field in ("number", "name", "country"):
        assert dialog.labels[field].styleSheet() == ERROR_STYLE, field
    assert panel.model.rowCount() == before


def test_removing_the_clinics_row_lets_the_shipped_one_stand(
    panel: BodiesPanel, admin: Any, qtbot: QtBot
) -> None:
    assert panel.select("0123")
    correct = panel.correct()
    assert correct is not None
    correct.name.setText("TÜV SÜD (our spelling)")
    correct.mdr.setChecked(False)
    qtbot.mouseClick(correct.ok_button, Qt.MouseButton.LeftButton)
    assert _cell(panel, "0123", COL.COL_ROW) == CLINIC_ROW
    assert panel.remove_button.isEnabled()
    asked: list[str] = []
    panel.confirm = lambda title, text: bool(asked.append(text))  # answers No
    assert not panel.remove()
    assert _cell(panel, "0123", COL.COL_NAME) == "TÜV SÜD (our spelling)"
    assert asked == [
        "Remove the clinic's row for notified body 0123 (TÜV SÜD (our spelling))? ExoDesk's "
        "own row stands again: TÜV SÜD Product Service GmbH, designated under the MDR."
    ]
    panel.confirm = lambda title, text: True
    assert panel.remove()
    assert _cell(panel, "0123", COL.COL_ROW) == SHIPPED_ROW
    assert _cell(panel, "0123", COL.COL_NAME) == "TÜV SÜD Product Service GmbH"
    assert "ExoDesk's own row stands again" in panel.done.text()
    with admin.db.read() as session:
        assert not register_bodies(session)["0123"].clinic


def test_a_csv_is_imported_whole_or_not_at_all(
    panel: BodiesPanel, admin: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("number,name,country,mdr,uk_approved\n9876,Vitalis,DE,perhaps,no\n", "utf-8")
    assert not panel.import_csv(bad)
    assert "row 2" in panel.error.text() and "perhaps" in panel.error.text()
    assert _flagged(admin, "9876")
    good = tmp_path / "bodies.csv"
    good.write_text(
        "number,name,country,mdr,uk_approved\n9876,Vitalis Certification,DE,yes,no\n"
        "123,TÜV SÜD Product Service GmbH,DE,yes,yes\n",
        "utf-8",
    )
    assert panel.import_csv(good)
    assert panel.done.text() == "Imported bodies.csv: 2 added, 0 updated."
    assert panel.error.isHidden()
    assert _cell(panel, "0123", COL.COL_UK) == "yes"
    assert not _flagged(admin, "9876")
    assert not panel.import_csv(tmp_path / "missing.csv")
    assert "cannot read" in panel.error.text()


def test_the_tab_is_an_admins_and_the_services_refuse_others(qtbot: QtBot, admin: Any) -> None:
    dialog = AdministrationDialog(admin, tab="Notified bodies")
    qtbot.addWidget(dialog)
    index = TABS.index("Notified bodies")
    assert dialog.tabs.tabText(index) == "Notified bodies"
    assert dialog.tabs.currentWidget() is dialog.bodies
    assert dialog.tabs.isTabEnabled(index)
    admin.user, admin.role = "Sam", Role.STOCK_MANAGER  # signs in at the lock screen
    admin.bus.user_changed.emit()
    assert not dialog.tabs.isTabEnabled(index)
    panel = dialog.bodies
    add = panel.add()
    add.number.setText("9876")
    add.name.setText("Vitalis Certification")
    add.ok_button.click()
    assert add.result() != add.DialogCode.Accepted
    assert add.error.text() == (
        "Error: Sam is a stock manager; changing the register of notified bodies needs the "
        "admin role"
    )
    assert _flagged(admin, "9876")
