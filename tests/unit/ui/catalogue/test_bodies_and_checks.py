"""The notified body of a certificate in the window, on the demo clinic: entered in the
document dialog and named live from the register, shown in the Documents view, and "Record a
check…" writing verified_on / verified_by and the place and note to the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models.enums import CheckedAt, DocumentKind, DocumentStatus
from exodesk.models.vocabulary import label
from exodesk.services.audit.log import AuditFilter, list_events
from exodesk.services.catalogue.documents import (
    DocumentDraft,
    get_document,
    register_document,
    update_document_status,
)
from exodesk.services.compliance.rules import check
from exodesk.services.register.shipped import shipped_register
from exodesk.ui.catalogue.document_dialog import DocumentDialog, StatusDialog
from exodesk.ui.catalogue.documents_view import DocumentsView
from exodesk.ui.catalogue.record_check_dialog import RecordCheckDialog
from exodesk.ui.common.error_line import ERROR_STYLE

TODAY = dt.date(2026, 11, 22)
CELVIA = "Celvia MSC-Exo Lyo 50"
FORGED = ("ce_certificate", "CE 9876-MDR-0001")  # names a body no register knows
REAL = ("ce_certificate", "CE 0123-MDR-0002")  # names one ExoDesk ships
SHOT = (1024, 768)
# A context menu popped up offscreen: the platform cannot raise it or grab the keyboard.
MENU_OFFSCREEN = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")


@pytest.fixture
def view(qtbot: QtBot, ctx: Any) -> DocumentsView:
    with ctx.db.write() as session:
        draft = DocumentDraft(
            DocumentKind.CE_CERTIFICATE,
            FORGED[1],
            issuer="Vitalis Certification, notified body 9876",
            issued=dt.date(2025, 1, 10),
            expires=dt.date(2029, 1, 9),
            products=(CELVIA,),
        )
        register_document(session, draft, user="tester", store=ctx.document_store, today=TODAY)
        real = replace(draft, number=REAL[1], issuer="TÜV SÜD Product Service GmbH, 0123")
        register_document(session, real, user="tester", store=ctx.document_store, today=TODAY)
    widget = DocumentsView(ctx)
    ctx.bus.changed.connect(widget.reload)  # as the main window does for the visible view
    opened: list[QUrl] = []
    widget.open_url = opened.append
    qtbot.addWidget(widget)
    widget.resize(*SHOT)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: not widget.busy, timeout=30_000)  # read off the UI thread
    return widget


def _dialog(qtbot: QtBot, ctx: Any) -> DocumentDialog:
    dialog = DocumentDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.set_kind(DocumentKind.CE_CERTIFICATE)
    return dialog


def _unknown_bodies(ctx: Any) -> list[str]:
    with ctx.db.read() as session:
        return [f.message for f in check(session, TODAY) if f.rule == "certificate_body_unknown"]


def _events(ctx: Any, key: str) -> list[Any]:
    with ctx.db.read() as session:
        return list_events(session, AuditFilter(record="document", key_contains=key), limit=50)


def test_the_dialog_names_the_body_as_it_is_typed(qtbot: QtBot, ctx: Any, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, ctx)
    assert dialog.body_number.placeholderText() == "taken from the issuer"
    qtbot.keyClicks(dialog.issuer, "TÜV SÜD Product Service GmbH 0123")
    assert dialog.body_hint.text() == (
        "0123 — TÜV SÜD Product Service GmbH, designated under the MDR (taken from the issuer)"
    )
    qtbot.keyClicks(dialog.body_number, "0086")
    assert dialog.body_hint.text() == "0086 — BSI Assurance UK Ltd, a UK Approved Body"
    dialog.body_number.setText("2913x")
    assert dialog.body_hint.text().startswith("A notified body number is exactly four digits")
    assert dialog.body_hint.styleSheet() == ERROR_STYLE
    dialog.body_number.setText("9876")
    as_of = shipped_register().as_of.isoformat()
    assert dialog.body_hint.text() == (
        f"Warning: Notified body 9876 is not in ExoDesk's register of notified bodies as of "
        f"{as_of}. Forged certificates exist: check the body and the certificate in NANDO "
        "before relying on it."
    )
    dialog.body_number.clear()
    dialog.issuer.setText("A body with no number")
    assert dialog.body_hint.text().startswith("Warning: No notified body number")
    dialog.resize(*SHOT)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.body_number.isVisible() and dialog.body_hint.isVisible()
    save_shot(dialog, "document_dialog_body", tmp_path)
    dialog.set_kind(DocumentKind.IFU)  # only a CE certificate names a notified body
    assert not dialog.body_number.isVisible() and not dialog.body_hint.isVisible()
    assert dialog.draft().body_number is None


def test_a_body_number_is_registered_and_bad_ones_refused(qtbot: QtBot, ctx: Any) -> None:
    dialog = _dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.number, "CE 5555-TEST")
    dialog.issuer.setText("Some body")
    dialog.check_product(CELVIA)
    for bad in ("12345", "ab12", "１２３４"):
        dialog.body_number.setText(bad)
        dialog.register()
        assert dialog.detail is None
        assert "notified body number" in dialog.error.text().lower() or "body_number" in (
            dialog.error.text()
        )
        assert dialog.labels["body_number"].styleSheet() == ERROR_STYLE
    with ctx.db.read() as session:
        with pytest.raises(Exception, match="5555"):
            get_document(session, "ce_certificate", "CE 5555-TEST", TODAY)
    dialog.body_number.setText("0123")
    dialog.register()
    assert dialog.detail is not None and dialog.detail.body_number == "0123"
    assert dialog.detail.body_name == "TÜV SÜD Product Service GmbH"
    with ctx.db.read() as session:
        assert get_document(session, "ce_certificate", "CE 5555-TEST", TODAY).body == "0123"


def test_status_choices_come_from_the_vocabulary(qtbot: QtBot, ctx: Any) -> None:
    dialog = _dialog(qtbot, ctx)
    texts = [dialog.status.itemText(i) for i in range(dialog.status.count())]
    assert texts == [label(s) for s in DocumentStatus]
    assert label(DocumentStatus.RESTRICTED) in texts and label(DocumentStatus.REINSTATED) in texts
    dialog.status.setCurrentIndex(dialog.status.findData("restricted"))
    assert dialog.draft().status is DocumentStatus.RESTRICTED
    demo = ("ce_certificate", "CE 2913-MDR-04417")
    with ctx.db.write() as session:
        update_document_status(
            session, *demo, DocumentStatus.SUSPENDED, user="tester", reason="suspended for a test"
        )
        suspended = get_document(session, *demo, TODAY)
    status = StatusDialog(ctx, suspended)
    qtbot.addWidget(status)
    assert status.status.currentData() == "reinstated"  # what a suspension is followed by


@MENU_OFFSCREEN
def test_the_view_names_the_body_and_the_last_check(view: DocumentsView, tmp_path: Path) -> None:
    view.select(FORGED)
    text = view.info.text()
    assert "<b>Warning: Notified body 9876 is not in ExoDesk&#x27;s register" in text
    assert "Never checked with the issuer or a register" in text
    assert view.check_button.isEnabled()
    save_shot(view, "documents_view_body", tmp_path)
    view.select(REAL)
    assert (
        "Notified body: 0123 — TÜV SÜD Product Service GmbH, designated under the MDR<br>"
        in view.info.text()
    )
    view.select(("atmp_authorisation", "PLGB 54077/0003"))
    assert view.check_button.isEnabled() and "Notified body" not in view.info.text()
    view.select(("ifu", "IFU APL-22"))
    assert "Notified body" not in view.info.text()
    assert "checked" not in view.info.text().lower()
    assert not view.check_button.isEnabled()
    assert view.record_check() is None
    menu = view.popup_menu(None)
    assert menu is not None
    entries = {a.text(): a.isEnabled() for a in menu.actions()}
    menu.close()
    assert entries["Record a check…"] is False and entries["Change status…"] is True


@MENU_OFFSCREEN
def test_a_recorded_check_lands_in_the_database_and_the_audit_trail(
    view: DocumentsView, qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    view.select(FORGED)
    menu = view.popup_menu(None)
    assert menu is not None
    action = next(a for a in menu.actions() if a.text() == "Record a check…")
    assert action.isEnabled()
    menu.close()
    action.trigger()
    dialog = view.dialog
    assert isinstance(dialog, RecordCheckDialog)
    assert dialog.by.text() == "tester"  # the signed-in user
    assert dialog.on.date() == QDate(TODAY)
    assert [dialog.at.itemText(i) for i in range(dialog.at.count())] == [
        label(c) for c in CheckedAt
    ]
    assert shipped_register().check_at in dialog.link.text()
    assert dialog.link.openExternalLinks()
    dialog.resize(*SHOT)
    save_shot(dialog, "record_check_dialog", tmp_path)
    dialog.at.setCurrentIndex(dialog.at.findData("eudamed"))
    dialog.by.setText("Dr Amelia Hart")
    dialog.on.setDate(QDate(2026, 11, 20))
    qtbot.keyClicks(dialog.note, "listed as issued, scope covers the product")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)  # the list is read again
    with ctx.db.read() as session:
        stored = get_document(session, *FORGED, TODAY)
    assert (stored.verified_on, stored.verified_by) == (dt.date(2026, 11, 20), "Dr Amelia Hart")
    events = _events(ctx, "9876-MDR-0001")
    fields = {e.field: e for e in events if e.field in ("verified_on", "verified_by")}
    assert fields["verified_on"].new == "2026-11-20"
    assert fields["verified_by"].new == "Dr Amelia Hart"
    assert fields["verified_on"].reason == (
        "checked in EUDAMED: listed as issued, scope covers the product"
    )
    assert fields["verified_on"].user == "tester"
    assert "Last checked on 2026-11-20 by Dr Amelia Hart" in view.info.text()


def test_refusals_are_shown_beside_their_fields(
    view: DocumentsView, qtbot: QtBot, ctx: Any
) -> None:
    view.select(FORGED)
    dialog = view.record_check()
    assert dialog is not None
    dialog.on.setDate(QDate(TODAY + dt.timedelta(days=1)))
    dialog.by.clear()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "on: 2026-11-23 is in the future (today is 2026-11-22)" in dialog.error.text()
    assert "by: say who checked it" in dialog.error.text()
    assert dialog.labels["on"].styleSheet() == ERROR_STYLE
    assert dialog.labels["by"].styleSheet() == ERROR_STYLE
    assert dialog.labels["note"].styleSheet() == ""
    dialog.on.setDate(QDate(2024, 12, 31))  # before the certificate was issued
    dialog.by.setText("tester")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "before the document was issued (2025-01-10)" in dialog.error.text()
    assert dialog.labels["by"].styleSheet() == ""
    with ctx.db.read() as session:
        assert get_document(session, *FORGED, TODAY).verified_on is None
    assert not [e for e in _events(ctx, "9876-MDR-0001") if e.field == "verified_on"]
