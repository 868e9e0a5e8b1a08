"""The one declarative base, its naming convention and column types shared by the models."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A vocabulary stored as its plain string value (VARCHAR(32)), portable to PostgreSQL."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[E]) -> None:
        super().__init__()
        self.enum_cls = enum_cls
        # Each stored value's member, looked up directly (calling the enum class is slow
        # when a million rows are read); an unknown value still fails as the call does.
        self._members: dict[str, E] = {m.value: m for m in enum_cls}

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        if value is None:
            return None
        try:
            return self._members[value]
        except KeyError:
            return self.enum_cls(value)


class Voidable:
    """A record that can be voided: marked as entered in error, kept, and counted nowhere.
    It is void when `void_on` is set (with who voided it and why)."""

    void_on: Mapped[dt.date | None]
    void_by: Mapped[str | None] = mapped_column(String(200))
    void_reason: Mapped[str | None] = mapped_column(Text)


class StringList(TypeDecorator[list[str]]):
    """A short list of vocabulary strings stored as a JSON array in a TEXT column."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(list(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str] | None:
        return None if value is None else list(json.loads(value))
