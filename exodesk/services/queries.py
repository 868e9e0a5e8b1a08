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
