"""Alembic migrations: the only source of the schema (found with importlib.resources)."""
