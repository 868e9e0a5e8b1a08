"""What a label says, without Qt: an opened vial's label and a lot's label at receipt.

Callers fill `VialLabel` or `LotLabel` (plain data, no database) and `label_content` turns it
into the lines to print and the GS1 data for the DataMatrix.

A label whose data GS1 cannot carry (a product with no GTIN on file, a GTIN with a wrong
check digit, a lot longer than 20 characters or with a space or accented letter in it) still
prints, with every human-readable line, but no DataMatrix: a symbol missing its GTIN or
carrying a changed lot would be worse than none, since a scanner would trust it. The label's
`no_code_reason` says why, and the renderer prints it where the symbol would have been."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from exodesk.services.labels.gs1 import Gs1Data, NotEncodable, gs1_data

NO_CODE_PREFIX = "No DataMatrix: "


@dataclass(frozen=True)
class VialLabel:
    """A reconstituted (opened) vial. `opened_by` is the person's name or initials;
    `reconstituted` is local clinic time; `reconstitution_hours` is the product's window
    (None: the manufacturer's window is not on file)."""

    product: str
    lot: str
    expiry: dt.date
    reconstituted: dt.datetime
    reconstitution_hours: int | None
    opened_by: str
    gtin: str | None = None

    @property
    def window_end(self) -> dt.datetime | None:
        """reconstituted + the product's window."""
        if self.reconstitution_hours is None:
            return None
        return self.reconstituted + dt.timedelta(hours=self.reconstitution_hours)

    @property
    def use_by(self) -> dt.datetime | None:
        """The window's end, or the end of the lot's expiry day if that comes first."""
        end = self.window_end
        if end is None:
            return None
        return min(end, _expiry_end(self.expiry))


@dataclass(frozen=True)
class LotLabel:
    """A lot as received: stuck on the box or the shelf."""

    product: str
    lot: str
    expiry: dt.date
    received: dt.date | None
    gtin: str | None = None


class LabelKind(enum.StrEnum):
    VIAL = "vial"
    LOT = "lot"


@dataclass(frozen=True)
class TextLine:
    caption: str
    value: str
    strong: bool = False  # printed bold: what the reader must not miss (use by)

    @property
    def text(self) -> str:
        return f"{self.caption}: {self.value}"


@dataclass(frozen=True)
class LabelContent:
    kind: LabelKind
    title: str  # the product's name, first and largest
    lines: tuple[TextLine, ...]
    gs1: Gs1Data | None
    no_code_reason: str | None  # set exactly when gs1 is None

    @property
    def code_caption(self) -> str:
        """The line printed with the symbol: its HRI, or why there is no symbol."""
        if self.gs1 is not None:
            return self.gs1.hri
        return NO_CODE_PREFIX + (self.no_code_reason or "")

    @property
    def file_stem(self) -> str:
        """A file name for the label's PDF (letters, digits, - and _ only)."""
        lot = next((line.value for line in self.lines if line.caption == "Lot"), "")
        raw = f"label-{self.kind.value}-{self.title}-{lot}"
        return re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-")[:80]


def _expiry_end(expiry: dt.date) -> dt.datetime:
    return dt.datetime.combine(expiry, dt.time(23, 59))


def _minute(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def initials(name: str) -> str:
    """`Anna-Lena Berg` -> `ALB`; something already short (`ab`, `JD2`) kept as it is,
    upper-cased."""
    cleaned = name.strip()
    words = [w for w in re.split(r"[\s\-.]+", cleaned) if w]
    if len(words) <= 1 and len(cleaned) <= 4:
        return cleaned.upper()
    return "".join(w[0] for w in words).upper()


def _gs1(gtin: str | None, expiry: dt.date, lot: str) -> tuple[Gs1Data | None, str | None]:
    try:
        return gs1_data(gtin, expiry, lot), None
    except NotEncodable as exc:
        return None, str(exc)


def vial_label_content(vial: VialLabel) -> LabelContent:
    use_by = vial.use_by
    if use_by is None:
        use_by_text = "no window on file: ask before use"
    elif use_by < (vial.window_end or use_by):
        use_by_text = f"{_minute(use_by)} (lot expiry)"
    else:
        use_by_text = _minute(use_by)
    lines = (
        TextLine("Lot", vial.lot),
        TextLine("Exp", vial.expiry.isoformat()),
        TextLine("Reconstituted", _minute(vial.reconstituted)),
        TextLine("Use by", use_by_text, strong=True),
        TextLine("By", initials(vial.opened_by)),
    )
    code, reason = _gs1(vial.gtin, vial.expiry, vial.lot)
    return LabelContent(LabelKind.VIAL, vial.product, lines, code, reason)


def lot_label_content(lot: LotLabel) -> LabelContent:
    lines = [TextLine("Lot", lot.lot), TextLine("Exp", lot.expiry.isoformat(), strong=True)]
    if lot.received is not None:
        lines.append(TextLine("Received", lot.received.isoformat()))
    code, reason = _gs1(lot.gtin, lot.expiry, lot.lot)
    gtin = code.gtin if code is not None else (lot.gtin or "").strip()
    lines.append(TextLine("GTIN", gtin or "none on file"))
    return LabelContent(LabelKind.LOT, lot.product, tuple(lines), code, reason)


def label_content(label: VialLabel | LotLabel) -> LabelContent:
    if isinstance(label, VialLabel):
        return vial_label_content(label)
    return lot_label_content(label)
