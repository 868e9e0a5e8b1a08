"""No regular expression or library text reaches a person: the schema's pydantic errors all
pass through `plain_message`, which words each pattern and falls back to plain words."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from exodesk.models.enums import Form, RegulatoryClass, SourceType
from exodesk.services.catalogue.products import ProductDetail, validate_product
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange.schema import PATTERN_WORDS, ProductIn, plain_message

PRODUCT = ProductDetail(
    name="Test serum",
    source_type=SourceType.PLANT,
    form=Form.SERUM,
    regulatory_class=RegulatoryClass.COSMETIC,
)
REGEX_BITS = ("^", "$", "[A-Z]", "\\d", "{2}", "{14}")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"markets": ("U1",)}, "markets[0]", "a two-letter country code"),
        ({"country": "k"}, "country", "a two-letter country code"),
        ({"gtin": "123"}, "gtin", "a GTIN of exactly 14 digits"),
    ],
)
def test_a_pattern_error_says_what_is_wanted_not_the_regex(
    change: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_product(dataclasses.replace(PRODUCT, **change))  # type: ignore[arg-type]
    [problem] = refused.value.problems
    assert problem.field == field
    assert words in problem.message
    assert not any(bit in problem.message for bit in REGEX_BITS), problem.message


def test_every_pattern_of_the_schema_has_words() -> None:
    for pattern in PATTERN_WORDS:
        assert not any(bit in PATTERN_WORDS[pattern] for bit in REGEX_BITS)


def test_an_error_pydantic_has_no_words_for_falls_back_to_plain_words() -> None:
    with pytest.raises(ValidationError) as raised:
        ProductIn.model_validate({**PRODUCT.record(), "reconstitution_hours": 1.5})
    messages = [plain_message(e) for e in raised.value.errors(include_url=False)]
    assert messages and all("Input should" not in m for m in messages), messages
