"""Searching for text the user typed: "contains, ignoring case", where `%`, `_` and `\\` are
the characters themselves, never LIKE wildcards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Boolean

ESCAPE = "\\"


def like_escaped(text: str) -> str:
    """`text` as a LIKE pattern that matches exactly it (ESCAPE '\\')."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


class _ContainsIgnoringCase(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a condition in itself: no "= 1" after it on SQLite
    name = "contains_ignoring_case"


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case (ASCII case on SQLite, as its LIKE does)."""
    pattern = literal(f"%{like_escaped(text)}%", String())
    return _ContainsIgnoringCase(column, pattern)


def _operands(element: _ContainsIgnoringCase, compiler: SQLCompiler, **kw: Any) -> list[str]:
    column, pattern = element.clauses
    escape = compiler.render_literal_value(ESCAPE, String())
    return [compiler.process(column, **kw), compiler.process(pattern, **kw), escape]


@compiles(_ContainsIgnoringCase)
def _lower_like(element: _ContainsIgnoringCase, compiler: SQLCompiler, **kw: Any) -> str:
    column, pattern, escape = _operands(element, compiler, **kw)
    return f"(lower({column}) LIKE lower({pattern}) ESCAPE {escape})"


@compiles(_ContainsIgnoringCase, "sqlite")
def _sqlite_like(element: _ContainsIgnoringCase, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's LIKE ignores ASCII case already; lower() on every row would only cost time.
    column, pattern, escape = _operands(element, compiler, **kw)
    return f"({column} LIKE {pattern} ESCAPE {escape})"


@compiles(_ContainsIgnoringCase, "postgresql")
def _ilike(element: _ContainsIgnoringCase, compiler: SQLCompiler, **kw: Any) -> str:
    column, pattern, escape = _operands(element, compiler, **kw)
    return f"({column} ILIKE {pattern} ESCAPE {escape})"
