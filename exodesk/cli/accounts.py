"""`user add|list|passwd|deactivate`: user accounts (roles decide who may write)."""

from __future__ import annotations

import argparse

from exodesk.cli.acting import acting_user, new_password
from exodesk.cli.failures import EXIT_OK
from exodesk.db import Database
from exodesk.services.accounts import users
from exodesk.textable import format_table


def run_add(db: Database, args: argparse.Namespace) -> int:
    password = new_password(args, args.name)
    with db.write() as session:
        account = users.create_user(session, args.name, args.role, password, by=acting_user(args))
    print(f"Added the account {account.name} ({users.role_word(account.role)}).")
    return EXIT_OK


def run_list(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        accounts = users.list_users(session)
    if not accounts:
        print("No accounts: anyone using this database may do everything (single-user).")
        return EXIT_OK
    print(
        format_table(
            ["name", "role", "active", "created (UTC)"],
            [
                [
                    a.name,
                    users.role_word(a.role),
                    "yes" if a.active else "no",
                    a.created_at.isoformat(sep=" ", timespec="minutes"),
                ]
                for a in accounts
            ],
        )
    )
    return EXIT_OK


def run_passwd(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        users.get_user(session, args.name)
    password = new_password(args, args.name)
    with db.write() as session:
        users.set_password(session, args.name, password, by=acting_user(args))
    print(f"Changed the password of {args.name}.")
    return EXIT_OK


def run_deactivate(db: Database, args: argparse.Namespace) -> int:
    with db.write() as session:
        users.deactivate(session, args.name, by=acting_user(args), reason=args.reason)
    print(f"Deactivated the account {args.name}; it can no longer sign in.")
    return EXIT_OK
