"""The clinic's own rows of the register of notified bodies: additions to, or corrections of,
the register ExoDesk ships (exodesk/register/). Its rows win over the shipped ones."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from exodesk.models.base import Base


class NotifiedBody(Base):
    __tablename__ = "notified_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(4), unique=True)  # four digits (NANDO)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(8))
    mdr: Mapped[bool]  # designated under Regulation (EU) 2017/745
    uk_approved: Mapped[bool]  # a UK Approved Body
