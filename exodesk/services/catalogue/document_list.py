"""The Documents view's questions, answered in SQL so that 100,000 certificates of analysis
page, filter and sort in the database: the ids in the view's order, then one page of rows.

The search means what the view's words show: a document is kept when any column's text
(kind, number, issuer, the products it covers, lot, issued, expires, status, "valid
today", file) contains the typed text, ignoring case. Every column but the file's is
worded in SQL; a stored file's state needs its hash, so it is checked in Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, String, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from exodesk.models import Document, DocumentKind, DocumentStatus, Lot, Product, document_product
from exodesk.models.enums import IN_FORCE, FileState
from exodesk.models.vocabulary import phrase, short_label
from exodesk.services.catalogue.documents import DocumentDetail, details_of, verify_file
from exodesk.services.search import contains_text
from exodesk.settings import CERTIFICATE_EXPIRING_DAYS

# The view's columns, in its order; a column's text is what its cells show.
COLUMNS = (
    "kind",
    "number",
    "issuer",
    "products",
    "lot",
    "issued",
    "expires",
    "status",
    "validity",
    "file",
)
BAD_FILES = frozenset({FileState.CHANGED, FileState.MISSING})


@dataclass(frozen=True)
class DocumentFilter:
    kind: DocumentKind | None = None
    search: str = ""  # kept when a column's text contains it, ignoring case ("": all)


@dataclass(frozen=True)
class DocumentList:
    """What the view shows: the ids in its order, how many documents of the kind there are
    (before the search), and each stored file's state (checked against its hash)."""

    ids: list[int]
    total: int
    files: dict[int, FileState]

    @property
    def bad_files(self) -> int:
        return sum(1 for state in self.files.values() if state in BAD_FILES)


def _words(column: Any, words: dict[str, str]) -> ColumnElement[Any]:
    return case(words, value=cast(column, String()), else_=cast(column, String()))


def kind_words() -> ColumnElement[Any]:
    return _words(Document.kind, {k.value: short_label(k) for k in DocumentKind})


def status_words() -> ColumnElement[Any]:
    return _words(Document.status, {s.value: phrase(s) for s in DocumentStatus})


def validity_words(today: dt.date) -> ColumnElement[Any]:
    """documents.validity() in SQL: "valid", "expired", "expires today", "expires in N
    days" (", restricted" after it for a restricted certificate), or the status."""
    window = CERTIFICATE_EXPIRING_DAYS
    expires = Document.expires
    soon = [(expires == today, "expires today")] + [
        (
            expires == today + dt.timedelta(days=n),
            "expires in 1 day" if n == 1 else f"expires in {n} days",
        )
        for n in range(1, window + 1)
    ]
    in_force = case(
        (or_(expires.is_(None), expires > today + dt.timedelta(days=window)), "valid"),
        (expires < today, "expired"),
        *soon,
        else_="valid",
    )
    restricted = case((Document.status == DocumentStatus.RESTRICTED, ", restricted"), else_="")
    return case(
        (Document.status.in_([s.value for s in IN_FORCE]), in_force + restricted),
        else_=status_words(),
    )


def products_words() -> ColumnElement[Any]:
    """The names of the products a document covers, sorted, joined by ", " ("" for none)."""
    names = (
        select(Product.name.label("name"))
        .join(document_product, document_product.c.product_id == Product.id)
        .where(document_product.c.document_id == Document.id)
        .order_by(Product.name)
        .correlate(Document)
        .subquery()
    )
    joined = select(func.aggregate_strings(names.c.name, ", ")).scalar_subquery()
    return func.coalesce(joined, "")


def _text(column: str, today: dt.date) -> Any:
    """A column's text as its cells show it (None where the cell is empty)."""
    if column == "kind":
        return kind_words()
    if column == "products":
        return products_words()
    if column == "lot":
        return Lot.code
    if column in ("issued", "expires"):
        return cast(getattr(Document, column), String())
    if column == "status":
        return status_words()
    if column == "validity":
        return validity_words(today)
    if column == "file":  # a stored file's state is checked in Python
        return case((Document.stored_file.is_(None), short_label(FileState.NONE)), else_=None)
    return getattr(Document, column)


def _kind_filter(kind: DocumentKind | None) -> list[ColumnElement[bool]]:
    return [] if kind is None else [Document.kind == kind]


def file_states(session: Session, store: Path, kind: DocumentKind | None) -> dict[int, FileState]:
    """Each stored file's state (of documents of `kind`), its hash recomputed only when the
    file's size or modification time changed since last asked."""
    query = select(Document.id, Document.stored_file, Document.sha256).where(
        Document.stored_file.is_not(None), *_kind_filter(kind)
    )
    return {
        doc_id: verify_file(_stub(stored, sha), store, cached=True)
        for doc_id, stored, sha in session.execute(query)
    }


def _stub(stored_file: str | None, sha256: str | None) -> DocumentDetail:
    return DocumentDetail(
        kind=DocumentKind.IFU,
        number="",
        issuer=None,
        issued=None,
        expires=None,
        products=(),
        lot=None,
        status=DocumentStatus.ISSUED,
        sha256=sha256,
        stored_file=stored_file,
        validity="",
        file_state=FileState.NOT_CHECKED,
    )


def _contains(words: str, text: str) -> bool:
    return text.casefold() in words.casefold()


def document_list(
    session: Session,
    today: dt.date,
    flt: DocumentFilter,
    *,
    store: Path,
    sort: int = -1,
    descending: bool = False,
) -> DocumentList:
    """The documents the view shows, sorted by column `sort` (-1: by kind and number, as
    stored), filtered by kind and search in SQL."""
    files = file_states(session, store, flt.kind)
    total = session.scalar(
        select(func.count()).select_from(Document).where(*_kind_filter(flt.kind))
    )
    ids = document_ids(session, today, flt, files, sort=sort, descending=descending)
    return DocumentList(ids, int(total or 0), files)


def document_ids(
    session: Session,
    today: dt.date,
    flt: DocumentFilter,
    files: dict[int, FileState],
    *,
    sort: int = -1,
    descending: bool = False,
) -> list[int]:
    """Ids of the documents shown, in the view's order. Ties (and `sort` -1) keep kind and
    number order; empty cells sort after the others, before them when descending."""
    column = COLUMNS[sort] if 0 <= sort < len(COLUMNS) else None
    text = flt.search
    query: Any = (
        select(Document.id, Document.stored_file.is_not(None))
        .outerjoin(Lot, Lot.id == Document.lot_id)
        .where(*_kind_filter(flt.kind))
    )
    if text:
        matched = or_(*(contains_text(_text(c, today), text) for c in COLUMNS))
        query = query.add_columns(case((matched, True), else_=False)).where(
            or_(matched, Document.stored_file.is_not(None))
        )
    else:
        query = query.add_columns(literal(True))
    if column is not None and column != "file":
        key = _text(column, today)
        empty = case((key.is_(None), 1), else_=0)
        query = query.order_by(*((empty.desc(), key.desc()) if descending else (empty, key)))
    query = query.order_by(Document.kind, Document.number)
    words = {state: short_label(state) for state in FileState}
    rows = [
        (doc_id, words[files.get(doc_id, FileState.NOT_CHECKED) if has_file else FileState.NONE])
        for doc_id, has_file, matched_in_sql in session.execute(query)
        if matched_in_sql
        or (has_file and _contains(words[files.get(doc_id, FileState.NOT_CHECKED)], text))
    ]
    if column == "file":  # a stable sort: kind and number order within a state
        rows.sort(key=lambda row: row[1], reverse=descending)
    return [doc_id for doc_id, _ in rows]


@dataclass(frozen=True)
class Shown:
    """A load of the view: the filter it used (wider than asked when it was cleared to show
    a document), the list, and the row of the document asked for (None: not in it)."""

    filter: DocumentFilter
    listing: DocumentList
    row: int | None


def document_list_showing(
    session: Session,
    today: dt.date,
    flt: DocumentFilter,
    *,
    store: Path,
    sort: int = -1,
    descending: bool = False,
    key: tuple[str, str] | None = None,
    clear_filters: bool = False,
) -> Shown:
    """document_list, and where the document `key` (kind, number) is in it; with
    `clear_filters`, the search and then the kind are cleared when they hide it."""
    listing = document_list(session, today, flt, store=store, sort=sort, descending=descending)
    doc_id = None if key is None else _id_of(session, key)
    if doc_id is None:
        return Shown(flt, listing, None)
    wider = [replace(flt, search=""), DocumentFilter()] if clear_filters else []
    for used in [flt, *wider]:
        if used != flt:
            listing = document_list(
                session, today, used, store=store, sort=sort, descending=descending
            )
        if doc_id in listing.ids:
            return Shown(used, listing, listing.ids.index(doc_id))
    return Shown(used, listing, None)  # the widest filter tried: it is not stored


def _id_of(session: Session, key: tuple[str, str]) -> int | None:
    kind, number = key
    try:
        known = DocumentKind(kind)
    except ValueError:
        return None
    found = session.scalar(
        select(Document.id).where(Document.kind == known, Document.number == number)
    )
    return None if found is None else int(found)


def document_rows(
    session: Session, ids: list[int], today: dt.date, files: dict[int, FileState]
) -> list[DocumentDetail]:
    """The rows of these documents, in the order given (one page of the view), each stored
    file's state as `files` found it (not checked when not in it)."""
    return [
        d if d.stored_file is None else replace(d, file_state=files.get(i, FileState.NOT_CHECKED))
        for i, d in details_of(session, ids, today)
    ]
