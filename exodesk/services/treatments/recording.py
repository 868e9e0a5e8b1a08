"""Recording a treatment: the lots it may use (first expiry, first out), the compliance findings
it would raise, and writing it with its stock use and audit rows. Block findings stop the
write unless a reason for overriding them is given; the reason is kept."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from exodesk.models import (
    AuditAction,
    Lot,
    LotStatus,
    Movement,
    MovementKind,
    Product,
    Role,
    Route,
    Severity,
    Treatment,
    User,
    Zone,
)
from exodesk.models.vocabulary import (
    PRACTITIONER_MUST_BE_YOU,
    PRACTITIONER_NONE,
    PRACTITIONER_NOT_AN_ACCOUNT,
    field_words,
)
from exodesk.services.accounts.users import Permission, accounts_exist, acting_role, require
from exodesk.services.audit.trail import Change, utc_now, write_audit
from exodesk.services.catalogue.products import UnknownProduct
from exodesk.services.compliance import rules
from exodesk.services.compliance.rules import Flag, LotFacts
from exodesk.services.errors import Conflict, InvalidInput, Problem
from exodesk.services.interchange.schema import (
    FieldProblem,
    TreatmentIn,
    plain_message,
    reason_problem,
)
from exodesk.services.refs import highest_number
from exodesk.services.search import contains_text
from exodesk.services.stock.ledger import Entry, ensure_not_overdrawn
from exodesk.services.stock.on_hand import stock_query
from exodesk.services.stock.vials import close_used_vial, get_vial

REF_PREFIX = "T-"


@dataclass(frozen=True)
class LotChoice:
    """A lot that may be used on a date: released then, not expired, with stock on hand."""

    lot: str
    expiry: dt.date
    on_hand: int
    location: str | None


@dataclass(frozen=True)
class TreatmentDraft:
    """A treatment as the user is entering it. `route` and `zone` are vocabulary values."""

    date: dt.date
    product: str
    lot: str
    patient: str
    practitioner: str
    route: str
    zone: str | None
    vials: int
    time: dt.time | None = None  # when it was given, local clinic time
    reconstituted: dt.datetime | None = None  # when its vial was reconstituted, local
    vial: str | None = None  # the open vial it uses (V-0001), closed when it is recorded


@dataclass(frozen=True)
class RecordedTreatment:
    ref: str
    findings: tuple[Flag, ...]
    overridden: tuple[str, ...]  # the rules of the block findings overridden, if any


@dataclass(frozen=True)
class TreatmentRow:
    ref: str
    date: dt.date
    patient: str
    practitioner: str
    product: str
    lot: str
    route: str
    zone: str | None
    vials: int
    overridden: bool
    override_reason: str | None = None
    void: bool = False  # entered in error: shown struck through, counted nowhere
    recorded_by: str | None = None
    time: dt.time | None = None  # when it was given (local)
    reconstituted: dt.datetime | None = None  # when its vial was reconstituted (local)


@dataclass(frozen=True)
class Practitioners:
    """Whom a user may name as the treatment's practitioner. With accounts, `names` are the
    only choices (a practitioner: themselves; an admin: the active practitioner accounts,
    then the admin's own name, for the clinic's doctor who also runs it);
    with no accounts at all, `free_text` is True and `names` only suggests earlier ones."""

    names: tuple[str, ...]
    free_text: bool


class Blocked(Conflict):
    """Block findings stop the treatment; nothing was written. `flags` are those findings."""

    def __init__(self, flags: list[Flag]) -> None:
        rules_hit = ", ".join(dict.fromkeys(f.rule for f in flags))
        super().__init__(
            f"{len(flags)} block finding(s) ({rules_hit}): the treatment is not recorded "
            "unless a reason for overriding them is given"
        )
        self.flags = flags


# -- reading -----------------------------------------------------------------------------


def intended_routes(session: Session, product: str) -> list[str]:
    """The routes the product's instructions allow, in vocabulary order."""
    routes = session.scalar(select(Product.intended_routes).where(Product.name == product))
    if routes is None:
        raise UnknownProduct(product)
    order = [r.value for r in Route]
    return sorted(routes, key=lambda r: order.index(r) if r in order else len(order))


def known_practitioners(session: Session) -> list[str]:
    """Everyone who has recorded a treatment, by name."""
    return list(
        session.scalars(select(Treatment.practitioner).distinct().order_by(Treatment.practitioner))
    )


def practitioners_for(session: Session, user: str | None) -> Practitioners:
    """The practitioners `user` may record a treatment for (see `Practitioners`)."""
    if not accounts_exist(session):
        return Practitioners(tuple(known_practitioners(session)), free_text=True)
    role = acting_role(session, user)
    if role is Role.PRACTITIONER:
        name = session.scalar(
            select(User.name).where(func.lower(User.name) == (user or "").lower())
        )
        return Practitioners((name or user or "",), free_text=False)
    if role is not Role.ADMIN:
        return Practitioners((), free_text=False)
    names = session.scalars(
        select(User.name)
        .where(User.role == Role.PRACTITIONER, User.active.is_(True))
        .order_by(User.name)
    )
    own = session.scalar(select(User.name).where(func.lower(User.name) == (user or "").lower()))
    others = [n for n in names if n != own]
    return Practitioners((*others, *([own] if own else [])), free_text=False)


def _practitioner(session: Session, named: str, user: str | None) -> str:
    """The practitioner a treatment is recorded for: once the database has accounts, the
    signed-in practitioner, or for an admin a practitioner account or the admin (named as the
    account is; a deactivated one is accepted, for a treatment entered after its giver left).
    With no accounts, the name as given. InvalidInput naming `practitioner` otherwise."""
    if not accounts_exist(session):
        return named
    role = acting_role(session, user)
    if role is Role.PRACTITIONER:
        if named.lower() != (user or "").lower():
            raise InvalidInput(
                [Problem("practitioner", PRACTITIONER_MUST_BE_YOU.format(user=user))]
            )
        return practitioners_for(session, user).names[0]
    if named.lower() == (user or "").lower():  # the admin gave it themselves
        return practitioners_for(session, user).names[-1]
    account = session.scalar(
        select(User.name).where(
            func.lower(User.name) == named.lower(), User.role == Role.PRACTITIONER
        )
    )
    if account is None:
        has_any = session.scalar(select(User.id).where(User.role == Role.PRACTITIONER))
        message = PRACTITIONER_NOT_AN_ACCOUNT.format(name=named) if has_any else PRACTITIONER_NONE
        raise InvalidInput([Problem("practitioner", message)])
    return account


def _product_id(session: Session, product: str) -> int:
    product_id = session.scalar(select(Product.id).where(Product.name == product))
    if product_id is None:
        raise UnknownProduct(product)
    return product_id


def lots_for_treatment(session: Session, product: str, on: dt.date) -> list[LotChoice]:
    """The lots of `product` usable on `on`, first expiry first out: stock on hand above
    zero, not expired on that day, and released on that day."""
    product_id = _product_id(session, product)
    query = stock_query(product_id=product_id).add_columns(Lot.id, Lot.initial_status)
    on_hand = query.selected_columns.on_hand
    query = query.where(Lot.void_on.is_(None), Lot.expiry >= on, on_hand > 0)
    rows = session.execute(query.order_by(Lot.expiry, Lot.code)).all()
    changes: dict[int, list[tuple[dt.date, LotStatus]]] = defaultdict(list)
    for lot_id, day, status in session.execute(
        select(Movement.lot_id, Movement.date, Movement.status)
        .join(Lot, Lot.id == Movement.lot_id)
        .where(
            Lot.product_id == product_id,
            Movement.kind == MovementKind.STATUS_CHANGE,
            Movement.void_on.is_(None),
            Movement.status.is_not(None),
        )
        .order_by(Movement.date, Movement.id)
    ):
        if status is not None:
            changes[lot_id].append((day, status))
    return [
        LotChoice(r.lot, r.expiry, r.on_hand, r.location)
        for r in rows
        if LotFacts(
            r.id, product_id, r.lot, r.expiry, r.on_hand, r.initial_status, tuple(changes[r.id])
        ).status_on(on)
        is LotStatus.RELEASED
    ]


def next_treatment_ref(session: Session) -> str:
    """The next free numbered reference after the highest "T-<number>" held (T-0207 after
    T-0206), never one already taken."""
    number = highest_number(session, Treatment, REF_PREFIX) + 1
    while session.scalar(select(Treatment.id).where(Treatment.ref == _ref(number))) is not None:
        number += 1
    return _ref(number)


def _ref(number: int) -> str:
    return f"{REF_PREFIX}{number:04d}"


# -- findings ----------------------------------------------------------------------------


def _vocabulary(field: str, value: str | None, vocabulary: type[Route] | type[Zone]) -> Any:
    if value is None:
        return None
    try:
        return vocabulary(value)
    except ValueError:
        allowed = ", ".join(v.value for v in vocabulary)
        raise InvalidInput([Problem(field, f"{value!r} is not one of: {allowed}")]) from None


def findings_for(
    session: Session, draft: TreatmentDraft, today: dt.date, ref: str | None = None
) -> list[Flag]:
    """The flags recording `draft` would raise or that concern its product and lot, most
    severe first. Treatment flags name `ref`, the reference the treatment would be given (the
    next free one when None). With no known lot, the product's own flags."""
    product_id = _product_id(session, draft.product)
    route = _vocabulary("route", draft.route, Route)
    zone = _vocabulary("zone", draft.zone, Zone)
    lot_id = session.scalar(
        select(Lot.id).where(
            Lot.product_id == product_id, Lot.code == draft.lot, Lot.void_on.is_(None)
        )
    )
    if lot_id is None:
        facts = rules.load_snapshot(session, with_treatments=False, product_id=product_id)
        return rules.evaluate(replace(facts, lots=[], treatments=[]), today)
    facts = rules.lot_snapshot(session, lot_id)  # the lot and its product only: it is quick
    (lot,) = facts.lots
    treatment = rules.TreatmentFacts(
        ref or next_treatment_ref(session),
        draft.date,
        lot.id,
        route,
        zone,
        time=draft.time,
        reconstituted=draft.reconstituted,
    )
    return rules.flags_for_use(facts, treatment, today)


# -- writing -----------------------------------------------------------------------------


def validate_draft(draft: TreatmentDraft, ref: str) -> TreatmentIn:
    """The draft as the interchange file's treatment record, or InvalidInput naming each
    field that is wrong in the clinic's words."""
    try:
        return TreatmentIn.model_validate(
            {
                "ref": ref,
                "date": draft.date,
                "product": draft.product,
                "lot": draft.lot,
                "patient": draft.patient,
                "practitioner": draft.practitioner,
                "route": draft.route,
                "zone": draft.zone,
                "vials": draft.vials,
                "time": f"{draft.time:%H:%M}" if draft.time is not None else None,
                "reconstituted": (
                    f"{draft.reconstituted:%Y-%m-%dT%H:%M}"
                    if draft.reconstituted is not None
                    else None
                ),
            }
        )
    except ValidationError as exc:
        raise InvalidInput(
            [
                Problem(field_words(_field(e["loc"], e.get("ctx", {}))), plain_message(e))
                for e in exc.errors(include_url=False)
            ]
        ) from None


def _field(loc: tuple[int | str, ...], ctx: dict[str, Any]) -> str:
    """The field an error is about: its place, or for a check across fields the one named."""
    problem = ctx.get("error")
    if isinstance(problem, FieldProblem):
        return problem.field
    return str(loc[0]) if loc else ""


def _lot(session: Session, product: str, lot: str) -> Lot:
    found = session.scalar(
        select(Lot)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.name == product, Lot.code == lot)
    )
    if found is None:
        if session.scalar(select(Product.id).where(Product.name == product)) is None:
            raise InvalidInput([Problem("product", f"no product named {product!r}")])
        raise InvalidInput([Problem("lot", f"no lot {lot!r} of {product}")])
    if found.void_on is not None:
        raise InvalidInput([Problem("lot", f"lot {lot} of {product} is void (entered in error)")])
    return found


def record_treatment(
    session: Session,
    draft: TreatmentDraft,
    *,
    today: dt.date,
    user: str | None,
    override_reason: str | None,
) -> RecordedTreatment:
    """Write the treatment, its use of stock and its audit rows. Raises InvalidInput for bad
    input (a practitioner the user may not name, see `practitioners_for`; a reason for
    overriding shorter than 15 characters or three words), Overdrawn if the lot lacks the
    vials, Blocked if block findings are not overridden by a written reason; then nothing is
    written. Overriding needs OVERRIDE_BLOCK; the treatment keeps who overrode which rules
    and why (its `override`)."""
    require(session, user, Permission.RECORD_TREATMENT)
    if draft.vial is not None and draft.reconstituted is None:  # the vial's label says when
        draft = replace(draft, reconstituted=get_vial(session, draft.vial).reconstituted_at)
    ref = next_treatment_ref(session)
    record = validate_draft(draft, ref)
    practitioner = _practitioner(session, record.practitioner, user)
    if practitioner != record.practitioner:
        record = record.model_copy(update={"practitioner": practitioner})
    lot = _lot(session, record.product, record.lot)
    clean = TreatmentDraft(
        record.date,
        record.product,
        record.lot,
        record.patient,
        practitioner,
        record.route.value,
        record.zone.value if record.zone is not None else None,
        record.vials,
        draft.time,
        draft.reconstituted,
    )
    findings = findings_for(session, clean, today, ref)
    ensure_not_overdrawn(session, lot.id, [Entry(record.date, -record.vials, ref)], lot=lot.code)
    blocks = [f for f in findings if f.severity is Severity.BLOCK]
    reason = (override_reason or "").strip() or None
    if blocks and reason is None:
        raise Blocked(blocks)
    rules_overridden = list(dict.fromkeys(f.rule for f in blocks))
    if blocks:
        require(session, user, Permission.OVERRIDE_BLOCK)
        problem = reason_problem(reason)
        if problem:
            raise InvalidInput([Problem(field_words("override_reason"), problem)])
    now = utc_now()
    treatment = Treatment(
        ref=ref,
        date=record.date,
        lot_id=lot.id,
        patient=record.patient,
        practitioner=record.practitioner,
        route=record.route,
        zone=record.zone,
        vials=record.vials,
        time=draft.time,
        reconstituted=draft.reconstituted,
        override_reason=reason if blocks else None,
        override_by=(user or practitioner) if blocks else None,
        override_rules=rules_overridden if blocks else None,
        recorded_at=now,
        recorded_by=user,
    )
    session.add(treatment)  # its use of the lot: `ledger.counted_uses`
    session.flush()
    changes = [Change("treatment", ref, AuditAction.CREATE, new=record.model_dump(mode="json"))]
    if blocks:
        changes.append(
            Change(
                "treatment",
                ref,
                AuditAction.CREATE,
                field="overridden_blocks",
                new=[{"rule": f.rule, "message": f.message} for f in blocks],
            )
        )
    write_audit(session, changes, user=user, reason=reason if blocks else None, at=now)
    if draft.vial is not None:
        close_used_vial(
            session,
            draft.vial,
            treatment_id=treatment.id,
            treatment_ref=ref,
            lot_id=lot.id,
            user=user,
        )
    return RecordedTreatment(ref, tuple(findings), tuple(rules_overridden))


# -- the list of treatments ----------------------------------------------------------------


def listed_treatments() -> Select[*tuple[Any, ...]]:
    """Every treatment with the columns the list shows (`treatment_row`), unfiltered."""
    return (
        select(
            Treatment.ref,
            Treatment.date,
            Treatment.patient,
            Treatment.practitioner,
            Product.name.label("product"),
            Lot.code.label("lot"),
            Treatment.route,
            Treatment.zone,
            Treatment.vials,
            Treatment.override_reason,
            Treatment.void_on,
            Treatment.recorded_by,
            Treatment.time,
            Treatment.reconstituted,
        )
        .join(Lot, Lot.id == Treatment.lot_id)
        .join(Product, Product.id == Lot.product_id)
    )


def _treatment_query(session: Session, search: str) -> Select[*tuple[Any, ...]]:
    query = listed_treatments()
    words = search.split()
    for word in words:
        query = query.where(
            or_(
                *(
                    contains_text(column, word)
                    for column in (
                        Treatment.patient,
                        Treatment.ref,
                        Product.name,
                        Lot.code,
                        Treatment.practitioner,
                    )
                )
            )
        )
    return query


def treatment_row(r: Any) -> TreatmentRow:
    """A row of `_treatment_query`'s columns (or the listing's, the same names) as listed."""
    return TreatmentRow(
        r.ref,
        r.date,
        r.patient,
        r.practitioner,
        r.product,
        r.lot,
        r.route.value,
        r.zone.value if r.zone is not None else None,
        r.vials,
        r.override_reason is not None,
        r.override_reason,
        void=r.void_on is not None,
        recorded_by=r.recorded_by,
        time=r.time,
        reconstituted=r.reconstituted,
    )


def list_treatments(
    session: Session, *, search: str = "", limit: int | None = None, offset: int = 0
) -> list[TreatmentRow]:
    """Treatments newest first (by date, then latest recorded); every word of `search` must
    appear in the patient, reference, product, lot or practitioner (any case)."""
    query = _treatment_query(session, search).order_by(Treatment.date.desc(), Treatment.id.desc())
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [treatment_row(r) for r in session.execute(query)]


def count_treatments(session: Session, *, search: str = "") -> int:
    query = _treatment_query(session, search).with_only_columns(func.count(Treatment.id))
    return int(session.scalar(query) or 0)
