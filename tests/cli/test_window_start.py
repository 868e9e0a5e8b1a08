"""The real program opening its window (offscreen) in a subprocess, as a workstation starts
it: the version, a scripted sign-in (EXODESK_USER/EXODESK_PASSWORD, checked as on the command
line), the window shown and closed after EXODESK_QUIT_AFTER, and nothing on stderr."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exodesk import __version__
from exodesk.cli import main
from exodesk.db import open_database
from exodesk.demo.vials import open_demo_vials

PASSWORD = "window-start-password-1"


def run(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "exodesk", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def clinic(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXODESK_NEW_PASSWORD", PASSWORD)
    assert main(["user", "add", "Window Admin", "--role", "admin", "--db", str(demo_db)]) == 0
    db = open_database(str(demo_db))
    with db.write() as session:  # open vials: a scripted close must not wait to be asked
        opened = open_demo_vials(session, dt.datetime(2026, 11, 22, 12, 0), user="Window Admin")
    db.close()
    assert len(opened) == 3
    return demo_db


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"exodesk {__version__}\n"


def test_the_window_opens_signed_in_and_closes_cleanly(clinic: Path, tmp_path: Path) -> None:
    done = run(
        "--db",
        str(clinic),
        tmp_path=tmp_path,
        EXODESK_USER="Window Admin",
        EXODESK_PASSWORD=PASSWORD,
        EXODESK_QUIT_AFTER="0.5",
    )
    assert done.returncode == 0, done.stderr
    assert f"ExoDesk {__version__}: window shown" in done.stdout
    assert done.stderr == ""
    anchors = list((tmp_path / "data" / "ExoDesk" / "audit-anchors").glob("*.jsonl"))
    kinds = [json.loads(line)["kind"] for line in anchors[0].read_text().splitlines()]
    assert kinds == ["window start"]  # the audit trail's head, anchored outside the database
    daily = list((clinic.parent / f"{clinic.stem}-backups" / "daily").glob("*.sqlite"))
    assert len(daily) == 1  # the day's first start backs up


def test_a_wrong_scripted_password_opens_no_window(clinic: Path, tmp_path: Path) -> None:
    done = run(
        "--db",
        str(clinic),
        tmp_path=tmp_path,
        EXODESK_USER="Window Admin",
        EXODESK_PASSWORD="not the password",
        EXODESK_QUIT_AFTER="0.5",
    )
    assert done.returncode == 2
    assert "window shown" not in done.stdout
    assert "wrong password for Window Admin; the window was not opened" in done.stderr
    assert "Traceback" not in done.stderr
