"""What makes a file an ExoDesk database at the newest schema, and which database a command
means, in the standard library only: a command that can answer straight from the file
(`exodesk trace`) need not import SQLAlchemy or Alembic to learn it."""

from __future__ import annotations

import functools
import os
import re
from importlib.resources import files
from pathlib import Path

from exodesk.settings import default_database_path

# `PRAGMA application_id` of every ExoDesk SQLite database: b"ExoD" as a 32-bit integer.
APPLICATION_ID = int.from_bytes(b"ExoD", "big")
MIGRATIONS_DIR = Path(str(files("exodesk") / "migrations"))

_REVISION = re.compile(r'^(revision|down_revision)\s*=\s*(?:"([0-9A-Za-z_]+)"|None)\s*$', re.M)


def resolve_target(target: str | None) -> str:
    """--db, then EXODESK_DB, then the per-user data folder."""
    if target:
        return target
    env = os.environ.get("EXODESK_DB")
    if env:
        return env
    return str(default_database_path())


def is_url(target: str) -> bool:
    """A server's URL (postgresql+psycopg://…), not a file."""
    return "://" in target


@functools.cache
def _migrations() -> dict[str, str | None]:
    """Each migration's revision and the one it revises, read from the scripts' own
    `revision = "…"` / `down_revision = "…"` lines: every command opens a database, and
    importing Alembic to learn the newest revision would cost each a good part of a second
    (tests/migrations checks this against Alembic's own reading)."""
    graph: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS_DIR / "versions").glob("[0-9]*.py")):
        found = {m[1]: m[2] or None for m in _REVISION.finditer(script.read_text("utf-8"))}
        revision = found.get("revision")
        if revision is not None:
            graph[revision] = found.get("down_revision")
    return graph


@functools.cache
def head_revision() -> str:
    """The newest migration's id: the one no other migration revises."""
    graph = _migrations()
    heads = set(graph) - {down for down in graph.values() if down is not None}
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {sorted(heads)}"
    return heads.pop()


@functools.cache
def our_revisions() -> frozenset[str]:
    """Every revision id of ExoDesk's migrations (exodesk/migrations/versions)."""
    return frozenset(_migrations())
