"""Users and the append-only audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exodesk.models.base import Base, EnumText
from exodesk.models.enums import AuditAction, Role


class User(Base):
    """A local account. `password_hash` is an argon2 string (never the password); a
    deactivated account stays, so the audit trail's names keep meaning someone."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[Role] = mapped_column(EnumText(Role))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]


class AuditEvent(Base):
    """Who changed what, when (UTC), from what to what, and why. Never updated or deleted
    (triggers refuse it); `hash` chains each event to the one before (services/audit.py)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    user: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[AuditAction] = mapped_column(EnumText(AuditAction))
    record: Mapped[str] = mapped_column(String(32))
    record_key: Mapped[str] = mapped_column(String(300), index=True)
    field: Mapped[str | None] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
