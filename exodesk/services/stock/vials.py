"""Open vials: a lyophilised vial reconstituted ("Reconstitute a vial") is usable only for
its product's `reconstitution_hours`, and never after its lot's expiry day. It stays open
until a treatment uses it or it is discarded, which records one vial of waste. Times are the
clinic's local time, minutes exact, as written on the vial's label."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, Lot, LotStatus, Movement, MovementKind, OpenVial, Product
from exodesk.models.enums import RecordKind, VialOutcome
from exodesk.models.vocabulary import phrase
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, utc_now, write_audit
from exodesk.services.errors import Conflict, InvalidInput, NotFound, Problem
from exodesk.services.stock.lots import _lot, _movement, _on_hand, current_status, movement_change

REF_PREFIX = "V-"
_NUMBERED = re.compile(r"^V-(\d+)$")
FUTURE_SLACK = dt.timedelta(minutes=5)  # a clock a little ahead of the wall clock
LAST_HOUR = dt.timedelta(hours=1)  # shown amber: use it now or discard it soon


def local_now() -> dt.datetime:
    """The clinic's wall-clock time to the minute (the vials' labels carry no seconds)."""
    return dt.datetime.now().replace(second=0, microsecond=0)


@dataclass(frozen=True)
class VialRow:
    """An open vial as the clinic reads it: `use_by` is the end of its window (or of its lot's
    expiry day, when that comes first)."""

    ref: str
    product: str
    lot: str
    expiry: dt.date
    gtin: str | None
    reconstituted_at: dt.datetime
    reconstituted_by: str
    hours: int
    use_by: dt.datetime

    def left(self, now: dt.datetime) -> dt.timedelta:
        return self.use_by - now

    def state(self, now: dt.datetime) -> str:
        """ "open", "last hour" (under an hour left) or "expired" (its window has passed)."""
        left = self.left(now)
        if left < dt.timedelta(0):
            return "expired"
        return "last hour" if left <= LAST_HOUR else "open"


class UnknownVial(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"there is no open vial {ref}")


def use_by(reconstituted: dt.datetime, hours: int, expiry: dt.date) -> dt.datetime:
    window_end = reconstituted + dt.timedelta(hours=hours)
    return min(window_end, dt.datetime.combine(expiry, dt.time(23, 59)))


def window_products(session: Session) -> dict[str, int]:
    """The products with a reconstitution window on file (name: hours), by name: those a
    vial of may be reconstituted."""
    return {
        name: hours
        for name, hours in session.execute(
            select(Product.name, Product.reconstitution_hours)
            .where(Product.reconstitution_hours.is_not(None))
            .order_by(Product.name)
        )
        if hours is not None
    }


def _next_ref(session: Session) -> str:
    highest = 0
    for ref in session.scalars(select(OpenVial.ref).where(OpenVial.ref.like(f"{REF_PREFIX}%"))):
        match = _NUMBERED.match(ref)
        if match:
            highest = max(highest, int(match.group(1)))
    return f"{REF_PREFIX}{highest + 1:04d}"


def _key(vial_ref: str, product: str, lot: str) -> str:
    return f"{vial_ref} ({product} / {lot})"


def open_vials(
    session: Session, *, product: str | None = None, ref: str | None = None
) -> list[VialRow]:
    """Every open vial (of `product`, or the one `ref` names), soonest window end first."""
    query = (
        select(OpenVial, Product.name, Product.gtin, Product.reconstitution_hours, Lot)
        .join(Lot, Lot.id == OpenVial.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .where(OpenVial.closed_at.is_(None))
    )
    if product is not None:
        query = query.where(Product.name == product)
    if ref is not None:
        query = query.where(OpenVial.ref == ref)
    rows = [
        VialRow(
            vial.ref,
            name,
            lot.code,
            lot.expiry,
            gtin,
            vial.reconstituted_at,
            vial.reconstituted_by,
            hours or 0,
            use_by(vial.reconstituted_at, hours or 0, lot.expiry),
        )
        for vial, name, gtin, hours, lot in session.execute(query)
    ]
    return sorted(rows, key=lambda r: (r.use_by, r.ref))


def get_vial(session: Session, ref: str) -> VialRow:
    found = open_vials(session, ref=ref)
    if not found:
        raise UnknownVial(ref)
    return found[0]


def reconstitute_vial(
    session: Session,
    product: str,
    lot: str,
    *,
    at: dt.datetime,
    by: str,
    user: str | None,
    now: dt.datetime | None = None,
) -> VialRow:
    """Record a vial of the lot reconstituted at `at` by `by` (a person's name or initials,
    as on the label). Refused for a product with no window on file, a lot that is not
    released then or has expired, a time in the future, or a lot whose every vial on hand is
    open already."""
    require(session, user, Permission.OPEN_VIAL)
    now = now or local_now()
    found = _lot(session, product, lot)
    hours = session.scalar(
        select(Product.reconstitution_hours).where(Product.id == found.product_id)
    )
    problems: list[Problem] = []
    who = by.strip()
    if not who:
        problems.append(Problem("by", "say who reconstituted it (initials will do)"))
    elif len(who) > 200:
        problems.append(Problem("by", "too long (at most 200 characters)"))
    if at > now + FUTURE_SLACK:
        problems.append(Problem("at", f"{at:%Y-%m-%d %H:%M} is in the future"))
    if hours is None:
        problems.append(
            Problem(
                "product",
                f"{product} has no reconstitution window on file: enter the hours its "
                "instructions for use allow in Products first",
            )
        )
    if at.date() > found.expiry:
        problems.append(Problem("lot", f"lot {lot} expired on {found.expiry}: do not use it"))
    status = current_status(session, found)
    if status is not LotStatus.RELEASED:
        problems.append(
            Problem("lot", f"lot {lot} is {phrase(status)}: only released lots may be used")
        )
    if problems:
        raise InvalidInput(problems)
    already_open = session.scalar(
        select(func.count())
        .select_from(OpenVial)
        .where(OpenVial.lot_id == found.id, OpenVial.closed_at.is_(None))
    )
    on_hand = _on_hand(session, found.id)
    if (already_open or 0) >= on_hand:
        raise Conflict(
            f"lot {lot} of {product} has {on_hand} vial(s) on hand and {already_open} already "
            "open: there is no closed vial left to reconstitute"
        )
    ref = _next_ref(session)
    vial = OpenVial(
        ref=ref,
        lot_id=found.id,
        reconstituted_at=at.replace(second=0, microsecond=0),
        reconstituted_by=who,
        recorded_at=utc_now(),
        recorded_by=user,
    )
    session.add(vial)
    session.flush()
    write_audit(
        session,
        [
            Change(
                RecordKind.OPEN_VIAL,
                _key(ref, product, lot),
                AuditAction.CREATE,
                new={"reconstituted": f"{vial.reconstituted_at:%Y-%m-%dT%H:%M}", "by": who},
            )
        ],
        user=user,
        reason="reconstituted",
    )
    return get_vial(session, ref)


def _open(session: Session, ref: str) -> OpenVial:
    vial = session.scalars(select(OpenVial).where(OpenVial.ref == ref)).one_or_none()
    if vial is None or vial.closed_at is not None:
        raise UnknownVial(ref)
    return vial


def discard_vial(
    session: Session,
    ref: str,
    *,
    reason: str,
    on: dt.date,
    user: str | None,
    now: dt.datetime | None = None,
) -> str:
    """Discard an open vial: one vial of waste on its lot (with the reason), the vial closed.
    Returns the waste movement's reference."""
    require(session, user, Permission.OPEN_VIAL)
    why = reason.strip()
    if not why:
        raise InvalidInput([Problem("reason", "say why it is discarded (kept in the audit trail)")])
    vial = _open(session, ref)
    row = get_vial(session, ref)
    lot = session.get(Lot, vial.lot_id)
    assert lot is not None
    before = _on_hand(session, lot.id)
    day = max(on, vial.reconstituted_at.date())
    what = f"open vial {ref}: {why}"
    movement_ref = _movement(
        session,
        lot,
        kind=MovementKind.WASTE,
        on=day,
        quantity=-1,
        reason=what,
        user=user or vial.reconstituted_by,
    )
    vial.movement_id = session.scalar(select(Movement.id).where(Movement.ref == movement_ref))
    _close(vial, VialOutcome.DISCARDED, user, now)
    session.flush()
    write_audit(
        session,
        [
            Change(
                "lot",
                f"{row.product} / {row.lot}",
                AuditAction.UPDATE,
                "on_hand",
                before,
                before - 1,
            ),
            movement_change(
                row.product,
                row.lot,
                movement_ref,
                MovementKind.WASTE,
                day,
                -1,
                f"open vial {ref}: {why}",
            ),
            Change(
                RecordKind.OPEN_VIAL,
                _key(ref, row.product, row.lot),
                AuditAction.UPDATE,
                "outcome",
                None,
                VialOutcome.DISCARDED.value,
            ),
        ],
        user=user,
        reason=why,
    )
    return movement_ref


def close_used_vial(
    session: Session,
    ref: str,
    *,
    treatment_id: int,
    treatment_ref: str,
    lot_id: int,
    user: str | None,
    now: dt.datetime | None = None,
) -> OpenVial:
    """Close an open vial as used by a treatment of the same lot (in the treatment's own
    transaction)."""
    vial = _open(session, ref)
    if vial.lot_id != lot_id:
        raise InvalidInput(
            [Problem("vial", f"open vial {ref} is of another lot than the treatment's")]
        )
    vial.treatment_id = treatment_id
    _close(vial, VialOutcome.USED, user, now)
    row_lot = session.get(Lot, lot_id)
    assert row_lot is not None
    product = session.scalar(select(Product.name).where(Product.id == row_lot.product_id))
    write_audit(
        session,
        [
            Change(
                RecordKind.OPEN_VIAL,
                _key(ref, str(product), row_lot.code),
                AuditAction.UPDATE,
                "outcome",
                None,
                f"{VialOutcome.USED.value} by {treatment_ref}",
            )
        ],
        user=user,
        reason=None,
    )
    return vial


def _close(vial: OpenVial, outcome: VialOutcome, user: str | None, now: dt.datetime | None) -> None:
    vial.closed_at = now or local_now()
    vial.closed_by = user
    vial.outcome = outcome
