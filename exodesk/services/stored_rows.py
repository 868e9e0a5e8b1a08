"""Reading a great many rows as the database stores them: straight from the driver's cursor,
with no per-value conversion, for the few loops that pass over every treatment or movement
(a check, an export). `converters` turns such a row into the values a query would give."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

Converter = Callable[[Any], Any] | None


def stored_rows(session: Session, query: Select[*tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows of `query` as stored (dates as text, vocabularies as their values), read one
    after another within the session's transaction. Its parameters are written into the
    statement (they are the program's own constants, never user text)."""
    connection = session.connection()
    statement = str(
        query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
        while rows := cursor.fetchmany(1000):
            yield from rows
    finally:
        cursor.close()


def converters(session: Session, query: Select[*tuple[Any, ...]]) -> list[Converter]:
    """Per column of `query`, what turns its stored value into the query's value (None when
    the stored value is the value)."""
    dialect = session.connection().dialect
    return [
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in query.selected_columns
    ]


def convert(row: tuple[Any, ...], how: list[Converter]) -> tuple[Any, ...]:
    """A stored row as the query would give it."""
    return tuple(value if f is None else f(value) for f, value in zip(how, row, strict=True))
