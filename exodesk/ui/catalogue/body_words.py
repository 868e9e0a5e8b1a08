"""The notified body a certificate names, in the words the window shows it: "0123 — TÜV SÜD
Product Service GmbH, designated under the MDR", or a plain warning when the number is not in
ExoDesk's register (as of its date) or the certificate names none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from exodesk.services.register.shipped import Body


def designation(body: Body) -> str:
    """What the register says of the body: designated under the MDR, a UK Approved Body."""
    if body.mdr and body.uk_approved:
        return "designated under the MDR and a UK Approved Body"
    if body.mdr:
        return "designated under the MDR"
    if body.uk_approved:
        return "a UK Approved Body"
    return "neither designated under the MDR nor a UK Approved Body"


def body_words(
    number: str | None, bodies: Mapping[str, Body], as_of: dt.date, *, from_issuer: bool = False
) -> tuple[str, bool]:
    """(the words, whether the body is in the register) for the body number `number`;
    `from_issuer`: the number was read from the issuer's name, not entered."""
    taken = " (taken from the issuer)" if from_issuer else ""
    if not number:
        return (
            "No notified body number: enter the four digits printed beside the CE mark, or "
            "include them in the issuer.",
            False,
        )
    body = bodies.get(number)
    if body is None:
        return (
            f"Notified body {number}{taken} is not in ExoDesk's register of notified bodies as of "
            f"{as_of.isoformat()}. Forged certificates exist: check the body and the "
            "certificate in NANDO before relying on it.",
            False,
        )
    whose = " (the clinic's row)" if body.clinic else ""
    text = f"{number} — {body.name}, {designation(body)}{whose}{taken}"
    if not body.registered:
        text += ": not in the register as a body that may certify devices"
    return text, body.registered
