"""The plain treatment path of a streamed import gives exactly what the model gives, and
leaves to the model every record it is not sure of."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from exodesk.services.interchange.schema import TREATMENT_FIELDS, TreatmentIn, plain_treatment

PLAIN: dict[str, Any] = {
    "ref": "T-0000001",
    "date": "2024-12-03",
    "product": "Bench Exosome 046",
    "lot": "B015896",
    "patient": "P-010042",
    "practitioner": "Practitioner 06",
    "route": "intradermal",
    "zone": "face",
    "vials": 2,
}


def _model(value: Any) -> dict[str, Any] | None:
    try:
        return TreatmentIn.model_validate(value).model_dump(mode="json")
    except ValidationError:
        return None


def _plain(value: Any) -> dict[str, Any] | None:
    """The plain path's values as the record they stand for."""
    values = plain_treatment(value)
    return None if values is None else dict(zip(TREATMENT_FIELDS, values, strict=True))


def _agrees(value: Any) -> None:
    fast = _plain(value)
    if fast is not None:
        assert fast == _model(value)
        assert list(fast) == list(TreatmentIn.model_fields)


def test_the_plainest_record_is_read_as_the_model_reads_it() -> None:
    assert _plain(PLAIN) == _model(PLAIN)
    assert _plain({**PLAIN, "zone": None}) == _model({**PLAIN, "zone": None})


@pytest.mark.parametrize(
    "change",
    [
        {"ref": " T-1"},  # trimmed by the model: left to it
        {"ref": ""},
        {"patient": "P\u202e1"},
        {"lot": "x" * 201},
        {"date": "2026-02-30"},
        {"date": "2026-2-3"},
        {"date": 20261203},
        {"date": ["2026-12-03"]},
        {"route": "by mouth"},
        {"zone": "elbow"},
        {"vials": 0},
        {"vials": True},
        {"vials": 2.0},
        {"vials": 1001},
        {"time": "10:00"},
        {"reconstituted": "2024-12-03T09:00"},
        {"void": {"on": "2024-12-04", "by": "Dr A", "reason": "wrong patient"}},
        {"colour": "red"},
    ],
)
def test_anything_less_plain_is_left_to_the_model(change: dict[str, Any]) -> None:
    assert plain_treatment({**PLAIN, **change}) is None


def test_a_missing_field_is_left_to_the_model() -> None:
    for name in ("ref", "date", "route", "vials", "practitioner"):
        assert plain_treatment({k: v for k, v in PLAIN.items() if k != name}) is None


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=2000),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["face", "scalp", "intradermal", "2024-12-03", " x ", "\x1f", "T-1"]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from([*TreatmentIn.model_fields, "extra"]), _values, max_size=4))
def test_whatever_the_record_the_two_agree(change: dict[str, Any]) -> None:
    _agrees({**PLAIN, **change})
