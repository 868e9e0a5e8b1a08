"""Every vocabulary of the interchange contract; the strings are the enum values."""

from __future__ import annotations

from enum import StrEnum


class SourceType(StrEnum):
    MSC = "msc"
    PLACENTA = "placenta"
    PLATELET = "platelet"
    PLANT = "plant"
    CONDITIONED_MEDIA = "conditioned_media"
    OTHER = "other"


class Form(StrEnum):
    LYOPHILISED = "lyophilised"
    LIQUID = "liquid"
    SERUM = "serum"
    CREAM = "cream"


class RegulatoryClass(StrEnum):
    COSMETIC = "cosmetic"
    DEVICE_I = "device_i"
    DEVICE_IIA = "device_iia"
    DEVICE_IIB = "device_iib"
    DEVICE_III = "device_iii"
    ATMP = "atmp"
    UNKNOWN = "unknown"


class Route(StrEnum):
    TOPICAL_POST_PROCEDURE = "topical_post_procedure"
    INTRADERMAL = "intradermal"
    SUBDERMAL_SCALP = "subdermal_scalp"
    INTRAVENOUS = "intravenous"
    INTRAMUSCULAR = "intramuscular"
    NEBULISED = "nebulised"
    NASAL = "nasal"
    EYE_DROPS = "eye_drops"


class Zone(StrEnum):
    FACE = "face"
    PERIORBITAL = "periorbital"
    NECK = "neck"
    DECOLLETAGE = "decolletage"
    SCALP = "scalp"
    HANDS = "hands"
    BODY = "body"


class DocumentKind(StrEnum):
    CE_CERTIFICATE = "ce_certificate"
    DECLARATION_OF_CONFORMITY = "declaration_of_conformity"
    IFU = "ifu"
    CERTIFICATE_OF_ANALYSIS = "certificate_of_analysis"
    ATMP_AUTHORISATION = "atmp_authorisation"
    MFDS_REGISTRATION = "mfds_registration"
    SAFETY_REPORT = "safety_report"


class DocumentStatus(StrEnum):
    """A certificate's status as EUDAMED lists it."""

    ISSUED = "issued"
    RESTRICTED = "restricted"  # in force, but covering less than it did
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"  # in force again after a suspension
    WITHDRAWN = "withdrawn"

    @property
    def in_force(self) -> bool:
        return self in IN_FORCE


IN_FORCE = frozenset({DocumentStatus.ISSUED, DocumentStatus.RESTRICTED, DocumentStatus.REINSTATED})


class CheckedAt(StrEnum):
    """Where a certificate or authorisation was checked ("Record a check")."""

    NANDO = "nando"
    EUDAMED = "eudamed"
    BODY = "body"  # with the notified body that issued it
    MHRA = "mhra"


class LotStatus(StrEnum):
    QUARANTINE = "quarantine"
    RELEASED = "released"
    ON_HOLD = "on_hold"
    RECALLED = "recalled"
    DAMAGED = "damaged"
    DESTROYED = "destroyed"


class VialOutcome(StrEnum):
    """How an open vial was closed."""

    USED = "used"  # by a treatment
    DISCARDED = "discarded"  # its window passed, or it was spoilt: recorded as waste


class MovementKind(StrEnum):
    """Ledger rows. The interchange file's `movements` carry the last four kinds;
    receipts come from `lots` and uses from `treatments`."""

    RECEIPT = "receipt"
    USE = "use"
    WASTE = "waste"
    ADJUSTMENT = "adjustment"
    STATUS_CHANGE = "status_change"
    TRANSFER = "transfer"


FILE_MOVEMENT_KINDS = (
    MovementKind.WASTE,
    MovementKind.ADJUSTMENT,
    MovementKind.STATUS_CHANGE,
    MovementKind.TRANSFER,
)


class Role(StrEnum):
    ADMIN = "admin"
    PRACTITIONER = "practitioner"
    STOCK_MANAGER = "stock_manager"
    AUDITOR = "auditor"


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SIGN_IN_FAILED = "sign_in_failed"  # a wrong password or unknown name (record "user")
    SIGNED_IN = "signed_in"  # a sign-in after wrong passwords: they count no more


class RecordKind(StrEnum):
    """What an audit row is about (its `record`)."""

    CLINIC = "clinic"
    LOCATION = "location"
    PRODUCT = "product"
    DOCUMENT = "document"
    LOT = "lot"
    TREATMENT = "treatment"
    MOVEMENT = "movement"
    STOCK_COUNT = "stock_count"
    USER = "user"
    DATABASE = "database"
    BODY = "body"  # a row of the clinic's register of notified bodies
    OPEN_VIAL = "open_vial"  # a vial reconstituted, then used or discarded
    IMPORT = "import"  # an interchange file imported: one event for all its records


class FileState(StrEnum):
    """Whether a document's stored file is still the one attached (SHA-256 compared)."""

    NONE = "no file"
    OK = "ok"
    MISSING = "missing"
    CHANGED = "changed"
    NOT_CHECKED = "not checked"


class BackupKind(StrEnum):
    """Which of the copies ExoDesk keeps a backup is (backup.py's folders)."""

    DAILY = "daily"
    MONTHLY = "monthly"
    BEFORE_MIGRATION = "before_migration"
    BY_HAND = "by_hand"  # "Back up now", or exodesk backup into the backups folder
    BEFORE_RESTORE = "before_restore"  # the database as it was, set aside by a restore
