"""The register as ExoDesk uses it: the shipped rows with the clinic's own rows winning over
them, which numbers are in it, and the notified body a certificate names."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, NotifiedBody
from exodesk.models.enums import RecordKind
from exodesk.services.errors import NotFound
from exodesk.services.register.shipped import Body, shipped_register

if TYPE_CHECKING:
    from exodesk.services.interchange.schema import BodyIn

Rec = dict[str, Any]
_FOUR_DIGITS = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")
BODY_FIELDS = ("number", "name", "country", "mdr", "uk_approved")


def body_number_in(issuer: str | None) -> str | None:
    """The last group of exactly four digits in an issuer's name ("TÜV SÜD 0123" → "0123")."""
    found = _FOUR_DIGITS.findall(issuer or "")
    return found[-1] if found else None


def named_body_number(body_number: str | None, issuer: str | None) -> str | None:
    """The notified body a certificate names: its `body_number`, else the issuer's digits."""
    return body_number or body_number_in(issuer)


def clinic_body_records(session: Session) -> list[Rec]:
    """The clinic's own rows, as the interchange file's `bodies` (by number)."""
    return [
        {f: getattr(b, f) for f in BODY_FIELDS}
        for b in session.scalars(select(NotifiedBody).order_by(NotifiedBody.number))
    ]


def register_bodies(session: Session) -> dict[str, Body]:
    """Every row of the register by number: the shipped ones, the clinic's winning."""
    bodies = {b.number: b for b in shipped_register().bodies}
    for rec in clinic_body_records(session):
        bodies[rec["number"]] = Body(**rec, clinic=True)
    return dict(sorted(bodies.items()))


def registered_numbers(session: Session) -> frozenset[str]:
    """The numbers in the register: rows designated under the MDR or UK approved."""
    return frozenset(n for n, b in register_bodies(session).items() if b.registered)


def save_bodies(
    session: Session, rows: list[BodyIn], *, user: str | None, reason: str
) -> tuple[int, int]:
    """Add or update the clinic's rows (a later row for the same number wins); an unchanged
    row is left alone. Returns (added, updated)."""
    # Changing the register needs accounts and the trail; reading it (every `check`) does not.
    from exodesk.services.accounts.users import Permission, require
    from exodesk.services.audit.trail import Change, write_audit

    require(session, user, Permission.EDIT_REGISTER)
    latest = {row.number: row for row in rows}
    stored = {b.number: b for b in session.scalars(select(NotifiedBody))}
    changes: list[Change] = []
    added = updated = 0
    for number, row in sorted(latest.items()):
        rec = row.model_dump(mode="json")
        body = stored.get(number)
        if body is None:
            session.add(NotifiedBody(**rec))
            changes.append(Change(RecordKind.BODY, number, AuditAction.CREATE, new=rec))
            added += 1
            continue
        differing = [name for name in BODY_FIELDS[1:] if getattr(body, name) != rec[name]]
        for name in differing:
            changes.append(
                Change(
                    RecordKind.BODY,
                    number,
                    AuditAction.UPDATE,
                    name,
                    getattr(body, name),
                    rec[name],
                )
            )
            setattr(body, name, rec[name])
        updated += bool(differing)
    session.flush()
    write_audit(session, changes, user=user, reason=reason)
    return added, updated


def remove_body(session: Session, number: str, *, user: str | None) -> Body | None:
    """Remove the clinic's own row for `number`; the shipped row, if any, stands again and is
    returned."""
    from exodesk.services.accounts.users import Permission, require
    from exodesk.services.audit.trail import Change, write_audit

    require(session, user, Permission.EDIT_REGISTER)
    body = session.scalars(select(NotifiedBody).where(NotifiedBody.number == number)).first()
    if body is None:
        raise NotFound(f"the clinic has no row of its own for notified body {number}")
    old = {f: getattr(body, f) for f in BODY_FIELDS}
    session.delete(body)
    session.flush()
    write_audit(
        session,
        [Change(RecordKind.BODY, number, AuditAction.DELETE, old=old)],
        user=user,
        reason="the clinic's row removed",
    )
    shipped = {b.number: b for b in shipped_register().bodies}
    return replace(shipped[number]) if number in shipped else None
