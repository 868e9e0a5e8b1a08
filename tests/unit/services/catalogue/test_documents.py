"""Documents on the demo clinic: registering (references, the certificate-of-analysis lot rule,
duplicates), attaching files to the content-addressed store, and detecting changed files."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from exodesk.cli import main
from exodesk.db import Database, open_database
from exodesk.models import AuditAction, AuditEvent, DocumentKind, DocumentStatus
from exodesk.services.catalogue.documents import (
    DocumentDraft,
    Standing,
    UnknownDocument,
    attach_file,
    get_document,
    list_documents,
    register_document,
    standing,
    update_document_status,
    validity,
    verify_file,
)
from exodesk.services.catalogue.products import flags_for_product
from exodesk.services.errors import InvalidInput

TODAY = dt.date(2026, 11, 22)
CELVIA = "Celvia MSC-Exo Lyo 50"
ROSALIS = "Rosalis Callus Exosome Cream"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def db(demo_db: Path) -> Iterator[Database]:
    database = open_database(str(demo_db))
    yield database
    database.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "documents"


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _audit(db: Database, key: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.record == "document", AuditEvent.record_key == key)
                .order_by(AuditEvent.id)
            )
        )


IFU = DocumentDraft(
    kind=DocumentKind.IFU,
    number="IFU RSL-CR rev 1",
    issuer="Maison Rosalis",
    issued=dt.date(2026, 10, 1),
    products=(ROSALIS,),
)
COA = DocumentDraft(
    kind=DocumentKind.CERTIFICATE_OF_ANALYSIS,
    number="CoA CV-6233B",
    issuer="Celvia Biotech QC",
    products=(CELVIA,),
    lot="CV-6233B",
)


def test_list_documents_shows_products_lot_validity_and_file_state(db: Database) -> None:
    with db.read() as session:
        docs = list_documents(session, TODAY)
        celvia = list_documents(session, TODAY, product=CELVIA)
        coas = list_documents(session, TODAY, kind=DocumentKind.CERTIFICATE_OF_ANALYSIS)
    by_number = {d.number: d for d in docs}
    assert by_number["CE 2841-MDR-0356"].validity == "withdrawn"
    assert by_number["CE 2874-MDD-2209"].validity == "expired"
    assert by_number["CE 0591-MDR-7731"].validity == "expires in 45 days, restricted"
    assert by_number["CE 2913-MDR-04417"].validity == "valid"
    assert by_number["CoA CV-1170A"].lot == "CV-1170A"
    assert by_number["CoA CV-1170A"].products == (CELVIA,)
    assert {d.file_state for d in docs} == {"no file"}
    assert all(CELVIA in d.products for d in celvia) and len(celvia) < len(docs)
    assert {d.kind for d in coas} == {DocumentKind.CERTIFICATE_OF_ANALYSIS}


def test_validity_boundaries() -> None:
    issued = DocumentStatus.ISSUED
    assert validity(issued, TODAY, TODAY) == "expires today"
    assert validity(issued, TODAY - dt.timedelta(days=1), TODAY) == "expired"
    assert validity(issued, TODAY + dt.timedelta(days=1), TODAY) == "expires in 1 day"
    assert validity(issued, TODAY + dt.timedelta(days=90), TODAY) == "expires in 90 days"
    assert validity(issued, TODAY + dt.timedelta(days=91), TODAY) == "valid"
    assert validity(issued, None, TODAY) == "valid"
    assert validity(DocumentStatus.SUSPENDED, None, TODAY) == "suspended"


def test_standing_is_what_the_window_colours_by_not_the_words() -> None:
    issued, day = DocumentStatus.ISSUED, dt.timedelta(days=1)
    assert standing(issued, TODAY - day, TODAY) is Standing.LAPSED
    assert standing(issued, TODAY, TODAY) is Standing.EXPIRING
    assert standing(issued, TODAY + 90 * day, TODAY) is Standing.EXPIRING
    assert standing(issued, TODAY + 91 * day, TODAY) is Standing.VALID
    assert standing(issued, None, TODAY) is Standing.VALID
    for lapsed in (DocumentStatus.SUSPENDED, DocumentStatus.WITHDRAWN):
        assert standing(lapsed, TODAY + 400 * day, TODAY) is Standing.LAPSED


def test_register_an_ifu_clears_the_missing_ifu_flag_and_is_audited(
    db: Database, store: Path
) -> None:
    with db.read() as session:
        assert "missing_ifu" in {f.rule for f in flags_for_product(session, ROSALIS, TODAY)}
    with db.write() as session:
        detail = register_document(session, IFU, user="tester", store=store, today=TODAY)
    assert detail.key == ("ifu", "IFU RSL-CR rev 1")
    assert (detail.validity, detail.file_state, detail.sha256) == ("valid", "no file", None)
    with db.read() as session:
        assert "missing_ifu" not in {f.rule for f in flags_for_product(session, ROSALIS, TODAY)}
    (event,) = _audit(db, "ifu IFU RSL-CR rev 1")
    assert event.action is AuditAction.CREATE and event.user == "tester"
    assert json.loads(event.new or "")["products"] == [ROSALIS]


def test_register_a_certificate_of_analysis_for_its_lot(db: Database, store: Path) -> None:
    with db.write() as session:
        detail = register_document(session, COA, user="tester", store=store, today=TODAY)
    assert detail.lot == "CV-6233B"
    with db.read() as session:
        lots = {f.lot for f in flags_for_product(session, CELVIA, TODAY) if f.rule == "missing_coa"}
    assert "CV-6233B" not in lots


def test_a_certificate_of_analysis_must_name_its_lot(db: Database, store: Path) -> None:
    draft = DocumentDraft(DocumentKind.CERTIFICATE_OF_ANALYSIS, "CoA X", products=(CELVIA,))
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        register_document(session, draft, user="t", store=store, today=TODAY)
    assert [str(p) for p in caught.value.problems] == [
        "lot: a certificate_of_analysis must name its lot"
    ]


def test_a_certificate_of_analysis_names_a_lot_of_a_product_it_covers(
    db: Database, store: Path
) -> None:
    draft = DocumentDraft(
        DocumentKind.CERTIFICATE_OF_ANALYSIS, "CoA RS-A118", products=(CELVIA,), lot="RS-A118"
    )
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        register_document(session, draft, user="t", store=store, today=TODAY)
    assert [str(p) for p in caught.value.problems] == [
        f'lot: no lot "RS-A118" of the products this document covers ({CELVIA})'
    ]


def test_unknown_products_and_duplicates_are_refused_naming_the_field(
    db: Database, store: Path, tmp_path: Path
) -> None:
    draft = DocumentDraft(
        DocumentKind.CE_CERTIFICATE, "CE 2913-MDR-04417", products=("Nope", CELVIA)
    )
    pdf = _file(tmp_path, "ce.pdf", PDF)
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        register_document(session, draft, user="t", store=store, file=pdf, today=TODAY)
    assert [str(p) for p in caught.value.problems] == [
        'products: unknown product "Nope"',
        'number: a CE certificate numbered "CE 2913-MDR-04417" is already registered',
    ]
    assert not store.exists()  # nothing stored when refused


def test_expiry_before_issue_is_refused(db: Database, store: Path) -> None:
    draft = DocumentDraft(
        DocumentKind.CE_CERTIFICATE,
        "CE 1",
        issued=dt.date(2026, 1, 2),
        expires=dt.date(2026, 1, 1),
        products=(CELVIA,),
    )
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        register_document(session, draft, user="t", store=store, today=TODAY)
    assert str(caught.value.problems[0]).startswith(
        "expires: expires (2026-01-01) is before issued"
    )


def test_register_with_a_file_stores_it_under_its_hash(
    db: Database, store: Path, tmp_path: Path
) -> None:
    pdf = _file(tmp_path, "Rosalis IFU.PDF", PDF)
    sha = hashlib.sha256(PDF).hexdigest()
    with db.write() as session:
        detail = register_document(session, IFU, user="t", store=store, file=pdf, today=TODAY)
    assert detail.sha256 == sha
    assert detail.stored_file == f"{sha[:2]}/{sha}.pdf"
    assert (store / detail.stored_file).read_bytes() == PDF
    assert detail.file_state == "ok"
    assert [p.name for p in store.rglob("*") if p.is_file()] == [f"{sha}.pdf"]  # no temp left


def test_attach_file_records_hash_copies_and_audits(
    db: Database, store: Path, tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = _file(tmp_path, "scan.png", PNG)
    sha = hashlib.sha256(PNG).hexdigest()
    with db.write() as session:
        attach_file(session, "ce_certificate", "CE 2913-MDR-04417", png, store=store, user="t")
    with db.read() as session:
        detail = get_document(session, "ce_certificate", "CE 2913-MDR-04417", TODAY, store=store)
    assert (detail.sha256, detail.stored_file, detail.file_state) == (
        sha,
        f"{sha[:2]}/{sha}.png",
        "ok",
    )
    events = _audit(db, "ce_certificate CE 2913-MDR-04417")
    assert {(e.field, e.old, e.new) for e in events if e.action is AuditAction.UPDATE} == {
        ("sha256", None, sha),
        ("stored_file", None, f"{sha[:2]}/{sha}.png"),
        ("file_name", None, "scan.png"),  # the attachment's own name is kept
    }
    assert detail.file_name == "scan.png"
    # the hash goes out in the interchange file
    out = tmp_path / "out.json"
    assert main(["export", str(out), "--db", str(demo_db)]) == 0
    exported = json.loads(out.read_text(encoding="utf-8"))["documents"]
    assert next(d for d in exported if d["number"] == "CE 2913-MDR-04417")["sha256"] == sha


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cert.docx", b"PK\x03\x04", "file: cert.docx is not a PDF or an image"),
        ("cert.pdf", b"PK\x03\x04", "file: cert.pdf does not look like a PDF"),
        ("cert.jpg", PDF, "file: cert.jpg does not look like a JPEG image"),
    ],
)
def test_attach_refuses_other_files(
    db: Database, store: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    bad = _file(tmp_path, name, content)
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        attach_file(session, "ifu", "IFU APL-22", bad, store=store, user="t")
    assert str(caught.value.problems[0]).startswith(message)
    assert not store.exists()


def test_attach_to_an_unknown_document_is_refused(
    db: Database, store: Path, tmp_path: Path
) -> None:
    with pytest.raises(UnknownDocument), db.write() as session:
        attach_file(session, "ifu", "nope", _file(tmp_path, "a.pdf", PDF), store=store, user="t")


def test_verify_file_detects_a_changed_and_a_missing_file(
    db: Database, store: Path, tmp_path: Path
) -> None:
    with db.write() as session:
        detail = register_document(
            session, IFU, user="t", store=store, file=_file(tmp_path, "i.pdf", PDF), today=TODAY
        )
    assert detail.stored_file is not None
    stored = store / detail.stored_file
    assert verify_file(detail, store) == "ok"
    stored.write_bytes(PDF + b"% tampered\n")
    assert verify_file(detail, store) == "changed"
    with db.read() as session:
        (listed,) = list_documents(session, TODAY, store=store, product=ROSALIS)
    assert listed.file_state == "changed"
    stored.unlink()
    assert verify_file(detail, store) == "missing"
    with db.read() as session:
        (listed,) = list_documents(session, TODAY, store=store, product=ROSALIS)
        assert listed.file_state == "missing"
        assert list_documents(session, TODAY, product=ROSALIS)[0].file_state == "not checked"


def test_update_document_status_is_audited_with_its_reason(db: Database) -> None:
    with db.write() as session:
        update_document_status(
            session,
            "ce_certificate",
            "CE 2913-MDR-04417",
            DocumentStatus.SUSPENDED,
            user="tester",
            reason="notified body suspended it",
        )
    with db.read() as session:
        detail = get_document(session, "ce_certificate", "CE 2913-MDR-04417", TODAY)
        rules = {f.rule for f in flags_for_product(session, CELVIA, TODAY)}
    assert detail.validity == "suspended"
    assert "certificate_withdrawn" in rules or "certificate_expired" in rules
    (event,) = [e for e in _audit(db, "ce_certificate CE 2913-MDR-04417") if e.field == "status"]
    assert (event.old, event.new, event.reason) == (
        "issued",
        "suspended",
        "notified body suspended it",
    )


def test_update_document_status_needs_a_reason_and_a_change(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        update_document_status(
            session, "ifu", "IFU APL-22", DocumentStatus.ISSUED, user="t", reason=" "
        )
    assert [p.field for p in caught.value.problems] == [
        "status",
        "reason",
    ]
