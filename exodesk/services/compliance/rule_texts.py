"""What each rule means, in the clinic's words (shown beside every flag)."""

from __future__ import annotations

MEANING: dict[str, str] = {
    "class_unknown": "The supplier has not stated the product's regulatory class. Without it, "
    "nobody can tell which documents it needs: do not use it.",
    "missing_declaration": "A class I medical device needs the manufacturer's Declaration of "
    "Conformity on file.",
    "missing_certificate": "A class IIa, IIb or III medical device needs a CE (or UKCA) "
    "certificate from a notified body that covers this exact product.",
    "certificate_withdrawn": "Certificates cover this product, but every one is withdrawn or "
    "suspended: it is no longer certified.",
    "certificate_expired": "Every issued certificate covering this product has expired.",
    "certificate_expiring": "The latest valid certificate expires within 90 days.",
    "atmp_unauthorised": "An advanced therapy medicinal product may only be supplied under a "
    "marketing authorisation (MHRA in the UK, EMA in the EU).",
    "human_cosmetic_prohibited": "Human-derived material (stem cells, placenta, platelets) is "
    "banned from cosmetics in the UK and EU.",
    "human_source_review": "A device made from human stem-cell or placental material may really "
    "be an ATMP: confirm its status with the supplier.",
    "composition_undocumented": "Conditioned media and products without a documented "
    "composition need the supplier's statement of composition and purification method.",
    "missing_ifu": "Every product needs its instructions for use on file: they define its "
    "intended use.",
    "missing_coa": "Every lot should come with a certificate of analysis.",
    "not_for_market": "The product is not marketed where the clinic practises.",
    "lot_expired_in_stock": "An expired lot still has vials in stock.",
    "lot_expiring": "A lot in stock expires within 60 days.",
    "route_outside_intended_use": "The treatment used a route the product is not intended for.",
    "periorbital_not_approved": "Under-eye (periorbital) use needs a product specifically "
    "approved for it.",
    "used_after_expiry": "The treatment used a lot after its expiry date.",
    "used_unreleased_lot": "The treatment used a lot that was not released on that day "
    "(quarantined, on hold, recalled, damaged or destroyed).",
}
