"""The command line imports lazily: `--help`, `--version` and `COMMAND --help` load neither the
database layer (SQLAlchemy, Alembic), the schema (pydantic) nor Qt, and a command that reads
loads no spreadsheet, barcode or window library. What is imported is asserted, never time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exodesk.cli import arguments, compliance, main
from exodesk.cli.commands import COMMANDS
from exodesk.cli.registry import resolve
from exodesk.models.enums import Role
from exodesk.services.sheets.dates import DayOrder
from exodesk.services.sheets.fields import KINDS

HEAVY = ("sqlalchemy", "alembic", "pydantic", "PySide6")
READERS = ("openpyxl", "python_calamine", "zxingcpp", "PySide6")

# Runs `python -m exodesk ARGV...` in this process (sys.argv[1] is a JSON list of command
# lines), then prints the top-level packages that were imported, as JSON.
PROBE = """
import json, runpy, sys
runs = json.loads(sys.argv[1])
for argv in runs:
    sys.argv = ["exodesk", *argv]
    try:
        runpy.run_module("exodesk", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
print("\\n" + json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _imported(tmp_path: Path, *runs: list[str]) -> set[str]:
    env = dict(os.environ)
    env["EXODESK_DB"] = str(tmp_path / "never-used.sqlite")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(runs))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], ["--version"]], ids=" ".join)
def test_help_and_version_import_no_database_schema_or_qt(tmp_path: Path, argv: list[str]) -> None:
    imported = _imported(tmp_path, argv)
    assert "exodesk" in imported
    assert not imported & set(HEAVY), imported & set(HEAVY)


def test_every_command_help_imports_no_database_schema_or_qt(tmp_path: Path) -> None:
    paths = dict.fromkeys(c.path[:1] for c in COMMANDS) | dict.fromkeys(c.path for c in COMMANDS)
    imported = _imported(tmp_path, *([*path, "--help"] for path in paths))
    assert not imported & set(HEAVY), imported & set(HEAVY)


def test_check_imports_no_spreadsheet_barcode_or_window_library(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(db)]) == 0
    imported = _imported(tmp_path, ["check", "--db", str(db)], ["stock", "--db", str(db)])
    assert "sqlalchemy" in imported  # it did run on the database
    assert not imported & set(READERS), imported & set(READERS)


def test_each_runner_named_in_the_registry_exists() -> None:
    for command in COMMANDS:
        for spec in (command.run, command.run_on_target, command.nothing_to_do):
            if spec is not None:
                assert callable(resolve(spec)), (command.name, spec)


def test_the_choices_spelled_out_for_help_are_the_services_own() -> None:
    assert list(arguments.ROLES) == [role.value for role in Role]
    assert arguments.SHEET_KINDS == KINDS
    assert list(arguments.DAY_ORDERS) == [order.value for order in DayOrder]
    assert sorted(arguments.FAIL_ON) == sorted(compliance.FAIL_ON)
