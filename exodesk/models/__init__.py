"""SQLAlchemy ORM models only: no queries, no Qt."""

from exodesk.models.base import Base
from exodesk.models.bodies import NotifiedBody
from exodesk.models.catalogue import Clinic, Document, Location, Product, document_product
from exodesk.models.counts import StockCount, StockCountLine
from exodesk.models.enums import (
    AuditAction,
    DocumentKind,
    DocumentStatus,
    Form,
    LotStatus,
    MovementKind,
    RegulatoryClass,
    Role,
    Route,
    Severity,
    SourceType,
    Zone,
)
from exodesk.models.facts import ACCOUNTS_SINCE, DATABASE_ID, DatabaseFact
from exodesk.models.imports import ImportedFile
from exodesk.models.people import AuditEvent, User
from exodesk.models.stock import Lot, Movement, OpenVial, Treatment

__all__ = [
    "ACCOUNTS_SINCE",
    "DATABASE_ID",
    "DatabaseFact",
    "AuditAction",
    "AuditEvent",
    "Base",
    "Clinic",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "Form",
    "ImportedFile",
    "Location",
    "Lot",
    "LotStatus",
    "Movement",
    "MovementKind",
    "NotifiedBody",
    "OpenVial",
    "Product",
    "RegulatoryClass",
    "Role",
    "Route",
    "Severity",
    "SourceType",
    "StockCount",
    "StockCountLine",
    "Treatment",
    "User",
    "Zone",
    "document_product",
]
