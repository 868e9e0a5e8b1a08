"""Every command of the command line, in the order `exodesk --help` lists them."""

from __future__ import annotations

from exodesk.cli import (
    accounts,
    audit,
    backups,
    bodies,
    compliance,
    counts,
    demo,
    interchange,
    sheets,
    stock,
    voiding,
)
from exodesk.cli.registry import Command, Group

GROUPS: tuple[Group, ...] = (
    counts.GROUP,
    voiding.GROUP,
    audit.GROUP,
    accounts.GROUP,
    bodies.GROUP,
)

COMMANDS: tuple[Command, ...] = (
    *interchange.COMMANDS,
    *sheets.COMMANDS,
    *compliance.COMMANDS,
    *stock.COMMANDS,
    *demo.COMMANDS,
    *bodies.COMMANDS,
    *voiding.COMMANDS,
    *counts.COMMANDS,
    *backups.COMMANDS,
    *audit.COMMANDS,
    *accounts.COMMANDS,
    counts.OFFLINE,
)
