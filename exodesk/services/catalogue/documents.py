"""The clinic's documents (certificates, declarations, IFUs, certificates of analysis,
authorisations, registrations, safety reports) and the files that back them.

A document's file is kept in the clinic's document store under its SHA-256
(`<store>/<sha256[:2]>/<sha256><suffix>`); the hash recorded on the document lets ExoDesk tell
when a stored file has gone missing or no longer matches what was registered."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.files import move_into_place, temporary_beside
from exodesk.models import (
    AuditAction,
    Document,
    DocumentKind,
    DocumentStatus,
    Lot,
    Product,
    document_product,
)
from exodesk.models.enums import FileState
from exodesk.models.vocabulary import label, phrase
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.errors import InvalidInput, NotFound, Problem
from exodesk.services.interchange.schema import DocumentIn, validation_problems
from exodesk.services.register.bodies import named_body_number, register_bodies
from exodesk.settings import CERTIFICATE_EXPIRING_DAYS

Rec = dict[str, Any]
DocumentKey = tuple[str, str]

# What a stored file may be, by suffix, and how such a file begins.
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("a PDF", (b"%PDF-",)),
    ".png": ("a PNG image", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("a JPEG image", (b"\xff\xd8\xff",)),
    ".jpeg": ("a JPEG image", (b"\xff\xd8\xff",)),
    ".tif": ("a TIFF image", (b"II*\x00", b"MM\x00*")),
    ".tiff": ("a TIFF image", (b"II*\x00", b"MM\x00*")),
}
_CHUNK = 1 << 20


BODY_KINDS = frozenset({DocumentKind.CE_CERTIFICATE})  # documents a notified body issues


class UnknownDocument(NotFound):
    def __init__(self, kind: str, number: str) -> None:
        super().__init__(f"no document {kind} {json.dumps(number, ensure_ascii=False)}")
        self.key = (kind, number)


@dataclass(frozen=True)
class DocumentDraft:
    """What a user registers: the interchange file's document fields, without the hash."""

    kind: DocumentKind
    number: str
    issuer: str | None = None
    issued: dt.date | None = None
    expires: dt.date | None = None
    products: tuple[str, ...] = ()
    lot: str | None = None
    status: DocumentStatus = DocumentStatus.ISSUED
    body_number: str | None = None  # the notified body's four digits; None: the issuer's


class Standing(StrEnum):
    """Whether a document can be relied on today: what the window colours by."""

    VALID = "valid"
    EXPIRING = "expiring"  # within the certificate alert window, or today
    LAPSED = "lapsed"  # expired, withdrawn or suspended


def standing(
    status: DocumentStatus, expires: dt.date | None, today: dt.date, *, window: int | None = None
) -> Standing:
    if not status.in_force:
        return Standing.LAPSED
    if expires is None:
        return Standing.VALID
    days = (expires - today).days
    if days < 0:
        return Standing.LAPSED
    if days <= (CERTIFICATE_EXPIRING_DAYS if window is None else window):
        return Standing.EXPIRING
    return Standing.VALID


@dataclass(frozen=True)
class DocumentDetail:
    """A stored document as of a day: `validity` is "valid", "expired", "expires today",
    "expires in N days" (within the certificate alert window), "withdrawn" or "suspended"
    (", restricted" added for a restricted certificate in force);
    `file_state` is "no file", "ok", "missing", "changed" or "not checked"."""

    kind: DocumentKind
    number: str
    issuer: str | None
    issued: dt.date | None
    expires: dt.date | None
    products: tuple[str, ...]
    lot: str | None
    status: DocumentStatus
    sha256: str | None
    stored_file: str | None
    validity: str
    file_state: FileState
    standing: Standing = Standing.VALID
    file_name: str | None = None  # the attached file's own name, as the user had it
    verified_on: dt.date | None = None  # last checked with the issuer; None: never
    verified_by: str | None = None
    body_number: str | None = None  # as entered
    body: str | None = None  # the body it names: body_number, else the issuer's four digits
    body_name: str | None = None  # that body's name in the register; None: not in it

    @property
    def key(self) -> DocumentKey:
        return (self.kind.value, self.number)


DocumentRow = DocumentDetail


def validity(
    status: DocumentStatus, expires: dt.date | None, today: dt.date, *, window: int | None = None
) -> str:
    """The standing in words: "valid", "expired", "expires today", "expires in N days",
    or the status ("withdrawn", "suspended")."""
    if not status.in_force:
        return phrase(status)
    words = _in_force_validity(standing(status, expires, today, window=window), expires, today)
    return f"{words}, restricted" if status is DocumentStatus.RESTRICTED else words


def _in_force_validity(state: Standing, expires: dt.date | None, today: dt.date) -> str:
    if state is Standing.VALID or expires is None:
        return "valid"
    days = (expires - today).days
    if days < 0:
        return "expired"
    if days == 0:
        return "expires today"
    return "expires in 1 day" if days == 1 else f"expires in {days} days"


# -- files -------------------------------------------------------------------------------

_HASHES: dict[tuple[str, int, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_unless_unchanged(path: Path) -> str:
    """SHA-256, recomputed only when the file's size, mtime or inode changed since last time."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _HASHES:
        _HASHES[key] = file_sha256(path)
    return _HASHES[key]


def verify_file(detail: DocumentDetail, store: Path, *, cached: bool = False) -> FileState:
    """The state of the document's stored file: "no file", "missing", "changed" (its SHA-256
    no longer matches the recorded one) or "ok". The hash is recomputed from the file; with
    `cached`, only when the file's size or modification time changed."""
    if detail.stored_file is None:
        return FileState.NONE
    path = store / detail.stored_file
    try:
        digest = _sha256_unless_unchanged(path) if cached else file_sha256(path)
    except FileNotFoundError:
        return FileState.MISSING
    return FileState.OK if digest == detail.sha256 else FileState.CHANGED


def stored_path(detail: DocumentDetail, store: Path) -> Path | None:
    return None if detail.stored_file is None else store / detail.stored_file


def check_file_type(file: Path) -> list[Problem]:
    """Why `file` cannot be stored as a document's file (empty when it can)."""
    suffix = file.suffix.lower()
    if suffix not in FILE_TYPES:
        allowed = " ".join(sorted(FILE_TYPES))
        return [
            Problem(
                "file",
                f"{file.name} is not a PDF or an image; ExoDesk keeps {allowed} files "
                "(scan or save the document as PDF)",
            )
        ]
    what, magics = FILE_TYPES[suffix]
    try:
        with file.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return [Problem("file", f"{file} does not exist")]
    except IsADirectoryError:
        return [Problem("file", f"{file} is a folder, not a file")]
    except OSError as exc:
        return [Problem("file", f"{file} cannot be read ({exc.strerror})")]
    if not head.startswith(magics):
        return [
            Problem("file", f"{file.name} does not look like {what}: is it damaged or misnamed?")
        ]
    return []


def store_file(file: Path, store: Path) -> tuple[str, str]:
    """Copy `file` into the store under its hash (atomically: a temporary name, then a
    rename) and return (sha256, stored path relative to the store, with '/')."""
    store.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with temporary_beside(store, ".incoming-") as tmp:
        with tmp.open("wb") as out, file.open("rb") as source:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        relative = f"{sha[:2]}/{sha}{file.suffix.lower()}"
        target = store / relative
        target.parent.mkdir(exist_ok=True)
        move_into_place(tmp, target)
    return sha, relative


# -- reading -------------------------------------------------------------------------------


def _key_text(kind: str, number: str) -> str:
    return f"{kind} {number}"


def _covers(session: Session, doc_ids: list[int] | None = None) -> dict[int, list[str]]:
    query = select(document_product.c.document_id, Product.name).join(
        Product, Product.id == document_product.c.product_id
    )
    if doc_ids is not None:
        query = query.where(document_product.c.document_id.in_(doc_ids))
    covers: dict[int, list[str]] = defaultdict(list)
    for doc_id, name in session.execute(query):
        covers[doc_id].append(name)
    return covers


def _details(
    session: Session, docs: list[Document], today: dt.date, store: Path | None
) -> list[DocumentDetail]:
    covers = _covers(session, [d.id for d in docs])
    lot_ids = {d.lot_id for d in docs if d.lot_id is not None}
    codes = dict(session.execute(select(Lot.id, Lot.code).where(Lot.id.in_(lot_ids))).all())
    bodies = register_bodies(session) if any(d.kind in BODY_KINDS for d in docs) else {}
    details = []
    for d in docs:
        body = named_body_number(d.body_number, d.issuer) if d.kind in BODY_KINDS else None
        detail = DocumentDetail(
            kind=DocumentKind(d.kind),
            number=d.number,
            issuer=d.issuer,
            issued=d.issued,
            expires=d.expires,
            products=tuple(sorted(covers[d.id])),
            lot=codes.get(d.lot_id) if d.lot_id is not None else None,
            status=DocumentStatus(d.status),
            sha256=d.sha256,
            stored_file=d.stored_file,
            validity=validity(DocumentStatus(d.status), d.expires, today),
            standing=standing(DocumentStatus(d.status), d.expires, today),
            file_state=FileState.NONE,
            file_name=d.file_name,
            verified_on=d.verified_on,
            verified_by=d.verified_by,
            body_number=d.body_number,
            body=body,
            body_name=bodies[body].name if body in bodies else None,
        )
        if detail.stored_file is not None:
            state = (
                FileState.NOT_CHECKED if store is None else verify_file(detail, store, cached=True)
            )
            detail = _with_state(detail, state)
        details.append(detail)
    return details


def _with_state(detail: DocumentDetail, state: FileState) -> DocumentDetail:
    return replace(detail, file_state=state)


def list_documents(
    session: Session,
    today: dt.date,
    *,
    store: Path | None = None,
    product: str | None = None,
    kind: DocumentKind | None = None,
) -> list[DocumentDetail]:
    """Documents by kind and number, optionally only those covering `product` or of `kind`.
    With `store`, each stored file is checked against its hash ("not checked" without)."""
    query = select(Document).order_by(Document.kind, Document.number)
    if product is not None:
        query = query.where(
            Document.id.in_(
                select(document_product.c.document_id)
                .join(Product, Product.id == document_product.c.product_id)
                .where(Product.name == product)
            )
        )
    if kind is not None:
        query = query.where(Document.kind == kind)
    return _details(session, list(session.scalars(query)), today, store)


def details_of(
    session: Session, doc_ids: Sequence[int], today: dt.date
) -> list[tuple[int, DocumentDetail]]:
    """These documents by id, in the order given (files not checked: "not checked"); ids
    no longer stored are left out. One page of the Documents view."""
    if not doc_ids:
        return []
    stored = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(doc_ids)))}
    docs = [stored[i] for i in doc_ids if i in stored]
    return [
        (d.id, detail) for d, detail in zip(docs, _details(session, docs, today, None), strict=True)
    ]


def _document(session: Session, kind: DocumentKind | str, number: str) -> Document:
    doc = session.scalars(
        select(Document).where(Document.kind == DocumentKind(kind), Document.number == number)
    ).one_or_none()
    if doc is None:
        raise UnknownDocument(str(DocumentKind(kind).value), number)
    return doc


def get_document(
    session: Session,
    kind: DocumentKind | str,
    number: str,
    today: dt.date,
    *,
    store: Path | None = None,
) -> DocumentDetail:
    """One document; with `store`, its file's hash is recomputed."""
    detail = _details(session, [_document(session, kind, number)], today, None)[0]
    if store is not None and detail.stored_file is not None:
        detail = _with_state(detail, verify_file(detail, store))
    return detail


# -- writing -------------------------------------------------------------------------------


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _validated(draft: DocumentDraft) -> Rec:
    data = {
        "kind": draft.kind.value,
        "number": draft.number,
        "issuer": draft.issuer,
        "issued": draft.issued,
        "expires": draft.expires,
        "products": list(draft.products),
        "lot": draft.lot,
        "status": draft.status.value,
        "body_number": draft.body_number or None,
    }
    try:
        return DocumentIn.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        raise InvalidInput(validation_problems(exc)) from None


def _reference_errors(
    session: Session, rec: Rec
) -> tuple[list[Problem], dict[str, int], int | None]:
    """Errors in what the document refers to, the covered products' ids and its lot's id."""
    errors: list[Problem] = []
    ids = dict(
        session.execute(
            select(Product.name, Product.id).where(Product.name.in_(rec["products"]))
        ).all()
    )
    for name in rec["products"]:
        if name not in ids:
            errors.append(Problem("products", f"unknown product {_show(name)}"))
    lot_id = None
    if rec["lot"] is not None:
        lot_id = session.scalar(
            select(Lot.id)
            .where(Lot.code == rec["lot"], Lot.product_id.in_(list(ids.values())))
            .order_by(Lot.id)
            .limit(1)
        )
        if lot_id is None:
            errors.append(
                Problem(
                    "lot",
                    f"no lot {_show(rec['lot'])} of the products this document covers "
                    f"({', '.join(rec['products'])})",
                )
            )
    exists = session.scalar(
        select(Document.id).where(
            Document.kind == DocumentKind(rec["kind"]), Document.number == rec["number"]
        )
    )
    if exists is not None:
        kind_words = label(DocumentKind(rec["kind"]))
        errors.append(
            Problem(
                "number", f"a {kind_words} numbered {_show(rec['number'])} is already registered"
            )
        )
    return errors, ids, lot_id


def register_document(
    session: Session,
    draft: DocumentDraft,
    *,
    user: str,
    store: Path,
    file: Path | None = None,
    today: dt.date,
    reason: str | None = None,
) -> DocumentDetail:
    """Register a document, checked as the importer checks it (its products exist, a
    certificate of analysis names a lot of a product it covers, (kind, number) is new), and
    with `file` store its PDF or image. Nothing is written when anything is wrong."""
    require(session, user, Permission.EDIT_CATALOGUE)
    rec = _validated(draft)
    errors, product_ids, lot_id = _reference_errors(session, rec)
    if file is not None:
        errors += check_file_type(file)
    if errors:
        raise InvalidInput(errors)
    sha, stored = store_file(file, store) if file is not None else (None, None)
    doc = Document(
        kind=DocumentKind(rec["kind"]),
        number=rec["number"],
        issuer=rec["issuer"],
        issued=draft.issued,
        expires=draft.expires,
        status=DocumentStatus(rec["status"]),
        sha256=sha,
        stored_file=stored,
        file_name=file.name if file is not None else None,
        body_number=rec["body_number"],
        lot_id=lot_id,
    )
    session.add(doc)
    session.flush()
    if product_ids:
        session.execute(
            document_product.insert(),
            [{"document_id": doc.id, "product_id": product_ids[n]} for n in rec["products"]],
        )
    rec["sha256"] = sha
    audited = rec | {"stored_file": stored, "file_name": doc.file_name}
    write_audit(
        session,
        [
            Change(
                "document", _key_text(rec["kind"], rec["number"]), AuditAction.CREATE, new=audited
            )
        ],
        user=user,
        reason=reason,
    )
    return get_document(session, doc.kind, doc.number, today, store=store)


def attach_file(
    session: Session,
    kind: DocumentKind | str,
    number: str,
    file: Path,
    *,
    store: Path,
    user: str,
    reason: str | None = None,
) -> tuple[str, str]:
    """Store `file` (PDF or image) as the document's file, replacing any earlier one (which
    stays in the store and in the audit trail). Returns (sha256, stored path)."""
    require(session, user, Permission.EDIT_CATALOGUE)
    doc = _document(session, kind, number)
    errors = check_file_type(file)
    if errors:
        raise InvalidInput(errors)
    sha, stored = store_file(file, store)
    key = _key_text(doc.kind.value, doc.number)
    changes = [
        Change("document", key, AuditAction.UPDATE, field=f, old=old, new=new)
        for f, old, new in (
            ("sha256", doc.sha256, sha),
            ("stored_file", doc.stored_file, stored),
            ("file_name", doc.file_name, file.name),
        )
        if old != new
    ]
    doc.sha256, doc.stored_file, doc.file_name = sha, stored, file.name
    session.flush()
    write_audit(session, changes, user=user, reason=reason or f"attached {file.name}")
    return sha, stored


def update_document_status(
    session: Session,
    kind: DocumentKind | str,
    number: str,
    status: DocumentStatus,
    *,
    user: str,
    reason: str,
) -> None:
    """Record that a document was suspended, withdrawn or (re)issued, and why."""
    require(session, user, Permission.EDIT_CATALOGUE)
    doc = _document(session, kind, number)
    errors = []
    if doc.status is status:
        errors.append(Problem("status", f"the document is already {phrase(status)}"))
    if not reason.strip():
        errors.append(Problem("reason", "say why the status changes (for the audit trail)"))
    if errors:
        raise InvalidInput(errors)
    key = _key_text(doc.kind.value, doc.number)
    change = Change(
        "document", key, AuditAction.UPDATE, field="status", old=doc.status.value, new=status.value
    )
    doc.status = status
    session.flush()
    write_audit(session, [change], user=user, reason=reason.strip())
