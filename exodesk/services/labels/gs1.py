"""The GS1 element string a label's DataMatrix carries: (01) GTIN, (17) expiry, (10) lot.

Three spellings of the same data:

- `element_string`: what a scanner hands over after the symbology identifier `]d2`: the AIs
  and their values run together, fixed-length elements first, the variable-length lot last so
  it needs no separator; any variable-length element that is *not* last is followed by GS
  (ASCII 29, FNC1 in the symbol). GS1 DataMatrix starts with FNC1 in first position, which the
  encoder writes (it is not part of this string).
- `hri`: the human-readable interpretation printed under the symbol, `(01)…(17)…(10)…`.
- `bracketed`: the encoder's input, `[01]…[17]…[10]…`. Square brackets are not in GS1's
  character set 82, so a lot containing `(` or `)` needs no escaping in this form.

Only data GS1 can carry is accepted (NotEncodable says why otherwise): a GTIN-8/12/13/14 with
its right check digit (padded to 14 digits), an expiry in 2000–2099 (YYMMDD; the real day is
written, never day 00), a lot of 1–20 characters from character set 82 (no spaces, nothing
outside ASCII)."""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass

GS = "\x1d"
LOT_MAX_LENGTH = 20
# GS1 General Specifications, figure 7.11-1: the characters AI (10) may hold.
CSET_82 = frozenset(string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_")
_GTIN_LENGTHS = (8, 12, 13, 14)


class NotEncodable(ValueError):
    """The data cannot go into a GS1 symbol; str(exc) says why, in words for the label."""


def gtin_check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(payload)))
    return -total % 10


def gtin14(gtin: str) -> str:
    """`gtin` as 14 digits (GTIN-8, -12, -13 padded with zeros); NotEncodable if it is not a
    GTIN or its check digit is wrong."""
    digits = gtin.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in _GTIN_LENGTHS:
        raise NotEncodable(f"GTIN {gtin!r} is not 8, 12, 13 or 14 digits")
    if gtin_check_digit(digits[:-1]) != int(digits[-1]):
        raise NotEncodable(f"the check digit of GTIN {digits} is wrong")
    return digits.rjust(14, "0")


def yymmdd(day: dt.date) -> str:
    if not 2000 <= day.year <= 2099:
        raise NotEncodable(f"expiry {day.isoformat()} cannot be written as GS1 YYMMDD")
    return day.strftime("%y%m%d")


def lot_problem(lot: str) -> str | None:
    """Why `lot` cannot be carried in AI (10), or None if it can."""
    if not lot:
        return "the lot is empty"
    if len(lot) > LOT_MAX_LENGTH:
        return f"lot {lot} is longer than GS1's {LOT_MAX_LENGTH} characters"
    bad = sorted({c for c in lot if c not in CSET_82})
    if bad:
        shown = " ".join("space" if c == " " else repr(c) for c in bad)
        return f"lot {lot} has characters GS1 does not allow ({shown})"
    return None


@dataclass(frozen=True)
class Gs1Data:
    """Validated: build it with `gs1_data`."""

    gtin: str  # 14 digits, check digit right
    expiry: dt.date
    lot: str  # 1-20 characters of CSET 82

    def elements(self) -> tuple[tuple[str, str, bool], ...]:
        """(AI, value, fixed length?) in symbol order: fixed-length first, the lot last."""
        return (("01", self.gtin, True), ("17", yymmdd(self.expiry), True), ("10", self.lot, False))

    @property
    def element_string(self) -> str:
        parts: list[str] = []
        elements = self.elements()
        for index, (ai, value, fixed) in enumerate(elements):
            parts.append(ai + value)
            if not fixed and index < len(elements) - 1:
                parts.append(GS)
        return "".join(parts)

    @property
    def hri(self) -> str:
        return "".join(f"({ai}){value}" for ai, value, _ in self.elements())

    @property
    def bracketed(self) -> str:
        return "".join(f"[{ai}]{value}" for ai, value, _ in self.elements())


def gs1_data(gtin: str | None, expiry: dt.date, lot: str) -> Gs1Data:
    """The GS1 data for a label, or NotEncodable saying why the label has no DataMatrix."""
    if gtin is None or not gtin.strip():
        raise NotEncodable("no GTIN on file for this product")
    problem = lot_problem(lot)
    if problem is not None:
        raise NotEncodable(problem)
    yymmdd(expiry)
    return Gs1Data(gtin=gtin14(gtin), expiry=expiry, lot=lot)
