"""Alembic environment. ExoDesk runs migrations itself with a live connection
(exodesk.db.upgrade); `alembic` on the command line works with -x db=TARGET."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from exodesk.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from exodesk.db import make_engine
        from exodesk.db_identity import resolve_target

        engine = make_engine(resolve_target(context.get_x_argument(as_dictionary=True).get("db")))
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("ExoDesk migrations run online only")
run_migrations_online()
