"""Start-up failures are one plain sentence: a missing Qt system library, no screen, a data
folder that cannot be made, a --db that is no database ExoDesk can open."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from exodesk.cli import main
from exodesk.db import DatabaseRefused, open_database
from exodesk.startup import missing_library_sentence, window_problem


def test_a_missing_library_is_named_with_the_package_that_brings_it() -> None:
    loader_error = "libxcb-cursor.so.0: cannot open shared object file: No such file or directory"
    sentence = missing_library_sentence(loader_error)
    assert sentence == (
        "ExoDesk cannot open its window: the system library libxcb-cursor.so.0 is missing. "
        "On Debian or Ubuntu: sudo apt-get install libxcb-cursor0"
    )


def test_an_unknown_library_still_gets_a_sentence_without_a_package() -> None:
    sentence = missing_library_sentence("libfoo-9.so.3: cannot open shared object file")
    assert sentence is not None and "libfoo-9.so.3 is missing" in sentence
    assert "apt-get" not in sentence


def test_other_import_errors_are_not_taken_for_a_missing_library() -> None:
    assert missing_library_sentence("No module named 'PySide6'") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")
def test_no_screen_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    problem = window_problem()
    assert problem is not None and "there is no screen here (DISPLAY is not set)" in problem


def test_offscreen_needs_no_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert window_problem() is None


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("foo://server/clinic", "ExoDesk cannot open a 'foo' database"),
        ("mysql://someone@localhost/clinic", "ExoDesk cannot open a 'mysql' database"),
        (
            "postgresql+nosuchdriver://someone@localhost/clinic",
            "the database driver 'nosuchdriver' is not installed",
        ),
    ],
)
def test_a_target_that_is_no_database_exodesk_opens_is_refused(target: str, words: str) -> None:
    with pytest.raises(DatabaseRefused) as refused:
        open_database(target)
    assert words in str(refused.value)


def test_an_unknown_scheme_on_the_command_line_is_exit_3_in_one_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--db", "foo://server/clinic"]) == 3
    err = capsys.readouterr().err
    assert "ExoDesk cannot open a 'foo' database" in err
    assert "Traceback" not in err and "sqlalchemy" not in err.lower()
    assert len(err.strip().splitlines()) == 1


def test_a_data_folder_that_cannot_be_made_is_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    assert main(["check", "--db", str(blocker / "ExoDesk" / "clinic.sqlite")]) == 3
    err = capsys.readouterr().err
    assert "cannot create its folder" in err
    assert not (blocker / "ExoDesk").exists()
