"""Every command of the command line, in the order `exodesk --help` lists them. Each names
its runner ("module:function", one module per group of commands), imported only when that
command runs: building this registry and the parser imports none of the commands' work."""

from __future__ import annotations

from exodesk.cli import arguments as a
from exodesk.cli.registry import Command, Group

GROUPS: tuple[Group, ...] = (
    Group("count", "stock counts: start, sheet, enter, close, report"),
    Group("void", "mark a treatment, movement or lot as entered in error (kept, counted nowhere)"),
    Group("audit", "the audit trail"),
    Group("user", "user accounts: add, list, passwd, deactivate (roles decide who may write)"),
    Group("bodies", "the register of notified bodies; `bodies import FILE` adds to it"),
)

VOIDED = "nothing was voided"
NOT_WRITTEN = "nothing was written"

_INTERCHANGE = (
    Command(
        ("import",),
        "validate a file, then add what is new",
        a.import_arguments,
        run="exodesk.cli.interchange:run_import",
        writes=True,
        refusal="nothing was imported",
        lists_problems=True,
    ),
    Command(
        ("export",),
        "write the whole database as JSON",
        a.export_arguments,
        run="exodesk.cli.interchange:run_export",
    ),
)

_SHEETS = (
    Command(
        ("import-sheet",),
        "import a spreadsheet (.xlsx or .csv) of products, lots, treatments or documents",
        a.sheet_arguments,
        run="exodesk.cli.sheets:run_import_sheet",
        writes=True,
        refusal="nothing was imported",
        lists_problems=True,
    ),
)

_COMPLIANCE = (
    Command(
        ("check",),
        "every compliance flag",
        arguments=a.check_arguments,
        run="exodesk.cli.compliance:run_check",
        dated=True,
        as_json=True,
    ),
)

_STOCK = (
    Command(
        ("stock",),
        "stock on hand per lot",
        run="exodesk.cli.stock:run_stock",
        dated=True,
        as_json=True,
    ),
    Command(
        ("trace",),
        "every treatment from a lot",
        a.trace_arguments,
        run="exodesk.cli.stock:run_trace",
        as_json=True,
        quick="exodesk.cli.quick_trace:quick_trace",
    ),
)

_DEMO = (
    Command(
        ("demo",),
        "fill an empty database with a demo",
        a.demo_arguments,
        run="exodesk.cli.demo:run_demo",
        writes=True,
        dated=True,
        nothing_to_do="exodesk.cli.demo:holds_data",
    ),
)

_BODIES = (
    Command(
        ("bodies",),
        "the register of notified bodies",
        run="exodesk.cli.bodies:run_bodies",
        as_json=True,
    ),
    Command(
        ("bodies", "import"),
        "add or correct rows of the register from a CSV",
        a.bodies_import_arguments,
        run="exodesk.cli.bodies:run_bodies_import",
        writes=True,
        refusal="nothing was imported",
        lists_problems=True,
    ),
)

_VOIDING = (
    Command(
        ("void", "treatment"),
        "mark a treatment as entered in error (its stock use with it)",
        a.void_ref_arguments,
        run="exodesk.cli.voiding:run_void_treatment",
        writes=True,
        dated=True,
        refusal=VOIDED,
    ),
    Command(
        ("void", "movement"),
        "mark a stock movement (waste, adjustment, status change, transfer) as entered in error",
        a.void_ref_arguments,
        run="exodesk.cli.voiding:run_void_movement",
        writes=True,
        dated=True,
        refusal=VOIDED,
    ),
    Command(
        ("void", "lot"),
        "mark a lot (a receipt) as entered in error",
        a.void_lot_arguments,
        run="exodesk.cli.voiding:run_void_lot",
        writes=True,
        dated=True,
        refusal=VOIDED,
    ),
)

_COUNTS = (
    Command(
        ("count", "start"),
        "open a count",
        a.count_start_arguments,
        run="exodesk.cli.counts:run_start",
        writes=True,
        dated=True,
    ),
    Command(
        ("count", "sheet"),
        "write the count sheet as CSV",
        a.count_id_and_file,
        run="exodesk.cli.counts:run_sheet",
    ),
    Command(
        ("count", "enter"),
        "take the counts of a filled sheet",
        a.count_id_and_file,
        run="exodesk.cli.counts:run_enter",
        writes=True,
        refusal="nothing was entered",
        lists_problems=True,
    ),
    Command(
        ("count", "close"),
        "reconcile, adjust stock and close",
        a.count_close_arguments,
        run="exodesk.cli.counts:run_close",
        writes=True,
        dated=True,
        as_json=True,
    ),
    Command(
        ("count", "report"),
        "write the count report as CSV",
        a.count_id_and_file,
        run="exodesk.cli.counts:run_report",
    ),
)

_BACKUPS = (
    Command(
        ("backup",),
        "copy the database safely, even in use",
        a.backup_arguments,
        run="exodesk.cli.backups:run_backup",
    ),
    Command(
        ("restore",),
        "replace the database with a checked backup (an admin; the current file is kept aside)",
        a.restore_arguments,
        run_on_target="exodesk.cli.backups:run_restore",
        refusal="nothing was replaced",
    ),
)

_AUDIT = (
    Command(
        ("audit", "verify"),
        "check the audit trail: its hash chain, its guards, the tables against it, and its anchors",
        arguments=a.verify_arguments,
        run="exodesk.cli.audit:run_verify",
    ),
)

_ACCOUNTS = (
    Command(
        ("user", "add"),
        "add an account (the first must be an admin); its password comes from "
        "$EXODESK_NEW_PASSWORD (or $EXODESK_PASSWORD for the first account) or is asked twice",
        a.user_add_arguments,
        run="exodesk.cli.accounts:run_add",
        writes=True,
        refusal=NOT_WRITTEN,
    ),
    Command(
        ("user", "list"),
        "every account and its role",
        run="exodesk.cli.accounts:run_list",
        refusal=NOT_WRITTEN,
    ),
    Command(
        ("user", "passwd"),
        "change a password (your own, or anyone's as an admin); the new one comes from "
        "$EXODESK_NEW_PASSWORD or is asked twice",
        a.user_name,
        run="exodesk.cli.accounts:run_passwd",
        writes=True,
        refusal=NOT_WRITTEN,
    ),
    Command(
        ("user", "deactivate"),
        "stop an account signing in (it stays on record)",
        a.user_deactivate_arguments,
        run="exodesk.cli.accounts:run_deactivate",
        writes=True,
        refusal=NOT_WRITTEN,
    ),
)

_OFFLINE = Command(
    ("count-sheet",),
    "count offline from a sheet file alone (opens the counting window)",
    a.sheet_file,
    run_on_target="exodesk.cli.counts:run_offline",
    shared_options=False,
)

COMMANDS: tuple[Command, ...] = (
    *_INTERCHANGE,
    *_COMPLIANCE,
    *_STOCK,
    *_DEMO,
    *_VOIDING,
    *_SHEETS,
    *_BODIES,
    *_COUNTS,
    *_BACKUPS,
    *_AUDIT,
    *_ACCOUNTS,
    _OFFLINE,
)
