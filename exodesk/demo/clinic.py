"""The demo clinic, as one complete interchange document (format ``exodesk/1``).

``demo_document(today)`` describes a small UK clinic: ten exosome products covering every source
type, form and regulatory class, their documents, thirty lots in three fridges, about a year of
treatments by three practitioners and a few stock movements. Every date is relative to ``today``
and the random choices use a fixed seed, so the demo means the same whenever it is run, and every
compliance rule of the contract fires at least once:

============================  ==============================================================
rule                          shown by
============================  ==============================================================
class_unknown                 Rosalis Callus Exosome Cream (supplier gives no classification)
missing_declaration           AutoPlate Exo PRP Lyo (device class I, no declaration held)
missing_certificate           Verdexa PhytoExo Serum (class IIa, no CE certificate)
certificate_withdrawn         Lactiva Exo Repair Serum (its only certificate was withdrawn)
certificate_expired           PlaceLux Exo Lyo (certificate expired 40 days ago)
certificate_expiring          Hairexo Scalp Booster (certificate expires in 45 days)
certificate_restricted        Hairexo Scalp Booster (its one valid certificate is restricted)
certificate_too_long          Lumenor Exo Booster (a certificate running six years)
certificate_body_unknown      Lumenor Exo Booster (notified body 2931 is in no register)
atmp_unauthorised             Regenexa MSC-EV (MHRA authorisation lapsed 60 days ago)
human_cosmetic_prohibited     Hanul Stem Glow Serum (MSC-derived, sold as a cosmetic)
human_device_not_class_iii    PlaceLux (placenta, class IIa), AutoPlate (platelets, class I)
human_source_review           Celvia MSC-Exo Lyo 50, PlaceLux Exo Lyo (human source, device)
composition_undocumented      Hairexo (conditioned media), Rosalis (not documented)
missing_ifu                   Rosalis Callus Exosome Cream
missing_coa                   the Hanul lots, Rosalis lot, newest Celvia lot (awaiting CoA)
not_for_market                Hanul (Korea only), Rosalis (EU only)
lot_expired_in_stock          Celvia lot CV-1170A (expired 20 days ago, 3+ vials left)
lot_expiring                  Celvia lot CV-3012B (expires in 35 days)
route_outside_intended_use    VIOLATIONS below: a topical cream and a scalp product injected
periorbital_not_approved      VIOLATIONS: PlaceLux used under the eyes
used_after_expiry             VIOLATIONS: Celvia CV-1170A used 4 days after expiry
used_unreleased_lot           VIOLATIONS: a lot used in quarantine, a lot used after recall
used_after_reconstitution_    VIOLATIONS: a Celvia vial opened one morning and used the
window                        next (24 h 45 min later; its window is 24 hours)
============================  ==============================================================

The demo clinic has added the (made-up) notified bodies of its suppliers' certificates to
its register (`bodies`); Lumenor's body it has not. Treatments of lyophilised products record
the time given and when the vial was reconstituted.

Pure data (the vocabularies aside): no Qt, no database.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from exodesk.models.enums import Route

FORMAT = "exodesk/1"
SEED = 20251122
YEAR = 365  # days, for offsets in the tables below

# Vocabulary order of routes, so `intended_routes` comes out as the importer normalises it.
ROUTE_ORDER = tuple(route.value for route in Route)
TOPICAL, INTRADERMAL, SCALP = "topical_post_procedure", "intradermal", "subdermal_scalp"

CLINIC = {"name": "Harbourside Skin & Hair Clinic (demo)", "market": "UK"}
FRIDGE_A, FRIDGE_B, ROOM = "Fridge A", "Fridge B", "Treatment room fridge"
LOCATIONS = (FRIDGE_A, FRIDGE_B, ROOM)
HART, PARK, SHAH = "Dr Amelia Hart", "Dr Joon-ho Park", "Nurse Priya Shah"

# About this many planned sessions become the regular (rule-abiding) treatments; a few are
# dropped when no lot can serve them, and the VIOLATIONS come on top.
PLANNED_SESSIONS = 200
RETURNING_PATIENT = 0.25  # share of new courses given to an existing patient
SAME_PRACTITIONER = 0.85  # share of sessions done by the course's own practitioner

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProductSpec:
    key: str  # short name used by the other tables
    name: str
    manufacturer: str
    country: str
    gtin_body: str  # the first 13 digits of the GTIN-14; the check digit is computed
    source_type: str
    form: str
    regulatory_class: str
    routes: tuple[str, ...]
    periorbital_approved: bool
    markets: tuple[str, ...]
    composition_documented: bool
    reconstitution_hours: int | None


P = ProductSpec
# fmt: off
PRODUCTS: tuple[ProductSpec, ...] = (
    # key, name, manufacturer, country, GTIN body,
    #   source type, form, regulatory class, intended routes, periorbital approved,
    #   markets, composition documented, reconstitution hours
    P("CEL", "Celvia MSC-Exo Lyo 50", "Celvia Biotech Co., Ltd.", "KR", "0880953100012",
      "msc", "lyophilised", "device_iii", (TOPICAL, INTRADERMAL), True,
      ("EU", "KR", "UK"), True, 24),
    P("HXO", "Hairexo Scalp Booster", "Daon Bioscience Inc.", "KR", "0880953300217",
      "conditioned_media", "liquid", "device_iib", (TOPICAL, SCALP), False,
      ("EU", "KR", "UK"), True, None),
    P("PLX", "PlaceLux Exo Lyo", "Hanbit Life Science Co., Ltd.", "KR", "0880961204405",
      "placenta", "lyophilised", "device_iia", (TOPICAL, INTRADERMAL), False,
      ("EU", "KR", "UK"), True, 24),
    P("LAC", "Lactiva Exo Repair Serum", "Lactiva Biologics B.V.", "NL", "0871452900031",
      "other", "serum", "device_iib", (TOPICAL,), False,
      ("EU", "UK"), True, None),
    P("VDX", "Verdexa PhytoExo Serum", "Verdexa Labs SA", "CH", "0761384200058",
      "plant", "serum", "device_iia", (TOPICAL,), False,
      ("CH", "EU", "UK"), True, None),
    P("APL", "AutoPlate Exo PRP Lyo", "Thrombex Medical GmbH", "DE", "0402931700064",
      "platelet", "lyophilised", "device_i", (TOPICAL, INTRADERMAL, SCALP), False,
      ("EU", "UK"), True, 4),
    P("HNL", "Hanul Stem Glow Serum", "Hanul Cosmetics Co., Ltd.", "KR", "0880977500129",
      "msc", "serum", "cosmetic", (TOPICAL,), False,
      ("KR",), True, None),
    P("RGX", "Regenexa MSC-EV 2 ml", "Regenexa Therapeutics S.L.", "ES", "0843720100075",
      "msc", "liquid", "atmp", (INTRADERMAL, "intravenous"), False,
      ("EU", "UK"), True, None),
    P("RSL", "Rosalis Callus Exosome Cream", "Maison Rosalis", "FR", "0376018400083",
      "plant", "cream", "unknown", (TOPICAL,), False,
      ("EU",), False, None),
    P("VRD", "Verda Centella Exosome Cream", "Verda Lab Co., Ltd.", "KR", "0880984600136",
      "plant", "cream", "cosmetic", (TOPICAL,), False,
      ("EU", "KR", "UK"), True, None),
    P("LUM", "Lumenor Exo Booster", "Lumenor Cosmeceuticals Ltd.", "KR", "0880990100141",
      "plant", "lyophilised", "device_iib", (TOPICAL,), False,
      ("EU", "KR", "UK"), True, 8),
)
# fmt: on

# The clinic's own rows of the register of notified bodies: its suppliers' (made-up) bodies
# BODIES: number, name, country, designated under the MDR, UK approved
BODIES = (
    ("0591", "Certimed Italia S.r.l.", "IT", True, False),
    ("2841", "Nordcert Notified Body Oy", "FI", True, False),
    ("2874", "Baltic Conformity Services UAB", "LT", True, False),
    ("2913", "Alpine Medical Certification AG", "AT", True, False),
)

# The clinic stopped using these products this many days before today (relative offset):
# PlaceLux when its certificate expired, Lactiva on its recall, Regenexa when the
# authorisation lapsed. Only the VIOLATIONS use them later.
STOPPED_USING = {"PLX": -40, "LAC": -40, "RGX": -60}


# --------------------------------------------------------------------------------------------
# Documents (certificates of analysis are made from the lot table)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocSpec:
    kind: str
    number: str
    issuer: str
    issued: int  # days relative to today
    expires: int | None  # days relative to today; None never expires
    products: tuple[str, ...]  # product keys
    status: str = "issued"
    body_number: str | None = None  # None: the issuer's four digits stand for it
    verified: tuple[int, str] | None = None  # checked against the register: (day, by whom)


D = DocSpec
MFDS = "Ministry of Food and Drug Safety (MFDS), Republic of Korea"
ALPINE = "Alpine Medical Certification AG, notified body 2913"
CERTIMED = "Certimed Italia S.r.l., notified body 0591"
BALTIC = "Baltic Conformity Services UAB, notified body 2874"
NORDCERT = "Nordcert Notified Body Oy, notified body 2841"
HOLLIS = "Hollis Conformity Assessment Ltd, notified body 2931"
MHRA = "Medicines and Healthcare products Regulatory Agency (MHRA)"
# fmt: off
DOCUMENTS: tuple[DocSpec, ...] = (
    # kind, number, issuer, issued, expires, product keys[, status]
    # CE certificates: valid for years, superseded, expiring soon, expired, withdrawn
    D("ce_certificate", "CE 2913-MDR-04417", ALPINE, -420, 3 * YEAR + 40, ("CEL",),
      body_number="2913", verified=(-30, HART)),
    D("ce_certificate", "CE 2913-MDD-01982", ALPINE, -5 * YEAR, -415, ("CEL",)),
    D("ce_certificate", "CE 0591-MDR-7731", CERTIMED, -5 * YEAR + 45, 45, ("HXO",),
      "restricted"),
    D("ce_certificate", "CE 2931-MDR-1188", HOLLIS, -200, 6 * YEAR - 200, ("LUM",)),
    D("ce_certificate", "CE 2874-MDD-2209", BALTIC, -4 * YEAR - 40, -40, ("PLX",)),
    D("ce_certificate", "CE 2841-MDR-0356", NORDCERT, -2 * YEAR, 2 * YEAR, ("LAC",),
      "withdrawn"),
    # Declarations of conformity (none for the class I AutoPlate)
    D("declaration_of_conformity", "DoC CEL-L50-2024", "Celvia Biotech Co., Ltd.",
      -420, None, ("CEL",)),
    D("declaration_of_conformity", "DoC DB-HX-07", "Daon Bioscience Inc.",
      -3 * YEAR, None, ("HXO",)),
    D("declaration_of_conformity", "DoC HB-PLX-03", "Hanbit Life Science Co., Ltd.",
      -4 * YEAR, None, ("PLX",)),
    # Instructions for use (none for Rosalis)
    D("ifu", "IFU CEL-L50 rev 4", "Celvia Biotech Co., Ltd.", -420, None, ("CEL",)),
    D("ifu", "IFU HX-SB rev 2", "Daon Bioscience Inc.", -2 * YEAR, None, ("HXO",)),
    D("ifu", "IFU PLX-L rev 3", "Hanbit Life Science Co., Ltd.", -3 * YEAR, None, ("PLX",)),
    D("ifu", "IFU LAC-ERS-EN-05", "Lactiva Biologics B.V.", -2 * YEAR, None, ("LAC",)),
    D("ifu", "IFU VDX-PS-01", "Verdexa Labs SA", -YEAR - 100, None, ("VDX",)),
    D("ifu", "IFU APL-22", "Thrombex Medical GmbH", -2 * YEAR, None, ("APL",)),
    D("ifu", "Hanul SGS leaflet KR-2", "Hanul Cosmetics Co., Ltd.", -2 * YEAR, None, ("HNL",)),
    D("ifu", "IFU RGX-EV-UK-1", "Regenexa Therapeutics S.L.", -2 * YEAR, None, ("RGX",)),
    D("ifu", "Verda usage guide v3", "Verda Lab Co., Ltd.", -YEAR - 30, None, ("VRD",)),
    D("ifu", "IFU LUM-EB-02", "Lumenor Cosmeceuticals Ltd.", -200, None, ("LUM",)),
    # Korean registrations
    D("mfds_registration", "MFDS 21-4417", MFDS, -4 * YEAR, None, ("CEL",)),
    D("mfds_registration", "MFDS 20-1186", MFDS, -5 * YEAR, None, ("HXO",)),
    D("mfds_registration", "MFDS 19-0932", MFDS, -6 * YEAR, None, ("PLX",)),
    # The ATMP's UK authorisation lapsed 60 days ago
    D("atmp_authorisation", "PLGB 54077/0003", MHRA, -YEAR - 60, -60, ("RGX",)),
    # Safety reports: the field safety notice behind the Lactiva recall; a periodic report
    D("safety_report", "FSN-LAC-0142", "Lactiva Biologics B.V.", -42, None, ("LAC",)),
    D("safety_report", "PSUR RGX-EV 2024", "Regenexa Therapeutics S.L.", -200, None,
      ("RGX",)),
)
# fmt: on


# --------------------------------------------------------------------------------------------
# Lots
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LotSpec:
    product: str  # product key
    code: str
    received: int  # days relative to today
    expiry: int  # days relative to today; from 120 on, moved to the end of its month
    quantity: int
    location: str
    status: str = "released"  # holds from `received`; later changes are MOVEMENTS
    coa: bool = True  # a certificate of analysis is held
    keep: int = 0  # vials the treatments leave on hand, so that a stock flag shows


L = LotSpec
# fmt: off
LOTS: tuple[LotSpec, ...] = (
    # product, code, received, expiry, quantity, location[, status, coa, keep]
    L("CEL", "CV-1170A", -400, -20, 30, FRIDGE_A, keep=3),  # expired, still in stock
    L("CEL", "CV-3012B", -300, 35, 30, FRIDGE_A, keep=3),  # expires within 60 days
    L("CEL", "CV-4208A", -210, 300, 26, FRIDGE_A),  # one vial for the late use below
    L("CEL", "CV-5118C", -120, 420, 25, ROOM),
    L("CEL", "CV-5907A", -45, 520, 20, FRIDGE_A),
    L("CEL", "CV-6233B", -6, 600, 20, FRIDGE_A, "quarantine", coa=False),  # awaiting CoA
    L("HXO", "HX-0731", -380, -60, 24, FRIDGE_B),  # expired; what was left was disposed of
    L("HXO", "HX-0802", -250, 150, 30, FRIDGE_B),
    L("HXO", "HX-0870", -200, 260, 20, FRIDGE_B, "quarantine"),  # released 4 days later
    L("HXO", "HX-0912", -150, 330, 30, FRIDGE_B),  # briefly on hold after an excursion
    L("HXO", "HX-1004", -60, 420, 40, FRIDGE_B),
    L("PLX", "PLX-3381", -350, 200, 15, FRIDGE_A),
    L("PLX", "PLX-3456", -200, 330, 15, FRIDGE_A),
    L("PLX", "PLX-3512", -90, 450, 10, FRIDGE_A),
    L("LAC", "LB-0921", -330, 100, 12, FRIDGE_B),
    L("LAC", "LB-1034", -150, 240, 12, FRIDGE_B),  # recalled 40 days ago, then returned
    L("VDX", "VX-5512", -280, 200, 10, FRIDGE_B),
    L("VDX", "VX-5790", -25, 500, 10, FRIDGE_B, "on_hold"),  # until a certificate comes
    L("APL", "APL-0415", -300, 150, 20, FRIDGE_B),
    L("APL", "APL-0502", -100, 380, 20, FRIDGE_B),
    L("HNL", "HN-240318", -320, 180, 10, ROOM, coa=False),
    L("HNL", "HN-240702", -12, 500, 6, ROOM, "recalled", coa=False),  # booked in under recall
    L("RGX", "RGX-EV-0077", -330, 120, 8, FRIDGE_A),
    L("RSL", "RS-A118", -15, 700, 5, ROOM, "quarantine", coa=False),  # no classification
    L("VRD", "VC-0411", -390, -100, 20, ROOM),  # expired; what was left was disposed of
    L("VRD", "VC-0630", -280, 80, 20, ROOM),
    L("VRD", "VC-0815", -200, 160, 15, ROOM),
    L("VRD", "VC-0927", -130, 230, 15, ROOM),
    L("VRD", "VC-1104", -70, 300, 20, ROOM),
    L("VRD", "VC-1212", -10, 360, 20, FRIDGE_A),
)
# fmt: on


# --------------------------------------------------------------------------------------------
# Movements after receipt
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MoveSpec:
    date: int  # days relative to today
    lot: str
    kind: str
    quantity: int
    reason: str
    status: str | None = None
    location: str | None = None


M = MoveSpec
# fmt: off
MOVEMENTS: tuple[MoveSpec, ...] = (
    # date, lot, kind, quantity, reason[, status | location]
    M(-196, "HX-0870", "status_change", 0, "CoA and cold-chain log checked; lot released",
      status="released"),
    M(-180, "CV-3012B", "waste", -1, "Vial cracked during reconstitution"),
    M(-160, "CV-1170A", "transfer", 0, "Moved to the treatment room for clinic days",
      location=ROOM),
    M(-100, "HX-0912", "status_change", 0,
      "Fridge B temperature excursion (11 °C for 3 hours); on hold pending supplier advice",
      status="on_hold"),
    M(-99, "HX-0912", "transfer", 0, "Moved out of Fridge B while it is serviced",
      location=FRIDGE_A),
    M(-95, "HX-0912", "status_change", 0,
      "Supplier's stability data covers the excursion; released", status="released"),
    M(-75, "VC-0630", "waste", -1, "Jar dropped and broken"),
    M(-62, "CV-5118C", "waste", -1, "Reconstituted vial not used within 24 hours"),
    M(-60, "VC-0815", "adjustment", 1, "Stock count: one jar found behind the tray"),
    M(-60, "APL-0415", "adjustment", -2, "Stock count: two vials could not be found"),
    M(-40, "LB-1034", "status_change", 0,
      "Manufacturer's recall (field safety notice FSN-LAC-0142)", status="recalled"),
)
# fmt: on


@dataclass(frozen=True)
class ClearSpec:
    """A movement that takes out whatever is left of a lot on that date."""

    date: int
    lot: str
    kind: str
    reason: str


# fmt: off
CLEAR_OUTS: tuple[ClearSpec, ...] = (
    ClearSpec(-98, "VC-0411", "waste", "Expired; disposed of as clinical waste"),
    ClearSpec(-58, "HX-0731", "waste", "Expired; disposed of as clinical waste"),
    ClearSpec(-30, "LB-1034", "adjustment",
              "Returned to the manufacturer under recall FSN-LAC-0142"),
)
# fmt: on


# --------------------------------------------------------------------------------------------
# Treatments
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indication:
    """A kind of course the clinic gives; weights are relative."""

    name: str
    weight: int
    route: str
    zones: tuple[tuple[str, int], ...]
    products: tuple[tuple[str, int], ...]  # product keys
    sessions: tuple[int, int]  # fewest and most sessions in a course
    interval: int  # days between sessions
    practitioners: tuple[tuple[str, int], ...]
    two_vials: float  # share of sessions that need two vials


FACE_ZONES = (("face", 6), ("neck", 2), ("decolletage", 1), ("hands", 1))
# fmt: off
INDICATIONS: tuple[Indication, ...] = (
    # name, weight, route, zones, products, sessions, interval, practitioners, two vials
    Indication("skin quality", 30, INTRADERMAL, FACE_ZONES,
               (("CEL", 6), ("PLX", 2), ("APL", 2), ("RGX", 1)),
               (3, 3), 28, ((HART, 3), (SHAH, 2), (PARK, 1)), 0.15),
    Indication("under-eye", 8, INTRADERMAL, (("periorbital", 1),), (("CEL", 1),),
               (2, 3), 28, ((HART, 1),), 0.0),
    Indication("post-procedure recovery", 60, TOPICAL, FACE_ZONES,
               (("VRD", 6), ("CEL", 2), ("LAC", 2), ("HNL", 2), ("APL", 1), ("VDX", 1)),
               (1, 2), 90, ((SHAH, 4), (HART, 1), (PARK, 1)), 0.0),
    Indication("hair", 14, SCALP, (("scalp", 1),), (("HXO", 5), ("APL", 1)),
               (4, 6), 30, ((PARK, 4), (HART, 1)), 0.25),
    Indication("scalp post-microneedling", 5, TOPICAL, (("scalp", 1),), (("HXO", 1),),
               (1, 1), 0, ((PARK, 1), (SHAH, 1)), 0.0),
)
# fmt: on


@dataclass(frozen=True)
class ViolationSpec:
    """A treatment that deliberately breaks a rule (`lot` None: the first usable lot)."""

    date: int
    product: str
    lot: str | None
    route: str
    zone: str
    practitioner: str
    opened_minutes_before: int | None = None  # the vial was reconstituted this long before


V = ViolationSpec
# fmt: off
VIOLATIONS: tuple[ViolationSpec, ...] = (
    # date, product, lot, route, zone, practitioner     # the rule it breaks
    V(-198, "HXO", "HX-0870", SCALP, "scalp", PARK),    # used_unreleased_lot (quarantine)
    V(-150, "VRD", None, INTRADERMAL, "face", SHAH),    # route_outside_intended_use
    V(-120, "PLX", None, INTRADERMAL, "periorbital", HART),  # periorbital_not_approved
    V(-90, "HXO", None, INTRADERMAL, "face", PARK),     # route_outside_intended_use
    V(-37, "LAC", "LB-1034", TOPICAL, "face", SHAH),    # used_unreleased_lot (recalled)
    V(-16, "CEL", "CV-1170A", INTRADERMAL, "face", HART),  # used_after_expiry
    V(-1, "CEL", "CV-4208A", INTRADERMAL, "face", HART, 24 * 60 + 45),  # reconstitution window
)
# fmt: on


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def gtin14(body: str) -> str:
    """The GTIN-14 made of 13 digits and their GS1 check digit."""
    if len(body) != 13 or not body.isdigit():
        raise ValueError(f"a GTIN-14 body is 13 digits, not {body!r}")
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str(-total % 10)


def _day(today: dt.date, offset: int | None) -> str | None:
    return None if offset is None else (today + dt.timedelta(days=offset)).isoformat()


def _expiry(today: dt.date, offset: int) -> dt.date:
    """Lot expiry: far-off ones at the end of their month, as printed on real boxes."""
    day = today + dt.timedelta(days=offset)
    if offset < 120:
        return day
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _pick(rng: random.Random, weighted: Sequence[tuple[T, int]]) -> T:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _clinic_day(today: dt.date, offset: int) -> dt.date | None:
    """The day `offset` days from today, moved off Sunday; None unless before today."""
    day = today + dt.timedelta(days=offset)
    if day.weekday() == 6:
        day += dt.timedelta(days=1)
        if day >= today:
            day -= dt.timedelta(days=2)
    return day if day < today else None


@dataclass
class _Lot:
    """A lot while treatments are laid out: `budget` is what they may still take, so that
    stock never goes below zero whatever the order (every vial taken out by a movement, and
    the vials to keep, are set aside from the start)."""

    spec: LotSpec
    received: dt.date
    expiry: dt.date
    changes: list[tuple[dt.date, str]]  # status changes, oldest first
    budget: int

    def status_on(self, day: dt.date) -> str:
        status = self.spec.status
        for changed, new in self.changes:
            if changed < day:
                status = new
        return status

    def usable(self, day: dt.date, vials: int) -> bool:
        return (
            self.received <= day <= self.expiry
            and self.budget >= vials
            and self.status_on(day) == "released"
            and all(changed != day for changed, _ in self.changes)
        )


@dataclass(frozen=True)
class _Treatment:
    day: dt.date
    patient: int
    product: str
    lot: str
    practitioner: str
    route: str
    zone: str
    vials: int
    opened_minutes_before: int | None = None


@dataclass
class _Course:
    indication: Indication
    patient: int
    product: str
    practitioner: str


def _lot_states(today: dt.date) -> dict[str, _Lot]:
    lots = {}
    for spec in LOTS:
        moves = [m for m in MOVEMENTS if m.lot == spec.code]
        lots[spec.code] = _Lot(
            spec=spec,
            received=today + dt.timedelta(days=spec.received),
            expiry=_expiry(today, spec.expiry),
            changes=sorted(
                (today + dt.timedelta(days=m.date), m.status)
                for m in moves
                if m.kind == "status_change" and m.status is not None
            ),
            budget=spec.quantity - spec.keep + sum(min(m.quantity, 0) for m in moves),
        )
    return lots


def _first_usable(
    lots: dict[str, _Lot], today: dt.date, product: str, day: dt.date, vials: int
) -> _Lot | None:
    """First expiry, first out, among the lots of `product` that may serve on `day`."""
    stopped = STOPPED_USING.get(product)
    if stopped is not None and day > today + dt.timedelta(days=stopped):
        return None
    usable = [
        lot for lot in lots.values() if lot.spec.product == product and lot.usable(day, vials)
    ]
    return min(usable, key=lambda lot: (lot.expiry, lot.received, lot.spec.code), default=None)


def _plan_sessions(
    today: dt.date, rng: random.Random
) -> tuple[list[tuple[dt.date, int, _Course]], int]:
    """Courses of treatment over the past year, as (day, order, course); and patients used."""
    sessions: list[tuple[dt.date, int, _Course]] = []
    patients = 0
    indications = [(ind, ind.weight) for ind in INDICATIONS]
    while len(sessions) < PLANNED_SESSIONS:
        indication = _pick(rng, indications)
        if patients and rng.random() < RETURNING_PATIENT:
            patient = rng.randint(1, patients)
        else:
            patients += 1
            patient = patients
        course = _Course(
            indication,
            patient,
            _pick(rng, indication.products),
            _pick(rng, indication.practitioners),
        )
        start = rng.randint(-360, -7)
        for number in range(rng.randint(*indication.sessions)):
            offset = start + number * indication.interval + rng.randint(-3, 3)
            day = _clinic_day(today, offset)
            if day is None:
                break
            sessions.append((day, len(sessions), course))
    sessions.sort(key=lambda s: (s[0], s[1]))
    return sessions, patients


def _violations(today: dt.date, lots: dict[str, _Lot], first_patient: int) -> list[_Treatment]:
    out = []
    for number, spec in enumerate(VIOLATIONS):
        day = today + dt.timedelta(days=spec.date)
        lot = (
            lots[spec.lot]
            if spec.lot is not None
            else _first_usable(lots, today, spec.product, day, 1)
        )
        if lot is None or lot.budget < 1 or day < lot.received:
            raise AssertionError(f"demo data: no stock for violation {spec}")
        lot.budget -= 1
        out.append(
            _Treatment(
                day,
                first_patient + number,
                spec.product,
                lot.spec.code,
                spec.practitioner,
                spec.route,
                spec.zone,
                1,
                spec.opened_minutes_before,
            )
        )
    return out


def _regular_treatments(
    today: dt.date,
    rng: random.Random,
    lots: dict[str, _Lot],
    sessions: list[tuple[dt.date, int, _Course]],
) -> list[_Treatment]:
    out = []
    for day, _, course in sessions:
        ind = course.indication
        vials = 2 if rng.random() < ind.two_vials else 1
        lot = _first_usable(lots, today, course.product, day, vials)
        if lot is None:  # switch the course to another product for the indication
            others = [
                (key, w)
                for key, w in ind.products
                if key != course.product and _first_usable(lots, today, key, day, vials)
            ]
            if not others:
                continue
            course.product = _pick(rng, others)
            lot = _first_usable(lots, today, course.product, day, vials)
            assert lot is not None
        lot.budget -= vials
        practitioner = course.practitioner
        if rng.random() > SAME_PRACTITIONER:
            practitioner = _pick(rng, ind.practitioners)
        out.append(
            _Treatment(
                day,
                course.patient,
                course.product,
                lot.spec.code,
                practitioner,
                ind.route,
                _pick(rng, ind.zones),
                vials,
            )
        )
    return out


def _movement_rows(
    today: dt.date, treatments: list[_Treatment]
) -> list[tuple[dt.date, str, str, int, str, str | None, str | None]]:
    """Every movement as (day, lot, kind, quantity, reason, status, location), by date."""
    rows = [
        (
            today + dt.timedelta(days=m.date),
            m.lot,
            m.kind,
            m.quantity,
            m.reason,
            m.status,
            m.location,
        )
        for m in MOVEMENTS
    ]
    for clear in CLEAR_OUTS:
        day = today + dt.timedelta(days=clear.date)
        spec = next(s for s in LOTS if s.code == clear.lot)
        on_hand = (
            spec.quantity
            - sum(t.vials for t in treatments if t.lot == clear.lot and t.day <= day)
            + sum(r[3] for r in rows if r[1] == clear.lot and r[0] <= day)
        )
        if on_hand > 0:
            rows.append((day, clear.lot, clear.kind, -on_hand, clear.reason, None, None))
    rows.sort(key=lambda r: r[0])
    return rows


# --------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------
def _product_record(p: ProductSpec) -> dict[str, Any]:
    return {
        "name": p.name,
        "manufacturer": p.manufacturer,
        "country": p.country,
        "gtin": gtin14(p.gtin_body),
        "source_type": p.source_type,
        "form": p.form,
        "regulatory_class": p.regulatory_class,
        "intended_routes": sorted(p.routes, key=ROUTE_ORDER.index),
        "periorbital_approved": p.periorbital_approved,
        "markets": sorted(p.markets),
        "composition_documented": p.composition_documented,
        "reconstitution_hours": p.reconstitution_hours,
        "reorder_level": None,
    }


def _document_records(today: dt.date, names: dict[str, str]) -> list[dict[str, Any]]:
    docs = [
        {
            "kind": d.kind,
            "number": d.number,
            "issuer": d.issuer,
            "issued": _day(today, d.issued),
            "expires": _day(today, d.expires),
            "products": sorted(names[k] for k in d.products),
            "lot": None,
            "status": d.status,
            "sha256": None,
            "body_number": d.body_number,
            "verified_on": _day(today, d.verified[0]) if d.verified else None,
            "verified_by": d.verified[1] if d.verified else None,
        }
        for d in DOCUMENTS
    ]
    makers = {p.key: p.manufacturer for p in PRODUCTS}
    docs += [
        {
            "kind": "certificate_of_analysis",
            "number": f"CoA {lot.code}",
            "issuer": f"{makers[lot.product]} quality control",
            "issued": _day(today, lot.received - 12),
            "expires": None,
            "products": [names[lot.product]],
            "lot": lot.code,
            "status": "issued",
            "sha256": None,
        }
        for lot in LOTS
        if lot.coa
    ]
    return docs


def _given_at(t: _Treatment, number: int, product: ProductSpec) -> dict[str, str | None]:
    """When a treatment was given (clinic hours, spread without the random generator, so the
    rest of the demo stays as it was) and, for a vial with a window, when it was opened:
    ten minutes before, or as long before as a violation says."""
    minutes = 9 * 60 + (number * 47) % (8 * 60) // 5 * 5
    given = dt.datetime.combine(t.day, dt.time(minutes // 60, minutes % 60))
    opened = None
    if product.reconstitution_hours is not None and product.form == "lyophilised":
        before = dt.timedelta(minutes=t.opened_minutes_before or 10)
        opened = (given - before).strftime("%Y-%m-%dT%H:%M")
    return {"time": given.strftime("%H:%M"), "reconstituted": opened}


def demo_document(today: dt.date) -> dict[str, Any]:
    """The demo clinic as an interchange document, with every date relative to `today`."""
    rng = random.Random(SEED)
    names = {p.key: p.name for p in PRODUCTS}
    lots = _lot_states(today)
    sessions, patients = _plan_sessions(today, rng)
    treatments = _violations(today, lots, patients + 1)
    treatments += _regular_treatments(today, rng, lots, sessions)
    treatments.sort(key=lambda t: (t.day, t.patient, t.product, t.lot))

    patient_refs: dict[int, str] = {}
    for t in treatments:  # patients numbered in order of their first visit
        patient_refs.setdefault(t.patient, f"P-{len(patient_refs) + 1:04d}")
    product_of = {lot.code: names[lot.product] for lot in LOTS}
    specs = {p.key: p for p in PRODUCTS}

    return {
        "format": FORMAT,
        "clinic": dict(CLINIC),
        "locations": [{"name": name} for name in LOCATIONS],
        "products": [_product_record(p) for p in PRODUCTS],
        "documents": _document_records(today, names),
        "lots": [
            {
                "product": names[spec.product],
                "lot": spec.code,
                "expiry": lots[spec.code].expiry.isoformat(),
                "received": lots[spec.code].received.isoformat(),
                "quantity": spec.quantity,
                "location": spec.location,
                "status": spec.status,
            }
            for spec in LOTS
        ],
        "treatments": [
            {
                "ref": f"T-{number:04d}",
                "date": t.day.isoformat(),
                "product": names[t.product],
                "lot": t.lot,
                "patient": patient_refs[t.patient],
                "practitioner": t.practitioner,
                "route": t.route,
                "zone": t.zone,
                "vials": t.vials,
                **_given_at(t, number, specs[t.product]),
            }
            for number, t in enumerate(treatments, start=1)
        ],
        "movements": [
            {
                "ref": f"M-{number:04d}",
                "date": day.isoformat(),
                "product": product_of[lot],
                "lot": lot,
                "kind": kind,
                "quantity": quantity,
                "reason": reason,
                "status": status,
                "location": location,
            }
            for number, (day, lot, kind, quantity, reason, status, location) in enumerate(
                _movement_rows(today, treatments), start=1
            )
        ],
        "bodies": [
            {"number": n, "name": name, "country": c, "mdr": mdr, "uk_approved": uk}
            for n, name, c, mdr, uk in BODIES
        ],
    }
