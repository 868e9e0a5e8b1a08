"""Every vocabulary in the clinic's words, in one place.

For each member of every enum in `enums.py`: its label (forms, filters, lists), its short
label (narrow table columns), a description where a hint or tooltip explains it, the phrase it
takes inside a sentence ("is now on hold"), and for lot statuses the action that sets it
("Put on hold"). For every compliance rule id of the contract: a plain-words title and what the
rule means. Only people read these words: the interchange file and JSON output keep the enum
values and rule ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from exodesk.models.enums import (
    AuditAction,
    BackupKind,
    CheckedAt,
    DocumentKind,
    DocumentStatus,
    FileState,
    Form,
    LotStatus,
    MovementKind,
    RecordKind,
    RegulatoryClass,
    Role,
    Route,
    Severity,
    SourceType,
    VialOutcome,
    Zone,
)

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Words:
    """How one vocabulary member reads. Empty `short` and `phrase` fall back to `label`."""

    label: str
    short: str = ""
    description: str = ""
    phrase: str = ""
    action: str = ""


@dataclass(frozen=True)
class RuleWords:
    """How one compliance rule reads: `title` names it where a person reads flags, `meaning`
    says why it matters, `missing_document` names the document its flag says is missing."""

    title: str
    meaning: str
    missing_document: str | None = None


_CERTIFICATE_NEEDED = "Needs a CE (or UKCA) certificate from a notified body."

VOCABULARIES: dict[type[StrEnum], Mapping[StrEnum, Words]] = {
    SourceType: {
        SourceType.MSC: Words("Mesenchymal stem cells (MSC)", short="MSC"),
        SourceType.PLACENTA: Words("Placenta"),
        SourceType.PLATELET: Words("Platelets (PRP-derived)", short="Platelet"),
        SourceType.PLANT: Words("Plant (plant stem cell, fruit)", short="Plant"),
        SourceType.CONDITIONED_MEDIA: Words("Conditioned media / secretome", short="Cond. media"),
        SourceType.OTHER: Words("Other"),
    },
    Form: {
        Form.LYOPHILISED: Words("Lyophilised (freeze-dried vial)", short="Lyophilised"),
        Form.LIQUID: Words("Liquid"),
        Form.SERUM: Words("Serum"),
        Form.CREAM: Words("Cream"),
    },
    RegulatoryClass: {
        RegulatoryClass.COSMETIC: Words(
            "Cosmetic",
            description="No certificate needed; but human-derived material (MSC, placenta, "
            "platelets) is banned from cosmetics in the UK and EU.",
            phrase="cosmetic",
        ),
        RegulatoryClass.DEVICE_I: Words(
            "Medical device, class I",
            short="Device I",
            description="Needs the manufacturer's Declaration of Conformity.",
            phrase="class I medical device",
        ),
        RegulatoryClass.DEVICE_IIA: Words(
            "Medical device, class IIa",
            short="Device IIa",
            description=_CERTIFICATE_NEEDED,
            phrase="class IIa medical device",
        ),
        RegulatoryClass.DEVICE_IIB: Words(
            "Medical device, class IIb",
            short="Device IIb",
            description=_CERTIFICATE_NEEDED,
            phrase="class IIb medical device",
        ),
        RegulatoryClass.DEVICE_III: Words(
            "Medical device, class III",
            short="Device III",
            description=_CERTIFICATE_NEEDED,
            phrase="class III medical device",
        ),
        RegulatoryClass.ATMP: Words(
            "ATMP (advanced therapy medicinal product)",
            short="ATMP",
            description="Needs an MHRA or EMA marketing authorisation.",
            phrase="ATMP",
        ),
        RegulatoryClass.UNKNOWN: Words(
            "Unknown (not stated by the supplier)",
            short="Unknown",
            description="Do not use until the supplier states the class and its documents.",
            phrase="product of unknown class",
        ),
    },
    Route: {
        Route.TOPICAL_POST_PROCEDURE: Words(
            "Topical, after a procedure (open microchannels)", short="Topical, post-procedure"
        ),
        Route.INTRADERMAL: Words("Intradermal injection (nappage)", short="Intradermal"),
        Route.SUBDERMAL_SCALP: Words("Subdermal scalp injection", short="Subdermal scalp"),
        Route.INTRAVENOUS: Words("Intravenous"),
        Route.INTRAMUSCULAR: Words("Intramuscular"),
        Route.NEBULISED: Words("Nebulised"),
        Route.NASAL: Words("Nasal"),
        Route.EYE_DROPS: Words("Eye drops"),
    },
    Zone: {
        Zone.FACE: Words("Face"),
        Zone.PERIORBITAL: Words("Periorbital (under the eyes)", short="Periorbital"),
        Zone.NECK: Words("Neck"),
        Zone.DECOLLETAGE: Words("Décolletage"),
        Zone.SCALP: Words("Scalp"),
        Zone.HANDS: Words("Hands"),
        Zone.BODY: Words("Body"),
    },
    DocumentKind: {
        DocumentKind.CE_CERTIFICATE: Words(
            "CE certificate",
            description="Issued by a notified body (give its name and number); class IIa, IIb "
            "and III devices need one.",
        ),
        DocumentKind.DECLARATION_OF_CONFORMITY: Words(
            "Declaration of conformity",
            short="Declaration",
            description="The manufacturer's declaration; class I devices need one.",
        ),
        DocumentKind.IFU: Words(
            "Instructions for use (IFU)",
            short="IFU",
            description="Instructions for use; every product needs them.",
        ),
        DocumentKind.CERTIFICATE_OF_ANALYSIS: Words(
            "Certificate of analysis",
            short="Cert. of analysis",
            description="Covers one lot: choose the product and its lot.",
        ),
        DocumentKind.ATMP_AUTHORISATION: Words(
            "ATMP authorisation", description="MHRA or EMA marketing authorisation of an ATMP."
        ),
        DocumentKind.MFDS_REGISTRATION: Words(
            "MFDS registration",
            description="Registration with Korea's Ministry of Food and Drug Safety.",
        ),
        DocumentKind.SAFETY_REPORT: Words(
            "Safety report",
            description="Field safety notice, periodic safety report or similar.",
        ),
    },
    DocumentStatus: {
        DocumentStatus.ISSUED: Words("Issued", phrase="issued"),
        DocumentStatus.RESTRICTED: Words(
            "Restricted", description="in force, covering less", phrase="restricted"
        ),
        DocumentStatus.SUSPENDED: Words("Suspended", phrase="suspended"),
        DocumentStatus.REINSTATED: Words(
            "Reinstated", description="in force again", phrase="reinstated"
        ),
        DocumentStatus.WITHDRAWN: Words("Withdrawn", phrase="withdrawn"),
    },
    VialOutcome: {
        VialOutcome.USED: Words("Used", phrase="used"),
        VialOutcome.DISCARDED: Words("Discarded", phrase="discarded"),
    },
    CheckedAt: {
        CheckedAt.NANDO: Words(
            "NANDO", description="the European Commission's register", phrase="in NANDO"
        ),
        CheckedAt.EUDAMED: Words(
            "EUDAMED", description="the EU's certificate database", phrase="in EUDAMED"
        ),
        CheckedAt.BODY: Words("The notified body", phrase="with the notified body"),
        CheckedAt.MHRA: Words(
            "MHRA", description="the UK regulator's registers", phrase="with the MHRA"
        ),
    },
    LotStatus: {
        LotStatus.QUARANTINE: Words(
            "Quarantine",
            description="until the CoA is checked",
            phrase="quarantine",
            action="Quarantine",
        ),
        LotStatus.RELEASED: Words("Released", phrase="released", action="Release"),
        LotStatus.ON_HOLD: Words("On hold", phrase="on hold", action="Put on hold"),
        LotStatus.RECALLED: Words("Recalled", phrase="recalled", action="Recall"),
        LotStatus.DAMAGED: Words("Damaged", phrase="damaged", action="Mark damaged"),
        LotStatus.DESTROYED: Words("Destroyed", phrase="destroyed", action="Destroy"),
    },
    MovementKind: {
        MovementKind.RECEIPT: Words("Receipt", phrase="receipt"),
        MovementKind.USE: Words("Use in a treatment", short="Use", phrase="use"),
        MovementKind.WASTE: Words("Waste", phrase="waste"),
        MovementKind.ADJUSTMENT: Words("Adjustment", phrase="adjustment"),
        MovementKind.STATUS_CHANGE: Words("Status change", phrase="status change"),
        MovementKind.TRANSFER: Words("Transfer", phrase="transfer"),
    },
    Role: {
        Role.ADMIN: Words("Admin", phrase="admin"),
        Role.PRACTITIONER: Words("Practitioner", phrase="practitioner"),
        Role.STOCK_MANAGER: Words("Stock manager", phrase="stock manager"),
        Role.AUDITOR: Words("Auditor", phrase="auditor"),
    },
    Severity: {
        Severity.BLOCK: Words("Block", short="BLOCK", phrase="block"),
        Severity.WARN: Words("Warn", short="WARN", phrase="warn"),
        Severity.INFO: Words("Info", short="INFO", phrase="info"),
    },
    AuditAction: {
        AuditAction.CREATE: Words("Created", phrase="created"),
        AuditAction.UPDATE: Words("Changed", phrase="changed"),
        AuditAction.DELETE: Words("Deleted", phrase="deleted"),
        AuditAction.SIGN_IN_FAILED: Words(
            "Sign-in refused",
            description="Someone typed a wrong password, or a name with no active account.",
            phrase="tried to sign in as",
        ),
        AuditAction.SIGNED_IN: Words(
            "Signed in",
            description="Signed in after wrong passwords, which then stopped counting.",
            phrase="signed in as",
        ),
    },
    RecordKind: {
        RecordKind.CLINIC: Words("Clinic"),
        RecordKind.LOCATION: Words("Location"),
        RecordKind.PRODUCT: Words("Product"),
        RecordKind.DOCUMENT: Words("Document"),
        RecordKind.LOT: Words("Lot"),
        RecordKind.TREATMENT: Words("Treatment"),
        RecordKind.MOVEMENT: Words("Stock movement"),
        RecordKind.STOCK_COUNT: Words("Stock count"),
        RecordKind.USER: Words("User account"),
        RecordKind.DATABASE: Words("Database"),
        RecordKind.BODY: Words("Notified body"),
        RecordKind.OPEN_VIAL: Words("Open vial"),
        RecordKind.IMPORT: Words("Imported file"),
    },
    FileState: {
        FileState.NONE: Words(
            "No file",
            short="no file",
            description="No file attached: use Attach file… to keep the scanned document.",
        ),
        FileState.OK: Words(
            "File matches",
            short="ok",
            description="The stored file matches the SHA-256 recorded when it was attached.",
        ),
        FileState.MISSING: Words(
            "File missing",
            short="MISSING",
            description="The stored file is gone from the document store. Attach the original "
            "again.",
        ),
        FileState.CHANGED: Words(
            "File changed",
            short="CHANGED",
            description="The stored file no longer matches the SHA-256 recorded when it was "
            "attached: it was altered or damaged. Attach the original again.",
        ),
        FileState.NOT_CHECKED: Words("Not checked", short="not checked"),
    },
}

# The names the clinic uses for record fields in messages, where they differ from the field.
FIELD_WORDS: dict[str, str] = {
    "ref": "reference",
    "patient": "patient reference",
    "override_reason": "reason for overriding",
}

RULE_WORDS: dict[str, RuleWords] = {
    "class_unknown": RuleWords(
        "Regulatory class not stated",
        "The supplier has not stated the product's regulatory class. Without it, nobody can "
        "tell which documents it needs: do not use it.",
    ),
    "missing_declaration": RuleWords(
        "No Declaration of Conformity",
        "A class I medical device needs the manufacturer's Declaration of Conformity on file.",
        missing_document="Declaration of Conformity",
    ),
    "missing_certificate": RuleWords(
        "No CE certificate",
        "A class IIa, IIb or III medical device needs a CE (or UKCA) certificate from a "
        "notified body that covers this exact product.",
        missing_document="CE certificate",
    ),
    "certificate_withdrawn": RuleWords(
        "Certificate withdrawn or suspended",
        "Certificates cover this product, but every one is withdrawn or suspended: it is no "
        "longer certified.",
        missing_document="valid CE certificate (withdrawn)",
    ),
    "certificate_expired": RuleWords(
        "Certificate expired",
        "Every issued certificate covering this product has expired.",
        missing_document="valid CE certificate (expired)",
    ),
    "certificate_expiring": RuleWords(
        "Certificate expiring soon",
        "The latest valid certificate expires within 90 days (or the clinic's own warning "
        "horizon).",
    ),
    "certificate_restricted": RuleWords(
        "Certificate restricted",
        "Every valid certificate covering this product is restricted: it may no longer cover "
        "the product as it is used.",
    ),
    "certificate_too_long": RuleWords(
        "Certificate valid for more than five years",
        "A certificate under the MDR is valid for at most five years; a longer one is "
        "mistyped or not genuine.",
    ),
    "certificate_body_unknown": RuleWords(
        "Notified body not in the register",
        "The certificate names no notified body number, or one that is not in the register of "
        "notified bodies: check it with the issuer or the public register.",
    ),
    "atmp_unauthorised": RuleWords(
        "ATMP without authorisation",
        "An advanced therapy medicinal product may only be supplied under a marketing "
        "authorisation (MHRA in the UK, EMA in the EU).",
        missing_document="ATMP authorisation",
    ),
    "human_cosmetic_prohibited": RuleWords(
        "Human-derived material sold as a cosmetic",
        "Human-derived material (stem cells, placenta, platelets) is banned from cosmetics in "
        "the UK and EU.",
    ),
    "human_device_not_class_iii": RuleWords(
        "Human-derived device not class III",
        "A device made from human cells or tissues, or their derivatives, is class III under "
        "the MDR: a lower class is mis-declared.",
    ),
    "human_source_review": RuleWords(
        "Human source: confirm it is not an ATMP",
        "A device made from human stem-cell or placental material may really be an ATMP: "
        "confirm its status with the supplier.",
    ),
    "composition_undocumented": RuleWords(
        "Composition not documented",
        "Conditioned media and products without a documented composition need the supplier's "
        "statement of composition and purification method.",
    ),
    "missing_ifu": RuleWords(
        "No instructions for use",
        "Every product needs its instructions for use on file: they define its intended use.",
        missing_document="instructions for use",
    ),
    "missing_coa": RuleWords(
        "Lot without a certificate of analysis",
        "Every lot should come with a certificate of analysis.",
        missing_document="certificate of analysis",
    ),
    "not_for_market": RuleWords(
        "Not marketed where the clinic practises",
        "The product is not marketed where the clinic practises.",
    ),
    "lot_expired_in_stock": RuleWords(
        "Expired lot still in stock",
        "An expired lot still has vials in stock.",
    ),
    "lot_expiring": RuleWords(
        "Lot expiring soon",
        "A lot in stock expires within 60 days (or the clinic's own warning horizon).",
    ),
    "route_outside_intended_use": RuleWords(
        "Used outside its intended routes",
        "The treatment used a route the product is not intended for.",
    ),
    "periorbital_not_approved": RuleWords(
        "Under-eye use not approved",
        "Under-eye (periorbital) use needs a product specifically approved for it.",
    ),
    "used_after_expiry": RuleWords(
        "Used after expiry",
        "The treatment used a lot after its expiry date.",
    ),
    "used_unreleased_lot": RuleWords(
        "Used from a lot not released",
        "The treatment used a lot that was not released on that day (quarantined, on hold, "
        "recalled, damaged or destroyed).",
    ),
    "used_after_reconstitution_window": RuleWords(
        "Used after the reconstitution window",
        "A reconstituted vial is usable only for the hours the manufacturer states; this "
        "treatment was given after that window had passed.",
    ),
}


def words(member: StrEnum) -> Words:
    """All the words for one member of any vocabulary."""
    return VOCABULARIES[type(member)][member]


def label(member: StrEnum) -> str:
    return words(member).label


def short_label(member: StrEnum) -> str:
    found = words(member)
    return found.short or found.label


def description(member: StrEnum) -> str:
    """The hint that explains the member, or "" where none is shown."""
    return words(member).description


def phrase(member: StrEnum) -> str:
    """How the member reads inside a sentence: 'is now on hold', 'a class I medical device'."""
    found = words(member)
    return found.phrase or found.label


def action(status: LotStatus) -> str:
    """The command that gives a lot this status: 'Put on hold'."""
    return words(status).action


def choices(vocabulary: type[E]) -> list[tuple[E, str]]:
    """Every member with its label, in the vocabulary's order (for a combo box)."""
    return [(member, label(member)) for member in vocabulary]


def label_for(vocabulary: type[E], value: str | None) -> str:
    """The label of a stored value; a value outside the vocabulary as it is, None as ""."""
    if value is None:
        return ""
    try:
        return label(vocabulary(value))
    except ValueError:
        return value


def short_label_for(vocabulary: type[E], value: str | None) -> str:
    """As `label_for`, with the short label."""
    if value is None:
        return ""
    try:
        return short_label(vocabulary(value))
    except ValueError:
        return value


def field_words(field: str) -> str:
    """A record field as messages name it: 'patient' -> 'patient reference'."""
    return FIELD_WORDS.get(field, field)


def rule_title(rule_id: str) -> str:
    """The plain-words title of a rule: 'Used outside its intended routes'."""
    return RULE_WORDS[rule_id].title


def rule_meaning(rule_id: str) -> str:
    return RULE_WORDS[rule_id].meaning


def missing_document(rule_id: str) -> str | None:
    """The document a flag of this rule says is missing, if it says one is."""
    return RULE_WORDS[rule_id].missing_document


# -- overrides, who gave a treatment, releasing a lot, scanning a box -------------------------

OVERRIDDEN = "overridden"
OVERRIDE_REASON_HINT = (
    "at least 15 characters and three words saying why, e.g. “consultant reviewed, patient "
    "consented”"
)
OVERRIDE_CONFIRM_TITLE = "Override block findings?"
OVERRIDE_CONFIRM = (
    "You are about to record this treatment despite {count} block finding{s}:\n\n{rules}\n\n"
    "Your name and reason are kept with the treatment and in the audit trail:\n“{reason}”"
)
OVERRIDE_CONFIRM_BUTTON = "Override and record"
OVERRIDDEN_FLAG = "Overridden by {by}{when}: {reason}"
PRACTITIONER_NOT_AN_ACCOUNT = "{name} is not a practitioner account in this database"
PRACTITIONER_MUST_BE_YOU = (
    "you are signed in as {user}: a practitioner records only their own treatments"
)
PRACTITIONER_NONE = "no practitioner account yet: an admin adds one"
DISCARD_TITLE = "Discard this treatment?"
DISCARD_TREATMENT = "Discard the treatment you started ({what})? It has not been recorded."
RELEASE_NEEDS_COA = (
    "lot {lot} of {product} has no certificate of analysis on file: attach the lot's CoA "
    "before releasing it, or an admin may release it with a written reason"
)
RELEASE_OVERRIDE = "Release without a certificate of analysis (admin)"
RELEASE_OVERRIDE_NEEDS_ADMIN = (
    "releasing a lot without a certificate of analysis needs the admin role"
)
RELEASE_OVERRIDE_REASON = "write why this lot is released without its certificate of analysis"
UNKNOWN_GTIN_TITLE = "No product has this GTIN"
UNKNOWN_GTIN = (
    "No product has the GTIN {gtin} that was scanned. Assign it to an existing product, or "
    "create the product from this scan."
)
UNKNOWN_GTIN_ASSIGN = "Assign to a product…"
UNKNOWN_GTIN_CREATE = "Create the product…"
GTIN_MISMATCH_TITLE = "The box's GTIN is not this product's"
GTIN_MISMATCH = (
    "The scanned GTIN {scanned} is not the GTIN of {product} ({own}). Receive the box under "
    "{product} anyway?"
)
GTIN_MISMATCH_CONFIRM = "Receive under {product}"
GTIN_MISMATCH_PROBLEM = (
    "the scanned GTIN {scanned} is not {product}'s ({own}): confirm receiving it under this product"
)


# -- the clinic's settings -------------------------------------------------------------------

VOCABULARIES[BackupKind] = {
    BackupKind.DAILY: Words("Daily", description="Taken at the first start of each day"),
    BackupKind.MONTHLY: Words("Monthly", description="The first daily copy of each month"),
    BackupKind.BEFORE_MIGRATION: Words(
        "Before an upgrade", description="Taken before ExoDesk upgraded the database"
    ),
    BackupKind.BY_HAND: Words("By hand", description="Taken with Back up now"),
    BackupKind.BEFORE_RESTORE: Words(
        "Set aside by a restore", description="The database as it was before a restore"
    ),
}

# Where a clinic may practise: the interchange contract's market codes (a two-letter country
# code, UK for the United Kingdom, or EU for the whole Union), with their names.
MARKET_NAMES: dict[str, str] = {
    "UK": "United Kingdom",
    "EU": "European Union (all member states)",
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
    "CH": "Switzerland",
    "NO": "Norway",
    "US": "United States",
    "KR": "South Korea",
}


def market_label(code: str) -> str:
    """'UK — United Kingdom'; a code without a name as it is."""
    name = MARKET_NAMES.get(code)
    return f"{code} — {name}" if name else code


# -- record fields as people read them (the audit view: "Status: Released → Quarantine") ----

FIELD_LABELS: dict[str, str] = {
    "gtin": "GTIN",
    "sha256": "SHA-256",
    "regulatory_class": "class",
    "source_type": "source",
    "ref": "reference",
    "patient": "patient reference",
    "on_hand": "on hand",
    "body_number": "notified body number",
    "verified_on": "last checked",
    "verified_by": "checked by",
    "override_reason": "reason for overriding",
    "override_rules": "rules overridden",
    "override_by": "overridden by",
    "time": "time given",
    "reconstituted": "reconstituted at",
    "reconstitution_hours": "reconstitution window (hours)",
    "vial": "open vial",
    "uk_approved": "UK approved",
    "mdr": "designated under the MDR",
}

# Which vocabulary a stored field's values come from: (record, field), or (None, field) for
# the same field in every record
FIELD_VOCABULARIES: dict[tuple[str | None, str], type[StrEnum]] = {
    (None, "source_type"): SourceType,
    (None, "form"): Form,
    (None, "regulatory_class"): RegulatoryClass,
    (None, "intended_routes"): Route,
    (None, "route"): Route,
    (None, "zone"): Zone,
    (None, "role"): Role,
    ("document", "kind"): DocumentKind,
    ("document", "status"): DocumentStatus,
    ("movement", "kind"): MovementKind,
    (None, "status"): LotStatus,
    (None, "initial_status"): LotStatus,
}


def field_label(field: str) -> str:
    """A stored field's name in words: 'regulatory_class' -> 'class', 'reorder_level' ->
    'reorder level'."""
    return FIELD_LABELS.get(field, field.replace("_", " "))


# Mistakes are corrected, never erased: voids and corrections, and the detail cards.
VOID = "void"
VOID_ACTION = "&Void…"
CORRECT_ACTION = "Co&rrect…"
VOID_LOT_ACTION = "Void the l&ot…"  # the lot card (V is its "Void this line…")
VOID_LOT_MENU = "&Void the lot…"
VOID_LINE_ACTION = "&Void this line…"
OPEN_CARD = "&Open card"
OPEN_LOT_CARD = "Open the &lot's card"
OPEN_TREATMENT_CARD = "Open the &treatment's card"
VOID_TITLE = "Void {what}"
VOID_INTRO = (
    "{what} will be kept, struck through, but will count nowhere: not in stock, the "
    "compliance check or a recall. This cannot be undone."
)
VOID_REASON = "What was wrong (kept in the audit trail)"
VOID_DONE = "{what} is void: it is kept, but counts nowhere."
VOID_SHOWN = "Void since {on}, by {by}: {reason}"
VOID_COUNTS = "It is kept, but counts nowhere: not in stock, the compliance check or a recall."
CORRECT_TITLE = "Correct treatment {ref}"
CORRECT_REASON = "What was wrong with {ref}"
CORRECT_DONE = "{old} is void; the corrected treatment is {new}."
LOT_CARD_TITLE = "Lot {lot} of {product}"
TREATMENT_CARD_TITLE = "Treatment {ref}"
NOT_YOURS = "only {practitioner}, who gave it, or an admin can void or correct this treatment"
# Correcting a lot or a stock movement (the lot card, the Stock list, the receive dialog).
CORRECT_LOT_ACTION = "Co&rrect the lot…"
CORRECT_LINE_ACTION = "Correct this l&ine…"
CORRECT_LOT_TITLE = "Correct lot {lot} of {product}"
CORRECT_MOVEMENT_TITLE = "Correct {what} {ref}"
CORRECT_STOCK_DONE = "{old} is void; the corrected record is {new}."
CORRECT_SAME_LOT = (
    "This is the lot being corrected: saving corrects it in place (its uses stay with it, and "
    "the audit trail keeps what it said before). To change its product or number, change them "
    "here: the lot is then voided and the delivery received again."
)
CORRECT_LOT_SAVE = "Save the co&rrection"
CORRECT_IN_PLACE_DONE = "Lot {lot} of {product} corrected: {changes}."
CORRECT_IN_PLACE_TIP = "Correct this lot in place; every change is kept in the audit trail"
CORRECT_VOID_TIP = "Void the lot and receive this delivery in its place"
CORRECT_LOCATION_ROW = "L&ocation on receipt:"  # the receive dialog's rows, correcting
CORRECT_STATUS_ROW = "S&tatus on receipt:"
# A lot's fields as a correction in place names them ("expiry 2027-06-30 → 2027-07-31").
CORRECTED_LOT_FIELDS = {
    "expiry": "expiry",
    "received": "received on",
    "quantity": "vials received",
    "initial_location": "location on receipt",
    "initial_status": "status on receipt",
}
# Labels for a lot: from its card, and for each box as it is received.
PRINT_LABEL_ACTION = "&Print label…"
PRINT_LOT_LABELS = "Print a la&bel for each box received"
PRINT_LOT_LABELS_TIP = (
    "After each receipt, the label dialog opens for the lot (Enter prints it): a label with "
    "the product, lot, expiry and a GS1 DataMatrix to stick on the box"
)


def value_words(record: str | None, field: str | None, value: object) -> str:
    """A stored value in words: an enum value by its label, true/false as yes/no, a list
    joined, nothing as —."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value_words(record, field, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {value_words(record, k, v)}" for k, v in value.items())
    if field is not None and isinstance(value, str):
        vocabulary = FIELD_VOCABULARIES.get((record, field)) or FIELD_VOCABULARIES.get(
            (None, field)
        )
        if vocabulary is not None:
            return label_for(vocabulary, value)
    return str(value)


UNKNOWN_GTIN_BY_HAND = "Pick the product by hand"
RELEASE_COA_MISSING = (
    "No certificate of analysis on file for this lot: attach it in Documents before releasing."
)

# Importing a spreadsheet in the window (File › Import from spreadsheet…)
SHEET_KINDS: dict[str, str] = {
    "products": "Products",
    "lots": "Lots (stock received)",
    "treatments": "Treatments",
    "documents": "Documents (certificates)",
}
SHEET_IGNORE_COLUMN = "— ignore this column —"
SHEET_REQUIRED_FIELD = "{label} (required)"
SHEET_DAY_FIRST = "&Day first: {day}"
SHEET_MONTH_FIRST = "&Month first: {month}"
EXPORT_FILTERS = "CSV (*.csv);;Excel workbook (*.xlsx)"

# Open vials: reconstituting one, its time left, discarding it, closing the window with some
RECONSTITUTE_ACTION = "Reconstitute a v&ial…"
RECONSTITUTE_TITLE = "Reconstitute a vial"
RECONSTITUTE_TIP = "Record a vial reconstituted (who, when) and print its label"
RECONSTITUTE_NO_PRODUCT = (
    "No product has a reconstitution window on file: enter the hours its instructions for use "
    "allow in Products first."
)
RECONSTITUTE_NO_LOT = "No released, unexpired lot of this product has a closed vial on hand."
RECONSTITUTE_PRINT = "Vial {ref} is open until {use_by}. Print its label now?"
VIAL_STATE = {"open": "open", "last hour": "LAST HOUR", "expired": "WINDOW PASSED"}
VIAL_LEFT = "{left} left (use by {use_by})"
VIAL_PASSED = "window passed {late} ago (use by {use_by}): discard it"
VIAL_USE = "&Use in a treatment…"
VIAL_DISCARD = "&Discard…"
VIAL_NONE = "Not from an open vial"
OPEN_VIALS_HEADING = "Open vials (reconstituted)"
DISCARD_VIAL_TITLE = "Discard open vial {ref}"
DISCARD_VIAL_INTRO = (
    "Discard {ref} ({product}, lot {lot}, reconstituted {at} by {by})? One vial of waste is "
    "recorded on the lot, with your reason."
)
DISCARD_VIAL_REASON = "Why it is discarded (kept in the audit trail)"
DISCARD_VIAL_BUTTON = "&Discard the vial"
CLOSING_VIALS_TITLE = "Vials still open"
CLOSING_VIALS = (
    "{count} reconstituted vial(s) are still open:\n\n{vials}\n\nThey stay open when ExoDesk "
    "closes. A vial whose window has passed must be discarded."
)
CLOSING_KEEP = "&Keep them open"
CLOSING_DISCARD_EXPIRED = "Discard the &expired ones…"
CLOSING_DISCARD_REASON = "reconstitution window passed"
