"""The tables the window exports as a workbook (`xlsx_export`): the same columns as each
view's CSV (values as the contract writes them), with days and moments kept as such so the
workbook gets real date cells. Treatments and Flags, which had no CSV, get one from the same
table (`xlsx_export.table_csv`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from exodesk.services.audit.log import CSV_HEADERS as AUDIT_HEADER
from exodesk.services.audit.log import AuditRow
from exodesk.services.compliance.rules import Flag
from exodesk.services.sheets.xlsx_export import Table
from exodesk.services.stock.listing import CSV_HEADER as STOCK_HEADER
from exodesk.services.stock.lots import LotLine
from exodesk.services.stock.on_hand import expiry_note
from exodesk.services.treatments.recall import CSV_HEADER as RECALL_HEADER
from exodesk.services.treatments.recording import TreatmentRow
from exodesk.services.treatments.trace import TraceRow

TREATMENTS_HEADER = (
    "ref",
    "date",
    "patient",
    "practitioner",
    "product",
    "lot",
    "vials",
    "route",
    "zone",
    "overridden",
    "override_reason",
    "void",
)
FLAGS_HEADER = (
    "severity",
    "rule",
    "product",
    "lot",
    "treatment",
    "message",
    "overridden_by",
    "overridden_at",
    "override_reason",
)


def stock_table(lines: Sequence[LotLine], today: dt.date) -> Table:
    return Table(
        "Stock",
        STOCK_HEADER,
        [
            (
                line.product,
                line.lot,
                line.expiry,
                line.location or "",
                line.status.value,
                line.on_hand,
                expiry_note(line.expiry, today),
                "void" if line.void else "",
            )
            for line in lines
        ],
    )


def audit_table(rows: Iterable[AuditRow]) -> Table:
    return Table(
        "Audit trail",
        AUDIT_HEADER,
        [
            (
                r.id,
                r.at.replace(tzinfo=None),
                r.user or "",
                r.action.value,
                r.record,
                r.record_key,
                r.field or "",
                r.old or "",
                r.new or "",
                r.reason or "",
            )
            for r in rows
        ],
    )


def recall_table(product: str, lot: str, rows: Sequence[TraceRow]) -> Table:
    return Table(
        "Recall",
        ("product", "lot", *RECALL_HEADER),
        [
            (product, lot, r.ref, r.date, r.patient, r.practitioner, r.route, r.zone or "", r.vials)
            for r in rows
        ],
    )


def treatments_table(rows: Iterable[TreatmentRow]) -> Table:
    return Table(
        "Treatments",
        TREATMENTS_HEADER,
        [
            (
                r.ref,
                r.date,
                r.patient,
                r.practitioner,
                r.product,
                r.lot,
                r.vials,
                r.route,
                r.zone or "",
                "yes" if r.overridden else "",
                r.override_reason or "",
                "void" if r.void else "",
            )
            for r in rows
        ],
    )


def flags_table(flags: Iterable[Flag]) -> Table:
    rows = []
    for f in flags:
        o = f.overridden
        at = o.at.replace(tzinfo=None) if o is not None and o.at is not None else None
        rows.append(
            (
                f.severity.value,
                f.rule,
                f.product,
                f.lot or "",
                f.treatment or "",
                f.message,
                o.by if o is not None else "",
                at,
                o.reason if o is not None else "",
            )
        )
    return Table("Flags", FLAGS_HEADER, rows)
