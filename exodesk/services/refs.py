"""Human references for records made in ExoDesk (M-000042 …), unique and increasing."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import Movement


def next_movement_ref(session: Session, prefix: str = "M-") -> str:
    """The next free `M-000123` style reference; refs from files (other styles) are skipped."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    highest = 0
    for ref in session.scalars(select(Movement.ref).where(Movement.ref.like(f"{prefix}%"))):
        match = pattern.match(ref or "")
        if match:
            highest = max(highest, int(match.group(1)))
    return f"{prefix}{highest + 1:06d}"
