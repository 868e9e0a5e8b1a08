"""The demo clinic's open vials: three AutoPlate vials (a 4-hour window) reconstituted
relative to `now`, through the service as the clinic would: one with time left, one in its
last hour and one whose window has passed (to be discarded). Pure: no Qt."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from exodesk.services.stock.vials import VialRow, reconstitute_vial
from exodesk.services.treatments.recording import lots_for_treatment

PRODUCT = "AutoPlate Exo PRP Lyo"


@dataclass(frozen=True)
class DemoVial:
    opened_before: dt.timedelta
    by: str


DEMO_VIALS = (
    DemoVial(dt.timedelta(hours=5), "AH"),  # its 4-hour window passed an hour ago
    DemoVial(dt.timedelta(hours=3, minutes=30), "PS"),  # 30 minutes left
    DemoVial(dt.timedelta(minutes=50), "PS"),  # over 3 hours left
)


def open_demo_vials(
    session: Session, now: dt.datetime, *, user: str | None = None
) -> list[VialRow]:
    """Reconstitute the demo's vials of the first lot to use (first expiry first out) as of
    `now` (local clinic time, to the minute)."""
    now = now.replace(second=0, microsecond=0)
    opened = []
    for vial in DEMO_VIALS:
        at = now - vial.opened_before
        lots = lots_for_treatment(session, PRODUCT, at.date())
        if not lots:
            continue
        opened.append(
            reconstitute_vial(session, PRODUCT, lots[0].lot, at=at, by=vial.by, user=user, now=now)
        )
    return opened
