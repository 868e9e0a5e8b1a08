"""The command line is made from one registry: every command parses to itself, `--help`
lists them in order, and a typed refusal becomes exit 2 in one place."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from exodesk.cli import main
from exodesk.cli.commands import COMMANDS, GROUPS
from exodesk.cli.failures import EXIT_INVALID, report
from exodesk.cli.parser import COMMAND, build_parser
from exodesk.cli.registry import Command
from exodesk.services.accounts.users import WrongPassword
from exodesk.services.counts.counts import UnknownCount
from exodesk.services.errors import InvalidInput, Problem


def test_each_command_is_registered_once() -> None:
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    assert {c.path[0] for c in COMMANDS if len(c.path) > 1} == {g.name for g in GROUPS}


def _leaf(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> argparse.ArgumentParser:
    for word in path:
        steps = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = steps.choices[word]
    return parser


def _example_arguments(leaf: argparse.ArgumentParser) -> list[str]:
    """A value for each required argument of `leaf`: a number, a choice, or a word."""
    values = []
    for action in leaf._actions:
        if not action.required:
            continue
        value = "1" if action.type is int else (list(action.choices)[0] if action.choices else "x")
        values += [action.option_strings[0], value] if action.option_strings else [value]
    return values


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_each_command_parses_to_its_own_entry(command: Command) -> None:
    parser = build_parser(COMMANDS, GROUPS)
    argv = [*command.path, *_example_arguments(_leaf(parser, command.path))]
    assert getattr(parser.parse_args(argv), COMMAND) is command


def test_help_lists_the_commands_in_registry_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines() if re.match(r"^ {4}[a-z]", line)]
    assert listed == list(dict.fromkeys(c.path[0] for c in COMMANDS))
    assert listed[:3] == ["import", "export", "check"] and listed[-1] == "count-sheet"


def test_a_refusal_says_nothing_was_written_when_a_write_is_not_permitted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    enter = next(c for c in COMMANDS if c.path == ("count", "enter"))
    args = build_parser(COMMANDS, GROUPS).parse_args(["count", "enter", "1", "sheet.csv"])
    assert report(WrongPassword("Ann"), enter, args, "clinic.sqlite") == EXIT_INVALID
    assert report(UnknownCount(7), enter, args, "clinic.sqlite") == EXIT_INVALID
    problems = InvalidInput([Problem("counted", "'x' is not a whole number", row=2)])
    assert report(problems, enter, args, "clinic.sqlite") == EXIT_INVALID
    assert capsys.readouterr().err.splitlines() == [
        "exodesk: wrong password for Ann; nothing was written",
        "exodesk: there is no stock count 7; nothing was entered",
        "row 2, column counted: 'x' is not a whole number",
        f"exodesk: {Path('sheet.csv')}: 1 error(s); nothing was entered",
    ]
