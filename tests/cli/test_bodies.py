"""`exodesk bodies [--json]` and `exodesk bodies import FILE` (INTERCHANGE.md, "The register of
notified bodies"): the shipped register holds the bodies DOMAIN.md names, each row exactly the
contract's five fields; the human output names the register's date and source; a CSV adds and
updates the clinic's rows, which win over the shipped ones in `check`; a bad CSV is refused
whole; once there are accounts only an admin imports. And `check` on the demo shows every rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from conftest import DEMO_TODAY
from sample_files import PRODUCT, TODAY, base_document, ce_certificate, day

from exodesk.cli import main
from exodesk.services.accounts import users
from exodesk.services.register.shipped import shipped_register

BODY_KEYS = {"number", "name", "country", "mdr", "uk_approved"}
HEADER = "number,name,country,mdr,uk_approved\n"
DOMAIN_MDR = ["0123", "0197", "0344", "0459", "0483", "2797"]
ADMIN_PASSWORD = "admin secret"
DOC_PASSWORD = "doctor secret"

CONTRACT_RULES = {
    "class_unknown",
    "missing_declaration",
    "missing_certificate",
    "certificate_withdrawn",
    "certificate_expired",
    "certificate_expiring",
    "certificate_restricted",
    "certificate_too_long",
    "certificate_body_unknown",
    "atmp_unauthorised",
    "human_cosmetic_prohibited",
    "human_device_not_class_iii",
    "human_source_review",
    "composition_undocumented",
    "missing_ifu",
    "missing_coa",
    "not_for_market",
    "lot_expired_in_stock",
    "lot_expiring",
    "route_outside_intended_use",
    "periorbital_not_approved",
    "used_after_expiry",
    "used_unreleased_lot",
    "used_after_reconstitution_window",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EXODESK_USER", "EXODESK_PASSWORD", "EXODESK_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


class Cli:
    def __init__(self, db: Path, tmp: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch):
        self.db, self.tmp, self.capsys, self.monkeypatch = db, tmp, capsys, monkeypatch
        self.out = self.err = ""
        self._files = 0

    def __call__(self, *args: str, **env: str) -> int:
        with self.monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            code = main([*args, "--db", str(self.db)])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        assert isinstance(code, int)
        return code

    def csv(self, text: str) -> Path:
        self._files += 1
        path = self.tmp / f"bodies-{self._files}.csv"
        path.write_bytes(text.encode("utf-8"))
        return path

    def bodies(self, **env: str) -> dict[str, dict[str, Any]]:
        assert self("bodies", "--json", **env) == 0, self.err
        rows = json.loads(self.out)
        assert isinstance(rows, list)
        by_number = {row["number"]: row for row in rows}
        assert len(by_number) == len(rows), "a number listed twice"
        return by_number

    def check(self, today: str = TODAY.isoformat()) -> list[dict[str, Any]]:
        assert self("check", "--today", today, "--json") == 0, self.err
        flags = json.loads(self.out)
        assert isinstance(flags, list)
        return flags

    def import_json(self, doc: Any) -> None:
        self._files += 1
        path = self.tmp / f"doc-{self._files}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        assert self("import", str(path)) == 0, self.err

    def export(self) -> bytes:
        self._files += 1
        path = self.tmp / f"export-{self._files}.json"
        assert self("export", str(path)) == 0, self.err
        return path.read_bytes()


@pytest.fixture
def cli(db_path: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(db_path, tmp_path, capsys, monkeypatch)


# --- exodesk bodies ---------------------------------------------------------------------------


def test_bodies_json_lists_the_bodies_domain_names(cli: Cli) -> None:
    bodies = cli.bodies()
    assert cli.err == ""
    for row in bodies.values():
        assert set(row) == BODY_KEYS, row
        assert isinstance(row["number"], str) and len(row["number"]) == 4, row
        assert row["number"].isascii() and row["number"].isdigit(), row
        assert isinstance(row["name"], str) and row["name"].strip(), row
        assert row["country"] is None or isinstance(row["country"], str), row
        assert isinstance(row["mdr"], bool) and isinstance(row["uk_approved"], bool), row
    for number in DOMAIN_MDR:
        assert number in bodies, number
        assert bodies[number]["mdr"] is True, bodies[number]
    assert bodies["0086"]["uk_approved"] is True
    assert bodies["0086"]["mdr"] is False


def test_the_shipped_register_is_dated_and_sourced() -> None:
    shipped = shipped_register()
    assert shipped.source.strip() and shipped.check_at.startswith("https://")
    numbers = [b.number for b in shipped.bodies]
    assert len(numbers) == len(set(numbers)), "a number shipped twice"
    assert all(len(n) == 4 and n.isascii() and n.isdigit() for n in numbers)
    assert set(DOMAIN_MDR) | {"0086"} <= set(numbers)


def test_bodies_json_prints_only_json(cli: Cli) -> None:
    assert cli("bodies", "--json") == 0
    json.loads(cli.out)  # the whole of stdout is one JSON array
    assert cli.out.lstrip().startswith("[")


def test_bodies_human_output_names_date_and_source(cli: Cli) -> None:
    assert cli("bodies") == 0, cli.err
    shipped = shipped_register()
    assert shipped.as_of.isoformat() in cli.out
    assert shipped.source in cli.out
    assert "0123" in cli.out and "TÜV SÜD" in cli.out
    assert not cli.out.lstrip().startswith("[")


def test_bodies_reads_without_creating_a_clinic(cli: Cli) -> None:
    """Listing the register of a new database writes nothing of the clinic's."""
    cli.bodies()
    assert json.loads(cli.export())["bodies"] == []


# --- exodesk bodies import ----------------------------------------------------------------------


def test_bodies_import_adds_rows(cli: Cli) -> None:
    path = cli.csv(
        HEADER
        + "9876,Clinic Body One,DE,yes,no\n"
        + "9877,Clinic Body Two,FR,false,true\n"
        + "9878,Clinic Body Three,,no,false\n"
    )
    assert cli("bodies", "import", str(path)) == 0, cli.err
    bodies = cli.bodies()
    assert bodies["9876"] == {
        "number": "9876",
        "name": "Clinic Body One",
        "country": "DE",
        "mdr": True,
        "uk_approved": False,
    }
    assert bodies["9877"] == {
        "number": "9877",
        "name": "Clinic Body Two",
        "country": "FR",
        "mdr": False,
        "uk_approved": True,
    }
    assert bodies["9878"]["mdr"] is False and bodies["9878"]["uk_approved"] is False
    assert bodies["9878"]["country"] is None
    # the clinic's rows are the file's `bodies`
    exported = json.loads(cli.export())["bodies"]
    assert sorted(b["number"] for b in exported) == ["9876", "9877", "9878"]
    # and the human listing marks them as the clinic's
    assert cli("bodies") == 0
    assert "Clinic Body One" in cli.out


def test_bodies_import_updates_rows(cli: Cli) -> None:
    assert cli("bodies", "import", str(cli.csv(HEADER + "9876,Clinic Body,DE,yes,no\n"))) == 0
    assert cli("bodies", "import", str(cli.csv(HEADER + "9876,Renamed Body,NL,no,yes\n"))) == 0
    assert cli.bodies()["9876"] == {
        "number": "9876",
        "name": "Renamed Body",
        "country": "NL",
        "mdr": False,
        "uk_approved": True,
    }
    exported = json.loads(cli.export())["bodies"]
    assert [b["number"] for b in exported] == ["9876"]


def test_bodies_import_corrects_a_shipped_row(cli: Cli) -> None:
    before = cli.bodies()
    path = cli.csv(HEADER + "0123,TÜV SÜD Product Service GmbH,DE,no,no\n")
    assert cli("bodies", "import", str(path)) == 0, cli.err
    after = cli.bodies()
    assert after["0123"]["mdr"] is False and after["0123"]["uk_approved"] is False
    assert set(after) == set(before)


def test_the_same_csv_twice_changes_nothing(cli: Cli) -> None:
    path = cli.csv(HEADER + "9876,Clinic Body,DE,yes,no\n")
    assert cli("bodies", "import", str(path)) == 0
    once = cli.export()
    assert cli("bodies", "import", str(path)) == 0
    assert cli.export() == once


BAD_CSVS = [
    pytest.param(
        "name,number,country,mdr,uk_approved\n9876,Body,DE,yes,no\n", ["row 1"], id="header"
    ),
    pytest.param("9876,Body,DE,yes,no\n", ["row 1"], id="no-header"),
    pytest.param(
        HEADER + "9876,Body,DE,maybe,no\n", ["row 2", "column D", "mdr"], id="mdr-not-yes-no"
    ),
    pytest.param(
        HEADER + "9876,Body,DE,yes,1\n", ["row 2", "column E", "uk_approved"], id="uk-as-1"
    ),
    pytest.param(
        HEADER + "9876,Body,DE,yes,\n", ["row 2", "column E", "uk_approved"], id="uk-empty"
    ),
    pytest.param(HEADER + "98765,Body,DE,yes,no\n", ["row 2", "column A", "number"], id="5-digit"),
    pytest.param(HEADER + "12a4,Body,DE,yes,no\n", ["row 2", "column A", "number"], id="letters"),
    pytest.param(HEADER + "9876,,DE,yes,no\n", ["row 2", "column B", "name"], id="no-name"),
    pytest.param(
        HEADER + "9876,Body,Germany,yes,no\n", ["row 2", "column C", "country"], id="country"
    ),
    pytest.param(HEADER + "9876,Body,DE,yes\n", ["row 2"], id="too-few-cells"),
    pytest.param(
        HEADER + "9876,Good Body,DE,yes,no\n9877,Body,DE,yes,perhaps\n",
        ["row 3", "column E"],
        id="second-row-bad-first-good",
    ),
]


@pytest.mark.parametrize(("text", "named"), BAD_CSVS)
def test_a_bad_csv_is_refused_and_nothing_is_written(cli: Cli, text: str, named: list[str]) -> None:
    cli.import_json(base_document())
    assert cli("bodies", "import", str(cli.csv(HEADER + "9000,Stored Body,DE,yes,no\n"))) == 0
    before_bodies = cli.bodies()
    before = cli.export()
    assert cli("bodies", "import", str(cli.csv(text))) == 2, cli.out
    for part in named:
        assert part in cli.err, f"{part!r} not in {cli.err!r}"
    assert "Traceback" not in cli.err
    assert cli.bodies() == before_bodies
    assert cli.export() == before


def test_every_bad_row_is_reported(cli: Cli) -> None:
    text = HEADER + "98765,Body,DE,yes,no\n9876,Body,DE,maybe,no\n9877,Body,DE,yes,nope\n"
    assert cli("bodies", "import", str(cli.csv(text))) == 2
    for where in ("row 2, column A", "row 3, column D", "row 4, column E"):
        assert where in cli.err, cli.err
    assert json.loads(cli.export())["bodies"] == []


def test_a_missing_csv_is_refused(cli: Cli, tmp_path: Path) -> None:
    assert cli("bodies", "import", str(tmp_path / "nowhere.csv")) == 2
    assert "nowhere.csv" in cli.err


# --- who may import ---------------------------------------------------------------------------


@pytest.fixture
def staffed(cli: Cli) -> Cli:
    cli.import_json(base_document())
    assert cli("user", "add", "Boss", "--role", "admin", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0, (
        cli.err
    )
    code = cli(
        "user",
        "add",
        "Dr B",
        "--role",
        "practitioner",
        "--user",
        "Boss",
        EXODESK_PASSWORD=ADMIN_PASSWORD,
        EXODESK_NEW_PASSWORD=DOC_PASSWORD,
    )
    assert code == 0, cli.err
    return cli


def test_bodies_import_needs_an_admin_once_accounts_exist(staffed: Cli) -> None:
    cli = staffed
    path = cli.csv(HEADER + "9876,Clinic Body,DE,yes,no\n")
    before = cli.export()
    assert cli("bodies", "import", str(path)) != 0
    assert cli.export() == before
    code = cli("bodies", "import", str(path), "--user", "Dr B", EXODESK_PASSWORD=DOC_PASSWORD)
    assert code != 0
    assert cli.err.strip()
    assert cli.export() == before
    code = cli("bodies", "import", str(path), "--user", "Boss", EXODESK_PASSWORD="wrong one")
    assert code != 0
    assert cli.export() == before
    code = cli("bodies", "import", str(path), "--user", "Boss", EXODESK_PASSWORD=ADMIN_PASSWORD)
    assert code == 0, cli.err
    assert "9876" in cli.bodies()
    # anyone may read the register
    assert "9876" in cli.bodies(EXODESK_USER="Dr B", EXODESK_PASSWORD=DOC_PASSWORD)


# --- the clinic's rows win in check -------------------------------------------------------------


def certified(body_number: str | None = None, issuer: str = "Example Notified Body 0123") -> Any:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_iii"
    cert = ce_certificate("CE 0001", expires=day(700))
    cert.update(issuer=issuer, body_number=body_number)
    doc["documents"].append(cert)
    return doc


def body_unknown(flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in flags if f["rule"] == "certificate_body_unknown"]


def test_clinic_rows_win_over_shipped_ones_in_check(cli: Cli) -> None:
    cli.import_json(certified())
    assert body_unknown(cli.check()) == []
    path = cli.csv(HEADER + "0123,TÜV SÜD Product Service GmbH,DE,no,no\n")
    assert cli("bodies", "import", str(path)) == 0, cli.err
    (flag,) = body_unknown(cli.check())
    assert (flag["severity"], flag["product"], flag["lot"], flag["treatment"]) == (
        "warn",
        PRODUCT,
        None,
        None,
    )
    assert "0123" in flag["message"]
    # designated again (UK approved), the warning goes
    path = cli.csv(HEADER + "0123,TÜV SÜD Product Service GmbH,DE,no,yes\n")
    assert cli("bodies", "import", str(path)) == 0, cli.err
    assert body_unknown(cli.check()) == []


def test_a_body_added_by_csv_is_in_the_register_for_check(cli: Cli) -> None:
    cli.import_json(certified(body_number="9876"))
    assert len(body_unknown(cli.check())) == 1
    assert cli("bodies", "import", str(cli.csv(HEADER + "9876,New Body,IT,yes,no\n"))) == 0
    assert body_unknown(cli.check()) == []


# --- the demo ---------------------------------------------------------------------------------


def test_demo_shows_every_rule(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--today", DEMO_TODAY.isoformat(), "--json", "--db", str(demo_db)])
    out = capsys.readouterr().out
    assert code == 0
    shown = {flag["rule"] for flag in json.loads(out)}
    assert CONTRACT_RULES - shown == set(), f"not shown by the demo: {CONTRACT_RULES - shown}"
    assert shown - CONTRACT_RULES == set()


def test_demo_check_on_a_fresh_demo(cli: Cli) -> None:
    """`exodesk demo` then `check` as of the same day: every rule's flags have the contract's
    shape."""
    assert cli("demo") == 0, cli.err
    flags = json.loads(cli.export())
    assert "bodies" in flags
    for flag in cli.check():
        assert set(flag) == {
            "rule",
            "severity",
            "product",
            "lot",
            "treatment",
            "message",
            "overridden",
        }
        assert flag["rule"] in CONTRACT_RULES
