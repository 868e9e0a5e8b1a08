"""One registry of commands: each command says once what it is called, what it takes, how it
runs and whether it writes; the parser and the dispatch are both made from it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from exodesk.db import Database

RunOnDatabase = Callable[[Database, argparse.Namespace], int]
RunOnTarget = Callable[[str | None, argparse.Namespace], int]
AddArguments = Callable[[argparse.ArgumentParser], None]


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command that takes only the shared options."""


@dataclass(frozen=True)
class Group:
    """A command with steps (`count start`, `user add`)."""

    name: str
    help: str


@dataclass(frozen=True)
class Command:
    """`path` is the words typed (`("count", "close")`). The command runs either on the
    opened database (`run`) or on the database's target without opening it (`run_on_target`:
    restore, or no database at all). `writes`: once the database has accounts, it runs as a
    signed-in account. `refusal` is what a refusal adds ("nothing was written");
    `lists_problems`: invalid input is printed one problem a line, then a summary naming
    `args.file`. `nothing_to_do`, asked before signing in, ends the command with exit 0."""

    path: tuple[str, ...]
    help: str
    arguments: AddArguments = no_arguments
    run: RunOnDatabase | None = None
    run_on_target: RunOnTarget | None = None
    writes: bool = False
    shared_options: bool = True
    dated: bool = False
    as_json: bool = False
    refusal: str | None = None
    lists_problems: bool = False
    nothing_to_do: Callable[[Database, argparse.Namespace], bool] | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.run_on_target is None):
            raise ValueError(f"{self.name}: give run or run_on_target, not both or neither")

    @property
    def name(self) -> str:
        return " ".join(self.path)
