"""The fields of the contract's second version through `exodesk import` and `export`: documents'
`body_number`, `verified_on`, `verified_by`; treatments' `time` and `reconstituted`; the file's
`bodies`. Bad input for each is refused with exit 2, its JSON path on stderr and nothing
written; a round trip keeps them; a stored record that differs is refused naming the field; a
file of the first version imports unchanged and is exported with the new fields null or [].
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sample_files import Doc, base_document, ce_certificate, day, document, treatment

from exodesk.cli import main

Mutation = Callable[[Doc], None]


class Cli:
    """Runs `exodesk` in-process on one database and keeps what it printed."""

    def __init__(self, db: Path, tmp: Path, capsys: Any) -> None:
        self.db = db
        self.tmp = tmp
        self.capsys = capsys
        self.out = ""
        self.err = ""
        self._files = 0

    def __call__(self, *args: str, db: Path | None = None) -> int:
        code = main([*args, "--db", str(db or self.db)])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        assert isinstance(code, int)
        return code

    def file(self, data: Any, raw: bool = False) -> Path:
        self._files += 1
        path = self.tmp / f"input-{self._files}.json"
        path.write_text(data if raw else json.dumps(data, indent=2), encoding="utf-8")
        return path

    def import_ok(self, doc: Doc, db: Path | None = None) -> None:
        code = self("import", str(self.file(doc)), db=db)
        assert code == 0, self.err

    def export(self, db: Path | None = None) -> bytes:
        self._files += 1
        path = self.tmp / f"export-{self._files}.json"
        code = self("export", str(path), db=db)
        assert code == 0, self.err
        return path.read_bytes()


@pytest.fixture
def cli(db_path: Path, tmp_path: Path, capsys: Any) -> Cli:
    return Cli(db_path, tmp_path, capsys)


def v2_certificate(number: str = "CE 0001", **fields: Any) -> Doc:
    record = ce_certificate(number, expires=day(700))
    record.update(body_number="0123", verified_on=day(-30), verified_by="Dr A")
    record.update(fields)
    return record


def v2_treatment(ref: str = "T-0001", **fields: Any) -> Doc:
    record = treatment(ref, date=day(-10))
    record.update(time="10:40", reconstituted=f"{day(-10)}T10:05", override=None, void=None)
    record.update(fields)
    return record


def clinic_body(number: str = "9876", **fields: Any) -> Doc:
    record: Doc = {
        "number": number,
        "name": "Clinic Added Body",
        "country": "DE",
        "mdr": True,
        "uk_approved": False,
    }
    record.update(fields)
    return record


def incoming_document() -> Doc:
    """The base document (stored first) plus new records at known indexes: documents[0] (a
    CE certificate with every new field), treatments[0] and bodies[0]."""
    doc = base_document()
    doc["documents"].insert(0, v2_certificate())
    doc["treatments"].append(v2_treatment())
    doc["bodies"] = [clinic_body()]
    return doc


def set_field(section: str, index: int, field: str, value: Any) -> Mutation:
    def mutate(doc: Doc) -> None:
        doc[section][index][field] = value

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(doc: Doc) -> None:
        for mutation in mutations:
            mutation(doc)

    return mutate


def drop_field(section: str, index: int, field: str) -> Mutation:
    def mutate(doc: Doc) -> None:
        del doc[section][index][field]

    return mutate


def test_incoming_document_is_valid(cli: Cli) -> None:
    cli.import_ok(base_document())
    cli.import_ok(incoming_document())


BAD_INPUTS = [
    # documents[].body_number: exactly four digits, as a string
    pytest.param(set_field("documents", 0, "body_number", "123"), "documents[0].body_number"),
    pytest.param(set_field("documents", 0, "body_number", "12345"), "documents[0].body_number"),
    pytest.param(set_field("documents", 0, "body_number", 123), "documents[0].body_number"),
    pytest.param(set_field("documents", 0, "body_number", 1234), "documents[0].body_number"),
    pytest.param(set_field("documents", 0, "body_number", "ABCD"), "documents[0].body_number"),
    pytest.param(set_field("documents", 0, "body_number", ""), "documents[0].body_number"),
    pytest.param(set_field("documents", 0, "body_number", "0123\n"), "documents[0].body_number"),
    pytest.param(set_field("documents", 0, "body_number", "NB 0123"), "documents[0].body_number"),
    # documents[].verified_on: an ISO date; verified_by: text
    pytest.param(
        set_field("documents", 0, "verified_on", "2026-02-30"), "documents[0].verified_on"
    ),
    pytest.param(
        set_field("documents", 0, "verified_on", "12/01/2026"), "documents[0].verified_on"
    ),
    pytest.param(set_field("documents", 0, "verified_on", 20260112), "documents[0].verified_on"),
    pytest.param(set_field("documents", 0, "verified_on", "yesterday"), "documents[0].verified_on"),
    pytest.param(set_field("documents", 0, "verified_by", 7), "documents[0].verified_by"),
    pytest.param(set_field("documents", 0, "verified_by", "   "), "documents[0].verified_by"),
    # treatments[].time: strict HH:MM, 00:00 to 23:59
    pytest.param(set_field("treatments", 0, "time", "9:40"), "treatments[0].time"),
    pytest.param(set_field("treatments", 0, "time", "24:00"), "treatments[0].time"),
    pytest.param(set_field("treatments", 0, "time", "10:60"), "treatments[0].time"),
    pytest.param(set_field("treatments", 0, "time", "10:40:00"), "treatments[0].time"),
    pytest.param(set_field("treatments", 0, "time", "10h40"), "treatments[0].time"),
    pytest.param(set_field("treatments", 0, "time", 1040), "treatments[0].time"),
    pytest.param(set_field("treatments", 0, "time", ""), "treatments[0].time"),
    # treatments[].reconstituted: strict YYYY-MM-DDTHH:MM, a real day
    pytest.param(
        set_field("treatments", 0, "reconstituted", "2026-02-30T10:00"),
        "treatments[0].reconstituted",
    ),
    pytest.param(
        set_field("treatments", 0, "reconstituted", f"{day(-10)} 10:00"),
        "treatments[0].reconstituted",
    ),
    pytest.param(
        set_field("treatments", 0, "reconstituted", f"{day(-10)}T10:00:00"),
        "treatments[0].reconstituted",
    ),
    pytest.param(
        set_field("treatments", 0, "reconstituted", f"{day(-10)}T24:00"),
        "treatments[0].reconstituted",
    ),
    pytest.param(
        set_field("treatments", 0, "reconstituted", day(-10)), "treatments[0].reconstituted"
    ),
    pytest.param(
        set_field("treatments", 0, "reconstituted", 1767225600), "treatments[0].reconstituted"
    ),
    # a reconstitution after the treatment
    pytest.param(
        set_field("treatments", 0, "reconstituted", f"{day(-10)}T10:41"),
        "treatments[0].reconstituted",
        id="reconstituted-a-minute-after-the-time",
    ),
    pytest.param(
        both(
            set_field("treatments", 0, "time", None),
            set_field("treatments", 0, "reconstituted", f"{day(-9)}T00:00"),
        ),
        "treatments[0].reconstituted",
        id="reconstituted-the-day-after-without-time",
    ),
    # bodies[]: number four digits, booleans JSON booleans, a name, a country code
    pytest.param(set_field("bodies", 0, "number", "123"), "bodies[0].number"),
    pytest.param(set_field("bodies", 0, "number", "98765"), "bodies[0].number"),
    pytest.param(set_field("bodies", 0, "number", 9876), "bodies[0].number"),
    pytest.param(set_field("bodies", 0, "mdr", "yes"), "bodies[0].mdr"),
    pytest.param(set_field("bodies", 0, "mdr", 1), "bodies[0].mdr"),
    pytest.param(set_field("bodies", 0, "uk_approved", "true"), "bodies[0].uk_approved"),
    pytest.param(set_field("bodies", 0, "uk_approved", None), "bodies[0].uk_approved"),
    pytest.param(set_field("bodies", 0, "name", ""), "bodies[0].name"),
    pytest.param(drop_field("bodies", 0, "number"), "bodies[0].number"),
    pytest.param(drop_field("bodies", 0, "name"), "bodies[0].name"),
    pytest.param(set_field("bodies", 0, "country", "Germany"), "bodies[0].country"),
    pytest.param(
        lambda doc: doc.update(bodies={"number": "9876"}), "bodies", id="bodies-not-a-list"
    ),
    pytest.param(
        lambda doc: doc["bodies"].append(clinic_body(mdr=False)),
        "bodies[1]",
        id="body-twice-differing",
    ),
]


@pytest.mark.parametrize(("mutate", "path"), BAD_INPUTS)
def test_bad_input_is_refused_and_nothing_is_written(cli: Cli, mutate: Mutation, path: str) -> None:
    cli.import_ok(base_document())
    before = cli.export()
    doc = incoming_document()
    mutate(doc)
    code = cli("import", str(cli.file(doc)))
    assert code == 2, f"exit {code}; stderr: {cli.err}"
    assert path in cli.err, f"{path!r} not named in stderr: {cli.err}"
    assert "Traceback" not in cli.err
    assert cli.export() == before


@pytest.mark.parametrize(
    ("time", "reconstituted"),
    [
        pytest.param("10:40", f"{day(-10)}T10:40", id="reconstituted-at-the-time-given"),
        pytest.param(None, f"{day(-10)}T23:59", id="no-time-reconstituted-late-that-day"),
        pytest.param("00:00", f"{day(-11)}T23:59", id="reconstituted-the-day-before"),
        pytest.param("23:59", None, id="no-reconstitution"),
        pytest.param(None, None, id="neither"),
    ],
)
def test_good_time_and_reconstitution(cli: Cli, time: str | None, reconstituted: str) -> None:
    doc = incoming_document()
    doc["treatments"][0].update(time=time, reconstituted=reconstituted)
    cli.import_ok(doc)
    exported = json.loads(cli.export())["treatments"][0]
    assert (exported["time"], exported["reconstituted"]) == (time, reconstituted)


# --- a stored record that differs -----------------------------------------------------------

CONFLICTS = [
    pytest.param(set_field("bodies", 0, "mdr", False), "bodies[0].mdr", id="body-mdr"),
    pytest.param(set_field("bodies", 0, "uk_approved", True), "bodies[0].uk_approved", id="uk"),
    pytest.param(set_field("bodies", 0, "name", "Another Body"), "bodies[0].name", id="name"),
    pytest.param(set_field("bodies", 0, "country", "FR"), "bodies[0].country", id="country"),
    pytest.param(
        set_field("documents", 0, "body_number", "0197"),
        "documents[0].body_number",
        id="document-body-number",
    ),
    pytest.param(
        set_field("documents", 0, "body_number", None),
        "documents[0].body_number",
        id="document-body-number-dropped",
    ),
    pytest.param(
        set_field("documents", 0, "verified_on", day(-5)),
        "documents[0].verified_on",
        id="document-verified-on",
    ),
    pytest.param(
        set_field("documents", 0, "verified_by", "Dr Z"),
        "documents[0].verified_by",
        id="document-verified-by",
    ),
    pytest.param(
        set_field("treatments", 0, "time", "10:41"), "treatments[0].time", id="treatment-time"
    ),
    pytest.param(
        set_field("treatments", 0, "reconstituted", f"{day(-10)}T09:00"),
        "treatments[0].reconstituted",
        id="treatment-reconstituted",
    ),
]


@pytest.mark.parametrize(("mutate", "path"), CONFLICTS)
def test_a_stored_record_that_differs_is_refused(cli: Cli, mutate: Mutation, path: str) -> None:
    cli.import_ok(incoming_document())
    before = cli.export()
    doc = incoming_document()
    mutate(doc)
    code = cli("import", str(cli.file(doc)))
    assert code == 2, f"exit {code}; stderr: {cli.err}"
    assert path in cli.err, f"{path!r} not named in stderr: {cli.err}"
    assert cli.export() == before


def test_the_same_v2_file_twice_changes_nothing(cli: Cli) -> None:
    path = cli.file(incoming_document())
    assert cli("import", str(path)) == 0, cli.err
    once = cli.export()
    assert cli("import", str(path)) == 0, cli.err
    assert cli.export() == once


def test_a_file_without_bodies_leaves_stored_bodies_alone(cli: Cli) -> None:
    cli.import_ok(incoming_document())
    once = cli.export()
    doc = incoming_document()
    del doc["bodies"]
    cli.import_ok(doc)
    assert cli.export() == once
    assert json.loads(once)["bodies"] == [clinic_body()]


# --- round trip -------------------------------------------------------------------------------


def full_document() -> Doc:
    doc = incoming_document()
    doc["documents"].append(v2_certificate("CE 0002", body_number=None, verified_on=None))
    doc["documents"][-1]["verified_by"] = None
    doc["documents"].append(
        v2_certificate("CE 0003", body_number="0459", verified_on=day(-1), verified_by="Sam")
    )
    doc["treatments"].append(v2_treatment("T-0002", time=None, reconstituted=None))
    doc["treatments"].append(v2_treatment("T-0003", time="00:00", reconstituted=None))
    doc["treatments"].append(v2_treatment("T-0004", time=None, reconstituted=f"{day(-11)}T18:30"))
    doc["bodies"] += [
        clinic_body("0123", name="TÜV SÜD Product Service GmbH", mdr=False),
        clinic_body("9000", country=None, mdr=False, uk_approved=True),
        clinic_body("9001", mdr=False, uk_approved=False),
    ]
    return doc


def test_round_trip_keeps_the_new_fields(cli: Cli, tmp_path: Path) -> None:
    doc = full_document()
    cli.import_ok(doc)
    first = cli.export()
    second_db = tmp_path / "second.sqlite"
    code = cli("import", str(cli.file(first.decode("utf-8"), raw=True)), db=second_db)
    assert code == 0, cli.err
    assert cli.export(db=second_db) == first

    exported = json.loads(first)
    assert sorted(exported["bodies"], key=lambda b: b["number"]) == sorted(
        doc["bodies"], key=lambda b: b["number"]
    )
    fields = ("body_number", "verified_on", "verified_by")
    documents = {d["number"]: {f: d[f] for f in fields} for d in exported["documents"]}
    for record in doc["documents"]:
        if record["kind"] == "ce_certificate":
            assert documents[record["number"]] == {f: record[f] for f in fields}
    treatments = {t["ref"]: (t["time"], t["reconstituted"]) for t in exported["treatments"]}
    for record in doc["treatments"]:
        assert treatments[record["ref"]] == (record["time"], record["reconstituted"])


def test_export_writes_every_new_field(cli: Cli) -> None:
    cli.import_ok(full_document())
    exported = json.loads(cli.export())
    assert "bodies" in exported
    for record in exported["documents"]:
        assert {"body_number", "verified_on", "verified_by"} <= set(record), record
    for record in exported["treatments"]:
        assert {"time", "reconstituted"} <= set(record), record
    for record in exported["bodies"]:
        assert set(record) == {"number", "name", "country", "mdr", "uk_approved"}


# --- a file of the first version --------------------------------------------------------------


def v1_document() -> Doc:
    """Without any field added after the first version (builders of sample_files)."""
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_iii"
    doc["documents"].append(ce_certificate("CE 0001", expires=day(700)))
    doc["documents"].append(document("declaration_of_conformity", "DoC 1", issuer="Example Bio"))
    doc["treatments"].append(treatment("T-0001", date=day(-10)))
    return doc


def test_a_v1_file_imports_unchanged(cli: Cli) -> None:
    doc = v1_document()
    for record in doc["documents"]:
        assert not {"body_number", "verified_on", "verified_by"} & set(record)
    assert not {"time", "reconstituted"} & set(doc["treatments"][0])
    assert "bodies" not in doc
    cli.import_ok(copy.deepcopy(doc))
    exported = json.loads(cli.export())
    assert exported["bodies"] == []
    for record in exported["documents"]:
        assert (record["body_number"], record["verified_on"], record["verified_by"]) == (
            None,
            None,
            None,
        )
    (given,) = exported["treatments"]
    assert (given["time"], given["reconstituted"]) == (None, None)
    # every field the v1 file gave is kept as it was
    for section in ("products", "documents", "lots", "treatments"):
        for record in doc[section]:
            match = [
                r
                for r in exported[section]
                if all(
                    r.get(k) == record[k] for k in ("name", "number", "lot", "ref") if k in record
                )
            ]
            assert len(match) == 1, (section, record)
            for key, value in record.items():
                got = match[0][key]
                if isinstance(value, list):
                    assert sorted(got) == sorted(value), (section, key)
                else:
                    assert got == value, (section, key)
    # the v1 file again changes nothing (absent fields are null, as stored)
    once = cli.export()
    cli.import_ok(doc)
    assert cli.export() == once


def test_a_v1_file_exports_as_a_file_that_round_trips(cli: Cli, tmp_path: Path) -> None:
    cli.import_ok(v1_document())
    first = cli.export()
    second_db = tmp_path / "second.sqlite"
    assert cli("import", str(cli.file(first.decode("utf-8"), raw=True)), db=second_db) == 0
    assert cli.export(db=second_db) == first
