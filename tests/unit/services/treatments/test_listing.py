"""The Treatments view's questions on the demo clinic (a real SQLite file): pages after a row
(keyset) give the whole list in order, and a search means what the full list means by it."""

from __future__ import annotations

from typing import Any

import pytest

from exodesk.services.treatments.listing import count_matching, is_listed, treatments_page
from exodesk.services.treatments.recording import TreatmentRow, count_treatments, list_treatments

SEARCHES = (
    "",
    "placelux hart",  # a product word and a practitioner word
    "PLACELUX",  # any case
    "P-0001",  # a patient
    "T-01",  # references
    "VC-0630",  # a lot
    "Celvia 50",
    "nurse",
    "no such thing",
    "%",  # the character itself, never a wildcard
    "_",
)


def all_pages(session: Any, search: str, limit: int) -> list[TreatmentRow]:
    rows: list[TreatmentRow] = []
    while True:
        page = treatments_page(session, search, after=rows[-1] if rows else None, limit=limit)
        assert len(page) <= limit
        rows.extend(page)
        if len(page) < limit:
            return rows


@pytest.mark.parametrize("search", SEARCHES)
def test_pages_after_the_last_row_give_the_list_the_search_selects(ctx: Any, search: str) -> None:
    with ctx.db.read() as session:
        whole = list_treatments(session, search=search)
        assert all_pages(session, search, limit=7) == whole
        assert count_matching(session, search) == count_treatments(session, search=search)
        assert count_matching(session, search) == len(whole)


def test_treatments_of_one_day_page_by_when_they_were_recorded(ctx: Any) -> None:
    """Keyset paging orders the ties of one date as the full list does, one row a page."""
    with ctx.db.read() as session:
        whole = list_treatments(session)
        assert len({r.date for r in whole}) < len(whole)  # some days hold several treatments
        assert all_pages(session, "", limit=1) == whole


def test_is_listed_says_whether_a_search_shows_a_treatment(ctx: Any) -> None:
    with ctx.db.read() as session:
        some = list_treatments(session, search="placelux", limit=1)[0]
        assert is_listed(session, some.ref)
        assert is_listed(session, some.ref, "placelux")
        assert not is_listed(session, some.ref, "no such thing")
        assert not is_listed(session, "T-9999")
