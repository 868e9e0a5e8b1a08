"""The argument parser, made from the registry: each command's parser knows its Command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from exodesk import __version__
from exodesk.cli.options import dated_options, json_options, shared_options
from exodesk.cli.registry import Command, Group

COMMAND = "run_command"  # where a parsed command line keeps its Command


def build_parser(commands: Sequence[Command], groups: Sequence[Group]) -> argparse.ArgumentParser:
    common, dated, as_json = shared_options(), dated_options(), json_options()
    parser = argparse.ArgumentParser(
        prog="exodesk",
        description="Exosome products, lots, treatments and compliance. "
        "With no command, opens the window.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"exodesk {__version__}")
    top = parser.add_subparsers(dest="command_name", metavar="COMMAND")
    group_help = {g.name: g.help for g in groups}
    steps: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for command in commands:
        *group, word = command.path
        if group:
            (name,) = group
            if name not in steps:
                steps[name] = top.add_parser(name, help=group_help[name]).add_subparsers(
                    dest="step", metavar="STEP", required=True
                )
            where = steps[name]
        else:
            where = top
        parents = [common] if command.shared_options else []
        parents += [dated] if command.dated else []
        parents += [as_json] if command.as_json else []
        leaf = where.add_parser(word, parents=parents, help=command.help)
        command.arguments(leaf)
        leaf.set_defaults(**{COMMAND: command})
    return parser
