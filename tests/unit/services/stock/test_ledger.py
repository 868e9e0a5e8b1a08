"""The ledger rule: stock on hand never below zero, walked in date order."""

from __future__ import annotations

import datetime as dt

from exodesk.services.stock.ledger import Entry, first_overdraw

D = dt.date(2026, 3, 1)


def test_balance_that_stays_at_zero_or_above_passes() -> None:
    entries = [Entry(D, 2, "receipt"), Entry(D, -1, "t1"), Entry(D, -1, "t2")]
    assert first_overdraw(entries) is None


def test_first_line_that_goes_below_zero_is_named() -> None:
    entries = [
        Entry(D, 2, "receipt"),
        Entry(D + dt.timedelta(days=2), -2, "t2"),
        Entry(D + dt.timedelta(days=1), -1, "t1"),
    ]
    overdraw = first_overdraw(entries)
    assert overdraw is not None
    assert (overdraw.entry.label, overdraw.balance) == ("t2", -1)


def test_use_before_receipt_is_an_overdraw_even_if_the_total_is_positive() -> None:
    entries = [Entry(D, -1, "early use"), Entry(D + dt.timedelta(days=1), 5, "receipt")]
    overdraw = first_overdraw(entries)
    assert overdraw is not None and overdraw.entry.label == "early use"


def test_on_one_day_what_comes_in_counts_before_what_goes_out() -> None:
    assert first_overdraw([Entry(D, -3, "use"), Entry(D, 3, "receipt")]) is None
