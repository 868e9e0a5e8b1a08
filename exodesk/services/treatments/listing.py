"""The Treatments view's questions, paged in SQL: treatments newest first (by date, then
latest recorded), a page at a time after a given row (keyset: page 2,000 is as quick as
page 1, along the date index), how many a search selects, and whether it shows one.

A search means what `recording.list_treatments` means by it: every word must appear in the
patient, reference, product, lot or practitioner (any case). The product and lot are matched
among the lots, once per word, not on every treatment row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from exodesk.models import Lot, Product, Treatment
from exodesk.services.search import contains_text
from exodesk.services.treatments.recording import (
    TreatmentRow,
    listed_treatments,
    treatment_row,
)


def _matching(search: str) -> list[ColumnElement[bool]]:
    """One condition on the treatment per word of `search`."""
    conditions = []
    for word in search.split():
        lots = (
            select(Lot.id)
            .join(Product, Product.id == Lot.product_id)
            .where(or_(contains_text(Product.name, word), contains_text(Lot.code, word)))
        )
        conditions.append(
            or_(
                contains_text(Treatment.patient, word),
                contains_text(Treatment.ref, word),
                Treatment.lot_id.in_(lots),
                contains_text(Treatment.practitioner, word),
            )
        )
    return conditions


def _after(row: TreatmentRow) -> ColumnElement[bool]:
    """Treatments listed after `row`: an earlier date, or the same date recorded before it."""
    its_id = select(Treatment.id).where(Treatment.ref == row.ref).scalar_subquery()
    return and_(
        Treatment.date <= row.date,
        or_(Treatment.date < row.date, Treatment.id < its_id),
    )


def treatments_page(
    session: Session, search: str = "", *, after: TreatmentRow | None = None, limit: int
) -> list[TreatmentRow]:
    """Up to `limit` treatments the search selects, newest first, after the row `after`."""
    query: Any = listed_treatments().where(*_matching(search))
    if after is not None:
        query = query.where(_after(after))
    query = query.order_by(Treatment.date.desc(), Treatment.id.desc()).limit(limit)
    return [treatment_row(r) for r in session.execute(query)]


def count_matching(session: Session, search: str = "") -> int:
    """How many treatments the search selects (every treatment has its lot and product)."""
    query = select(func.count()).select_from(Treatment).where(*_matching(search))
    return int(session.scalar(query) or 0)


def is_listed(session: Session, ref: str, search: str = "") -> bool:
    """Whether the treatment `ref` exists and the search shows it."""
    query = select(Treatment.id).where(Treatment.ref == ref, *_matching(search))
    return session.scalar(query) is not None
