"""Human references for records made in ExoDesk (M-000042 …), unique and increasing."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import Movement


def next_movement_refs(session: Session, count: int, prefix: str = "M-") -> list[str]:
    """The next `count` free `M-000123` style references (refs of other styles are skipped)."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    highest = 0
    for ref in session.scalars(select(Movement.ref).where(Movement.ref.like(f"{prefix}%"))):
        match = pattern.match(ref or "")
        if match:
            highest = max(highest, int(match.group(1)))
    return [f"{prefix}{n:06d}" for n in range(highest + 1, highest + 1 + count)]


def next_movement_ref(session: Session, prefix: str = "M-") -> str:
    return next_movement_refs(session, 1, prefix)[0]
