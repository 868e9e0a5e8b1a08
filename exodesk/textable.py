"""Plain-text tables for the command line."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

DETAIL_WIDTH = 96


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    details: Sequence[str] | None = None,
) -> str:
    """Columns padded to their widest cell; a row's `details` text wraps indented beneath it."""
    cells = [[str(h) for h in headers]] + [
        ["" if v is None else str(v) for v in row] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    for i, row in enumerate(cells[1:]):
        out.append(line(row))
        if details is not None:
            out += textwrap.wrap(
                details[i], DETAIL_WIDTH, initial_indent="    ", subsequent_indent="    "
            )
    return "\n".join(out)
