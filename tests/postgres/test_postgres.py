"""The same program on a real PostgreSQL server, as a group of clinics runs it: migrations,
import, the rules, export round trip, the audit trail and its append-only trigger.

Runs when EXODESK_TEST_POSTGRES_URL names a server ExoDesk may create databases on
(.ci/run starts one); under CI it must be set, so this can never be skipped there silently."""

from __future__ import annotations

import contextlib
import io
import json
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from exodesk.cli import main

SERVER = os.environ.get("EXODESK_TEST_POSTGRES_URL")
if not SERVER:
    if os.environ.get("CI"):
        raise RuntimeError("EXODESK_TEST_POSTGRES_URL must be set in CI (.ci/run starts it)")
    pytest.skip("no PostgreSQL server (set EXODESK_TEST_POSTGRES_URL)", allow_module_level=True)


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
    name = f"exodesk_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER).set(database=name)  # type: ignore[arg-type]
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_the_demo_clinic_round_trips_on_postgresql() -> None:
    with scratch_database() as first, scratch_database() as second:
        assert run("demo", "--db", first, "--today", "2026-11-22")[0] == 0
        code, out, _ = run("check", "--json", "--today", "2026-11-22", "--db", first)
        assert code == 0
        assert len({f["rule"] for f in json.loads(out)}) == 24  # every rule of the contract
        exported = run("export", "-", "--db", first)[1]
        path = f"/tmp/{uuid.uuid4().hex}.json"
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(exported)
        assert run("import", path, "--db", second)[0] == 0
        assert run("export", "-", "--db", second)[1] == exported
        assert run("import", path, "--db", second)[1].count("nothing new") == 1
        os.unlink(path)
        assert run("audit", "verify", "--db", second)[0] == 0


def test_audit_events_are_append_only_on_postgresql() -> None:
    with scratch_database() as url:
        assert run("demo", "--db", url)[0] == 0
        engine = create_engine(url)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET \"user\" = 'mallory' WHERE id = 3"))
        engine.dispose()
        assert run("audit", "verify", "--db", url)[0] == 0


def test_a_stock_count_cycle_on_postgresql() -> None:
    with scratch_database() as url:
        assert run("demo", "--db", url, "--today", "2026-11-22")[0] == 0
        code, out, _ = run("count", "start", "--location", "Fridge B", "--db", url)
        assert code == 0
        count_id = out.strip()
        assert run("count", "close", count_id, "--reason", "empty count", "--db", url)[0] == 0
