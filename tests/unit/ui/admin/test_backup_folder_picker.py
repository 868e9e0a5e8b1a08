"""Back up to a folder: the folder picker is the shared helper's, so it opens in Documents
and then in the folder chosen last."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from exodesk.ui.admin.backups_panel import BackupsPanel
from exodesk.ui.common import file_dialogs


def test_the_folder_picker_opens_in_documents_then_remembers(
    qtbot: QtBot, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stick = tmp_path / "usb-stick"
    stick.mkdir()
    asked: list[str] = []

    def pick(_parent: Any, _title: str, start: str) -> str:
        asked.append(start)
        return str(stick)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", pick)
    QSettings().remove(file_dialogs.LAST_FOLDER_KEY)
    panel = BackupsPanel(ctx)
    qtbot.addWidget(panel)
    backed_up: list[Path] = []
    monkeypatch.setattr(panel, "back_up_to", backed_up.append)
    panel.backup_to_button.click()
    panel.backup_to_button.click()
    assert [Path(a) for a in asked] == [file_dialogs.documents_folder(), stick]
    assert backed_up == [stick, stick]
