"""Where UI tests save their screenshots (EXODESK_SCREENSHOTS, else the test's tmp folder)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget


def save_shot(widget: QWidget, name: str, fallback: Path) -> Path:
    folder = Path(os.environ.get("EXODESK_SCREENSHOTS", fallback))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    QApplication.processEvents()  # let layout and palette changes land before the grab
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path
