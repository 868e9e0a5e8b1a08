"""Importing an interchange file: the whole file is validated against itself and against what
is stored before anything is written; then everything new is written in the caller's one
transaction. A record whose key is already stored must be identical and is skipped."""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from exodesk.dates import iso_day
from exodesk.models import (
    AuditAction,
    Clinic,
    Document,
    Location,
    Lot,
    Movement,
    MovementKind,
    NotifiedBody,
    Product,
    Treatment,
    document_product,
)
from exodesk.models.enums import FILE_MOVEMENT_KINDS
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.imports import (
    PackedFile,
    file_sha256,
    import_change,
    keep_file,
    records_unchanged_since,
)
from exodesk.services.audit.trail import Change, utc_now, write_audit
from exodesk.services.bulk import indexes_set_aside, insert_returning, insert_rows
from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.interchange import export
from exodesk.services.interchange.json_input import NotPlain, shown
from exodesk.services.interchange.schema import (
    LIST_SECTIONS,
    TREATMENT_FIELDS,
    InterchangeFile,
    parse_interchange,
    stream_values,
)
from exodesk.services.register.bodies import clinic_body_records
from exodesk.services.stock.ledger import Entry, counted_lines, first_overdraw
from exodesk.services.stock.voiding import VoidMark, mark_void, void_change

Rec = dict[str, Any]
LotKey = tuple[str, str]
RECEIPT_DATE_UNKNOWN = dt.date.min
_CHUNK = 500
_WRITE_CHUNK = 20_000  # records built and written at a time
# An import adding at most this many records writes an audit event per record, each with the
# whole record (readable in the Audit view, as ever); a larger one writes one event for the
# import (the file's SHA-256 and counts) and keeps the file itself (audit/imports.py).
PER_RECORD_EVENTS_UP_TO = 1000
# Fields whose values repeat from record to record: held once (the file can be large)
_UNIQUE_FIELDS = frozenset({"ref", "patient", "number", "sha256", "name"})
# The order of the summary ("Imported …: 4 locations, 50 products, …")
SECTIONS = ("locations", "products", "lots", "documents", "treatments", "movements", "bodies")
assert set(SECTIONS) == set(LIST_SECTIONS)


@dataclass(frozen=True)
class ImportSummary:
    added: dict[str, int]
    unchanged: dict[str, int]

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


class _Section:
    """The records of one section of a file, held compactly (a tuple of values per record,
    repeated values shared); each is rebuilt as its canonical dict when it is read."""

    def __init__(self) -> None:
        self.fields: tuple[str, ...] | None = None
        self.rows: list[tuple[Any, ...]] = []
        self._shared: dict[Any, Any] = {}
        self._repeating: list[int] = []

    def add(self, rec: Rec) -> None:
        self.add_values(tuple(rec), rec.values())

    def add_values(self, fields: tuple[str, ...], values: Iterable[Any]) -> None:
        """Add a record given as its values, in the order of `fields` (the section's)."""
        if self.fields is None:
            self.fields = fields
            self._repeating = [j for j, k in enumerate(fields) if k not in _UNIQUE_FIELDS]
        assert fields == self.fields
        row = list(values)
        shared = self._shared.setdefault
        for j in self._repeating:
            v = row[j]
            if v.__class__ is str:
                row[j] = shared(v, v)
        self.rows.append(tuple(row))

    def getter(self, *names: str) -> Callable[[tuple[Any, ...]], Any]:
        """A row's value of one field (or a tuple of the values of several), by name."""
        fields = self.fields or ()
        if any(name not in fields for name in names):
            return lambda row: None if len(names) == 1 else (None,) * len(names)
        return operator.itemgetter(*(fields.index(name) for name in names))

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def rec(self, i: int) -> Rec:
        assert self.fields is not None
        return dict(zip(self.fields, self.rows[i], strict=True))

    def __iter__(self) -> Iterator[Rec]:
        fields = self.fields
        for row in self.rows:
            yield dict(zip(fields or (), row, strict=True))

    def column(self, name: str) -> Iterator[Any]:
        if self.fields is None:
            return iter(())
        at = self.fields.index(name)
        return (row[at] for row in self.rows)


class _Picked:
    """Some records of a section (the new ones), in file order: (index in the file, record)."""

    def __init__(self, section: _Section, indices: list[int] | None = None) -> None:
        self.section = section
        self.indices = indices if indices is not None else []

    def __len__(self) -> int:
        return len(self.indices)

    def __bool__(self) -> bool:
        return bool(self.indices)

    def __iter__(self) -> Iterator[tuple[int, Rec]]:
        rec = self.section.rec
        for i in self.indices:
            yield i, rec(i)

    def chunks(self) -> Iterator[list[Rec]]:
        rec = self.section.rec
        for start in range(0, len(self.indices), _WRITE_CHUNK):
            yield [rec(i) for i in self.indices[start : start + _WRITE_CHUNK]]

    def column_chunks(self) -> Iterator[dict[str, list[Any]]]:
        """The records a chunk at a time, as columns: field name -> its values in order."""
        rows, fields = self.section.rows, self.section.fields or ()
        for start in range(0, len(self.indices), _WRITE_CHUNK):
            picked = [rows[i] for i in self.indices[start : start + _WRITE_CHUNK]]
            values = zip(*picked, strict=True)
            yield {name: list(column) for name, column in zip(fields, values, strict=True)}


class _File:
    """A validated file: its clinic and its sections."""

    def __init__(self) -> None:
        self.clinic: Rec | None = None
        self.sections: dict[str, _Section] = {name: _Section() for name in SECTIONS}

    @classmethod
    def streamed(cls, text: str) -> _File:
        """Read a plainly valid file a record at a time (raises NotPlain otherwise)."""
        file = cls()
        treatments = file.sections["treatments"]
        for section, rec in stream_values(text):
            if isinstance(rec, tuple):
                treatments.add_values(TREATMENT_FIELDS, rec)
            elif section == "clinic":
                file.clinic = rec
            elif rec is not None:
                file.sections[section].add(rec)
        return file

    @classmethod
    def of(cls, doc: InterchangeFile) -> _File:
        file = cls()
        file.clinic = None if doc.clinic is None else doc.clinic.model_dump(mode="json")
        for name in SECTIONS:
            for item in getattr(doc, name):
                file.sections[name].add(item.model_dump(mode="json"))
        return file

    def __getattr__(self, name: str) -> _Section:
        sections = self.__dict__.get("sections", {})
        if name in sections:
            return sections[name]  # type: ignore[no-any-return]
        raise AttributeError(name)


_EMPTY = _Section()


@dataclass
class _New:
    """What the file adds, section by section: (index in the file, canonical record)."""

    clinic: Rec | None = None
    locations: _Picked = field(default_factory=lambda: _Picked(_EMPTY))
    products: _Picked = field(default_factory=lambda: _Picked(_EMPTY))
    lots: _Picked = field(default_factory=lambda: _Picked(_EMPTY))
    documents: _Picked = field(default_factory=lambda: _Picked(_EMPTY))
    treatments: _Picked = field(default_factory=lambda: _Picked(_EMPTY))
    movements: _Picked = field(default_factory=lambda: _Picked(_EMPTY))
    bodies: _Picked = field(default_factory=lambda: _Picked(_EMPTY))
    # voids in the file for stored records that are not void: section -> key -> void
    voids: dict[str, dict[Hashable, Rec]] = field(default_factory=dict)


class Handover:
    """A file's bytes handed over to an import, which then holds the only reference and lets
    them go as soon as it has read them: a large file is held once, not twice (the caller's
    copy and the decoded text), at the moment the import holds the most."""

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data

    def take(self) -> bytes:
        data, self._data = self._data, None
        if data is None:
            raise RuntimeError("these bytes were handed over already")
        return data


def import_bytes(
    session: Session, raw: bytes | str | Handover, *, user: str | None, source: str
) -> ImportSummary:
    """Import a file's bytes. A plainly valid file is read a record at a time; anything else
    is read whole by `parse_interchange`, which names every problem."""
    require(session, user, Permission.IMPORT)
    if isinstance(raw, Handover):
        raw = raw.take()
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    sha = file_sha256(data)
    if isinstance(raw, bytes):
        held = records_unchanged_since(session, sha)
        if held is not None:  # this very file again, and nothing it wrote changed since
            added = dict.fromkeys((*SECTIONS, "clinic"), 0)
            return ImportSummary(added, {s: held.get(s, 0) for s in SECTIONS})
    packed = PackedFile(data, sha)  # compressed meanwhile, for keeping
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return _import(session, _File.of(parse_interchange(raw)), packed, user=user, source=source)
    was_bytes = isinstance(raw, bytes)
    del raw, data  # the text holds the file from here on
    try:
        file = _File.streamed(text)
    except NotPlain:  # the very bytes again (a strict UTF-8 decoding encodes back exactly)
        file = _File.of(parse_interchange(text.encode("utf-8") if was_bytes else text))
    del text
    return _import(session, file, packed, user=user, source=source)


def import_document(
    session: Session, doc: InterchangeFile, *, user: str | None, source: str
) -> ImportSummary:
    require(session, user, Permission.IMPORT)
    data = json.dumps(doc.model_dump(mode="json"), ensure_ascii=False, indent=1).encode()
    return _import(session, _File.of(doc), PackedFile(data), user=user, source=source)


def _import(
    session: Session, file: _File, data: PackedFile, *, user: str | None, source: str
) -> ImportSummary:
    planner = _Planner(session, file)
    new = planner.plan()
    if planner.errors:
        raise InvalidInput(planner.errors)
    added = {s: len(getattr(new, s)) for s in SECTIONS}
    added["clinic"] = int(new.clinic is not None)
    records = {s: len(file.sections[s]) for s in SECTIONS}
    _Writer(session, user).write(
        new, reason=f"imported from {source}", data=data, source=source, records=records
    )
    unchanged = {s: records[s] - added[s] for s in SECTIONS}
    return ImportSummary(added, unchanged)


def _differing_field(stored: Rec, incoming: Rec) -> str | None:
    return next((k for k in incoming if incoming[k] != stored.get(k)), None)


def _show(value: Any) -> str:
    return shown(value)


_NO_OVERRIDE: Rec = {"override_by": None, "override_reason": None, "override_rules": None}
_NOT_VOID: Rec = {"void_on": None, "void_by": None, "void_reason": None}


def _override_columns(override: Rec | None) -> Rec:
    """A file treatment's `override` as the treatment's columns (all null when none)."""
    if override is None:
        return _NO_OVERRIDE
    return {
        "override_by": override["by"],
        "override_reason": override["reason"],
        "override_rules": list(override["rules"]),
    }


def _in_chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


class _Planner:
    def __init__(self, session: Session, doc: _File) -> None:
        self.session = session
        self.doc = doc
        self.errors: list[Problem] = []
        # voids the file applies to stored records that are not void: section -> key -> void
        self.voids: dict[str, dict[Hashable, Rec]] = defaultdict(dict)
        self.location_names = set(session.scalars(select(Location.name)))
        self.product_names = set(session.scalars(select(Product.name)))
        self.lot_keys: set[LotKey] = {
            (p, c)
            for p, c in session.execute(
                select(Product.name, Lot.code).join(Product, Product.id == Lot.product_id)
            )
        }

    def error(self, path: str, message: str) -> None:
        self.errors.append(Problem(path, message))

    def plan(self) -> _New:
        doc, new = self.doc, _New()
        new.clinic = self._clinic()
        new.locations = self._sift(
            "locations", doc.locations, ("name",), self._stored_by_name("locations")
        )
        new.products = self._sift(
            "products", doc.products, ("name",), self._stored_by_name("products")
        )
        self._check_gtins(new.products)
        new.lots = self._sift("lots", doc.lots, ("product", "lot"), self._stored_lots())
        known_products = self.product_names | {r["name"] for _, r in new.products}
        known_locations = self.location_names | {r["name"] for _, r in new.locations}
        known_lots = self.lot_keys | {(r["product"], r["lot"]) for _, r in new.lots}
        for i, rec in new.lots:
            self._need_product(f"lots[{i}].product", rec["product"], known_products)
            if rec["location"] is not None and rec["location"] not in known_locations:
                self.error(f"lots[{i}].location", f"unknown location {_show(rec['location'])}")
        new.documents = self._sift(
            "documents", doc.documents, ("kind", "number"), self._stored_documents()
        )
        for i, rec in new.documents:
            self._check_document_refs(i, rec, known_products, known_lots)
        new.treatments = self._sift(
            "treatments", doc.treatments, ("ref",), self._stored_by_ref(Treatment)
        )
        self._need_lots("treatments", new.treatments, known_products, known_lots)
        new.movements = self._sift(
            "movements", doc.movements, ("ref",), self._stored_by_ref(Movement)
        )
        self._need_lots("movements", new.movements, known_products, known_lots)
        for i, rec in new.movements:
            if rec["location"] is not None and rec["location"] not in known_locations:
                self.error(f"movements[{i}].location", f"unknown location {_show(rec['location'])}")
        new.bodies = self._sift(
            "bodies",
            doc.bodies,
            ("number",),
            {r["number"]: r for r in clinic_body_records(self.session)} if doc.bodies else {},
        )
        self._check_void_lots(new)
        if not self.errors:
            self._check_ledger(new)
        new.voids = dict(self.voids)
        return new

    # -- records already stored, as canonical records keyed like the file's ----------------

    def _stored_by_name(self, section: str) -> dict[Hashable, Rec]:
        if section == "locations":
            return {name: {"name": name} for name in self.location_names}
        return {r["name"]: r for r in export.product_records(self.session)}

    def _stored_lots(self) -> dict[Hashable, Rec]:
        if not any((r["product"], r["lot"]) in self.lot_keys for r in self.doc.lots):
            return {}
        return {(r["product"], r["lot"]): r for r in export.lot_records(self.session)}

    def _stored_documents(self) -> dict[Hashable, Rec]:
        if not self.doc.documents:
            return {}
        return {(r["kind"], r["number"]): r for r in export.document_records(self.session)}

    def _stored_by_ref(self, model: type[Treatment] | type[Movement]) -> dict[Hashable, Rec]:
        section = self.doc.treatments if model is Treatment else self.doc.movements
        refs = list(section.column("ref"))
        if not refs:
            return {}
        stored_refs = set(self.session.scalars(select(model.ref).where(model.ref.is_not(None))))
        clash = sorted(set(refs) & stored_refs)
        records: dict[Hashable, Rec] = {}
        make = export.treatment_records if model is Treatment else export.movement_records
        for chunk in _in_chunks(clash):
            for rec in make(self.session, refs=chunk):
                records[rec["ref"]] = rec
        return records

    # -- checks ----------------------------------------------------------------------------

    def _clinic(self) -> Rec | None:
        if self.doc.clinic is None:
            return None
        incoming = self.doc.clinic
        stored = export.clinic_record(self.session)
        if stored is None:
            return incoming
        differs = _differing_field(stored, incoming)
        if differs:
            self.error(
                f"clinic.{differs}",
                f"the stored clinic has {differs} {_show(stored[differs])}, the file "
                f"{_show(incoming[differs])}; change it in ExoDesk, not by import",
            )
        return None

    def _sift(
        self,
        section: str,
        items: _Section,
        key_fields: tuple[str, ...],
        stored: dict[Hashable, Rec],
    ) -> _Picked:
        """New records of a section; identical repeats are skipped, differing ones refused.
        A record's key is its value of one key field, or a tuple of its values of several."""
        first_in_file: dict[Hashable, int] = {}
        new = _Picked(items)
        key = items.getter(*key_fields)
        first = first_in_file.setdefault
        for i, row in enumerate(items.rows):
            k = key(row)
            if k in stored:
                prior, where = stored[k], "the stored record"
            elif (j := first(k, i)) != i:
                prior, where = items.rec(j), f"{section}[{j}]"
            else:
                new.indices.append(i)
                continue
            rec = items.rec(i)
            differs = _differing_field(prior, rec)
            if differs == "void" and where == "the stored record":
                if self._void_difference(section, i, k, prior, rec):
                    continue
            if differs:
                self.error(
                    f"{section}[{i}].{differs}",
                    f"{_describe(section, k)} already exists with {differs} "
                    f"{_show(prior.get(differs))} in {where}; this record says "
                    f"{_show(rec[differs])}",
                )
        return new

    def _void_difference(self, section: str, i: int, k: Hashable, stored: Rec, rec: Rec) -> bool:
        """The one difference an import applies: a void in the file for a stored record that
        is not void (another workstation voided it). True when it was taken or refused here."""
        rest_differs = _differing_field({**stored, "void": None}, {**rec, "void": None}) is not None
        if rest_differs:
            return False
        if stored.get("void") is None:
            self.voids[section][k] = rec["void"]
            return True
        if rec["void"] is None:
            self.error(
                f"{section}[{i}].void",
                f"{_describe(section, k)} is void in this database; a file cannot undo a void",
            )
            return True
        return False

    def _check_void_lots(self, new: _New) -> None:
        """A void lot may not keep treatments or movements that still count."""
        void_lots = {(r["product"], r["lot"]): i for i, r in new.lots if r["void"] is not None} | {
            k: -1 for k in self.voids["lots"] if isinstance(k, tuple)
        }
        if not void_lots:
            return
        index = {
            (r["product"], r["lot"]): i
            for i, r in enumerate(self.doc.lots)
            if r["void"] is not None
        }
        still: dict[LotKey, list[str]] = defaultdict(list)
        for section, items in (
            ("treatments", self.doc.treatments),
            ("movements", self.doc.movements),
        ):
            key_of, rest_of = items.getter("product", "lot"), items.getter("void", "ref")
            for row in items.rows:
                key = key_of(row)
                if key not in void_lots:
                    continue
                void, ref = rest_of(row)
                if void is None and ref not in self.voids[section]:
                    still[key].append(ref)
        stored = _stored_counting(self.session, set(void_lots) & self.lot_keys)
        in_file = set(self.doc.treatments.column("ref")) | set(self.doc.movements.column("ref"))
        for key, refs in stored.items():
            for ref in refs:
                if ref not in in_file and ref not in still[key]:
                    still[key].append(ref)
        for key, refs in sorted(still.items()):
            if refs:
                self.error(
                    f"lots[{index.get(key, void_lots[key])}].void",
                    f"lot {_show(key[1])} of {_show(key[0])} is void but still has treatments "
                    f"or movements that are not void ({', '.join(sorted(refs))})",
                )

    def _check_gtins(self, products: _Picked) -> None:
        owners: dict[str, str] = {
            gtin: name
            for gtin, name in self.session.execute(select(Product.gtin, Product.name))
            if gtin is not None
        }
        for i, rec in products:
            gtin = rec["gtin"]
            if gtin is None:
                continue
            owner = owners.setdefault(gtin, rec["name"])
            if owner != rec["name"]:
                self.error(
                    f"products[{i}].gtin", f"{gtin} already belongs to product {_show(owner)}"
                )

    def _need_product(self, path: str, name: str, known: set[str]) -> bool:
        """`path` is the JSON path of the field that names the product."""
        if name in known:
            return True
        self.error(path, f"unknown product {_show(name)}")
        return False

    def _need_lots(self, section: str, new: _Picked, products: set[str], lots: set[LotKey]) -> None:
        """Each new record of the section names a known lot (or is refused, naming why)."""
        key, rows = new.section.getter("product", "lot"), new.section.rows
        for i in new.indices:
            if key(rows[i]) not in lots:
                self._need_lot(f"{section}[{i}]", new.section.rec(i), products, lots)

    def _need_lot(self, path: str, rec: Rec, products: set[str], lots: set[LotKey]) -> None:
        if self._need_product(f"{path}.product", rec["product"], products) and (
            (rec["product"], rec["lot"]) not in lots
        ):
            self.error(
                f"{path}.lot", f"no lot {_show(rec['lot'])} of product {_show(rec['product'])}"
            )

    def _check_document_refs(self, i: int, rec: Rec, products: set[str], lots: set[LotKey]) -> None:
        for name in rec["products"]:
            self._need_product(f"documents[{i}].products", name, products)
        lot = rec["lot"]
        if lot is not None and not any((p, lot) in lots for p in rec["products"]):
            self.error(
                f"documents[{i}].lot",
                f"no lot {_show(lot)} of the products this document covers "
                f"({', '.join(rec['products'])})",
            )

    def _check_ledger(self, new: _New) -> None:
        """No lot the file takes vials from goes below zero on any day. A lot whose vials in
        by its first day out cover every vial that ever goes out cannot go below zero (a
        million treatments: nearly every lot); only the others are walked day by day."""
        lines = _LedgerLines()
        for _, rec in new.lots:
            if rec["void"] is None:
                received = rec["received"] or _UNKNOWN_DAY
                lines.add((rec["product"], rec["lot"]), received, rec["quantity"])
        treatments, rows = new.treatments.section, new.treatments.section.rows
        key, values = (
            treatments.getter("product", "lot"),
            treatments.getter("date", "vials", "void"),
        )
        for i in new.treatments.indices:
            day, vials, void = values(rows[i])
            if void is None:  # void records count nowhere
                lines.add(key(rows[i]), day, -vials)
        for _, rec in new.movements:
            if rec["quantity"] and rec["void"] is None:
                lines.add((rec["product"], rec["lot"]), rec["date"], rec["quantity"])
        voided = {
            (r["product"], r["lot"])
            for r in self.doc.movements
            if r["ref"] in self.voids["movements"] and r["quantity"] > 0
        }
        touched = set(lines.first_out) | voided
        stored = _stored_ledger(
            self.session,
            touched & self.lot_keys,
            skip_movements=set(self.voids["movements"]),
            skip_treatments=set(self.voids["treatments"]),
        )
        for k, entries in stored.items():
            for e in entries:
                lines.add(k, e.date.isoformat(), e.quantity)
        to_walk = sorted(k for k in touched if not lines.covered(k))
        if to_walk:
            self._walk_ledgers(new, to_walk, stored)

    def _walk_ledgers(
        self, new: _New, keys: list[LotKey], stored: dict[LotKey, list[Entry]]
    ) -> None:
        """Walk these lots' ledgers day by day; refuse the first line that takes each below
        zero."""
        walked = set(keys)
        entries: dict[LotKey, list[Entry]] = defaultdict(list)
        for section, picked, sign in (
            ("lots", new.lots, 1),
            ("treatments", new.treatments, -1),
            ("movements", new.movements, 1),
        ):
            get = picked.section.getter("product", "lot")
            quantity = _LEDGER_FIELD[section]
            day_field = "received" if section == "lots" else "date"
            for i in picked.indices:
                k = get(picked.section.rows[i])
                if k not in walked:
                    continue
                rec = picked.section.rec(i)
                if rec["void"] is not None or not rec[quantity]:
                    continue
                on = _day(rec[day_field]) or RECEIPT_DATE_UNKNOWN
                entries[k].append(Entry(on, sign * rec[quantity], f"{section}[{i}].{quantity}"))
        for k in keys:
            overdraw = first_overdraw(entries[k] + stored.get(k, []))
            if overdraw is not None:
                e = overdraw.entry
                self.error(
                    e.label,
                    f"takes lot {_show(k[1])} of {_show(k[0])} below zero on "
                    f"{e.date.isoformat()} (stock on hand would be {overdraw.balance})",
                )


_UNKNOWN_DAY = RECEIPT_DATE_UNKNOWN.isoformat()


class _LedgerLines:
    """What is known of each lot's ledger without holding its lines: the vials that go out
    in all, its first day out, and the days and quantities that come in (a few per lot).
    Days are ISO text (YYYY-MM-DD), which sorts as the days do."""

    def __init__(self) -> None:
        self.out: dict[LotKey, int] = {}
        self.first_out: dict[LotKey, str] = {}
        self.ins: dict[LotKey, list[tuple[str, int]]] = defaultdict(list)

    def add(self, key: LotKey, day: str, quantity: int) -> None:
        if quantity >= 0:
            self.ins[key].append((day, quantity))
            return
        self.out[key] = self.out.get(key, 0) - quantity
        first = self.first_out.get(key)
        if first is None or day < first:
            self.first_out[key] = day

    def covered(self, key: LotKey) -> bool:
        """Whether what comes in by the first day out covers all that ever goes out: then
        the stock on hand is never below zero (before that day nothing goes out; from it
        on, at least that much is in and at most all of it is out)."""
        first = self.first_out.get(key)
        if first is None:
            return True
        came_in = sum(q for day, q in self.ins.get(key, ()) if day <= first)
        return came_in >= self.out[key]


_LEDGER_FIELD = {"lots": "quantity", "treatments": "vials", "movements": "quantity"}


def _describe(section: str, key: Hashable) -> str:
    singular = {
        "locations": "location",
        "products": "product",
        "lots": "lot",
        "documents": "document",
        "treatments": "treatment",
        "movements": "movement",
        "bodies": "notified body",
    }
    shown = " / ".join(key) if isinstance(key, tuple) else str(key)
    return f"{singular[section]} {_show(shown)}"


def _stored_counting(session: Session, keys: set[LotKey]) -> dict[LotKey, list[str]]:
    """The refs of stored treatments and file-kind movements of these lots that are not void."""
    found: dict[LotKey, list[str]] = defaultdict(list)
    if not keys:
        return found
    for model in (Treatment, Movement):
        query = (
            select(Product.name, Lot.code, model.ref)
            .join(Lot, Lot.id == model.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(model.void_on.is_(None), model.ref.is_not(None))
        )
        if model is Movement:
            query = query.where(Movement.kind.in_(FILE_MOVEMENT_KINDS))
        for product, code, ref in session.execute(query):
            if (product, code) in keys:
                found[(product, code)].append(str(ref))
    return found


def _stored_ledger(
    session: Session,
    keys: set[LotKey],
    *,
    skip_movements: set[Hashable],
    skip_treatments: set[Hashable],
) -> dict[LotKey, list[Entry]]:
    """The stored ledger lines that count of these lots, leaving out the movements and the
    treatments whose refs are to skip (the import voids them)."""
    if not keys:
        return {}
    lots = {
        lot_id: (p, c)
        for lot_id, p, c in session.execute(
            select(Lot.id, Product.name, Lot.code).join(Product, Product.id == Lot.product_id)
        )
        if (p, c) in keys
    }
    ledger: dict[LotKey, list[Entry]] = defaultdict(list)
    ids = list(lots)
    for chunk in [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]:
        lines = counted_lines(chunk)
        rows = session.execute(
            select(
                lines.c.lot_id,
                lines.c.date,
                lines.c.quantity,
                lines.c.kind,
                lines.c.ref,
                lines.c.movement_id,
            ).where(lines.c.quantity != 0)
        )
        for lot_id, date, quantity, kind, ref, movement_id in rows:
            if ref in (skip_treatments if movement_id is None else skip_movements):
                continue
            ledger[lots[lot_id]].append(Entry(date, quantity, f"stored {kind.value}"))
    return ledger


# -- writing ----------------------------------------------------------------------------


def _each_converted(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """`convert` of each value (None stays None), worked out once per distinct value."""
    done: dict[Any, Any] = {None: None}
    try:
        return [done[v] if v in done else done.setdefault(v, convert(v)) for v in values]
    except TypeError:  # an unhashable value (a list for a JSON column): one by one
        return [None if v is None else convert(v) for v in values]


@functools.lru_cache(maxsize=8192)
def _day(text: str | None) -> dt.date | None:
    return iso_day(text) if text else None


def _void_columns(void: Rec | None) -> Rec:
    """A file record's `void` as the record's columns (all null when it counts)."""
    if void is None:
        return _NOT_VOID
    return {"void_on": _day(void["on"]), "void_by": void["by"], "void_reason": void["reason"]}


def _created(record: str, key: str, rec: Rec) -> Change:
    return Change(record, key, AuditAction.CREATE, new=rec)


def _record_changes(new: _New) -> list[Change]:
    """An event per record added, each with the whole record (a small import)."""
    changes = [] if new.clinic is None else [_created("clinic", new.clinic["name"], new.clinic)]
    changes += [_created("location", r["name"], r) for _, r in new.locations]
    changes += [_created("product", r["name"], r) for _, r in new.products]
    changes += [_created("lot", f"{r['product']} / {r['lot']}", r) for _, r in new.lots]
    changes += [_created("document", f"{r['kind']} {r['number']}", r) for _, r in new.documents]
    changes += [_created("treatment", r["ref"], r) for _, r in new.treatments]
    changes += [_created("movement", r["ref"], r) for _, r in new.movements]
    return changes


def _body_changes(new: _New) -> list[Change]:
    return [_created("body", r["number"], r) for _, r in new.bodies]


def _table(model: Any) -> Table:
    return model if isinstance(model, Table) else model.__table__


def _plain_key(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(str(v) if isinstance(v, str) else v for v in values)


class _Writer:
    """Writes a validated plan, a chunk of records at a time. On SQLite (whose write lock the
    transaction holds from its BEGIN) new rows get their ids here and go straight to the
    driver's executemany; elsewhere ids come back from each INSERT … RETURNING."""

    def __init__(self, session: Session, user: str | None) -> None:
        self.session = session
        self.user = user
        self.now = utc_now()
        self.changes: list[Change] = []
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def stamp(self) -> Rec:
        return {"recorded_at": self.now, "recorded_by": self.user}

    def insert(self, model: Any, rows: list[Rec]) -> None:
        if rows:
            self.insert_columns(model, {name: [r[name] for r in rows] for name in rows[0]})

    def insert_columns(self, model: Any, columns: dict[str, list[Any]]) -> None:
        """Insert rows given column by column (each list holds one column's values)."""
        names = list(columns)
        if not names or not columns[names[0]]:
            return
        if not self.sqlite:
            together = zip(*columns.values(), strict=True)
            rows = [dict(zip(names, row, strict=True)) for row in together]
            insert_rows(self.session, model, rows)
            return
        table = _table(model)
        conn = self.session.connection()
        dialect = conn.dialect
        quote = dialect.identifier_preparer.quote
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        # Column by column, each distinct value put in the database's terms once (a file's
        # dates, kinds and time stamps repeat across a million rows)
        converted = []
        for name in names:
            values = columns[name]
            convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                values = _each_converted(values, convert)
            converted.append(values)
        conn.exec_driver_sql(sql, list(zip(*converted, strict=True)))

    def insert_ids(self, model: Any, rows: list[Rec], *key: str) -> dict[tuple[Any, ...], int]:
        """Insert the rows; the id of each new row by its values of `key` (a unique key)."""
        if not rows:
            return {}
        if not self.sqlite:
            got = insert_returning(self.session, model, rows, "id", *key)
            return {_plain_key(found[1:]): found[0] for found in got}
        table = _table(model)
        first = int(self.session.scalar(select(func.max(table.c.id))) or 0) + 1
        for n, r in enumerate(rows):
            r["id"] = first + n
        self.insert(model, rows)
        return {_plain_key(r[k] for k in key): r["id"] for r in rows}

    def write(
        self, new: _New, *, reason: str, data: PackedFile, source: str, records: dict[str, int]
    ) -> None:
        session = self.session
        if new.clinic is not None:
            self.insert(Clinic, [new.clinic])
        self.insert(Location, [r for _, r in new.locations])
        self.insert(Product, [r for _, r in new.products])
        self.location_ids = dict(session.execute(select(Location.name, Location.id)).all())
        self.product_ids = dict(session.execute(select(Product.name, Product.id)).all())
        with ExitStack() as bulk:
            for model, adding in (
                (Lot, len(new.lots)),
                (Movement, len(new.lots) + len(new.movements)),  # each lot's receipt too
                (Document, len(new.documents)),
                (Treatment, len(new.treatments)),
            ):
                bulk.enter_context(indexes_set_aside(session, model, adding))
            self.lot_ids = self._write_lots(new.lots)
            self._write_documents(new.documents)
            self._write_treatments(new.treatments)
            self._write_movements(new.movements)
        self._apply_voids(new.voids)
        self.insert(NotifiedBody, [r for _, r in new.bodies])
        added = {s: len(getattr(new, s)) for s in SECTIONS}
        added["clinic"] = int(new.clinic is not None)
        if sum(added.values()) <= PER_RECORD_EVENTS_UP_TO:
            changes = _record_changes(new) + self.changes + _body_changes(new)
        else:
            sha = keep_file(session, data, name=source, at=self.now)
            changes = [import_change(source, sha, data.size, added, records), *self.changes]
        write_audit(session, changes, user=self.user, reason=reason, at=self.now)

    def _write_lots(self, new: _Picked) -> dict[LotKey, int]:
        names = {pid: name for name, pid in self.product_ids.items()}
        lot_ids: dict[LotKey, int] = {}
        for rows in new.chunks():
            ids = self.insert_ids(
                Lot,
                [
                    {
                        "product_id": self.product_ids[r["product"]],
                        "code": r["lot"],
                        "expiry": _day(r["expiry"]),
                        "received": _day(r["received"]),
                        "initial_status": r["status"],
                        "location_id": self.location_ids[r["location"]] if r["location"] else None,
                        **_void_columns(r.get("void")),
                    }
                    for r in rows
                ],
                "product_id",
                "code",
            )
            chunk_ids = {(names[pid], code): lot_id for (pid, code), lot_id in ids.items()}
            self.insert(
                Movement,
                [
                    {
                        "lot_id": chunk_ids[(r["product"], r["lot"])],
                        "date": _day(r["received"]) or RECEIPT_DATE_UNKNOWN,
                        "kind": MovementKind.RECEIPT,
                        "quantity": r["quantity"],
                        "reason": "received",
                        **_void_columns(r.get("void")),
                        **self.stamp(),
                    }
                    for r in rows
                ],
            )
            lot_ids |= chunk_ids
        return self._all_lot_ids(lot_ids)

    def _all_lot_ids(self, new_ids: dict[LotKey, int]) -> dict[LotKey, int]:
        """Lots of this import plus stored ones, keyed (product name, lot code)."""
        names = {pid: name for name, pid in self.product_ids.items()}
        stored = {
            (names[pid], code): lot_id
            for lot_id, pid, code in self.session.execute(select(Lot.id, Lot.product_id, Lot.code))
        }
        return stored | new_ids

    def _write_documents(self, new: _Picked) -> None:
        for rows in new.chunks():
            doc_ids = self.insert_ids(
                Document,
                [
                    {
                        "kind": r["kind"],
                        "number": r["number"],
                        "issuer": r["issuer"],
                        "issued": _day(r["issued"]),
                        "expires": _day(r["expires"]),
                        "status": r["status"],
                        "sha256": r["sha256"],
                        "body_number": r["body_number"],
                        "verified_on": _day(r["verified_on"]),
                        "verified_by": r["verified_by"],
                        "lot_id": self._document_lot(r),
                    }
                    for r in rows
                ],
                "kind",
                "number",
            )
            self.insert(
                document_product,
                [
                    {
                        "document_id": doc_ids[(r["kind"], r["number"])],
                        "product_id": self.product_ids[name],
                    }
                    for r in rows
                    for name in r["products"]
                ],
            )

    def _document_lot(self, rec: Rec) -> int | None:
        if rec["lot"] is None:
            return None
        return next(
            self.lot_ids[(p, rec["lot"])]
            for p in rec["products"]
            if (p, rec["lot"]) in self.lot_ids
        )

    def _write_treatments(self, new: _Picked) -> None:
        times: dict[str, dt.time] = {}
        lot_ids = self.lot_ids
        for c in new.column_chunks():
            n = len(c["ref"])
            overrides = [_override_columns(o) for o in c["override"]]
            voids = [_void_columns(v) for v in c["void"]]
            columns = {
                "ref": c["ref"],
                "date": [_day(d) for d in c["date"]],
                "lot_id": [lot_ids[key] for key in zip(c["product"], c["lot"], strict=True)],
                "patient": c["patient"],
                "practitioner": c["practitioner"],
                "route": c["route"],
                "zone": c["zone"],
                "vials": c["vials"],
                "time": [
                    times.setdefault(t, dt.time.fromisoformat(t)) if t else None for t in c["time"]
                ],
                "reconstituted": [
                    dt.datetime.fromisoformat(r) if r else None for r in c["reconstituted"]
                ],
                **{k: [o[k] for o in overrides] for k in overrides[0]},
                **{k: [v[k] for v in voids] for k in voids[0]},
                **{k: [v] * n for k, v in self.stamp().items()},
            }
            self.insert_columns(Treatment, columns)

    def _write_movements(self, new: _Picked) -> None:
        for rows in new.chunks():
            self.insert(
                Movement,
                [
                    {
                        "ref": r["ref"],
                        "lot_id": self.lot_ids[(r["product"], r["lot"])],
                        "date": _day(r["date"]),
                        "kind": r["kind"],
                        "quantity": r["quantity"],
                        "reason": r["reason"],
                        "status": r["status"],
                        "location_id": (
                            self.location_ids[r["location"]] if r["location"] else None
                        ),
                        **_void_columns(r.get("void")),
                        **self.stamp(),
                    }
                    for r in rows
                ],
            )

    def _apply_voids(self, voids: dict[str, dict[Hashable, Rec]]) -> None:
        """Void stored records the file says are void (with a lot its receipts, with a
        treatment its use), each with its audit event."""
        session = self.session
        for section, found in voids.items():
            for key, void in sorted(found.items(), key=lambda kv: str(kv[0])):
                mark = VoidMark(iso_day(void["on"]), void["by"], void["reason"])
                if section == "lots":
                    assert isinstance(key, tuple)
                    lot = session.scalars(
                        select(Lot)
                        .join(Product, Product.id == Lot.product_id)
                        .where(Product.name == key[0], Lot.code == key[1])
                    ).one()
                    mark_void(lot, mark)
                    for m in session.scalars(
                        select(Movement).where(
                            Movement.lot_id == lot.id, Movement.kind == MovementKind.RECEIPT
                        )
                    ):
                        mark_void(m, mark)
                    self.changes.append(void_change("lot", f"{key[0]} / {key[1]}", mark))
                elif section == "treatments":
                    treatment = session.scalars(select(Treatment).where(Treatment.ref == key)).one()
                    mark_void(treatment, mark)  # and with it its use of the lot
                    self.changes.append(void_change("treatment", str(key), mark))
                elif section == "movements":
                    movement = session.scalars(select(Movement).where(Movement.ref == key)).one()
                    mark_void(movement, mark)
                    self.changes.append(void_change("movement", str(key), mark))
        session.flush()
