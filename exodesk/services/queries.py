"""Small questions about the database as a whole."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from exodesk.models import Clinic, Document, Location, Lot, Product, Treatment


def database_is_empty(session: Session) -> bool:
    return not any(
        session.scalar(select(exists().select_from(model)))
        for model in (Clinic, Location, Product, Document, Lot, Treatment)
    )


def product_names(session: Session) -> list[str]:
    return list(session.scalars(select(Product.name).order_by(Product.name)))


def location_names(session: Session) -> list[str]:
    return list(session.scalars(select(Location.name).order_by(Location.name)))


def lot_codes(session: Session, product: str) -> list[str]:
    """Every lot of a product, newest expiry first (recalls usually concern recent lots)."""
    return list(
        session.scalars(
            select(Lot.code)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.name == product)
            .order_by(Lot.expiry.desc(), Lot.code)
        )
    )


def clinic_summary(session: Session) -> tuple[str, str] | None:
    clinic = session.scalars(select(Clinic).order_by(Clinic.id)).first()
    return None if clinic is None else (clinic.name, clinic.market)
