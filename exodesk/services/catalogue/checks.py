""" "Record a check": a certificate or authorisation looked up with its issuer or a public
register (NANDO, EUDAMED, the notified body, the MHRA), by whom and when. Forged certificates
carry real bodies' numbers, so a number in the register is not enough: the clinic records
that it checked the certificate itself. The place and the note go to the audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from exodesk.models import AuditAction, DocumentKind
from exodesk.models.enums import CheckedAt, RecordKind
from exodesk.models.vocabulary import label, phrase
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.catalogue.documents import _document, _key_text
from exodesk.services.errors import InvalidInput, Problem

CHECKED_KINDS = frozenset({DocumentKind.CE_CERTIFICATE, DocumentKind.ATMP_AUTHORISATION})
MAX_NOTE = 2000


def record_check(
    session: Session,
    kind: DocumentKind | str,
    number: str,
    *,
    on: dt.date,
    by: str,
    at: CheckedAt,
    today: dt.date,
    user: str | None,
    note: str = "",
) -> None:
    """Record that the document was checked `at` a register on day `on` by `by`."""
    require(session, user, Permission.RECORD_CHECK)
    doc = _document(session, kind, number)
    problems: list[Problem] = []
    if doc.kind not in CHECKED_KINDS:
        problems.append(
            Problem(
                "kind",
                f"a {label(doc.kind)} is not checked against a register; only CE certificates "
                "and ATMP authorisations are",
            )
        )
    if on > today:
        problems.append(Problem("on", f"{on} is in the future (today is {today})"))
    if doc.issued is not None and on < doc.issued:
        problems.append(Problem("on", f"{on} is before the document was issued ({doc.issued})"))
    who = by.strip()
    if not who:
        problems.append(Problem("by", "say who checked it"))
    elif len(who) > 200:
        problems.append(Problem("by", "too long (at most 200 characters)"))
    if len(note) > MAX_NOTE:
        problems.append(Problem("note", f"too long (at most {MAX_NOTE:,} characters)"))
    if problems:
        raise InvalidInput(problems)
    key = _key_text(doc.kind.value, doc.number)
    # Both fields every time: checking again on the same day is a check of its own.
    before = doc.verified_on.isoformat() if doc.verified_on else None
    changes = [
        Change(RecordKind.DOCUMENT, key, AuditAction.UPDATE, "verified_on", before, on.isoformat()),
        Change(RecordKind.DOCUMENT, key, AuditAction.UPDATE, "verified_by", doc.verified_by, who),
    ]
    doc.verified_on, doc.verified_by = on, who
    session.flush()
    reason = f"checked {phrase(at)}" + (f": {note.strip()}" if note.strip() else "")
    write_audit(session, changes, user=user, reason=reason)
