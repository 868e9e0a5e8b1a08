"""Each label kind at each size, drawn with QPainter at 300 dpi and into a PDF, then read back
with zxing-cpp: a GS1 DataMatrix carrying exactly (01)…(17)…(10)… as given, which the program's
own receiving scanner parses back to the same GTIN, lot and expiry; text inside the label and
clear of the symbol at every size, long names included; a GTIN-less label with no symbol and
the reason printed. The images are saved (EXODESK_SCREENSHOTS, else the test's folder)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from exodesk.services.labels import LabelContent, LotLabel, VialLabel, label_content
from exodesk.services.stock.receiving import parse_scan
from exodesk.ui.labels.render import (
    MIN_PT,
    LabelLayout,
    render_label_image,
    write_label_pdf,
)
from exodesk.ui.labels.sizes import LABEL_SIZES, LabelSize, size_by_key

GTIN = "09506000134352"
EXPIRY = dt.date(2027, 3, 31)
DPI = 300
TRICKY_LOT = "A(1)B/26%&'\"*+,-.:_"  # every one allowed in AI (10); ( ) would break (…) input

LONG_NAME = (
    "Exo-Regen Lyophilised Human Umbilical Mesenchymal Stem Cell Exosome Complex "
    "with Polynucleotides and Hyaluronic Acid, Professional Clinic Pack 10 × 10 mg"
)


def vial_label(**changes: object) -> VialLabel:
    fields: dict[str, object] = {
        "product": "ExoGlow 10 mg",
        "lot": TRICKY_LOT,
        "expiry": EXPIRY,
        "reconstituted": dt.datetime(2026, 11, 22, 9, 5),
        "reconstitution_hours": 6,
        "opened_by": "Anna-Lena Berg",
        "gtin": GTIN,
    }
    fields.update(changes)
    return VialLabel(**fields)  # type: ignore[arg-type]


def lot_label(**changes: object) -> LotLabel:
    fields: dict[str, object] = {
        "product": "ExoGlow 10 mg",
        "lot": "CV-9001X",
        "expiry": EXPIRY,
        "received": dt.date(2026, 11, 20),
        "gtin": "9506000134352",  # GTIN-13 on file: the symbol carries it as 14 digits
    }
    fields.update(changes)
    return LotLabel(**fields)  # type: ignore[arg-type]


KINDS = {"vial": vial_label, "lot": lot_label}
SIZES = [pytest.param(size, id=size.key) for size in LABEL_SIZES]


def shots_folder(fallback: Path) -> Path:
    folder = Path(os.environ.get("EXODESK_SCREENSHOTS", fallback))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_image(image: QImage, name: str, fallback: Path) -> Path:
    path = shots_folder(fallback) / f"{name}.png"
    assert image.save(str(path)), f"could not save {path}"
    return path


def decode(image: QImage) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.DataMatrix)


def assert_carries(image: QImage, content: LabelContent) -> str:
    """The one symbol on `image` is a GS1 DataMatrix of exactly the label's data."""
    assert content.gs1 is not None
    [found] = decode(image)
    assert found.format == zxingcpp.BarcodeFormat.DataMatrix
    assert found.content_type == zxingcpp.ContentType.GS1
    assert found.symbology_identifier == "]d2"
    expiry = content.gs1.expiry.strftime("%y%m%d")
    assert found.text == f"(01){content.gs1.gtin}(17){expiry}(10){content.gs1.lot}"
    assert found.bytes == content.gs1.element_string.encode("ascii")
    scan = parse_scan(found.bytes.decode("ascii"))  # as the receiving dialog reads a scanner
    assert (scan.gtin, scan.lot, scan.expiry) == (
        content.gs1.gtin,
        content.gs1.lot,
        content.gs1.expiry,
    )
    return found.text


def ink_outside(image: QImage, layout: LabelLayout) -> list[tuple[int, int]]:
    """Dark pixels in the label's margins (where nothing may be drawn)."""
    inner = layout.inner.toAlignedRect()
    found: list[tuple[int, int]] = []
    for y in range(image.height()):
        inside_rows = inner.top() <= y <= inner.bottom()
        xs = (
            [*range(0, inner.left()), *range(inner.right() + 1, image.width())]
            if inside_rows
            else range(image.width())
        )
        for x in xs:
            if QImage.pixelColor(image, x, y).lightness() < 160:
                found.append((x, y))
    return found


def assert_text_fits(layout: LabelLayout) -> None:
    for line in layout.lines:
        assert layout.inner.contains(line.rect), f"{line.text!r} runs past the label"
        if layout.code_rect is not None:
            assert not line.rect.intersects(layout.code_rect), f"{line.text!r} is on the code"
    tops = [line.rect.top() for line in layout.lines]
    for above, below in zip(layout.lines, layout.lines[1:], strict=False):
        if below.rect.left() == above.rect.left() and below.rect.top() > above.rect.top():
            assert below.rect.top() >= above.rect.bottom() - 0.5, "lines overlap"
    assert tops, "no text"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_label_at_each_size_carries_its_gs1_datamatrix(
    qapp: QApplication, kind: str, size: LabelSize, tmp_path: Path
) -> None:
    content = label_content(KINDS[kind]())
    image, layout = render_label_image(content, size, DPI)
    save_image(image, f"label-{kind}-{size.key}", tmp_path)
    # the physical size: mm at 300 dots per inch, and recorded in the image
    assert (image.width(), image.height()) == (
        round(size.width_mm / 25.4 * DPI),
        round(size.height_mm / 25.4 * DPI),
    )
    assert round(image.dotsPerMeterX() * 0.0254) == DPI
    text = assert_carries(image, content)
    if kind == "vial":
        assert text == f"(01){GTIN}(17)270331(10){TRICKY_LOT}"
    else:
        assert text == f"(01){GTIN}(17)270331(10)CV-9001X"
    # the symbol: whole pixels a module, between 0.25 and 0.75 mm, square
    assert layout.code_rect is not None and layout.grid is not None
    module_mm = layout.module / DPI * 25.4
    assert 0.25 <= module_mm <= 0.75
    assert (
        layout.code_rect.width() == layout.code_rect.height() == layout.module * layout.grid.width
    )
    texts = [line.text for line in layout.lines]
    assert texts[0] == "ExoGlow 10 mg" and not layout.shortened
    assert texts[-1] == content.code_caption  # the HRI with the symbol
    for line in content.lines:
        assert line.text in texts
    assert layout.text_pt >= MIN_PT
    assert_text_fits(layout)
    assert ink_outside(image, layout) == []


@pytest.mark.parametrize("size", SIZES)
def test_a_very_long_product_name_shrinks_or_is_shortened_but_never_clipped(
    qapp: QApplication, size: LabelSize, tmp_path: Path
) -> None:
    content = label_content(vial_label(product=LONG_NAME))
    image, layout = render_label_image(content, size, DPI)
    save_image(image, f"label-long-name-{size.key}", tmp_path)
    assert_carries(image, content)
    assert layout.text_pt >= MIN_PT
    assert_text_fits(layout)
    assert ink_outside(image, layout) == []
    texts = [line.text for line in layout.lines]
    for line in content.lines:  # every line of the label is there, in full
        assert line.text in texts
    title = [t for t in texts if t not in {line.text for line in content.lines}][:-1]
    shown = " ".join(title)
    if layout.shortened:
        assert shown.endswith("…") and LONG_NAME.startswith(shown[:-1].rstrip())
    else:
        assert shown == LONG_NAME  # wrapped at spaces: every word there


def test_text_takes_the_room_the_label_gives(qapp: QApplication) -> None:
    content = label_content(lot_label())
    small = render_label_image(content, size_by_key("62x29"), DPI)[1]
    large = render_label_image(content, size_by_key("102x51"), DPI)[1]
    assert large.text_pt > small.text_pt * 1.3


def test_a_label_without_gtin_prints_no_symbol_and_says_why(
    qapp: QApplication, tmp_path: Path
) -> None:
    for size in LABEL_SIZES:
        content = label_content(lot_label(gtin=None))
        image, layout = render_label_image(content, size, DPI)
        save_image(image, f"label-no-gtin-{size.key}", tmp_path)
        assert decode(image) == []
        assert layout.code_rect is None and layout.grid is None
        texts = [line.text for line in layout.lines]
        assert " ".join(texts).endswith("No DataMatrix: no GTIN on file for this product")
        assert "GTIN: none on file" in texts
        assert_text_fits(layout)
        assert ink_outside(image, layout) == []


def test_a_lot_gs1_cannot_carry_prints_no_symbol_rather_than_a_changed_lot(
    qapp: QApplication,
) -> None:
    content = label_content(vial_label(lot="LOT 42/É"))
    image, layout = render_label_image(content, LABEL_SIZES[0], DPI)
    assert decode(image) == []
    assert "Lot: LOT 42/É" in [line.text for line in layout.lines]
    caption = " ".join(line.text for line in layout.lines[-3:])
    assert "GS1 does not allow" in caption


def pdf_page_points(pdf: Path) -> tuple[float, float]:
    match = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert match, "no MediaBox in the PDF"
    return float(match.group(1)), float(match.group(2))


def rasterise(pdf: Path, dpi: int = DPI) -> QImage:
    """The PDF's page as an image, by Ghostscript (skips where it is not installed)."""
    gs = shutil.which("gs")
    if gs is None:
        pytest.skip("Ghostscript (gs) is not installed: the PDF is not read back")
    png = pdf.with_name(pdf.stem + "-from-pdf.png")
    subprocess.run(
        [
            gs,
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=pnggray",
            f"-r{dpi}",
            f"-sOutputFile={png}",
            str(pdf),
        ],
        check=True,
        timeout=120,
    )
    image = QImage(str(png))
    assert not image.isNull()
    return image


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_label_at_each_size_as_a_pdf_the_labels_size(
    qapp: QApplication, kind: str, size: LabelSize, tmp_path: Path
) -> None:
    content = label_content(KINDS[kind]())
    pdf = shots_folder(tmp_path) / f"label-{kind}-{size.key}.pdf"
    pdf.unlink(missing_ok=True)
    write_label_pdf(content, size, pdf)
    assert pdf.is_file() and pdf.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF-")
    width, height = pdf_page_points(pdf)
    assert abs(width - size.width_mm / 25.4 * 72) <= 1.0
    assert abs(height - size.height_mm / 25.4 * 72) <= 1.0
    page = rasterise(pdf)
    assert abs(page.width() - size.width_mm / 25.4 * DPI) <= 6
    assert_carries(page, content)
