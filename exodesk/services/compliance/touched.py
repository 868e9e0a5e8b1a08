"""What one write touched, as far as the compliance flags are concerned: which lots (their
own flags and their treatments' may have changed) and whether any document did (every
product's flags may have). Gathered from the session's flushes while the write runs, so no
service has to say it; anything the flags read that is not followed here (a product, a lot
edited in place, the clinic, the register, statements run outside the ORM) makes it
`unknown`, and the flags are then checked in full."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from exodesk.models import (
    Clinic,
    Document,
    Lot,
    Movement,
    NotifiedBody,
    Product,
    Treatment,
    document_product,
)

# The tables the flags are computed from (a bulk statement on any other, such as the audit
# trail's, changes no flag).
_FLAG_TABLES = frozenset(
    str(t.__tablename__)
    for t in (Clinic, Document, Lot, Movement, NotifiedBody, Product, Treatment)
) | {document_product.name}

# What a flag is computed from but not followed record by record: any change to it means a
# full check.
_UNFOLLOWED = (Product, Clinic, NotifiedBody)


@dataclass
class Touched:
    lot_ids: set[int] = field(default_factory=set)
    documents: bool = False
    unknown: bool = False

    @property
    def anything(self) -> bool:
        return self.unknown or self.documents or bool(self.lot_ids)


def joined(before: Touched | None, touched: Touched | None) -> Touched | None:
    """What two writes touched together (None: not known, so everything)."""
    if before is None or touched is None or touched.unknown or before.unknown:
        return None
    return Touched(before.lot_ids | touched.lot_ids, before.documents or touched.documents)


def _lot_ids(obj: Any) -> list[int]:
    """The lot a record names now, and the one it named before this write (if it changed)."""
    state = inspect(obj)
    history = state.attrs.lot_id.history
    found = [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]
    current = getattr(obj, "lot_id", None)
    if current is not None:
        found.append(current)
    return found


class TouchWatch:
    """Follows the flushes of `session` into `touched` until `stop()`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.touched = Touched()
        self.unknown_because = ""  # what made it unknown, for the curious
        event.listen(session, "after_flush", self._after_flush)
        event.listen(session, "do_orm_execute", self._on_execute)

    def stop(self) -> Touched:
        event.remove(self.session, "after_flush", self._after_flush)
        event.remove(self.session, "do_orm_execute", self._on_execute)
        return self.touched

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _FLAG_TABLES or table is None:
            self.unknown_because = str(state.statement)
            self.touched.unknown = True  # a bulk statement: which rows is not known here

    def _after_flush(self, session: Session, _context: Any) -> None:
        touched = self.touched
        # Only what changed in its own columns (a lot whose list of treatments grew is not).
        dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
        for obj in (*session.new, *dirty, *session.deleted):
            if isinstance(obj, _UNFOLLOWED):
                self.unknown_because = repr(obj)
                touched.unknown = True
            elif isinstance(obj, Lot):
                if obj in session.new:
                    touched.lot_ids.add(obj.id)
                else:  # edited or voided in place: its code or product may have changed
                    self.unknown_because = repr(obj)
                    touched.unknown = True
            elif isinstance(obj, Treatment | Movement):
                touched.lot_ids.update(_lot_ids(obj))
            elif isinstance(obj, Document):
                touched.documents = True
                touched.lot_ids.update(_lot_ids(obj))
