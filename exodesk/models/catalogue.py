"""The clinic, its storage locations, products and the documents that cover them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exodesk.models.base import Base, EnumText, StringList
from exodesk.models.enums import DocumentKind, DocumentStatus, Form, RegulatoryClass, SourceType


class Clinic(Base):
    """The one clinic this database belongs to (at most one row)."""

    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    market: Mapped[str] = mapped_column(String(8))
    # Warning horizons in days; None: the contract's defaults (settings.py)
    certificate_warning_days: Mapped[int | None]
    lot_warning_days: Mapped[int | None]


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(8))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    source_type: Mapped[SourceType] = mapped_column(EnumText(SourceType))
    form: Mapped[Form] = mapped_column(EnumText(Form))
    regulatory_class: Mapped[RegulatoryClass] = mapped_column(EnumText(RegulatoryClass))
    intended_routes: Mapped[list[str]] = mapped_column(StringList())
    periorbital_approved: Mapped[bool]
    markets: Mapped[list[str]] = mapped_column(StringList())
    composition_documented: Mapped[bool]
    reconstitution_hours: Mapped[int | None]
    reorder_level: Mapped[int | None]  # whole vials: at or below it, running low

    documents: Mapped[list[Document]] = relationship(
        secondary="document_product", back_populates="products"
    )


document_product = Table(
    "document_product",
    Base.metadata,
    Column("document_id", ForeignKey("document.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
)


class Document(Base):
    """A certificate, declaration, IFU, certificate of analysis, authorisation or report."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(EnumText(DocumentKind))
    number: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str | None] = mapped_column(String(200))
    issued: Mapped[dt.date | None]
    expires: Mapped[dt.date | None]
    status: Mapped[DocumentStatus] = mapped_column(EnumText(DocumentStatus))
    sha256: Mapped[str | None] = mapped_column(String(64))
    stored_file: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)  # the attached file's own name
    body_number: Mapped[str | None] = mapped_column(String(4))  # notified body, 4 digits
    verified_on: Mapped[dt.date | None]  # last checked against the issuer or a register
    verified_by: Mapped[str | None] = mapped_column(String(200))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), index=True)

    products: Mapped[list[Product]] = relationship(
        secondary=document_product, back_populates="documents"
    )
