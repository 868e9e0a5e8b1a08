"""Recall reports: every treatment from a lot, as CSV (the PDF is printed by the UI)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from exodesk import csvcells
from exodesk.services.treatments.trace import TraceRow

CSV_HEADER = ("ref", "date", "patient", "practitioner", "route", "zone", "vials")


def recall_csv(product: str, lot: str, rows: Sequence[TraceRow]) -> str:
    """CSV text: one header line, then one line per treatment, oldest first."""
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\n")
    writer.writerow(("product", "lot", *CSV_HEADER))
    for r in rows:
        writer.writerow(
            (
                product,
                lot,
                r.ref,
                r.date.isoformat(),
                r.patient,
                r.practitioner,
                r.route,
                r.zone or "",
                r.vials,
            )
        )
    return out.getvalue()


def patients(rows: Sequence[TraceRow]) -> list[str]:
    return sorted({r.patient for r in rows})
