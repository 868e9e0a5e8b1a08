"""Voiding a treatment entered in error (with its stock use), and correcting one: the old
record is voided and the corrected one written with a new reference, in one transaction.

Who may: an admin any treatment (`VOID_TREATMENT`); a practitioner the treatments they gave
or recorded (`VOID_OWN_TREATMENT`). Correcting also needs `RECORD_TREATMENT`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, Lot, Product, Role, Treatment
from exodesk.services.accounts.users import (
    ROLE_PERMISSIONS,
    Permission,
    acting_role,
    allowed,
    needs_text,
    require,
)
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.errors import NotFound, NotPermitted
from exodesk.services.stock.voiding import (
    UNKNOWN_USER,
    AlreadyVoid,
    VoidMark,
    mark_void,
    void_change,
    void_reason,
)
from exodesk.services.treatments.recording import (
    RecordedTreatment,
    TreatmentDraft,
    next_treatment_ref,
    record_treatment,
)


class UnknownTreatment(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no treatment {ref!r} in this database")
        self.ref = ref


@dataclass(frozen=True)
class Correction:
    """The voided treatment and the one written in its place."""

    voided: str
    recorded: RecordedTreatment


def _same_person(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def may_void_treatment(
    role: Role | None, user: str | None, practitioner: str, recorded_by: str | None
) -> bool:
    """Whether `user` (with `role`; None: no accounts) may void this treatment."""
    if allowed(role, Permission.VOID_TREATMENT):
        return True
    own = _same_person(user, practitioner) or _same_person(user, recorded_by)
    return own and allowed(role, Permission.VOID_OWN_TREATMENT)


def _may_void_some(session: Session, user: str | None) -> None:
    """NotPermitted unless the user's role may void some treatment (asked before looking)."""
    role = acting_role(session, user)
    if not (
        allowed(role, Permission.VOID_TREATMENT) or allowed(role, Permission.VOID_OWN_TREATMENT)
    ):
        require(session, user, Permission.VOID_OWN_TREATMENT)


def _require_void(session: Session, user: str | None, treatment: Treatment) -> None:
    role = acting_role(session, user)
    if may_void_treatment(role, user, treatment.practitioner, treatment.recorded_by):
        return
    assert role is not None
    if Permission.VOID_OWN_TREATMENT in ROLE_PERMISSIONS[role]:
        raise NotPermitted(
            f"treatment {treatment.ref} was given by {treatment.practitioner}: a practitioner "
            "voids only their own treatments; an admin can void it"
        )
    raise NotPermitted(f"{user} may not: {needs_text(Permission.VOID_OWN_TREATMENT)}")


def _treatment(session: Session, ref: str) -> Treatment:
    found = session.scalar(select(Treatment).where(Treatment.ref == ref.strip()))
    if found is None:
        raise UnknownTreatment(ref)
    return found


def _void(session: Session, treatment: Treatment, mark: VoidMark) -> None:
    mark_void(treatment, mark)  # its use of the lot is void with it (`ledger.counted_uses`)
    session.flush()


def void_treatment(
    session: Session, ref: str, *, reason: str, today: dt.date, user: str | None
) -> VoidMark:
    """Void a treatment and its stock use: it is kept, but counts nowhere (stock, flags,
    trace). Nothing is taken below zero by it: a void gives the vials back."""
    _may_void_some(session, user)
    treatment = _treatment(session, ref)
    _require_void(session, user, treatment)
    why = void_reason(reason)
    if treatment.void_on is not None:
        raise AlreadyVoid(f"treatment {treatment.ref}")
    mark = VoidMark(today, user or UNKNOWN_USER, why)
    _void(session, treatment, mark)
    write_audit(session, [void_change("treatment", treatment.ref, mark)], user=user, reason=why)
    return mark


def correct_treatment(
    session: Session,
    ref: str,
    draft: TreatmentDraft,
    *,
    reason: str,
    today: dt.date,
    user: str | None,
    override_reason: str | None = None,
) -> Correction:
    """Void treatment `ref` and record `draft` in its place (a new reference), both or
    neither. The audit trail links them: the void says "corrected by T-0008", the new
    record "corrects T-0001"."""
    _may_void_some(session, user)
    treatment = _treatment(session, ref)
    _require_void(session, user, treatment)
    require(session, user, Permission.RECORD_TREATMENT)
    why = void_reason(reason)
    if treatment.void_on is not None:
        raise AlreadyVoid(f"treatment {treatment.ref}")
    new_ref = next_treatment_ref(session)
    mark = VoidMark(today, user or UNKNOWN_USER, f"{why} (corrected by {new_ref})")
    _void(session, treatment, mark)
    write_audit(session, [void_change("treatment", treatment.ref, mark)], user=user, reason=why)
    recorded = record_treatment(
        session, draft, today=today, user=user, override_reason=override_reason
    )
    write_audit(
        session,
        [
            Change(
                "treatment",
                recorded.ref,
                AuditAction.UPDATE,
                field="corrects",
                old=None,
                new=treatment.ref,
            )
        ],
        user=user,
        reason=f"corrects {treatment.ref}: {why}",
    )
    return Correction(treatment.ref, recorded)


def stored_treatment(session: Session, ref: str) -> tuple[Treatment, int, str, str]:
    """The treatment `ref` with its product's id and name and its lot's code."""
    row = session.execute(
        select(Treatment, Product.id, Product.name, Lot.code)
        .join(Lot, Lot.id == Treatment.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .where(Treatment.ref == ref)
    ).one_or_none()
    if row is None:
        raise UnknownTreatment(ref)
    return row[0], row[1], row[2], row[3]


def draft_of(session: Session, ref: str) -> TreatmentDraft:
    """The stored treatment as a draft, to fill the form that corrects it."""
    t, _product_id, product, lot = stored_treatment(session, ref)
    return TreatmentDraft(
        t.date,
        product,
        lot,
        t.patient,
        t.practitioner,
        t.route.value,
        t.zone.value if t.zone is not None else None,
        t.vials,
        time=t.time,
        reconstituted=t.reconstituted,
    )
