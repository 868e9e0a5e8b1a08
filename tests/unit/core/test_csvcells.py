"""Formula cells: every CSV ExoDesk writes neutralises them, and its own sheets read back."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exodesk.csvcells import FORMULA_STARTS, neutralise, restore, writer

FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+2",
    "\tTabbed",
    "\rReturned",
    "=1",
    "-",
    "+",
]
PLAIN = ["-2", "+3", "3.5", "-0.25", "42", "", "Exo Plant 10", "PL001", "'quoted", "a=b", " =x"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_formula_gains_a_quote_and_restores(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert restore(neutralise(cell)) == cell


@pytest.mark.parametrize("cell", PLAIN)
def test_text_and_plain_numbers_are_untouched(cell: str) -> None:
    assert neutralise(cell) == cell
    assert restore(cell) == cell


@pytest.mark.parametrize("cell", ["'=1", "''=1", "'-1+2", "'\tx"])
def test_a_real_leading_quote_before_a_formula_round_trips(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert restore(neutralise(cell)) == cell


def test_restore_strips_only_one_quote_and_only_before_a_formula() -> None:
    assert restore("'=1") == "=1"
    assert restore("''=1") == "'=1"
    assert restore("'-2") == "'-2"  # a plain number never gains a quote
    assert restore("'abc") == "'abc"


def test_the_writer_neutralises_text_and_leaves_numbers() -> None:
    out = io.StringIO()
    w = writer(out, lineterminator="\n")
    w.writerow(["=1+1", -2, 3.5, "-2", None, "ok"])
    w.writerows([["@x", 0]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=1+1", "-2", "3.5", "-2", "", "ok"],
        ["'@x", "0"],
    ]


formula_like = st.text(
    alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "1", ".", "a"])
)


@given(st.one_of(st.text(), formula_like))
def test_restore_undoes_neutralise(cell: str) -> None:
    assert restore(neutralise(cell)) == cell


def _plain_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip() == cell and all(ch in "+-.0123456789" for ch in cell)


@given(st.one_of(st.text(), formula_like))
def test_neutralised_output_never_runs_as_a_formula(cell: str) -> None:
    written = neutralise(cell)
    assert not written.startswith(FORMULA_STARTS) or _plain_number(written)


def test_a_carriage_return_is_always_quoted() -> None:
    out = io.StringIO()
    writer(out, lineterminator="\n").writerow(["a\rb", "\rCR", "c"])
    assert out.getvalue() == '"a\rb","\'\rCR",c\n'
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["a\rb", "'\rCR", "c"]
