"""Facts about the database itself, kept inside it: its identity (the key under which the
audit trail's anchors outside the database are filed) and since when it has had accounts."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exodesk.models.base import Base

DATABASE_ID = "database_id"  # a random hex id, made once, kept by backups and restores
ACCOUNTS_SINCE = "accounts_since"  # UTC ISO time the first account was made; never removed


class DatabaseFact(Base):
    __tablename__ = "database_fact"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
