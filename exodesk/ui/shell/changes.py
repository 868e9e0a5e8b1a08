"""Which kinds of record a write changed: what the operation runner announces on the bus,
and what each view says it shows, so a view reloads only when something it shows changed."""

from __future__ import annotations

from enum import Flag, auto


class Changes(Flag):
    NONE = 0
    PRODUCTS = auto()
    DOCUMENTS = auto()
    STOCK = auto()  # lots, deliveries and every stock movement
    TREATMENTS = auto()
    COUNTS = auto()
    ACCOUNTS = auto()
    SETTINGS = auto()  # the clinic and its market
    ALL = PRODUCTS | DOCUMENTS | STOCK | TREATMENTS | COUNTS | ACCOUNTS | SETTINGS


# What the compliance flags are computed from: a change of any of these changes the flags.
FLAG_INPUTS = (
    Changes.PRODUCTS | Changes.DOCUMENTS | Changes.STOCK | Changes.TREATMENTS | Changes.SETTINGS
)
