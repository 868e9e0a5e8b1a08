"""Stock counts: open a count (recording what is expected), enter what was found, and close
it, turning each difference into an adjustment movement kept in the audit trail."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk import csvcells
from exodesk.models import (
    AuditAction,
    AuditEvent,
    Location,
    Lot,
    Movement,
    MovementKind,
    Product,
    StockCount,
    StockCountLine,
    Treatment,
)
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, utc_now, write_audit
from exodesk.services.bulk import insert_rows
from exodesk.services.counts.sheet import SheetRow, quoted
from exodesk.services.errors import Conflict, InvalidInput, NotFound, Problem
from exodesk.services.interchange.json_input import control_problem
from exodesk.services.interchange.schema import MAX_VIALS
from exodesk.services.refs import next_movement_refs
from exodesk.services.stock.ledger import counted_movements, counted_uses
from exodesk.services.stock.lots import movement_change
from exodesk.services.stock.on_hand import stock_query


class UnknownCount(NotFound):
    def __init__(self, count_id: int) -> None:
        super().__init__(f"there is no stock count {count_id}")
        self.count_id = count_id


class CountClosed(Conflict):
    def __init__(self, summary: CountSummary) -> None:
        super().__init__(
            f"count {summary.id} was closed on {summary.closed_at:%Y-%m-%d %H:%M} UTC by "
            f"{summary.closed_by or 'someone'}; a closed count is read-only"
        )
        self.count = summary


@dataclass(frozen=True)
class CountSummary:
    id: int
    location: str | None
    count_date: dt.date
    opened_at: dt.datetime
    opened_by: str | None
    closed_at: dt.datetime | None
    closed_by: str | None
    close_reason: str | None
    lines: int
    counted: int

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def scope(self) -> str:
        return self.location or "all locations"


@dataclass(frozen=True)
class CountLine:
    product: str
    lot: str
    expiry: dt.date
    location: str | None
    expected: int | None
    counted: int | None
    counted_by: str | None
    counted_at: dt.datetime | None
    reconciled_expected: int | None
    adjustment: int | None


@dataclass(frozen=True)
class Discrepancy:
    product: str
    lot: str
    location: str | None
    expected: int
    counted: int
    adjustment: int

    def as_json(self) -> dict[str, object]:
        return asdict(self)


# -- reading -----------------------------------------------------------------------------


def _count(session: Session, count_id: int) -> StockCount:
    count = session.get(StockCount, count_id)
    if count is None:
        raise UnknownCount(count_id)
    return count


def _summaries(session: Session, where: object | None = None) -> list[CountSummary]:
    tallies = (
        select(
            StockCountLine.count_id,
            func.count().label("lines"),
            func.count(StockCountLine.counted).label("counted"),
        )
        .group_by(StockCountLine.count_id)
        .subquery()
    )
    query = (
        select(StockCount, Location.name, tallies.c.lines, tallies.c.counted)
        .outerjoin(Location, Location.id == StockCount.location_id)
        .outerjoin(tallies, tallies.c.count_id == StockCount.id)
        .order_by(StockCount.id.desc())
    )
    if where is not None:
        query = query.where(where)  # type: ignore[arg-type]
    return [
        CountSummary(
            c.id,
            loc,
            c.count_date,
            c.opened_at,
            c.opened_by,
            c.closed_at,
            c.closed_by,
            c.close_reason,
            lines or 0,
            counted or 0,
        )
        for c, loc, lines, counted in session.execute(query)
    ]


def list_counts(session: Session) -> list[CountSummary]:
    return _summaries(session)


def get_count(session: Session, count_id: int) -> CountSummary:
    found = _summaries(session, StockCount.id == count_id)
    if not found:
        raise UnknownCount(count_id)
    return found[0]


def _open_count(session: Session, count_id: int) -> StockCount:
    count = _count(session, count_id)
    if count.closed_at is not None:
        raise CountClosed(get_count(session, count_id))
    return count


def count_lines(session: Session, count_id: int) -> list[CountLine]:
    """The lines of a count in sheet order: location, product, lot."""
    _count(session, count_id)
    rows = session.execute(
        select(StockCountLine, Product.name, Lot.code, Lot.expiry)
        .join(Lot, Lot.id == StockCountLine.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .where(StockCountLine.count_id == count_id)
    )
    lines = [
        CountLine(
            product,
            code,
            expiry,
            line.location,
            line.expected,
            line.counted,
            line.counted_by,
            line.counted_at,
            line.reconciled_expected,
            line.adjustment,
        )
        for line, product, code, expiry in rows
    ]
    return sorted(lines, key=lambda x: (x.location or "", x.product, x.lot))


def sheet_rows(session: Session, count_id: int) -> list[SheetRow]:
    """The sheet to count from: every expected lot, `counted` left empty."""
    return [
        SheetRow(x.product, x.lot, x.expiry, x.location, x.expected, None)
        for x in count_lines(session, count_id)
        if x.expected is not None
    ]


# -- opening -----------------------------------------------------------------------------


def start_count(session: Session, *, location: str | None, today: dt.date, user: str | None) -> int:
    """Open a count of one location (or all): record every lot with stock there, as expected
    now. Movements recorded from now on are reconciled when the count is closed."""
    require(session, user, Permission.COUNT_STOCK)
    location_id = None
    if location is not None:
        location_id = session.scalar(select(Location.id).where(Location.name == location))
        if location_id is None:
            raise InvalidInput([Problem("location", f"unknown location {location!r}")])
    count = StockCount(
        location_id=location_id,
        count_date=today,
        opened_at=utc_now(),
        opened_by=user,
        movement_watermark=session.scalar(select(func.coalesce(func.max(Movement.id), 0))) or 0,
        treatment_watermark=session.scalar(select(func.coalesce(func.max(Treatment.id), 0))) or 0,
    )
    session.add(count)
    session.flush()
    stock = stock_query().add_columns(Lot.id.label("lot_id")).subquery()
    query = select(stock.c.lot_id, stock.c.location, stock.c.on_hand).where(stock.c.on_hand > 0)
    if location is not None:
        query = query.where(stock.c.location == location)
    insert_rows(
        session,
        StockCountLine,
        [
            {"count_id": count.id, "lot_id": lot_id, "location": where, "expected": on_hand}
            for lot_id, where, on_hand in session.execute(query)
        ],
    )
    write_audit(
        session,
        [
            Change(
                "stock_count",
                str(count.id),
                AuditAction.CREATE,
                new={"location": location, "date": today.isoformat()},
            )
        ],
        user=user,
        reason="stock count opened",
    )
    return count.id


# -- entering ----------------------------------------------------------------------------


def _chunks(names: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    """`names` a few hundred at a time (a database takes only so many values in one IN)."""
    ordered = sorted(set(names))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _lots_by_key(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Lot]:
    wanted = set(keys)
    found: dict[tuple[str, str], Lot] = {}
    for products in _chunks(p for p, _ in wanted):
        for lot, product in session.execute(
            select(Lot, Product.name)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.name.in_(products))
        ):
            if (product, lot.code) in wanted:
                found[(product, lot.code)] = lot
    return found


def _known_products(session: Session, names: Iterable[str]) -> set[str]:
    known: set[str] = set()
    for chunk in _chunks(names):
        known.update(session.scalars(select(Product.name).where(Product.name.in_(chunk))))
    return known


def enter_rows(
    session: Session, count_id: int, rows: Sequence[SheetRow], *, user: str | None
) -> int:
    """Take the counts of a filled sheet. A row with a count replaces any earlier count of
    its lot; a row with `counted` empty is not counted. Everything is checked first; any
    problem refuses the whole sheet. Returns how many lots were counted."""
    require(session, user, Permission.COUNT_STOCK)
    count = _open_count(session, count_id)
    lines = {
        line.lot_id: line
        for line in session.scalars(
            select(StockCountLine).where(StockCountLine.count_id == count_id)
        )
    }
    lots = _lots_by_key(session, ((r.product, r.lot) for r in rows))
    known_products = _known_products(session, (r.product for r in rows))
    errors: list[Problem] = []
    for r in rows:
        if r.counted is not None and not 0 <= r.counted <= MAX_VIALS:
            errors.append(Problem("counted", _out_of_bounds(r.counted), row=r.row))
        lot = lots.get((r.product, r.lot))
        if lot is None:
            if r.product not in known_products:
                errors.append(Problem("product", f"unknown product {quoted(r.product)}", row=r.row))
            else:
                errors.append(Problem("lot", f"no lot {quoted(r.lot)} of {r.product}", row=r.row))
            continue
        if r.expiry is not None and r.expiry != lot.expiry:
            errors.append(
                Problem(
                    "expiry",
                    f"{r.expiry} but lot {r.lot} of {r.product} expires {lot.expiry}; "
                    "check the label",
                    row=r.row,
                )
            )
        line = lines.get(lot.id)
        why = control_problem(r.location or "") if line is None else None
        if why:  # a lot found but not expected is added with the sheet's location
            errors.append(Problem("location", f"{why}: {quoted(r.location or '')}", row=r.row))
        expected = line.expected if line is not None else None
        if r.expected is not None and r.expected != expected:
            said = "did not expect this lot" if expected is None else f"expected {expected}"
            errors.append(
                Problem(
                    "expected",
                    f"the sheet says {r.expected} but count {count_id} {said}; "
                    "is this the sheet of another count?",
                    row=r.row,
                )
            )
    if errors:
        raise InvalidInput(errors)
    now = utc_now()
    changes: list[Change] = []
    entered = 0
    for r in rows:
        if r.counted is None:
            continue
        lot = lots[(r.product, r.lot)]
        line = lines.get(lot.id)
        if line is None:
            line = StockCountLine(
                count_id=count_id,
                lot_id=lot.id,
                expected=None,
                location=r.location or _location_name(session, count),
            )
            session.add(line)
            lines[lot.id] = line
        old = line.counted
        line.counted, line.counted_at, line.counted_by = r.counted, now, user
        entered += 1
        if old != r.counted:
            changes.append(
                Change(
                    "stock_count",
                    f"{count_id}: {r.product} / {r.lot}",
                    AuditAction.UPDATE,
                    "counted",
                    old,
                    r.counted,
                )
            )
    write_audit(session, changes, user=user, reason=f"counts entered for count {count_id}")
    return entered


def _out_of_bounds(counted: int) -> str:
    if counted < 0:
        return "a count cannot be negative"
    return f"more than {MAX_VIALS:,} vials; check the number"


def _location_name(session: Session, count: StockCount) -> str | None:
    if count.location_id is None:
        return None
    return session.scalar(select(Location.name).where(Location.id == count.location_id))


def record_count(
    session: Session,
    count_id: int,
    product: str,
    lot: str,
    counted: int | None,
    *,
    user: str | None,
    location: str | None = None,
) -> None:
    """One lot counted in ExoDesk (a lot not expected is added to the count)."""
    require(session, user, Permission.COUNT_STOCK)
    if counted is not None and not 0 <= counted <= MAX_VIALS:
        raise InvalidInput([Problem("counted", _out_of_bounds(counted))])
    enter_rows(
        session, count_id, [SheetRow(product, lot, None, location, None, counted, 1)], user=user
    )


# -- closing -----------------------------------------------------------------------------


def _sums(
    session: Session, lot_ids: Sequence[int], count: StockCount, *, since: bool
) -> dict[int, int]:
    """Per lot, the ledger lines that count recorded since the count opened (or before)."""
    sums: dict[int, int] = defaultdict(int)
    for start in range(0, len(lot_ids), 500):
        chunk = lot_ids[start : start + 500]
        moves = counted_movements(chunk).where(
            (Movement.id > count.movement_watermark)
            if since
            else (Movement.id <= count.movement_watermark)
        )
        uses = counted_uses(chunk).where(
            (Treatment.id > count.treatment_watermark)
            if since
            else (Treatment.id <= count.treatment_watermark)
        )
        for query in (moves, uses):
            part = query.subquery()
            for lot_id, total in session.execute(
                select(part.c.lot_id, func.sum(part.c.quantity)).group_by(part.c.lot_id)
            ):
                sums[lot_id] += int(total or 0)
    return sums


@dataclass(frozen=True)
class Reconciled:
    """A counted line of an open count, and what was expected of its lot by now."""

    line: StockCountLine
    product: str
    lot: str
    expected: int

    @property
    def discrepancy(self) -> Discrepancy:
        assert self.line.counted is not None
        return Discrepancy(
            self.product,
            self.lot,
            self.line.location,
            self.expected,
            self.line.counted,
            self.line.counted - self.expected,
        )


def reconcile(session: Session, count: StockCount) -> list[Reconciled]:
    """For each counted lot: its recorded expectation plus every movement recorded since the
    count opened, whatever its date (for a lot found but not expected: its stock on hand when
    the count opened). Reads only; closing and its preview both use it."""
    counted = [
        (line, product, code)
        for line, product, code in session.execute(
            select(StockCountLine, Product.name, Lot.code)
            .join(Lot, Lot.id == StockCountLine.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(StockCountLine.count_id == count.id, StockCountLine.counted.is_not(None))
            .order_by(StockCountLine.location, Product.name, Lot.code)
        )
    ]
    lot_ids = [line.lot_id for line, _, _ in counted]
    since = _sums(session, lot_ids, count, since=True)
    before = _sums(session, lot_ids, count, since=False)
    voided = _voided_since(session, count, lot_ids)
    return [
        Reconciled(
            line,
            product,
            code,
            (
                line.expected - voided[line.lot_id]
                if line.expected is not None
                else before[line.lot_id]
            )
            + since[line.lot_id],
        )
        for line, product, code in counted
    ]


def _voided_since(session: Session, count: StockCount, lot_ids: Sequence[int]) -> dict[int, int]:
    """Per lot, the quantity of movements recorded before the count opened and voided after
    it (the count's expectation held them; they count no more)."""
    keys: dict[str, set[str]] = defaultdict(set)
    for record, key in session.execute(
        select(AuditEvent.record, AuditEvent.record_key).where(
            AuditEvent.field == "void",
            AuditEvent.at >= count.opened_at,
            AuditEvent.record.in_(("movement", "treatment", "lot")),
        )
    ):
        keys[record].add(key)
    sums: dict[int, int] = defaultdict(int)
    if not keys:
        return sums
    wanted = set(lot_ids)
    old = Movement.id <= count.movement_watermark
    rows: list[tuple[int, int]] = []
    for refs in _chunks(keys["movement"]):
        rows += [
            (lot_id, quantity)
            for lot_id, quantity in session.execute(
                select(Movement.lot_id, Movement.quantity).where(old, Movement.ref.in_(refs))
            )
        ]
    for refs in _chunks(keys["treatment"]):
        rows += [
            (lot_id, -vials)
            for lot_id, vials in session.execute(
                select(Treatment.lot_id, Treatment.vials).where(
                    Treatment.id <= count.treatment_watermark, Treatment.ref.in_(refs)
                )
            )
        ]
    lots = {
        f"{product} / {code}": lot_id
        for lot_id, product, code in session.execute(
            select(Lot.id, Product.name, Lot.code)
            .join(Product, Product.id == Lot.product_id)
            .where(Lot.id.in_(wanted), Lot.void_on.is_not(None))
        )
    }
    void_lots = [lots[k] for k in keys["lot"] if k in lots]
    if void_lots:
        rows += [
            (lot_id, quantity)
            for lot_id, quantity in session.execute(
                select(Movement.lot_id, Movement.quantity).where(
                    old, Movement.kind == MovementKind.RECEIPT, Movement.lot_id.in_(void_lots)
                )
            )
        ]
    for lot_id, quantity in rows:
        if lot_id in wanted:
            sums[lot_id] += quantity
    return sums


def close_count(
    session: Session, count_id: int, *, reason: str, today: dt.date, user: str | None
) -> list[Discrepancy]:
    """Reconcile and close. For each counted lot, what was expected by now is its recorded
    expectation plus every movement recorded since the count opened, whatever its date (for
    a lot found but not expected: its stock on hand when the count opened). The difference
    to the count becomes an adjustment movement with `reason` (see `reconcile`)."""
    require(session, user, Permission.CLOSE_COUNT)
    why = reason.strip()
    if not why:
        raise InvalidInput(
            [Problem("reason", "closing a count needs a reason (kept with each adjustment)")]
        )
    count = _open_count(session, count_id)
    counted = reconcile(session, count)
    discrepancies: list[Discrepancy] = []
    for r in counted:
        r.line.reconciled_expected = r.expected
        r.line.adjustment = r.discrepancy.adjustment
        if r.discrepancy.adjustment:
            discrepancies.append(r.discrepancy)
    adjustment_refs = next_movement_refs(session, len(discrepancies))
    refs = iter(adjustment_refs)
    lot_of = {(r.product, r.lot): r.line.lot_id for r in counted}
    now = utc_now()
    insert_rows(
        session,
        Movement,
        [
            {
                "ref": next(refs),
                "lot_id": lot_of[(d.product, d.lot)],
                "date": today,
                "kind": MovementKind.ADJUSTMENT,
                "quantity": d.adjustment,
                "reason": f"stock count {count_id}: {why}",
                "recorded_at": now,
                "recorded_by": user,
            }
            for d in discrepancies
        ],
    )
    count.closed_at, count.closed_by, count.close_reason = now, user, why
    changes = [
        Change(
            "lot", f"{d.product} / {d.lot}", AuditAction.UPDATE, "on_hand", d.expected, d.counted
        )
        for d in discrepancies
    ]
    changes += [
        movement_change(
            d.product,
            d.lot,
            ref,
            MovementKind.ADJUSTMENT,
            today,
            d.adjustment,
            f"stock count {count_id}: {why}",
        )
        for d, ref in zip(discrepancies, adjustment_refs, strict=True)
    ]
    changes.append(
        Change(
            "stock_count",
            str(count_id),
            AuditAction.UPDATE,
            "closed",
            None,
            {"counted": len(counted), "adjusted": len(discrepancies)},
        )
    )
    write_audit(session, changes, user=user, reason=f"stock count {count_id}: {why}", at=now)
    return discrepancies


# -- report ------------------------------------------------------------------------------

REPORT_COLUMNS = (
    "product",
    "lot",
    "expiry",
    "location",
    "expected_at_open",
    "expected_at_close",
    "counted",
    "adjustment",
    "counted_by",
    "counted_at",
)


def report_rows(lines: Sequence[CountLine]) -> list[list[object]]:
    return [
        [
            x.product,
            x.lot,
            x.expiry.isoformat(),
            x.location or "",
            "" if x.expected is None else x.expected,
            "" if x.reconciled_expected is None else x.reconciled_expected,
            "" if x.counted is None else x.counted,
            "" if x.adjustment is None else x.adjustment,
            x.counted_by or "",
            f"{x.counted_at:%Y-%m-%d %H:%M}" if x.counted_at else "",
        ]
        for x in lines
    ]


def report_csv(summary: CountSummary, lines: Sequence[CountLine]) -> str:
    """The count report: a heading block (who, when, why), then one row per lot."""
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\n")
    writer.writerow(
        ["count", summary.id, "scope", summary.scope, "date", summary.count_date.isoformat()]
    )
    writer.writerow(
        ["opened", f"{summary.opened_at:%Y-%m-%d %H:%M} UTC", "by", summary.opened_by or ""]
    )
    closed = f"{summary.closed_at:%Y-%m-%d %H:%M} UTC" if summary.closed_at else "still open"
    writer.writerow(
        ["closed", closed, "by", summary.closed_by or "", "reason", summary.close_reason or ""]
    )
    writer.writerow([])
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(report_rows(lines))
    return out.getvalue()
