"""Replaying the audit trail: from its events alone, rebuild what the tables should hold
(each lot's existence, expiry, status, location and stock; each treatment and stock
movement; each account's role, active flag and password fingerprint) and name every record
where the tables say otherwise, so data edited behind ExoDesk's back is caught.

The replay reads every event once, in order, and the tables a batch at a time: linear in
the size of the trail and of the ledger, with no query per event or per record."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from exodesk.models import Location, Lot, Movement, Product, Treatment, User
from exodesk.services.audit.guards import GUARD_FIELD, GUARD_RECORD
from exodesk.services.audit.imports import IMPORT_RECORD, import_facts
from exodesk.services.interchange.json_input import NotPlain
from exodesk.services.interchange.schema import stream_records

SHOWN_PER_KIND = 20  # findings of one kind shown before "… and N more"
# Movements recorded before movement events were written: the lot event that stood for them.
LEGACY_FAMILY = {
    "status_change": "status",
    "transfer": "location",
    "waste": "on_hand",
    "adjustment": "on_hand",
}


@dataclass(frozen=True)
class Finding:
    """One line of `audit verify`. `serious`: the trail or the data cannot be trusted
    (exit 1); otherwise a note (something verify could not check)."""

    text: str
    serious: bool = True


def password_fingerprint(password_hash: str) -> str:
    """Same formula as exodesk.services.accounts.users.password_fingerprint (audit sits
    below accounts and may not import it)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _value(text: str | None) -> Any:
    """An event's old/new as written: strings as they are, anything else as JSON."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _number(text: str | None) -> int:
    value = _value(text)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _record(text: str | None) -> dict[str, Any]:
    value = _value(text)
    return value if isinstance(value, dict) else {}


def _shown(value: Any) -> str:
    return "none" if value is None else str(value)


def _voided(in_tables: bool, by_trail: bool) -> str:
    words = {True: "void", False: "not void"}
    return f"{words[in_tables]} in the tables, {words[by_trail]} by the audit trail"


Dated = tuple[str, int, str | None]  # (ISO date, order, value): the latest wins


@dataclass(eq=False)
class _Lot:
    product: str
    code: str
    created: bool = False
    expiry: str | None = None
    status: str | None = None
    location: str | None = None
    received: int = 0
    moved: int = 0
    used: int = 0
    statuses: list[Dated] = field(default_factory=list)
    locations: list[Dated] = field(default_factory=list)
    voided: set[int] = field(default_factory=set)  # orders of the void movements' events
    void: bool = False
    legacy: Counter[str] = field(default_factory=Counter)

    @property
    def key(self) -> str:
        return f"{self.product} / {self.code}"

    @property
    def on_hand(self) -> int:
        return self.received + self.moved - self.used

    def dated(self, kind: str, on: str, order: int, value: str | None) -> None:
        (self.statuses if kind == "status" else self.locations).append((on, order, value))

    def _latest(self, entries: list[Dated]) -> Dated | None:
        """The latest entry that is not void (by date, then order in the trail)."""
        counting = [e for e in entries if e[1] not in self.voided]
        return max(counting, key=lambda e: e[:2]) if counting else None

    def current_status(self) -> str | None:
        latest = self._latest(self.statuses)
        return latest[2] if latest else self.status

    def current_location(self) -> str | None:
        latest = self._latest(self.locations)
        return latest[2] if latest else self.location


@dataclass(eq=False)
class _Entry:
    """A treatment or a movement with a reference, as the trail has it."""

    lot: _Lot
    quantity: int
    kind: str = "use"
    present: bool = True
    order: int = 0  # of its create event
    void: bool = False


@dataclass
class _Account:
    role: str | None = None
    active: bool = True
    fingerprint: str | None = None  # "fp:…" or None: the trail holds none
    password_events: int = 0
    created: bool = False


@dataclass
class _Pending:
    """Lot events of the write being read, applied when the write ends (see _end_write)."""

    key: tuple[Any, ...] | None = None
    moved: set[int] = field(default_factory=set)
    events: list[tuple[_Lot, str, str | None, str | None, int, str]] = field(default_factory=list)


# The file an import event names by its SHA-256: its bytes, or why it cannot be had
FileReader = Callable[[str], bytes | str]
REPLAYED_KINDS = ("lots", "treatments", "movements")  # what an import event's file rebuilds


class Replay:
    """Feed every event in order (`feed`), then `compare` with the tables. `files` reads the
    file an import event names (events of one import per record need none)."""

    def __init__(self, files: FileReader | None = None) -> None:
        self.files = files
        self.lots: dict[str, _Lot] = {}
        self.by_product: dict[str, list[_Lot]] = defaultdict(list)
        self.treatments: dict[str, _Entry] = {}
        self.movements: dict[str, _Entry] = {}
        self.accounts: dict[str, _Account] = {}
        self.guard_events: list[Finding] = []
        self.import_findings: list[Finding] = []
        self.order = 0
        self.pending = _Pending()

    # -- reading the trail -----------------------------------------------------------------

    def _lot(self, product: str, code: str) -> _Lot:
        key = f"{product} / {code}"
        lot = self.lots.get(key)
        if lot is None:
            lot = self.lots[key] = _Lot(product, code)
            self.by_product[product].append(lot)
        return lot

    def _lot_by_key(self, key: str) -> _Lot:
        lot = self.lots.get(key)
        if lot is not None:
            return lot
        product, _, code = key.partition(" / ")
        return self._lot(product, code)

    def _rename_product(self, old: str, new: str) -> None:
        for lot in self.by_product.pop(old, []):
            self.lots.pop(lot.key, None)
            lot.product = new
            self.lots[lot.key] = lot
            self.by_product[new].append(lot)

    def feed(self, event: dict[str, Any]) -> None:
        """One event, in the trail's order."""
        self.order += 1
        write = (event["at"], event["user"], event["reason"])
        if write != self.pending.key:
            self._end_write()
            self.pending.key = write
        record, action, name = event["record"], str(event["action"]), event["field"]
        if record == "lot":
            self._lot_event(event, action, name)
        elif record == "treatment" and name is None and action == "create":
            self._treatment_created(event["record_key"], _record(event["new"]))
        elif record == "movement" and name is None and action == "create":
            self._movement_created(event["record_key"], _record(event["new"]))
        elif record == IMPORT_RECORD and action == "create":
            self._import_event(event)
        elif record in ("treatment", "movement") and name == "void" and action == "update":
            self._void_event(record, event["record_key"])
        elif record in ("treatment", "movement") and action == "delete":
            gone = (self.treatments if record == "treatment" else self.movements).get(
                event["record_key"]
            )
            if gone is not None and gone.present:
                gone.present = False
                if record == "treatment":
                    gone.lot.used -= gone.quantity
                else:
                    gone.lot.moved -= gone.quantity
        elif record == "product" and name == "name" and action == "update":
            old, new = event["old"], event["new"]
            if old is not None and new is not None:
                self._rename_product(old, new)
        elif record == "user":
            self._user_event(event, action, name)
        elif record == GUARD_RECORD and name == GUARD_FIELD:
            missing = _record(event["old"]).get("missing") or []
            at = event["at"]
            when = at.isoformat(sep=" ", timespec="minutes") if isinstance(at, dt.datetime) else at
            self.guard_events.append(
                Finding(
                    f"on {when} UTC (event {event['id']}) ExoDesk found the audit trail's "
                    f"append-only guards missing or altered ({', '.join(map(str, missing))}) "
                    "and put them back: someone changed the database outside ExoDesk"
                )
            )

    def _treatment_created(self, key: str, rec: dict[str, Any]) -> None:
        lot = self._lot(str(rec.get("product")), str(rec.get("lot")))
        vials = rec.get("vials")
        entry = _Entry(lot, vials if isinstance(vials, int) else 0)
        self.treatments[key] = entry
        lot.used += entry.quantity
        if rec.get("void"):  # imported void: kept, counted nowhere
            self._void_event("treatment", key)

    def _lot_created(self, rec: dict[str, Any]) -> None:
        lot = self._lot(str(rec.get("product")), str(rec.get("lot")))
        lot.created = True
        lot.expiry = rec.get("expiry")
        lot.status = rec.get("status") or "released"
        lot.location = rec.get("location")
        quantity = rec.get("quantity")
        lot.received += quantity if isinstance(quantity, int) else 0
        if rec.get("void"):  # imported void: its receipt counts nowhere
            lot.void, lot.received = True, 0

    def _import_event(self, event: dict[str, Any]) -> None:
        """One event for a whole import: the records it wrote are those of the stored file
        whose key the trail did not hold yet (an import skips the records already stored)."""
        facts = import_facts(event["new"])
        sha = str(facts.get("sha256"))
        at = event["at"]
        when = at.isoformat(sep=" ", timespec="minutes") if isinstance(at, dt.datetime) else at
        where = f"the file {facts.get('file')} imported on {when} UTC (event {event['id']})"
        raw = self.files(sha) if self.files is not None else "could not be read"
        if isinstance(raw, str):
            self.import_findings.append(
                Finding(f"{where} {raw}: the records it imported cannot be checked")
            )
            return
        added: Counter[str] = Counter()
        try:
            for section, rec in stream_records(raw.decode("utf-8")):
                if rec is None or section not in REPLAYED_KINDS:
                    continue
                if section == "lots":
                    known = self.lots.get(f"{rec['product']} / {rec['lot']}")
                    if known is None or not known.created:
                        self._lot_created(rec)
                        added[section] += 1
                    continue
                entries = self.treatments if section == "treatments" else self.movements
                already = entries.get(rec["ref"])
                if already is not None and already.present:
                    continue
                added[section] += 1
                if section == "treatments":
                    self._treatment_created(rec["ref"], rec)
                else:
                    self._movement_created(rec["ref"], rec)
        except (NotPlain, UnicodeDecodeError):
            self.import_findings.append(
                Finding(f"{where} is not a valid interchange file: its records cannot be checked")
            )
            return
        said = facts.get("added")
        said = said if isinstance(said, dict) else {}
        for section in REPLAYED_KINDS:
            if said.get(section, 0) != added[section]:
                self.import_findings.append(
                    Finding(
                        f"{where} added {said.get(section, 0)} {section} by its audit event, "
                        f"but replaying the file gives {added[section]}"
                    )
                )

    def _lot_event(self, event: dict[str, Any], action: str, name: str | None) -> None:
        if action == "create":
            self._lot_created(_record(event["new"]))
            return
        lot = self._lot_by_key(event["record_key"])
        if action == "delete":
            lot.created = False
        elif name == "void":
            # a void lot: its receipts count no more (its uses and movements are void already)
            lot.void = True
            lot.received = 0
        elif name == "quantity":
            lot.received += _number(event["new"]) - _number(event["old"])
        elif name == "expiry":
            lot.expiry = event["new"]
        elif name == "initial_status":  # corrected in place: the status it was received in
            lot.status = event["new"]
        elif name == "initial_location":  # corrected in place, before any move
            lot.location = event["new"]
        elif name in ("status", "location", "on_hand"):
            at = event["at"]
            day = at.date().isoformat() if isinstance(at, dt.datetime) else str(at)[:10]
            self.pending.events.append((lot, name, event["old"], event["new"], self.order, day))

    def _movement_created(self, key: str, rec: dict[str, Any]) -> None:
        lot = self._lot(str(rec.get("product")), str(rec.get("lot")))
        quantity = rec.get("quantity")
        kind = str(rec.get("kind"))
        entry = _Entry(lot, quantity if isinstance(quantity, int) else 0, kind, order=self.order)
        self.movements[key] = entry
        lot.moved += entry.quantity
        day = str(rec.get("date"))
        if kind == "status_change":
            lot.dated("status", day, self.order, rec.get("status"))
        elif kind == "transfer":
            lot.dated("location", day, self.order, rec.get("location"))
        self.pending.moved.add(id(lot))
        if rec.get("void"):  # imported void: kept, counted nowhere
            self._void_event("movement", key)

    def _void_event(self, record: str, key: str) -> None:
        """A treatment or movement voided: kept, but it counts no more."""
        entry = (self.treatments if record == "treatment" else self.movements).get(key)
        if entry is None or entry.void or not entry.present:
            return
        entry.void = True
        if record == "treatment":
            entry.lot.used -= entry.quantity
        else:
            entry.lot.moved -= entry.quantity
            entry.lot.voided.add(entry.order)

    def _end_write(self) -> None:
        """Lot events stand for the movements of their write when the write recorded no
        movement event for that lot (ExoDesk before movement events were written)."""
        for lot, name, old, new, order, day in self.pending.events:
            if id(lot) in self.pending.moved:
                continue
            lot.legacy[name] += 1
            if name == "on_hand":
                lot.moved += _number(new) - _number(old)
            else:
                lot.dated(name, day, order, new)
        self.pending = _Pending()

    def _user_event(self, event: dict[str, Any], action: str, name: str | None) -> None:
        account = self.accounts.setdefault(event["record_key"], _Account())
        if action == "create":
            rec = _record(event["new"])
            account.created, account.active = True, True
            account.role = rec.get("role")
            password = rec.get("password")
            account.fingerprint = password if isinstance(password, str) else None
        elif action == "delete":
            account.created = False
        elif name == "role":
            account.role = event["new"]
        elif name == "active":
            account.active = _value(event["new"]) is True
        elif name == "password":
            account.password_events += 1
            new = event["new"]
            account.fingerprint = new if isinstance(new, str) and new.startswith("fp:") else None

    def finish(self) -> None:
        self._end_write()

    # -- comparing with the tables ---------------------------------------------------------

    def compare(self, session: Session) -> list[Finding]:
        self.finish()
        out = _Findings()
        self._compare_stock(session, out)
        self._compare_accounts(session, out)
        return self.import_findings + out.lines()

    def _compare_stock(self, session: Session, out: _Findings) -> None:
        locations = dict(session.execute(select(Location.id, Location.name)).all())
        lots: dict[int, tuple[str, str, str | None]] = {}
        key_of: dict[int, str] = {}
        void_lots: set[int] = set()
        for lot_id, product, code, expiry, status, location_id, void_on in _batched(
            session,
            select(
                Lot.id,
                Product.name,
                Lot.code,
                Lot.expiry,
                Lot.initial_status,
                Lot.location_id,
                Lot.void_on,
            ).join(Product, Product.id == Lot.product_id),
            Lot.id,
        ):
            key_of[lot_id] = f"{product} / {code}"
            if void_on is not None:
                void_lots.add(lot_id)
            lots[lot_id] = (expiry.isoformat(), str(status), locations.get(location_id))
        on_hand: Counter[int] = Counter()
        received: Counter[int] = Counter()
        latest_status: dict[int, tuple[dt.date, int, str | None]] = {}
        latest_location: dict[int, tuple[dt.date, int, str | None]] = {}
        seen_movements: set[str] = set()
        unknown_slots: dict[int, Counter[str]] = {}
        for row in _batched(
            session,
            select(
                Movement.id,
                Movement.lot_id,
                Movement.ref,
                Movement.kind,
                Movement.quantity,
                Movement.date,
                Movement.status,
                Movement.location_id,
                Movement.void_on,
            ),
            Movement.id,
        ):
            mid, lot_id, ref, kind, quantity, day, status, location_id, void_on = row
            kind = str(kind)
            void = void_on is not None
            if not void:  # void movements count nowhere; only that they are void is checked
                on_hand[lot_id] += quantity
            if void:
                pass
            elif kind == "receipt":
                received[lot_id] += quantity
            elif kind == "status_change":
                entry = (day, mid, None if status is None else str(status))
                if lot_id not in latest_status or entry[:2] >= latest_status[lot_id][:2]:
                    latest_status[lot_id] = entry
            elif kind == "transfer":
                entry = (day, mid, locations.get(location_id))
                if lot_id not in latest_location or entry[:2] >= latest_location[lot_id][:2]:
                    latest_location[lot_id] = entry
            if ref is None:
                continue
            seen_movements.add(ref)
            where = key_of.get(lot_id, f"lot id {lot_id}")
            said = self.movements.get(ref)
            if said is None or not said.present:
                trail_lot = self.lots.get(where)
                family = LEGACY_FAMILY.get(kind)
                slots = unknown_slots.setdefault(lot_id, Counter())
                if (
                    family is not None
                    and trail_lot is not None
                    and slots[family] < trail_lot.legacy[family]
                ):
                    slots[family] += 1  # an older ExoDesk recorded it as a lot event
                    continue
                out.add(
                    "movement-unknown",
                    f"movement {ref} ({kind.replace('_', ' ')} of {quantity}, lot {where}): "
                    "in the tables, but the audit trail never recorded it",
                )
                continue
            if said.lot.key != where:
                out.add(
                    "movement",
                    f"movement {ref}: of lot {where} in the tables, of lot {said.lot.key} by "
                    "the audit trail",
                )
            if said.quantity != quantity or said.kind != kind:
                out.add(
                    "movement",
                    f"movement {ref}: {kind.replace('_', ' ')} of {quantity} in the tables, "
                    f"{said.kind.replace('_', ' ')} of {said.quantity} by the audit trail",
                )
            if said.void != void:
                out.add("movement", f"movement {ref}: {_voided(void, said.void)}")
        for ref, said in self.movements.items():
            if said.present and ref not in seen_movements:
                out.add(
                    "movement-gone",
                    f"movement {ref} ({said.kind.replace('_', ' ')} of {said.quantity}, lot "
                    f"{said.lot.key}): in the audit trail, but missing from the tables",
                )
        self._compare_treatments(session, out, key_of, on_hand)
        seen_lots: set[str] = set()
        for lot_id, (expiry, initial, location) in lots.items():
            key = key_of[lot_id]
            seen_lots.add(key)
            said_lot = self.lots.get(key)
            if said_lot is None or not said_lot.created:
                out.add(
                    "lot-unknown",
                    f"lot {key}: in the tables, but the audit trail never recorded it being "
                    "received or imported",
                )
                continue
            if said_lot.void != (lot_id in void_lots):
                out.add("lot", f"lot {key}: {_voided(lot_id in void_lots, said_lot.void)}")
            self._compare_lot(
                out,
                said_lot,
                expiry=expiry,
                status=latest_status[lot_id][2] if lot_id in latest_status else initial,
                location=latest_location[lot_id][2] if lot_id in latest_location else location,
                on_hand=on_hand[lot_id],
                received=received[lot_id],
            )
        for key, said_lot in self.lots.items():
            if said_lot.created and key not in seen_lots:
                out.add(
                    "lot-gone",
                    f"lot {key}: in the audit trail, but missing from the tables",
                )

    @staticmethod
    def _compare_lot(
        out: _Findings,
        said: _Lot,
        *,
        expiry: str,
        status: str | None,
        location: str | None,
        on_hand: int,
        received: int,
    ) -> None:
        def differs(what: str, stored: Any, trail: Any) -> None:
            out.add(
                "lot",
                f"lot {said.key}: {what} {_shown(stored)} in the tables, {_shown(trail)} by "
                "the audit trail",
            )

        if said.expiry is not None and expiry != said.expiry:
            differs("expiry", expiry, said.expiry)
        if status != said.current_status():
            differs("status", status, said.current_status())
        if location != said.current_location():
            differs("location", location, said.current_location())
        if on_hand != said.on_hand:
            differs("on hand", on_hand, said.on_hand)
        if received != said.received:
            differs("received", received, said.received)

    def _compare_treatments(
        self, session: Session, out: _Findings, key_of: dict[int, str], on_hand: Counter[int]
    ) -> None:
        """Compare the treatments, and count each one that is not void in its lot's
        `on_hand` (a treatment is its own use of the lot)."""
        seen: set[str] = set()
        for _tid, ref, lot_id, vials, void_on in _batched(
            session,
            select(
                Treatment.id, Treatment.ref, Treatment.lot_id, Treatment.vials, Treatment.void_on
            ),
            Treatment.id,
        ):
            seen.add(ref)
            where = key_of.get(lot_id, f"lot id {lot_id}")
            if void_on is None:
                on_hand[lot_id] -= vials
            said = self.treatments.get(ref)
            if said is None or not said.present:
                out.add(
                    "treatment-unknown",
                    f"treatment {ref} (lot {where}, {vials} vial(s)): in the tables, but the "
                    "audit trail never recorded it",
                )
                continue
            if said.lot.key != where:
                out.add(
                    "treatment",
                    f"treatment {ref}: lot {where} in the tables, lot {said.lot.key} by the "
                    "audit trail",
                )
            if said.quantity != vials:
                out.add(
                    "treatment",
                    f"treatment {ref}: {vials} vial(s) in the tables, {said.quantity} by the "
                    "audit trail",
                )
            if said.void != (void_on is not None):
                out.add("treatment", f"treatment {ref}: {_voided(void_on is not None, said.void)}")
        for ref, said in self.treatments.items():
            if said.present and ref not in seen:
                out.add(
                    "treatment-gone",
                    f"treatment {ref} (lot {said.lot.key}, {said.quantity} vial(s)): in the "
                    "audit trail, but missing from the tables",
                )

    def _compare_accounts(self, session: Session, out: _Findings) -> None:
        seen: set[str] = set()
        for name, role, active, password_hash in session.execute(
            select(User.name, User.role, User.active, User.password_hash).order_by(User.id)
        ):
            seen.add(name)
            said = self.accounts.get(name)
            if said is None or not said.created:
                out.add(
                    "user",
                    f"user {name}: the account is in the tables, but the audit trail never "
                    "recorded it being made",
                )
                continue
            if str(role) != said.role:
                out.add(
                    "user",
                    f"user {name}: role {role} in the tables, {_shown(said.role)} by the audit "
                    "trail",
                )
            if bool(active) != said.active:
                shown = {True: "active", False: "deactivated"}
                out.add(
                    "user",
                    f"user {name}: {shown[bool(active)]} in the tables, "
                    f"{shown[said.active]} by the audit trail",
                )
            if said.fingerprint is None:
                out.note(
                    f"user {name}: the audit trail holds no fingerprint of this account's "
                    "password (written by an older ExoDesk), so the stored password could not "
                    "be checked against it"
                )
            elif said.fingerprint != "fp:" + password_fingerprint(password_hash or ""):
                out.add(
                    "user",
                    f"user {name}: the stored password is not the one the audit trail last "
                    "recorded (it was set outside ExoDesk)",
                )
        for name, said in self.accounts.items():
            if said.created and name not in seen:
                out.add(
                    "user",
                    f"user {name}: in the audit trail, but the account is missing from the tables",
                )


class _Findings:
    """Findings grouped by kind, at most SHOWN_PER_KIND lines of each kind."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        self.more: Counter[str] = Counter()
        self.notes: list[str] = []

    def add(self, kind: str, text: str) -> None:
        if len(self.by_kind[kind]) < SHOWN_PER_KIND:
            self.by_kind[kind].append(text)
        else:
            self.more[kind] += 1

    def note(self, text: str) -> None:
        self.notes.append(text)

    def lines(self) -> list[Finding]:
        found = []
        for kind, texts in self.by_kind.items():
            found += [Finding(t) for t in texts]
            if self.more[kind]:
                found.append(Finding(f"… and {self.more[kind]} more like the line above"))
        return found + [Finding(t, serious=False) for t in self.notes]


def _batched(
    session: Session, query: Select[*tuple[Any, ...]], key: Any, batch: int = 20000
) -> Iterator[tuple[Any, ...]]:
    """Rows of `query` (whose first column is `key`) in key order, a batch at a time."""
    last: Any = None
    while True:
        page = query if last is None else query.where(key > last)
        rows = session.execute(page.order_by(key).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1][0]
