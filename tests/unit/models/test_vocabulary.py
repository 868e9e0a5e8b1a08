"""The vocabulary module: every enum member and every rule id has its words, and the words
are unambiguous where a person chooses between them."""

from __future__ import annotations

import inspect
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import select

from exodesk.db import open_database
from exodesk.models import AuditEvent, enums
from exodesk.models import vocabulary as vocab
from exodesk.models.enums import LotStatus, RecordKind, RegulatoryClass, Route, Severity
from exodesk.services.compliance.rules import RULES

ENUMS = [
    cls
    for _, cls in inspect.getmembers(enums, inspect.isclass)
    if issubclass(cls, StrEnum) and cls.__module__ == enums.__name__
]


def test_the_enums_are_found() -> None:
    assert {Route, Severity, RecordKind} <= set(ENUMS)


@pytest.mark.parametrize("vocabulary", ENUMS, ids=lambda cls: cls.__name__)
def test_every_member_of_every_enum_has_a_label(vocabulary: type[StrEnum]) -> None:
    table = vocab.VOCABULARIES.get(vocabulary)
    assert table is not None, f"{vocabulary.__name__} has no words in vocabulary.py"
    assert set(table) == set(vocabulary), f"{vocabulary.__name__}: members without words"
    for member in vocabulary:
        assert vocab.label(member).strip(), member
        assert vocab.short_label(member).strip(), member
        assert vocab.phrase(member).strip(), member


@pytest.mark.parametrize("vocabulary", ENUMS, ids=lambda cls: cls.__name__)
def test_labels_are_distinct_within_a_vocabulary(vocabulary: type[StrEnum]) -> None:
    labels = [vocab.label(m) for m in vocabulary]
    shorts = [vocab.short_label(m) for m in vocabulary]
    assert len(set(labels)) == len(labels), labels
    assert len(set(shorts)) == len(shorts), shorts


def test_tables_are_keyed_by_their_own_enum() -> None:
    for vocabulary, table in vocab.VOCABULARIES.items():
        assert all(type(member) is vocabulary for member in table), vocabulary.__name__


def test_every_rule_id_has_a_plain_words_title_and_meaning() -> None:
    missing = set(RULES) - set(vocab.RULE_WORDS)
    assert not missing, f"rules without words: {sorted(missing)}"
    for rule in RULES:
        title = vocab.rule_title(rule)
        assert title.strip() and "_" not in title and title != rule, rule
        assert vocab.rule_meaning(rule).strip(), rule
    titles = [vocab.rule_title(r) for r in vocab.RULE_WORDS]
    assert len(set(titles)) == len(titles), titles


def test_the_issue_example_title() -> None:
    assert vocab.rule_title("route_outside_intended_use") == "Used outside its intended routes"


def test_every_lot_status_has_the_action_that_sets_it() -> None:
    for status in LotStatus:
        assert vocab.action(status).strip(), status


def test_every_class_says_what_it_needs() -> None:
    for cls in RegulatoryClass:
        assert vocab.description(cls).strip(), cls


def test_lookups_of_stored_values() -> None:
    assert vocab.label_for(Route, "eye_drops") == "Eye drops"
    assert vocab.short_label_for(Route, "intradermal") == "Intradermal"
    assert vocab.label_for(Route, "not_a_route") == "not_a_route"
    assert vocab.label_for(Route, None) == ""
    assert vocab.choices(Severity) == [
        (Severity.BLOCK, "Block"),
        (Severity.WARN, "Warn"),
        (Severity.INFO, "Info"),
    ]
    assert vocab.field_words("patient") == "patient reference"
    assert vocab.field_words("vials") == "vials"


def test_every_record_kind_the_demo_audits_is_a_record_kind(demo_db: Path) -> None:
    db = open_database(str(demo_db))
    try:
        with db.read() as session:
            records = set(session.scalars(select(AuditEvent.record).distinct()))
    finally:
        db.close()
    assert records, "the demo wrote no audit rows"
    assert records <= {k.value for k in RecordKind}, records - {k.value for k in RecordKind}
