"""The interchange file (`exodesk/1`) as pydantic models, and plain-word validation errors
that name their JSON path (`lots[3].expiry: not a date`)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from typing import Annotated, Any

from biip import ParseError
from biip.gtin import Gtin
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from exodesk.dates import NoSuchDay, iso_day
from exodesk.models.enums import (
    DocumentKind,
    DocumentStatus,
    Form,
    LotStatus,
    MovementKind,
    RegulatoryClass,
    Route,
    SourceType,
    Zone,
)
from exodesk.models.vocabulary import OVERRIDE_REASON_HINT, RULE_WORDS
from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.interchange.json_input import (
    FILE,
    MAX_PROBLEMS,
    NotPlain,
    control_problem,
    has_unshowable,
    load_json,
    path_part,
    stream_members,
)
from exodesk.services.interchange.json_input import shown as _shown

FORMAT = "exodesk/1"

# The bounds of every whole-vial number in a file (lot quantities, movement quantities); the
# ledger's sums stay far inside SQLite's 64-bit integers.
MAX_VIALS = 1_000_000
MAX_TREATMENT_VIALS = 1000
MAX_TEXT = 200  # the characters of a name (product, lot, location, …)


class FieldProblem(ValueError):
    """Raised inside a model validator (pydantic wraps it, callers never see it): a check
    across fields of one record that is about one field, so the path names that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# Days read so far (a file names the same days again and again); only days that exist
_DAYS: dict[str, dt.date] = {}


def _iso_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        if isinstance(value, str):
            known = _DAYS.get(value)
            if known is None:
                known = iso_day(value)
                if len(_DAYS) < 100_000:
                    _DAYS[value] = known
            return known
    except NoSuchDay as exc:
        raise ValueError(f"not a date ({_shown(value).strip(chr(34))}: {exc})") from None
    except ValueError:
        pass
    raise ValueError(f"not a date (expected YYYY-MM-DD, got {_shown(value)})")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not text (got {_shown(value)})")
    text: str = value.strip()
    if not text:
        raise ValueError("must not be empty")
    why = control_problem(text)
    if why:
        raise ValueError(why)
    return text


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[str, BeforeValidator(_text), Field(max_length=MAX_TEXT)]
LongText = Annotated[str, BeforeValidator(_text), Field(max_length=2000)]
Market = Annotated[str, Field(pattern=r"^(EU|[A-Z]{2})$")]
BodyNumber = Annotated[str, Field(pattern=r"^[0-9]{4}$")]  # a notified body's (NANDO)
Count = Annotated[StrictInt, Field(ge=0, le=MAX_VIALS)]
SignedCount = Annotated[StrictInt, Field(ge=-MAX_VIALS, le=MAX_VIALS)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClinicIn(Record):
    name: Text
    market: Market


class LocationIn(Record):
    name: Text


MAX_REORDER_LEVEL = 1_000_000  # whole vials


class ProductIn(Record):
    name: Text
    manufacturer: Text | None = None
    country: Market | None = None
    gtin: Annotated[str, Field(pattern=r"^\d{14}$")] | None = None
    source_type: SourceType
    form: Form
    regulatory_class: RegulatoryClass
    intended_routes: list[Route] = []
    periorbital_approved: StrictBool = False
    markets: list[Market] = []
    composition_documented: StrictBool = False
    reconstitution_hours: Annotated[StrictInt, Field(ge=0, le=10_000)] | None = None
    reorder_level: Annotated[StrictInt, Field(ge=0, le=MAX_REORDER_LEVEL)] | None = None

    @field_validator("gtin")
    @classmethod
    def _gtin_check_digit(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Gtin.parse(value)
            except ParseError as exc:
                raise ValueError(f"not a valid GTIN: {exc}") from None
        return value

    @field_validator("intended_routes")
    @classmethod
    def _routes_in_vocabulary_order(cls, value: list[Route]) -> list[Route]:
        order = list(Route)
        return sorted(set(value), key=order.index)

    @field_validator("markets")
    @classmethod
    def _markets_sorted(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class DocumentIn(Record):
    kind: DocumentKind
    number: Text
    issuer: Text | None = None
    issued: IsoDate | None = None
    expires: IsoDate | None = None
    products: list[Text] = []
    lot: Text | None = None
    status: DocumentStatus = DocumentStatus.ISSUED
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    body_number: BodyNumber | None = None
    verified_on: IsoDate | None = None
    verified_by: Text | None = None

    @field_validator("products")
    @classmethod
    def _products_sorted(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @model_validator(mode="after")
    def _coa_names_lot(self) -> DocumentIn:
        if self.kind is DocumentKind.CERTIFICATE_OF_ANALYSIS and self.lot is None:
            raise FieldProblem("lot", "a certificate_of_analysis must name its lot")
        if self.lot is not None and not self.products:
            raise FieldProblem(
                "products", "a document naming a lot must name the product in `products`"
            )
        if self.issued and self.expires and self.expires < self.issued:
            raise FieldProblem(
                "expires", f"expires ({self.expires}) is before issued ({self.issued})"
            )
        return self


class BodyIn(Record):
    """A row of the register of notified bodies (the clinic's addition or correction)."""

    number: BodyNumber
    name: Text
    country: Market | None = None
    mdr: StrictBool = False
    uk_approved: StrictBool = False


class VoidIn(Record):
    """A record voided (entered in error): kept, counted nowhere. When, by whom, why."""

    on: IsoDate
    by: Text
    reason: LongText


class LotIn(Record):
    product: Text
    lot: Text
    expiry: IsoDate
    received: IsoDate | None = None
    quantity: Count
    location: Text | None = None
    status: LotStatus = LotStatus.RELEASED
    void: VoidIn | None = None


# A written reason for overriding (block findings, a release without its certificate of
# analysis): at least this many characters and words, so "x" or "ok" is not a reason.
MIN_REASON_CHARACTERS = 15
MIN_REASON_WORDS = 3


def reason_problem(reason: str | None) -> str | None:
    """What is wrong with an override's reason in plain words, or None when it will do."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON_CHARACTERS or len(text.split()) < MIN_REASON_WORDS:
        return f"too short: write {OVERRIDE_REASON_HINT}"
    return None


def _reason(value: Any) -> str:
    text = _text(value)
    problem = reason_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _rule_id(value: Any) -> str:
    if not isinstance(value, str) or value not in RULE_WORDS:
        raise ValueError(f"{_shown(value)} is not a rule id")
    return value


Reason = Annotated[str, BeforeValidator(_reason), Field(max_length=2000)]
RuleId = Annotated[str, BeforeValidator(_rule_id)]


def _clock_time(value: Any) -> str:
    if not isinstance(value, str) or not _CLOCK.fullmatch(value):
        raise ValueError(
            f"not a time of day written as HH:MM, 00:00 to 23:59 (got {_shown(value)})"
        )
    return value


def _local_moment(value: Any) -> str:
    problem = f"not a day and time written as YYYY-MM-DDTHH:MM (got {_shown(value)})"
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        raise ValueError(problem)
    try:
        iso_day(value[:10])
    except NoSuchDay as exc:
        raise ValueError(f"not a day and time ({_shown(value).strip(chr(34))}: {exc})") from None
    return value


_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]")
ClockTime = Annotated[str, BeforeValidator(_clock_time)]  # "HH:MM", local clinic time
LocalMoment = Annotated[str, BeforeValidator(_local_moment)]  # "YYYY-MM-DDTHH:MM", local


class OverrideIn(Record):
    """Block findings overridden when a treatment was recorded: by whom, why, which rules."""

    by: Text
    reason: Reason
    rules: Annotated[list[RuleId], Field(min_length=1)]


class TreatmentIn(Record):
    ref: Text
    date: IsoDate
    product: Text
    lot: Text
    patient: Text
    practitioner: Text
    route: Route
    zone: Zone | None = None
    vials: Annotated[StrictInt, Field(ge=1, le=MAX_TREATMENT_VIALS)]
    time: ClockTime | None = None
    reconstituted: LocalMoment | None = None
    override: OverrideIn | None = None
    void: VoidIn | None = None

    @model_validator(mode="after")
    def _reconstituted_before_use(self) -> TreatmentIn:
        if self.reconstituted is None:
            return self
        opened = dt.datetime.fromisoformat(self.reconstituted)
        if self.time is None:
            late = opened.date() > self.date
            given = f"the end of {self.date}"
        else:
            at = dt.datetime.combine(self.date, dt.time.fromisoformat(self.time))
            late = opened > at
            given = f"{self.date} {self.time}"
        if late:
            raise FieldProblem(
                "reconstituted",
                f"reconstituted at {self.reconstituted.replace('T', ' ')}, after the treatment "
                f"was given ({given}): a vial is reconstituted before it is used",
            )
        return self


class MovementIn(Record):
    ref: Text
    date: IsoDate
    product: Text
    lot: Text
    kind: MovementKind
    quantity: SignedCount = 0
    reason: LongText
    status: LotStatus | None = None
    location: Text | None = None
    void: VoidIn | None = None

    @model_validator(mode="after")
    def _kind_rules(self) -> MovementIn:
        kind = self.kind
        if kind not in (
            MovementKind.WASTE,
            MovementKind.ADJUSTMENT,
            MovementKind.STATUS_CHANGE,
            MovementKind.TRANSFER,
        ):
            raise FieldProblem(
                "kind",
                f"kind {kind.value} is not a file movement (waste, adjustment, "
                "status_change, transfer); receipts are lots and uses are treatments",
            )
        if kind is MovementKind.WASTE and self.quantity >= 0:
            raise FieldProblem(
                "quantity", "a waste movement takes vials out: quantity must be negative"
            )
        if kind is MovementKind.ADJUSTMENT and self.quantity == 0:
            raise FieldProblem("quantity", "an adjustment must change the quantity (not 0)")
        if kind in (MovementKind.STATUS_CHANGE, MovementKind.TRANSFER) and self.quantity != 0:
            raise FieldProblem("quantity", f"a {kind.value} movement has quantity 0")
        if kind is MovementKind.STATUS_CHANGE and self.status is None:
            raise FieldProblem("status", "a status_change must give the new status")
        if kind is MovementKind.TRANSFER and self.location is None:
            raise FieldProblem("location", "a transfer must give the new location")
        if kind is not MovementKind.STATUS_CHANGE and self.status is not None:
            raise FieldProblem("status", "only a status_change gives a status")
        if kind is not MovementKind.TRANSFER and self.location is not None:
            raise FieldProblem("location", "only a transfer gives a location")
        return self


class InterchangeFile(Record):
    format: str
    clinic: ClinicIn | None = None
    locations: list[LocationIn] = []
    products: list[ProductIn] = []
    documents: list[DocumentIn] = []
    lots: list[LotIn] = []
    treatments: list[TreatmentIn] = []
    movements: list[MovementIn] = []
    bodies: list[BodyIn] = []

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value != FORMAT:
            raise ValueError(f"unsupported format {_shown(value)}; this ExoDesk reads {FORMAT!r}")
        return value


def json_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{path_part(part)}" if path else path_part(part)
    return path or FILE


# What each pattern of the schema asks for, in words: no regular expression reaches a person
PATTERN_WORDS = {
    r"^(EU|[A-Z]{2})$": "a two-letter country code in capitals (UK, FR, DE …) or EU",
    r"^\d{14}$": "a GTIN of exactly 14 digits",
    r"^[0-9a-f]{64}$": "a SHA-256 fingerprint (64 characters, 0-9 and a-f)",
    r"^[0-9]{4}$": 'a notified body number of exactly four digits, as text ("0123")',
}


def plain_message(error: ErrorDetails) -> str:
    """One pydantic error in plain words (the path is added by the caller): the one place
    that turns the library's errors into the clinic's words; no library text gets through."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "enum":
        return f"{_shown(error['input'])} is not one of: {ctx.get('expected', '')}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"not a whole number (got {_shown(error['input'])})"
    if kind == "bool_type":
        return f"not true or false (got {_shown(error['input'])})"
    if kind in ("list_type", "model_type", "dict_type", "model_attributes_type"):
        expected = "a list" if kind == "list_type" else "an object"
        return f"not {expected} (got {type(error['input']).__name__})"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']} (got {_shown(error['input'])})"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']} (got {_shown(error['input'])})"
    if kind == "too_short":
        return f"must list at least {ctx['min_length']}"
    if kind in ("string_too_long", "too_long"):
        return f"too long (at most {ctx['max_length']} characters)"
    if kind == "string_pattern_mismatch":
        wanted = PATTERN_WORDS.get(str(ctx.get("pattern", "")), "")
        return f"{_shown(error['input'])} is not " + (wanted or "in the expected form")
    if kind == "string_type":
        return f"not text (got {_shown(error['input'])})"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return f"not a day written as YYYY-MM-DD (got {_shown(error['input'])})"
    return f"{_shown(error['input'])} is not accepted here"


def validation_problems(exc: ValidationError) -> list[Problem]:
    """One Problem per pydantic error, its field the JSON path (`lots[3].expiry`)."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if p not in ("function-after", "function-before"))
        problem = error.get("ctx", {}).get("error")
        if isinstance(problem, FieldProblem):
            loc += (problem.field,)
        problems.append(Problem(json_path(loc), plain_message(error)))
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(FILE, "... and more problems; fix these first"))
            break
    return problems


def parse_interchange(raw: bytes | str) -> InterchangeFile:
    """Parse and validate a whole file; raise InvalidInput with every error found."""
    return validate_interchange(load_json(raw))


def validate_interchange(data: Any) -> InterchangeFile:
    if not isinstance(data, dict):
        raise InvalidInput([Problem(FILE, f"not an ExoDesk file (a JSON {type(data).__name__})")])
    try:
        return InterchangeFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(validation_problems(exc)) from None


# The sections of a file that are lists, with the model of one record (InterchangeFile order)
LIST_SECTIONS: dict[str, type[Record]] = {
    "locations": LocationIn,
    "products": ProductIn,
    "documents": DocumentIn,
    "lots": LotIn,
    "treatments": TreatmentIn,
    "movements": MovementIn,
    "bodies": BodyIn,
}


_TREATMENT_TEXTS = ("ref", "product", "lot", "patient", "practitioner")
_TREATMENT_REQUIRED = frozenset((*_TREATMENT_TEXTS, "date", "route", "vials"))
_ROUTES = frozenset(r.value for r in Route)
_ZONES = frozenset(z.value for z in Zone)


# A treatment record's fields in the order `TreatmentIn.model_dump` gives them
TREATMENT_FIELDS: tuple[str, ...] = tuple(TreatmentIn.model_fields)
_TREATMENT_FIELD_SET = frozenset(TREATMENT_FIELDS)


def plain_treatment(value: Any) -> tuple[Any, ...] | None:
    """The values of the treatment record `TreatmentIn.model_validate(value).model_dump(
    mode="json")` gives, in TREATMENT_FIELDS order, worked out directly for the plainest
    record (names already trimmed, no time, reconstitution, override or void), or None for
    anything else: the model then reads it. A file holds mostly such records; reading them
    without the model (and without a dict for each) is a fraction of the work."""
    if value.__class__ is not dict:
        return None
    keys = value.keys()
    if not _TREATMENT_REQUIRED <= keys or not _TREATMENT_FIELD_SET >= keys:
        return None
    get = value.get
    if (
        get("time") is not None
        or get("reconstituted") is not None
        or get("override") is not None
        or get("void") is not None
    ):
        return None
    ref, product, lot = value["ref"], value["product"], value["lot"]
    patient, practitioner = value["patient"], value["practitioner"]
    for t in (ref, product, lot, patient, practitioner):
        if t.__class__ is not str or not t or len(t) > MAX_TEXT or t.strip() != t:
            return None
    if has_unshowable(ref + product + lot + patient + practitioner):
        return None
    route, zone, vials = value["route"], get("zone"), value["vials"]
    if route.__class__ is not str or route not in _ROUTES:
        return None
    if zone is not None and (zone.__class__ is not str or zone not in _ZONES):
        return None
    if vials.__class__ is not int or not 1 <= vials <= MAX_TREATMENT_VIALS:
        return None
    day = value["date"]
    date = _plain_day(day) if day.__class__ is str else None
    if date is None:
        return None
    return (
        ref,
        date,
        product,
        lot,
        patient,
        practitioner,
        route,
        zone,
        vials,
        None,
        None,
        None,
        None,
    )


@functools.lru_cache(maxsize=4096)
def _plain_day(value: str) -> str | None:
    """A day as the model writes it back (YYYY-MM-DD), or None when the model would refuse it."""
    try:
        return _iso_date(value).isoformat()
    except (ValueError, TypeError):
        return None


def stream_records(text: str) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Every record of a plainly valid file, one at a time, in the file's order: (section,
    the record as `model_dump(mode="json")` gives it); ("clinic", None) for a null clinic.
    Raises NotPlain at the first thing that is not plainly valid: `parse_interchange` then
    reads the file whole and names every problem exactly as it always has."""
    for section, record in stream_values(text):
        if isinstance(record, tuple):
            yield section, dict(zip(TREATMENT_FIELDS, record, strict=True))
        else:
            yield section, record


def stream_values(text: str) -> Iterator[tuple[str, dict[str, Any] | tuple[Any, ...] | None]]:
    """`stream_records`, but a plain treatment comes as its values in TREATMENT_FIELDS order
    (a tuple), not as a dict: what an import of a million treatments holds."""
    format_seen = False
    for key, index, value in stream_members(text):
        if key == "format":
            if value != FORMAT:
                raise NotPlain
            format_seen = True
            continue
        if key == "clinic" and index is None:
            if value is None:
                yield "clinic", None
                continue
            model: type[Record] = ClinicIn
        elif key in LIST_SECTIONS and (index is not None or value == []):
            if index is None:
                continue
            if key == "treatments":
                values = plain_treatment(value)
                if values is not None:
                    yield key, values
                    continue
            model = LIST_SECTIONS[key]
        else:
            raise NotPlain
        try:
            record = model.model_validate(value)
        except ValidationError:
            raise NotPlain from None
        yield key, record.model_dump(mode="json")
    if not format_seen:
        raise NotPlain
