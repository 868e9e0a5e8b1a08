"""A GS1 DataMatrix as a grid of modules, encoded by zxing-cpp (no Qt: the renderer in
exodesk.ui.labels draws the grid at the size the label allows)."""

from __future__ import annotations

from dataclasses import dataclass

import zxingcpp

from exodesk.services.labels.gs1 import Gs1Data


class EncodingFailed(RuntimeError):
    """zxing-cpp did not make the GS1 DataMatrix asked for."""


@dataclass(frozen=True)
class ModuleGrid:
    """rows[y][x] is True for a dark module; no quiet zone included."""

    rows: tuple[tuple[bool, ...], ...]

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


def encode_datamatrix(data: Gs1Data) -> ModuleGrid:
    """A square ECC 200 GS1 DataMatrix (FNC1 first, GS after any variable-length element that
    is not last) carrying `data`.

    zxing-cpp's create_barcode ignores keyword options it does not know, silently, so the
    result is checked: GS1 content (symbology identifier ]d2) and a square symbol."""
    try:
        barcode = zxingcpp.create_barcode(
            data.bracketed, zxingcpp.BarcodeFormat.DataMatrix, gs1=True, force_square=True
        )
    except ValueError as exc:
        raise EncodingFailed(f"zxing-cpp refused {data.hri}: {exc}") from exc
    if barcode.content_type != zxingcpp.ContentType.GS1 or barcode.symbology_identifier != "]d2":
        raise EncodingFailed(f"zxing-cpp did not make a GS1 DataMatrix of {data.hri}")
    image = barcode.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape[0], image.shape[1]
    pixels = memoryview(image).tobytes()  # type: ignore[arg-type]  # Image has the buffer protocol
    rows = tuple(tuple(pixels[y * width + x] < 128 for x in range(width)) for y in range(height))
    if height != width:
        raise EncodingFailed(f"zxing-cpp made a {width}x{height} symbol, not a square one")
    return ModuleGrid(rows)
