"""The bundled program's entry point: the same `exodesk` command as the installed one."""

from exodesk.cli import main_entry

main_entry()
