"""One registry of commands: each command says once what it is called, what it takes, how it
runs and whether it writes; the parser and the dispatch are both made from it.

The registry is built without importing what the commands run: a command names its runner
as "module:function" (`"exodesk.cli.stock:run_stock"`), imported only when it is dispatched,
so `exodesk --help` loads neither the database layer nor the services."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from exodesk.db import Database

RunOnDatabase = Callable[["Database", argparse.Namespace], int]
RunOnTarget = Callable[[str | None, argparse.Namespace], int]
# Tried before opening the database: an exit code, or None to open it as usual
QuickRun = Callable[[str | None, argparse.Namespace], int | None]
NothingToDo = Callable[["Database", argparse.Namespace], bool]
AddArguments = Callable[[argparse.ArgumentParser], None]


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command that takes only the shared options."""


def resolve(spec: str) -> Any:
    """The object a "module:name" spec names, its module imported now."""
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"{spec!r}: expected 'module:name'")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Group:
    """A command with steps (`count start`, `user add`)."""

    name: str
    help: str


@dataclass(frozen=True)
class Command:
    """`path` is the words typed (`("count", "close")`). The command runs either on the
    opened database (`run`) or on the database's target without opening it (`run_on_target`:
    restore, or no database at all); each is named "module:function" and imported when the
    command runs (`runner`, `target_runner`). `arguments` adds the command's own arguments
    and must stay cheap to import. `writes`: once the database has accounts, it runs as a
    signed-in account. `refusal` is what a refusal adds ("nothing was written");
    `lists_problems`: invalid input is printed one problem a line, then a summary naming
    `args.file`. `nothing_to_do` ("module:function"), asked before signing in, ends the
    command with exit 0. `quick` ("module:function", given the target and the arguments) is
    tried before the database is opened: its exit code, or None to open it as usual."""

    path: tuple[str, ...]
    help: str
    arguments: AddArguments = no_arguments
    run: str | None = None
    run_on_target: str | None = None
    writes: bool = False
    shared_options: bool = True
    dated: bool = False
    as_json: bool = False
    refusal: str | None = None
    lists_problems: bool = False
    nothing_to_do: str | None = None
    quick: str | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.run_on_target is None):
            raise ValueError(f"{self.name}: give run or run_on_target, not both or neither")

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def runner(self) -> RunOnDatabase:
        assert self.run is not None
        return cast(RunOnDatabase, resolve(self.run))

    def target_runner(self) -> RunOnTarget:
        assert self.run_on_target is not None
        return cast(RunOnTarget, resolve(self.run_on_target))

    def quick_runner(self) -> QuickRun | None:
        return None if self.quick is None else cast(QuickRun, resolve(self.quick))

    def nothing_to_do_check(self) -> NothingToDo | None:
        if self.nothing_to_do is None:
            return None
        return cast(NothingToDo, resolve(self.nothing_to_do))
