"""The fields a sheet of each kind may give, what sort of value each takes, and the headers
that name them: the field's name, its label in the window, and the usual synonyms. This is the
one place that lists synonyms (shared/INTERCHANGE.md, "Spreadsheets", names the least of them).

Only fields the interchange file's records take are offered (`schema`), so a field the file
gains is offered here as soon as it is listed below."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import cache

from pydantic import BaseModel

from exodesk.models.enums import (
    DocumentKind,
    DocumentStatus,
    Form,
    LotStatus,
    RegulatoryClass,
    Route,
    SourceType,
    Zone,
)
from exodesk.models.vocabulary import field_label, field_words
from exodesk.services.interchange import schema
from exodesk.services.sheets.cells import key


class Sort(Enum):
    """What a cell of the field holds."""

    TEXT = "text"
    LOWER_TEXT = "lower-case text"  # sha256
    GTIN = "GTIN"
    MARKET = "market"
    WHOLE = "whole number"
    YES_NO = "yes or no"
    DATE = "date"
    TIME = "time"
    DATE_TIME = "date and time"
    VOCABULARY = "vocabulary"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    sort: Sort
    vocabulary: type[StrEnum] | None = None
    many: bool = False  # a list: values separated by , or ;
    synonyms: tuple[str, ...] = ()


def _text(name: str, *synonyms: str) -> FieldSpec:
    return FieldSpec(name, Sort.TEXT, synonyms=synonyms)


def _date(name: str, *synonyms: str) -> FieldSpec:
    return FieldSpec(name, Sort.DATE, synonyms=synonyms)


def _whole(name: str, *synonyms: str) -> FieldSpec:
    return FieldSpec(name, Sort.WHOLE, synonyms=synonyms)


def _words(name: str, vocabulary: type[StrEnum], *synonyms: str, many: bool = False) -> FieldSpec:
    return FieldSpec(name, Sort.VOCABULARY, vocabulary, many, synonyms)


_PRODUCT = ("product name", "item", "item name")
_LOT = ("batch", "batch no", "batch number", "lot no", "lot number", "lot code")

SPECS: dict[str, tuple[FieldSpec, ...]] = {
    "products": (
        _text("name", "product", "product name", "item", "item name"),
        _text("manufacturer", "maker", "supplier"),
        FieldSpec("country", Sort.MARKET, synonyms=("country of origin", "origin")),
        FieldSpec("gtin", Sort.GTIN, synonyms=("barcode", "ean", "gtin 14")),
        _words("source_type", SourceType, "source", "origin material", "derived from"),
        _words("form", Form, "presentation"),
        _words("regulatory_class", RegulatoryClass, "class", "regulatory status"),
        _words("intended_routes", Route, "routes", "route", "intended use", many=True),
        FieldSpec(
            "periorbital_approved",
            Sort.YES_NO,
            synonyms=("periorbital", "approved for the periorbital zone"),
        ),
        FieldSpec("markets", Sort.MARKET, many=True, synonyms=("market", "sold in")),
        FieldSpec(
            "composition_documented",
            Sort.YES_NO,
            synonyms=("composition", "composition and purification method documented"),
        ),
        _whole("reconstitution_hours", "reconstitution", "hours after reconstitution"),
        _whole("reorder_level", "reorder at", "minimum stock"),
    ),
    "lots": (
        _text("product", *_PRODUCT),
        _text("lot", *_LOT),
        _date("expiry", "exp", "expiry date", "expiration", "expiration date", "expires", "use by"),
        _date("received", "date received", "received on", "receipt date"),
        _whole("quantity", "qty", "vials", "number of vials", "quantity (vials)"),
        _text("location", "fridge", "storage", "stored in"),
        _words("status", LotStatus, "lot status", "status of a new lot"),
    ),
    "treatments": (
        _text("ref", "treatment ref", "treatment reference", "treatment id"),
        _date("date", "treatment date", "date given", "given on"),
        _text("product", *_PRODUCT),
        _text("lot", *_LOT),
        _text("patient", "patient id", "patient ref", "patient no"),
        _text("practitioner", "clinician", "given by", "injector"),
        _words("route", Route, "route of administration"),
        _words("zone", Zone, "area", "treatment area"),
        _whole("vials", "qty", "quantity", "vials used"),
        FieldSpec("time", Sort.TIME, synonyms=("time given",)),
        FieldSpec("reconstituted", Sort.DATE_TIME, synonyms=("reconstituted at",)),
    ),
    "documents": (
        _words("kind", DocumentKind, "document kind", "type", "document type"),
        _text("number", "document number", "certificate number", "reference", "no"),
        _text("issuer", "issued by", "notified body"),
        _date("issued", "issue date", "date issued", "issued on"),
        _date("expires", "expiry", "expiry date", "expiration", "valid until", "exp", "expires on"),
        FieldSpec(
            "products", Sort.TEXT, many=True, synonyms=("product", "covers", "products covered")
        ),
        _text("lot", *_LOT),
        _words("status", DocumentStatus, "certificate status"),
        FieldSpec("sha256", Sort.LOWER_TEXT, synonyms=("fingerprint", "sha 256")),
        _text("body_number", "notified body number", "nb number", "body"),
        _date("verified_on", "verified", "checked on", "last checked"),
        _text("verified_by", "checked by"),
    ),
}
KINDS = tuple(SPECS)

RECORDS: dict[str, type[BaseModel]] = {
    "products": schema.ProductIn,
    "lots": schema.LotIn,
    "treatments": schema.TreatmentIn,
    "documents": schema.DocumentIn,
}


@cache
def fields_of(kind: str) -> dict[str, FieldSpec]:
    """The fields a sheet of `kind` may give (those its interchange record takes)."""
    taken = RECORDS[kind].model_fields
    return {spec.name: spec for spec in SPECS[kind] if spec.name in taken}


@cache
def required_of(kind: str) -> tuple[str, ...]:
    """The fields a record of `kind` cannot do without ("ref" of a treatment is derived)."""
    model = RECORDS[kind].model_fields
    return tuple(name for name in fields_of(kind) if model[name].is_required())


@cache
def header_keys(kind: str) -> dict[str, str]:
    """Matching key -> field, for the headers that name a field of `kind` without a map: its
    name, its label in the window, its synonyms. A key that two fields share names neither."""
    found: dict[str, set[str]] = {}
    for spec in fields_of(kind).values():
        for words in (spec.name, field_label(spec.name), field_words(spec.name), *spec.synonyms):
            found.setdefault(key(words), set()).add(spec.name)
    own = {key(spec.name): spec.name for spec in fields_of(kind).values()}
    return {k: own.get(k) or next(iter(v)) for k, v in found.items() if len(v) == 1 or k in own}
