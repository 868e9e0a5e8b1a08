"""Hypothesis mutates valid interchange files: every import either succeeds or exits 2 with
the stored data exactly as it was, and never crashes."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_files import base_document, coa, lot, movement, treatment, waste

from exodesk.cli import main

# tests/property/test_hostile_inputs.py throws hostile values too; these mutations are of the
# file's structure (keys dropped, moved, duplicated, characters cut), so fewer are needed here.
MUTATED_FILES = 60

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "2026-02-30",
            "2026-13-01",
            "",
            "released",
            "msc",
            "-1",
            "T-0001",
            "Fridge A",
            "Exo Plant 10",
            "PL001",
            "9" * 14,
            "2026-06-01",
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def rich_document() -> dict[str, Any]:
    doc = base_document()
    doc["lots"].append(lot("PL002", quantity=5, expiry="2027-03-31"))
    doc["documents"].append(coa(lot_code="PL002"))
    doc["treatments"] = [treatment("T-0001", "PL001"), treatment("T-0002", "PL002", vials=2)]
    doc["movements"] = [
        waste("M-0001", -1),
        movement("M-0002", "status_change", "PL002", status="on_hold", quantity=0),
    ]
    return doc


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> str:
    doc = rich_document()
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "duplicate", "rename"]))
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = parent.pop(key)
    text = json.dumps(doc)
    if draw(st.integers(0, 9)) == 0:  # now and then, damage the text itself
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(st.sampled_from(["", "{", '"', "\u00e9", ",]"])) + text[at + 1 :]
    return text


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("mutations") / "clinic.sqlite"
    source = db.with_name("base.json")
    source.write_text(json.dumps(base_document()), encoding="utf-8")
    assert _run(["import", str(source), "--db", str(db)])[0] == 0
    return db


@settings(
    max_examples=MUTATED_FILES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=mutated())
def test_a_mutated_file_is_imported_whole_or_refused_with_nothing_changed(
    stored: Path, text: str
) -> None:
    path = stored.with_name("mutated.json")
    path.write_text(text, encoding="utf-8")
    before = _run(["export", "-", "--db", str(stored)])[1]
    code, _, err = _run(["import", str(path), "--db", str(stored)])
    assert code in (0, 2), err
    assert "Traceback" not in err and "unexpected error" not in err
    if code == 2:
        assert _run(["export", "-", "--db", str(stored)])[1] == before
        assert err.strip(), "a refusal must say why"
