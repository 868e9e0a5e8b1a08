"""The register of notified bodies shipped inside the package (resources/register/), dated
and with its source. Read once per process."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Body:
    """One notified body. `mdr`: designated under Regulation (EU) 2017/745; `uk_approved`:
    a UK Approved Body; `clinic`: the row is the clinic's own (an addition or a correction)."""

    number: str
    name: str
    country: str | None
    mdr: bool
    uk_approved: bool
    clinic: bool = False

    @property
    def registered(self) -> bool:
        """A number is in the register when its row is designated under the MDR or in the UK."""
        return self.mdr or self.uk_approved


@dataclass(frozen=True)
class ShippedRegister:
    as_of: dt.date
    source: str
    check_at: str  # where a person looks a body up
    bodies: tuple[Body, ...]


@cache
def shipped_register() -> ShippedRegister:
    raw = (files("exodesk.resources") / "register" / "notified_bodies.json").read_text("utf-8")
    data = json.loads(raw)
    return ShippedRegister(
        as_of=dt.date.fromisoformat(data["as_of"]),
        source=data["source"],
        check_at=data["check_at"],
        bodies=tuple(
            Body(b["number"], b["name"], b["country"], b["mdr"], b["uk_approved"])
            for b in data["bodies"]
        ),
    )
