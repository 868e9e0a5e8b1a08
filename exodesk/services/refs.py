"""Human references for records made in ExoDesk (M-000042, T-0207 …), unique and increasing.

Finding the highest number held means reading every reference of the table, which at a
clinic group's size (a million treatments) takes half a second. So the highest number is
remembered per database with the newest row it was read up to; the next time only the rows
added since are read. The newest row is checked to be the same one (same id, same ref): when
it is not (a rolled-back write, a restored backup) every reference is read again."""

from __future__ import annotations

import re
import threading
import weakref
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from exodesk.models import Movement, Treatment

Numbered = type[Movement] | type[Treatment]

# the database's connection pool (shared by its engines for reading and for writing) ->
# (table, prefix) -> (newest id read, its ref, the highest number up to it)
_known: weakref.WeakKeyDictionary[Pool, dict[tuple[str, str], tuple[int, str | None, int]]]
_known = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def highest_number(session: Session, model: Numbered, prefix: str) -> int:
    """The greatest n among the refs "<prefix><n>" of `model`'s table (0 when none)."""
    newest = session.execute(select(model.id, model.ref).order_by(model.id.desc()).limit(1)).first()
    if newest is None:
        return 0
    newest_id, newest_ref = newest
    pool = _pool(session)
    key = (str(model.__tablename__), prefix)
    with _lock:
        known = _known.get(pool, {}).get(key) if pool is not None else None
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbered = model.ref.like(f"{prefix}%")
    if known is not None and _still_there(session, model, known[0], known[1], newest_id):
        seen_id, _, highest = known
        added = select(model.ref).where(model.id > seen_id, numbered)
        refs: Any = session.scalars(added)
        highest = max([highest, *_numbers(refs, pattern)])
    else:
        highest = _highest_of_all(session, model, pattern, numbered)
    if pool is not None:
        with _lock:
            _known.setdefault(pool, {})[key] = (newest_id, newest_ref, highest)
    return highest


def _pool(session: Session) -> Pool | None:
    bind = session.get_bind()
    if isinstance(bind, Connection):
        return bind.engine.pool
    return bind.pool if isinstance(bind, Engine) else None


def _still_there(
    session: Session, model: Numbered, seen_id: int, seen_ref: str | None, newest_id: int
) -> bool:
    if newest_id < seen_id:
        return False
    ref = session.execute(select(model.ref).where(model.id == seen_id)).first()
    return ref is not None and ref[0] == seen_ref


def _numbers(refs: Any, pattern: re.Pattern[str]) -> list[int]:
    return [int(m.group(1)) for ref in refs if (m := pattern.match(ref or ""))]


def _highest_of_all(
    session: Session, model: Numbered, pattern: re.Pattern[str], numbered: Any
) -> int:
    # Among refs of one length, the greatest string is the greatest number when it is all
    # digits; only when some other ref outranks it are all the refs read.
    greatest = session.scalars(
        select(func.max(model.ref)).where(numbered).group_by(func.length(model.ref))
    )
    numbers = []
    for ref in greatest:
        match = pattern.match(ref or "")
        if match is None:
            return max(
                _numbers(session.scalars(select(model.ref).where(numbered)), pattern), default=0
            )
        numbers.append(int(match.group(1)))
    return max(numbers, default=0)


def next_movement_refs(session: Session, count: int, prefix: str = "M-") -> list[str]:
    """The next `count` free `M-000123` style references (refs of other styles are skipped)."""
    highest = highest_number(session, Movement, prefix)
    return [f"{prefix}{n:06d}" for n in range(highest + 1, highest + 1 + count)]


def next_movement_ref(session: Session, prefix: str = "M-") -> str:
    return next_movement_refs(session, 1, prefix)[0]
