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
    # A group may also be a command of its own (`bodies`, and `bodies import FILE`): its
    # steps are then optional, and the group's command must come first in the registry.
    leaves: dict[str, argparse.ArgumentParser] = {}
    for command in commands:
        *group, word = command.path
        if group:
            (name,) = group
            if name not in steps:
                parent = leaves.get(name) or top.add_parser(name, help=group_help[name])
                steps[name] = parent.add_subparsers(
                    dest="step", metavar="STEP", required=name not in leaves
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
        if not group:
            leaves[word] = leaf
    return parser
