"""Where ExoDesk keeps its data, and the clinic's alert thresholds."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "ExoDesk"

CERTIFICATE_EXPIRING_DAYS = 90
LOT_EXPIRING_DAYS = 60


def data_dir() -> Path:
    return user_data_path(APP_NAME, appauthor=False)


def document_store() -> Path:
    """Where the documents' files (certificate PDFs, scans) are kept, under their SHA-256."""
    return data_dir() / "documents"


def default_database_path() -> Path:
    return data_dir() / "exodesk.sqlite"
