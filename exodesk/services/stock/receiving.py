"""Receiving a delivery: reading the GS1 DataMatrix on the box (GTIN, lot, expiry, serial) and
booking the boxes into stock as a receipt in the ledger.

A USB scanner types the code like a keyboard ("keyboard wedge"): the `]d2` symbology prefix
may or may not come first, fields of variable length end with a group separator (ASCII 29),
which some scanners type as the text `<GS>` or `^]`, and the last field often has none.

Status of a new lot: QUARANTINE unless the caller says otherwise. A clinic checks the lot's
certificate of analysis before use, and that certificate can only be filed against a lot once
the lot exists, so at the moment of receipt it cannot be on file yet. Quarantine until the
check is the side that fails safe: a forgotten release shows up as a lot that cannot be used,
never as a patient treated from an unchecked lot. A clinic that checks the CoA at the door
picks "released" in the dialog.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import biip
from biip import ParseError
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, Location, Lot, LotStatus, Movement, MovementKind, Product
from exodesk.models.vocabulary import GTIN_MISMATCH_PROBLEM, phrase
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, utc_now, write_audit
from exodesk.services.errors import Conflict, InvalidInput, Problem
from exodesk.services.interchange.schema import LotIn
from exodesk.services.stock.on_hand import stock_query

GS = "\x1d"
# How scanners without a real group separator type one. `^` and `]` are outside the GS1
# character set of lots and serials; `<GS>` could in theory be part of one, but no real lot is.
_GS_ALIASES = ("<GS>", "<gs>", "^]")
_GTIN_LENGTHS = (8, 12, 13, 14)
_DATE_AIS = {
    "11": "production date",
    "12": "due date",
    "13": "packaging date",
    "15": "best before date",
    "16": "sell by date",
    "17": "expiry",
}
MAX_QUANTITY = 10_000
MAX_LOT_LENGTH = 100
RECEIPT_REASON = "received"


class ScanError(InvalidInput):
    """The scan cannot be read; `reason` says why in plain words (the caller knows which
    field held the scan)."""

    def __init__(self, reason: str) -> None:
        super().__init__([Problem("", reason)])
        self.reason = reason


class LotConflict(Conflict):
    """The lot is on file with a different expiry than the one given: nothing is written."""

    def __init__(self, product: str, lot: str, stored: dt.date, given: dt.date) -> None:
        super().__init__(
            f"lot {lot} of {product} is on file with expiry {stored.isoformat()}, but this "
            f"delivery says {given.isoformat()}: check the label on the box, and ask the "
            "supplier which expiry is right"
        )
        self.product = product
        self.lot = lot
        self.stored = stored
        self.given = given


@dataclass(frozen=True)
class Scan:
    gtin: str  # always 14 digits (GTIN-8, -12 and -13 are padded with zeros)
    lot: str | None
    expiry: dt.date | None
    serial: str | None


@dataclass(frozen=True)
class ProductRef:
    name: str
    gtin: str | None


@dataclass(frozen=True)
class LotRef:
    """A lot as it stands now: its current location and status, and its stock on hand."""

    product: str
    lot: str
    expiry: dt.date
    location: str | None
    status: LotStatus
    on_hand: int


@dataclass(frozen=True)
class ReceiptResult:
    product: str
    lot: str
    expiry: dt.date
    quantity: int
    location: str | None
    status: LotStatus
    received: dt.date
    new_lot: bool
    on_hand: int  # stock on hand of the lot after this receipt


# --------------------------------------------------------------------------------------------
# Reading a scan
# --------------------------------------------------------------------------------------------
def parse_scan(text: str) -> Scan:
    """GTIN, lot, expiry and serial from what a scanner typed; ScanError says what is wrong."""
    raw = text.strip(" \t\r\n")
    for alias in _GS_ALIASES:
        raw = raw.replace(alias, GS)
    raw = raw.strip(GS)
    if not raw:
        raise ScanError("the scan is empty")
    if raw.isdigit() and len(raw) in _GTIN_LENGTHS:
        return Scan(_gtin14(raw), None, None, None)  # a plain EAN/UPC barcode: GTIN only
    if raw.startswith("("):  # typed from the text printed under the code: (01)…(17)…(10)…
        try:
            hri = GS1Message.parse_hri(raw)
        except ParseError:
            raise ScanError(
                "cannot read the code as typed: give each part as (01) GTIN, (17) expiry "
                "YYMMDD, (10) lot, e.g. (01)08809531000129(17)280131(10)CV-9001X"
            ) from None
        return _scan_from(hri.element_strings, had_separator=True)
    result = biip.parse(raw)
    link = result.gs1_digital_link_uri
    if result.gs1_message is not None:
        elements = result.gs1_message.element_strings
    elif link is not None:
        elements = link.element_strings
    else:
        raise ScanError(_reason(result.gs1_message_error, raw))
    return _scan_from(elements, had_separator=GS in raw)


def _gtin14(digits: str) -> str:
    try:
        gtin: str = Gtin.parse(digits).as_gtin_14()
    except ParseError:
        raise ScanError(_check_digit_message(digits)) from None
    return gtin


def _check_digit_message(digits: str) -> str:
    payload = digits[:-1]
    weights = (3, 1)
    total = sum(int(c) * weights[i % 2] for i, c in enumerate(reversed(payload)))
    return (
        f"the check digit of GTIN {digits} is wrong (it should end in {-total % 10}): "
        "scan again, or type the code from the box"
    )


def _scan_from(elements: GS1ElementStrings, *, had_separator: bool) -> Scan:
    gtin_element = elements.get(ai="01")
    if gtin_element is None:
        raise ScanError("no GTIN (01) in the scan")
    if gtin_element.gtin is None:
        raise ScanError(_check_digit_message(gtin_element.value))
    lot_element = elements.get(ai="10")
    expiry_element = elements.get(ai="17")
    serial_element = elements.get(ai="21")
    lot = lot_element.value if lot_element is not None else None
    if lot is not None and expiry_element is None and not had_separator:
        _refuse_run_together_lot(lot)
    return Scan(
        gtin=gtin_element.gtin.as_gtin_14(),
        lot=lot,
        expiry=expiry_element.date if expiry_element is not None else None,
        serial=serial_element.value if serial_element is not None else None,
    )


def _refuse_run_together_lot(lot: str) -> None:
    """With no separator after a lot in the middle of the code, the lot swallows the fields
    after it; an expiry inside the lot is the tell-tale sign."""
    for match in re.finditer(r"17(\d{2})(\d{2})(\d{2})", lot):
        _yy, mm, dd = (int(g) for g in match.groups())
        if 1 <= mm <= 12 and dd <= 31:
            raise ScanError(
                f"the lot (10) {lot!r} runs into the expiry (17): the scanner sent no "
                "separator after the lot. Set the scanner to send GS (ASCII 29), or type "
                "the lot and expiry from the box"
            )


def _reason(error: str | None, raw: str) -> str:
    """A plain reason from biip's message about a GS1 code it could not read."""
    if error is None:
        return "not a GS1 code"
    date = re.search(r"AI \((\d\d)\) date/time from '(\d*)'", error)
    if date is None:
        date = re.search(r"Failed to match '(?:\d\d)(\d{0,6}).*' with GS1 AI \((1[1-7])\)", error)
        if date is not None:
            digits, ai = date.group(1), date.group(2)
        else:
            digits, ai = "", ""
    else:
        ai, digits = date.group(1), date.group(2)
    if ai:
        label = _DATE_AIS.get(ai, f"date ({ai})")
        if len(digits) < 6 or not digits.isdigit():
            return f"the {label} ({ai}) is cut short: a date is 6 digits (YYMMDD)"
        return f"{label} {digits[0:2]}-{digits[2:4]}-{digits[4:6]} is not a date"
    if re.search(r"with GS1 AI \(01\)", error):
        return "the GTIN (01) is cut short: a GTIN in a GS1 code is 14 digits"
    unread = re.search(r"Application Identifier from '(.*)'", error)
    body = raw[3:] if raw.startswith("]") else raw  # without the symbology identifier
    if unread is not None and unread.group(1) != body:
        return (
            f"not a GS1 code: cannot read {unread.group(1)!r} near the end (is a separator "
            "missing, or a lot longer than 20 characters?)"
        )
    return "not a GS1 code"


# --------------------------------------------------------------------------------------------
# Looking things up
# --------------------------------------------------------------------------------------------
def _gtin_forms(gtin: str) -> list[str]:
    """The same GTIN written as GTIN-14, -13, -12 and -8: only leading zeros differ."""
    digits = gtin.strip()
    if not digits.isdigit() or len(digits) > 14:
        return []
    full = digits.zfill(14)
    return [full[14 - n :] for n in (14, 13, 12, 8) if full[: 14 - n] == "0" * (14 - n)]


class GtinMismatch(Conflict):
    """The scanned box's GTIN is not the product's: receiving it needs a confirmation."""

    def __init__(self, product: str, scanned: str, own: str | None) -> None:
        problem = Problem(
            "product",
            GTIN_MISMATCH_PROBLEM.format(scanned=scanned, product=product, own=own or "none"),
        )
        super().__init__(problem.message)
        self.problem = problem
        self.product, self.scanned, self.own = product, scanned, own

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (self.problem,)


def assign_gtin(session: Session, product: str, gtin: str, *, user: str) -> str:
    """Give `product` the GTIN of a scanned box (admin: it changes the catalogue). Refused
    when the GTIN is not valid, another product has it, or the product has a GTIN already
    (change that in the product editor). Returns the GTIN as stored (GTIN-14)."""
    require(session, user, Permission.EDIT_CATALOGUE)
    digits = gtin.strip()
    try:
        stored = Gtin.parse(digits).as_gtin_14()
    except ParseError:
        raise InvalidInput([Problem("gtin", f"{digits} is not a valid GTIN")]) from None
    found = session.scalars(select(Product).where(Product.name == product)).one_or_none()
    if found is None:
        raise InvalidInput([Problem("product", f"there is no product named {product!r}")])
    holder = find_product_by_gtin(session, stored)
    if holder is not None:
        raise Conflict(f"GTIN {stored} is already the GTIN of {holder.name}")
    if found.gtin:
        raise Conflict(
            f"{product} already has the GTIN {found.gtin}; change it in the product editor"
        )
    found.gtin = stored
    session.flush()
    write_audit(
        session,
        [Change("product", product, AuditAction.UPDATE, "gtin", None, stored)],
        user=user,
        reason="GTIN assigned from a scanned box",
    )
    return stored


def products_without_gtin(session: Session) -> list[str]:
    """The products a scanned GTIN may be assigned to, by name."""
    return list(
        session.scalars(select(Product.name).where(Product.gtin.is_(None)).order_by(Product.name))
    )


def find_product_by_gtin(session: Session, gtin: str) -> ProductRef | None:
    """The product with this GTIN; a GTIN-13 and its zero-padded GTIN-14 are the same."""
    forms = _gtin_forms(gtin)
    if not forms:
        return None
    row = session.execute(
        select(Product.name, Product.gtin).where(Product.gtin.in_(forms)).order_by(Product.name)
    ).first()
    return None if row is None else ProductRef(row.name, row.gtin)


def find_lot(session: Session, product: str, lot: str) -> LotRef | None:
    """A lot of a product, with its current location, status and stock on hand."""
    query = stock_query().where(Product.name == product, Lot.code == lot.strip())
    row = session.execute(query).first()
    if row is None:
        return None
    return LotRef(
        row.product, row.lot, row.expiry, row.location, LotStatus(row.status), row.on_hand
    )


# --------------------------------------------------------------------------------------------
# Receiving
# --------------------------------------------------------------------------------------------
def receive_delivery(
    session: Session,
    *,
    product: str,
    lot: str,
    expiry: dt.date,
    quantity: int,
    location: str | None,
    received: dt.date,
    user: str,
    status: LotStatus | None = None,
    scanned_gtin: str | None = None,
    gtin_confirmed: bool = False,
) -> ReceiptResult:
    """Book `quantity` vials of a lot into stock, received on `received`.

    `scanned_gtin`, the GTIN of the box scanned, must be the product's own GTIN: a box is
    never received under another product silently. When it is not, GtinMismatch is raised
    unless `gtin_confirmed` says the user confirmed receiving it under this product anyway.

    A new lot is created with `status` (QUARANTINE when not given) at `location`. More boxes
    of a lot already on file join the lot as it is: same expiry (a different one raises
    LotConflict), its current location and status (a different one given is refused). Bad
    input raises InvalidInput naming the field; either way nothing is written.
    """
    require(session, user, Permission.RECEIVE_STOCK)
    product, code = product.strip(), lot.strip()
    product_id = _check_input(session, product, code, expiry, quantity, location, received, status)
    if scanned_gtin and not gtin_confirmed:
        own = session.scalar(select(Product.gtin).where(Product.id == product_id))
        if own is None or own not in _gtin_forms(scanned_gtin):
            raise GtinMismatch(product, scanned_gtin, own)
    existing = session.scalars(
        select(Lot).where(Lot.product_id == product_id, Lot.code == code)
    ).first()
    if existing is not None and existing.void_on is not None:
        raise InvalidInput(
            [
                Problem(
                    "lot",
                    f"lot {code} of {product} was voided (entered in error) and cannot take "
                    "stock; check the lot number on the box",
                )
            ]
        )
    if existing is None:
        return _receive_new_lot(
            session,
            product,
            product_id,
            code,
            expiry,
            quantity,
            location,
            received,
            user,
            status or LotStatus.QUARANTINE,
        )
    return _receive_more(
        session, product, existing, expiry, quantity, location, received, user, status
    )


def _check_input(
    session: Session,
    product: str,
    lot: str,
    expiry: dt.date,
    quantity: int,
    location: str | None,
    received: dt.date,
    status: LotStatus | None,
) -> int:
    errors: list[Problem] = []
    product_id = session.scalar(select(Product.id).where(Product.name == product))
    if not product:
        errors.append(Problem("product", "choose the product"))
    elif product_id is None:
        errors.append(Problem("product", f"there is no product named {product!r}"))
    if not lot:
        errors.append(Problem("lot", "enter the lot number printed on the box"))
    elif len(lot) > MAX_LOT_LENGTH:
        errors.append(Problem("lot", f"a lot number is at most {MAX_LOT_LENGTH} characters"))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        errors.append(Problem("quantity", f"receive at least 1 vial (got {quantity})"))
    elif quantity > MAX_QUANTITY:
        errors.append(
            Problem(
                "quantity",
                f"{quantity} vials in one delivery is more than ExoDesk accepts "
                f"({MAX_QUANTITY}); check the number",
            )
        )
    if (
        location is not None
        and session.scalar(select(Location.id).where(Location.name == location)) is None
    ):
        errors.append(Problem("location", f"there is no storage location named {location!r}"))
    if expiry < received:
        errors.append(
            Problem(
                "expiry",
                f"this lot expired on {expiry.isoformat()}, before it was received on "
                f"{received.isoformat()}: expired stock cannot be received; return it to the "
                "supplier",
            )
        )
    if status is LotStatus.DESTROYED:
        errors.append(Problem("status", "a delivery cannot be received as destroyed"))
    if errors:
        raise InvalidInput(errors)
    assert product_id is not None
    return product_id


def _location_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    return session.scalar(select(Location.id).where(Location.name == name))


def _lot_key(product: str, lot: str) -> str:
    return f"{product} / {lot}"


def _receipt(lot_id: int, day: dt.date, quantity: int, user: str) -> Movement:
    return Movement(
        lot_id=lot_id,
        date=day,
        kind=MovementKind.RECEIPT,
        quantity=quantity,
        reason=RECEIPT_REASON,
        recorded_at=utc_now(),
        recorded_by=user,
    )


def _receive_new_lot(
    session: Session,
    product: str,
    product_id: int,
    code: str,
    expiry: dt.date,
    quantity: int,
    location: str | None,
    received: dt.date,
    user: str,
    status: LotStatus,
) -> ReceiptResult:
    new = Lot(
        product_id=product_id,
        code=code,
        expiry=expiry,
        received=received,
        initial_status=status,
        location_id=_location_id(session, location),
    )
    session.add(new)
    session.flush()
    session.add(_receipt(new.id, received, quantity, user))
    record: dict[str, Any] = LotIn(
        product=product,
        lot=code,
        expiry=expiry,
        received=received,
        quantity=quantity,
        location=location,
        status=status,
    ).model_dump(mode="json")
    write_audit(
        session,
        [Change("lot", _lot_key(product, code), AuditAction.CREATE, new=record)],
        user=user,
        reason="delivery received",
    )
    session.flush()
    return ReceiptResult(
        product, code, expiry, quantity, location, status, received, True, quantity
    )


def _receive_more(
    session: Session,
    product: str,
    lot: Lot,
    expiry: dt.date,
    quantity: int,
    location: str | None,
    received: dt.date,
    user: str,
    status: LotStatus | None,
) -> ReceiptResult:
    if lot.expiry != expiry:
        raise LotConflict(product, lot.code, lot.expiry, expiry)
    now = find_lot(session, product, lot.code)
    assert now is not None
    errors = []
    if location is not None and location != now.location:
        where = f"kept in {now.location}" if now.location else "kept with no location"
        errors.append(
            Problem(
                "location",
                f"lot {lot.code} is {where}; more boxes join the lot where it is. "
                "Receive them there, then move the lot if needed",
            )
        )
    if status is not None and status is not now.status:
        errors.append(
            Problem(
                "status",
                f"lot {lot.code} is {phrase(now.status)}; more boxes "
                "join the lot as it is. Receive them as that, then change the lot's status",
            )
        )
    if lot.received is not None and received < lot.received:
        errors.append(
            Problem(
                "received",
                f"lot {lot.code} was first received on {lot.received.isoformat()}; "
                "a later delivery cannot be dated before that",
            )
        )
    if errors:
        raise InvalidInput(errors)
    before = session.scalar(
        select(func.coalesce(func.sum(Movement.quantity), 0)).where(
            Movement.lot_id == lot.id, Movement.kind == MovementKind.RECEIPT
        )
    )
    session.add(_receipt(lot.id, received, quantity, user))
    write_audit(
        session,
        [
            Change(
                "lot",
                _lot_key(product, lot.code),
                AuditAction.UPDATE,
                field="quantity",
                old=before,
                new=(before or 0) + quantity,
            )
        ],
        user=user,
        reason=f"delivery received: {quantity} more on {received.isoformat()}",
    )
    session.flush()
    return ReceiptResult(
        product,
        lot.code,
        expiry,
        quantity,
        now.location,
        now.status,
        received,
        False,
        now.on_hand + quantity,
    )
