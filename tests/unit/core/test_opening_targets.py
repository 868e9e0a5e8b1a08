"""Start-up failures of the database are one plain sentence: a --db that is no database
ExoDesk can open, a data folder that cannot be made."""

from __future__ import annotations

from pathlib import Path

import pytest

from exodesk.cli import main
from exodesk.db import DatabaseRefused, open_database


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
