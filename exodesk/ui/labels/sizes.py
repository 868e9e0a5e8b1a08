"""The label sizes ExoDesk prints, in millimetres: the one place they are defined."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelSize:
    key: str  # stable: remembered in the settings
    width_mm: float
    height_mm: float

    @property
    def name(self) -> str:
        return f"{self.width_mm:g} × {self.height_mm:g} mm"


LABEL_SIZES: tuple[LabelSize, ...] = (
    LabelSize("62x29", 62, 29),  # Brother DK-11209 and the like
    LabelSize("57x32", 57, 32),  # Dymo 11354 and the like
    LabelSize("102x51", 102, 51),  # 4 × 2 in, Zebra and Brother DK-11240
)
DEFAULT_SIZE = LABEL_SIZES[0]


def size_by_key(key: object) -> LabelSize:
    """The size `key` names, else the default (e.g. a setting from an older version)."""
    return next((s for s in LABEL_SIZES if s.key == key), DEFAULT_SIZE)
