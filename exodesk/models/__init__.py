"""SQLAlchemy ORM models only: no queries, no Qt."""

from .base import Base
from .catalogue import Clinic, Document, Location, Product, document_product
from .counts import StockCount, StockCountLine
from .enums import (
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
from .people import AuditEvent, User
from .stock import Lot, Movement, Treatment

__all__ = [
    "AuditAction",
    "AuditEvent",
    "Base",
    "Clinic",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "Form",
    "Location",
    "Lot",
    "LotStatus",
    "Movement",
    "MovementKind",
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
