"""`check` for people names each rule in plain words (with its id after the message); `--json`
keeps the contract's ids alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exodesk.cli import main
from exodesk.models.vocabulary import rule_title


def test_the_table_shows_rule_titles_and_json_keeps_ids(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--db", str(demo_db), "--today", "2026-11-22", "--json"]) == 0
    flags = json.loads(capsys.readouterr().out)
    rule_ids = {flag["rule"] for flag in flags}
    assert "class_unknown" in rule_ids

    assert main(["check", "--db", str(demo_db), "--today", "2026-11-22"]) == 0
    table = capsys.readouterr().out
    for rule in rule_ids:
        assert rule_title(rule) in table
        assert f"[{rule}]" in table
    rows = [line for line in table.splitlines() if line.startswith(("BLOCK", "WARN", "INFO"))]
    assert len(rows) == len(flags)
    assert not any(rule in row.split() for row in rows for rule in rule_ids)
