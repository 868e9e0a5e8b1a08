"""Hostile interchange files (a security review's finding): each is refused by `import_bytes`
with InvalidInput naming its JSON path in a short message free of control characters, and the
database is left exactly as it was; the CLI says so with exit 2 and no traceback."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_files import base_document

from exodesk.cli import main
from exodesk.db import Database, open_database
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange.export import export_document
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.interchange.schema import MAX_VIALS

USER = "stella"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@pytest.fixture
def db(demo_db: Path) -> Iterator[Database]:
    database = open_database(str(demo_db))
    yield database
    database.close()


def snapshot(db: Database) -> Any:
    with db.read() as session:
        return export_document(session)


def refuse(db: Database, raw: bytes | str) -> InvalidInput:
    """Import `raw`; it must be refused with short clean messages and nothing written."""
    before = snapshot(db)
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        import_bytes(session, raw, user=USER, source="hostile.json")
    assert snapshot(db) == before
    for problem in caught.value.problems:
        text = str(problem)
        assert len(text) < 300, text
        assert not CONTROL.search(text), repr(text)
    return caught.value


def fields(exc: InvalidInput) -> list[str]:
    return [p.field for p in exc.problems]


def encoded(doc: Any) -> bytes:
    return json.dumps(doc).encode("utf-8")


def with_lot(**changes: Any) -> bytes:
    doc = base_document()
    doc["lots"][0].update(changes)
    return encoded(doc)


def test_deep_nesting_is_refused_without_recursion(db: Database) -> None:
    raw = b'{"format": "exodesk/1", "lots": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    exc = refuse(db, raw)
    assert fields(exc) == ["(file)"] and "nested too deeply" in exc.problems[0].message


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        pytest.param({"quantity": 2**63}, "lots[0].quantity", id="2^63"),
        pytest.param({"quantity": 9_200_000_000_000_000_000}, "lots[0].quantity", id="9.2e18"),
        pytest.param({"quantity": MAX_VIALS + 1}, "lots[0].quantity", id="past-max"),
        pytest.param({"quantity": 1.0e3}, "lots[0].quantity", id="float"),
    ],
)
def test_numbers_past_the_bounds_are_refused(
    db: Database, changes: dict[str, Any], path: str
) -> None:
    assert path in fields(refuse(db, with_lot(**changes)))


def test_movement_and_treatment_quantities_are_bounded(db: Database) -> None:
    doc = base_document()
    doc["movements"].append(
        {
            "ref": "M-HUGE",
            "date": "2026-05-01",
            "product": doc["lots"][0]["product"],
            "lot": doc["lots"][0]["lot"],
            "kind": "adjustment",
            "quantity": -(2**63),
            "reason": "hostile",
        }
    )
    doc["treatments"].append(
        {
            "ref": "T-HUGE",
            "date": "2026-05-01",
            "product": doc["lots"][0]["product"],
            "lot": doc["lots"][0]["lot"],
            "patient": "P-1",
            "practitioner": "Dr A",
            "route": "intradermal",
            "vials": 10**18,
        }
    )
    found = fields(refuse(db, encoded(doc)))
    assert "movements[0].quantity" in found and "treatments[0].vials" in found


def test_integers_of_thousands_of_digits_are_refused(db: Database) -> None:
    raw = encoded(base_document()).replace(b'"quantity": 10', b'"quantity": ' + b"9" * 50_000)
    exc = refuse(db, raw)
    assert fields(exc) == ["lots[0].quantity"]


def test_lone_surrogates_are_refused_with_their_path(db: Database) -> None:
    exc = refuse(db, with_lot(lot="PL\ud800"))  # json.dumps writes it as \ud800
    assert fields(exc) == ["lots[0].lot"] and "surrogate" in exc.problems[0].message


def test_duplicate_keys_are_refused_naming_key_and_path(db: Database) -> None:
    raw = encoded(base_document()).replace(b'"quantity": 10', b'"quantity": 10, "quantity": 99')
    exc = refuse(db, raw)
    assert fields(exc) == ["lots[0].quantity"] and '"quantity"' in exc.problems[0].message


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("lots", "lot", "\u001b[2J"),
        ("clinic", "name", "Clinic\u0007"),
        ("locations", "name", "Fridge\u009b31m"),
        ("documents", "issuer", "Bio\r\nQC"),
        ("products", "manufacturer", "Bio\u202e"),
    ],
)
def test_control_characters_in_text_are_refused(
    db: Database, section: str, field: str, value: str
) -> None:
    doc = base_document()
    record = doc[section] if section == "clinic" else doc[section][-1]
    record[field] = value
    index = "" if section == "clinic" else f"[{len(doc[section]) - 1}]"
    path = f"{section}{index}.{field}"
    exc = refuse(db, json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    assert path in fields(exc)


def test_giant_values_are_never_echoed_in_full(db: Database) -> None:
    doc = base_document()
    doc["format"] = "x" * 5_000_000
    doc["lots"][0]["expiry"] = "y" * 1_000_000
    doc["lots"][0]["x" * 100_000] = 1
    doc["products"] = [{"name": n} for n in range(10)]
    exc = refuse(db, encoded(doc))
    assert {"format", "lots[0].expiry"} <= set(fields(exc))
    assert len(exc.problems) <= 201
    many = base_document()
    many["products"] = [{"name": n} for n in range(5000)]
    assert len(refuse(db, encoded(many)).problems) <= 201


@pytest.mark.parametrize(
    "raw", [b"", b"\xff\xfe\x00bad", b"[]", b'"exodesk/1"', b'{"format": NaN}']
)
def test_not_utf8_empty_or_not_an_object_still_say_so(db: Database, raw: bytes) -> None:
    assert fields(refuse(db, raw)) == ["(file)"]


def test_cli_refuses_a_hostile_file_with_exit_2(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.json"
    path.write_bytes(with_lot(lot="\u001b[2J\u0007" + "A" * 1_000_000))
    code = main(["import", str(path), "--db", str(demo_db)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and len(err) < 1000 and "\x1b" not in err and "\x07" not in err
    assert "lots[0].lot" in err


# --------------------------------------------------------------------------------------------
# Property: mutated hostile files are imported or refused, never anything else
# --------------------------------------------------------------------------------------------
def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of the document, so a mutation can replace any value."""
    out: list[tuple[Any, Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        out.append((node, key))
        if isinstance(value, (dict, list)):
            out.extend(_slots(value))
    return out


HOSTILE_TEXT = st.text(
    alphabet=st.characters(codec=None, categories=["Cc", "Cs", "Lu", "Nd", "Zs"]),
    min_size=1,
    max_size=20,
)
HOSTILE_VALUE = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([2**63, -(2**63), 9.2e18, 1.0e3, MAX_VIALS, MAX_VIALS + 1, -MAX_VIALS - 1]),
    HOSTILE_TEXT,
    st.integers(min_value=1, max_value=300).map(lambda n: json.loads("[" * n + "]" * n)),
)


@st.composite
def hostile_files(draw: Callable[..., Any]) -> bytes:
    doc = base_document()
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        slots = _slots(doc)
        container, key = draw(st.sampled_from(slots))
        container[key] = draw(HOSTILE_VALUE)
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    kind = draw(st.sampled_from(["none", "nest", "digits", "duplicate"]))
    if kind == "nest":
        n = draw(st.integers(min_value=1, max_value=5000))
        text = text.replace("[]", "[" * n + "]" * n, 1)
    elif kind == "digits":
        text = text.replace('"quantity": 10', '"quantity": ' + "7" * draw(st.integers(1, 6000)))
    elif kind == "duplicate":
        key = draw(st.sampled_from(["name", "lot", "quantity", "format", "kind"]))
        text = text.replace(f'"{key}": ', f'"{key}": 1, "{key}": ', 1)
    return text.encode("utf-8", "surrogatepass")


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=hostile_files())
def test_mutated_hostile_files_import_or_are_refused(db: Database, raw: bytes) -> None:
    before = snapshot(db)
    try:
        with db.write() as session:
            import_bytes(session, raw, user=USER, source="fuzz.json")
    except InvalidInput as exc:
        assert snapshot(db) == before
        for problem in exc.problems:
            assert len(str(problem)) < 300 and not CONTROL.search(str(problem))
