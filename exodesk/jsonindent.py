"""Writing JSON record by record, byte for byte as `json.dumps(value, indent=2,
ensure_ascii=False)` lays it out, so a long list is written as it is read instead of being
held whole. (With an indent the standard library's encoder runs in pure Python; records of
plain values are laid out here directly, with its C string encoder, and anything nested
falls back to `json.dumps`.)"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from typing import Any, TextIO

_BATCH = 2000  # records joined per write


def _scalar(value: Any, margin: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        text: str = encode_basestring(value)
        return text
    if isinstance(value, int):
        return int.__repr__(value)
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + margin) if margin else text


def record_text(record: Mapping[str, Any], level: int) -> str:
    """`record` (a JSON object) as json.dumps(indent=2) writes it `level` levels deep."""
    if not record:
        return "{}"
    inner = "\n" + "  " * (level + 1)
    margin = "  " * (level + 1)
    parts = [
        inner + encode_basestring(key) + ": " + _scalar(value, margin)
        for key, value in record.items()
    ]
    return "{" + ",".join(parts) + "\n" + "  " * level + "}"


def array_chunks(records: Iterable[Mapping[str, Any]], level: int = 0) -> Iterator[str]:
    """A JSON array of objects, `level` levels deep, in pieces to write one after another."""
    item = "\n" + "  " * (level + 1)
    first = True
    batch: list[str] = []
    for record in records:
        batch.append(("[" if first else ",") + item + record_text(record, level + 1))
        first = False
        if len(batch) >= _BATCH:
            yield "".join(batch)
            batch.clear()
    if first:
        yield "[]"
        return
    batch.append("\n" + "  " * level + "]")
    yield "".join(batch)


def write_array(out: TextIO, records: Iterable[Mapping[str, Any]]) -> None:
    """The array json.dumps(list(records), indent=2, ensure_ascii=False) + newline writes."""
    for chunk in array_chunks(records):
        out.write(chunk)
    out.write("\n")
