"""Draws a label with QPainter at its physical size on any paint device: a QPrinter, a
QPdfWriter or a QImage. Everything is laid out in the device's own units (its dots per inch
say how many per millimetre), so a 62 × 29 mm label is 62 × 29 mm on paper and in the PDF.

Layout: the DataMatrix top left (whole device pixels per module, capped at 0.75 mm), the
product's name and the label's lines to its right, and across the bottom the line that goes
with the symbol: its HRI `(01)…(17)…(10)…`, or why the label has no symbol. The text takes the
largest size at which it all fits, wrapping where it must; it never runs past its area. A name
too long even at the smallest size is cut short with "…" (the layout says so), never clipped."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
)

from exodesk.services.labels import LabelContent, ModuleGrid, encode_datamatrix
from exodesk.ui.labels.sizes import LabelSize

MM_PER_INCH = 25.4
PREVIEW_DPI = 300
PDF_DPI = 1200
MARGIN_MM = (1.5, 3.0)  # scaled with the label's height between these
MAX_MODULE_MM = 0.75
MIN_MODULE_MM = 0.25
MIN_PT = 4.5  # smallest text at which the lines are fitted (then the name is shortened)
MAX_PT = 14.0
CAPTION_PT = (4.0, 7.0)  # the HRI / no-symbol line
TITLE_SCALE = 1.3
FONT_FAMILY = "DejaVu Sans"


class LabelTooSmall(ValueError):
    """The paint device's resolution cannot carry the symbol at this size."""


@dataclass(frozen=True)
class PlacedLine:
    text: str
    font: QFont
    origin: QPointF  # where the baseline starts
    rect: QRectF  # its advance width × font height, in device units


@dataclass(frozen=True)
class LabelLayout:
    page: QRectF  # the whole label, device units
    inner: QRectF  # inside the margins: nothing is drawn outside it
    code_rect: QRectF | None
    module: int  # device units per module (0 without a symbol)
    grid: ModuleGrid | None
    lines: tuple[PlacedLine, ...]  # title and lines, then the code caption
    text_pt: float
    caption_pt: float
    shortened: bool  # the product's name was cut short with "…"


def _units_per_mm(device: QPaintDevice) -> tuple[float, float]:
    return device.logicalDpiX() / MM_PER_INCH, device.logicalDpiY() / MM_PER_INCH


def _font(pt: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(pt)
    font.setBold(bold)
    return font


def _wrap(text: str, font: QFont, device: QPaintDevice, width: float) -> list[str]:
    """`text` broken into lines no wider than `width`: at spaces, or inside a word longer than
    the width. (Not QTextLayout: in PySide6 6.12 on Python 3.11 its beginLayout() drops a
    reference to None on every call, and the interpreter aborts once None's count runs out.)"""
    metrics = QFontMetricsF(font, device)

    def fits(piece: str) -> bool:
        return metrics.horizontalAdvance(piece) <= width

    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while not fits(word):  # a word wider than the line: break it where it must
            cut = max(1, next((n for n in range(len(word), 0, -1) if fits(word[:n])), 1))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _step(font: QFont, device: QPaintDevice) -> float:
    metrics = QFontMetricsF(font, device)
    return max(metrics.lineSpacing(), metrics.height())


def _height(font: QFont, device: QPaintDevice, count: int) -> float:
    """Of `count` lines set in `font`."""
    if not count:
        return 0.0
    return _step(font, device) * (count - 1) + QFontMetricsF(font, device).height()


Item = tuple[str, bool, float]  # text, bold, scale


def _items(content: LabelContent) -> list[Item]:
    items: list[Item] = [(content.title, True, TITLE_SCALE)]
    items += [(line.text, line.strong, 1.0) for line in content.lines]
    return items


def _set(
    items: list[Item], pt: float, device: QPaintDevice, width: float
) -> list[list[tuple[str, QFont]]]:
    out: list[list[tuple[str, QFont]]] = []
    for text, bold, scale in items:
        font = _font(pt * scale, bold)
        out.append([(piece, font) for piece in _wrap(text, font, device, width)])
    return out


def _total(blocks: list[list[tuple[str, QFont]]], device: QPaintDevice) -> float:
    total = 0.0
    for block in blocks:
        if block:
            font = block[0][1]
            metrics = QFontMetricsF(font, device)
            total += _height(font, device, len(block)) + metrics.lineSpacing() * 0.15
    return total


def _fit_text(
    items: list[Item], device: QPaintDevice, area: QRectF, max_pt: float
) -> tuple[float, list[list[tuple[str, QFont]]], bool]:
    """The largest size (in points) at which every item fits `area`, wrapped; else, at the
    smallest, the first item (the name) shortened; else every item on one shortened line,
    smaller until it fits."""
    width, height = area.width(), area.height()

    def fitter(whole_lines: bool) -> Callable[[float], list[list[tuple[str, QFont]]] | None]:
        def fits(pt: float) -> list[list[tuple[str, QFont]]] | None:
            blocks = _set(items, pt, device, width)
            if whole_lines and any(len(block) > 1 for block in blocks[1:]):
                return None
            return blocks if _total(blocks, device) <= height else None

        return fits

    # first with each line whole (only the name wraps), then letting long lines wrap too
    for fits in (fitter(True), fitter(False)):
        low, high = MIN_PT, max(MIN_PT, max_pt)
        best = fits(low)
        if best is None:
            continue
        best_pt = low
        for _ in range(14):
            mid = (low + high) / 2
            found = fits(mid)
            if found is not None:
                low, best, best_pt = mid, found, mid
            else:
                high = mid
        if (top := fits(high)) is not None:
            best, best_pt = top, high
        return best_pt, best, False
    # the name is too long even at MIN_PT: keep as many of its lines as leave room
    blocks = _set(items, MIN_PT, device, width)
    rest = _total(blocks[1:], device)
    title_font = blocks[0][0][1]
    metrics = QFontMetricsF(title_font, device)
    room = height - rest - metrics.lineSpacing() * 0.15
    keep = 0
    while keep < len(blocks[0]) and _height(title_font, device, keep + 1) <= room:
        keep += 1
    if keep >= 1:
        shown = blocks[0][: keep - 1]
        remainder = items[0][0]
        for piece, _font_used in shown:
            remainder = remainder[remainder.index(piece) + len(piece) :]
        last = metrics.elidedText(remainder.strip(), Qt.TextElideMode.ElideRight, width)
        blocks[0] = [*shown, (last, title_font)]
        return MIN_PT, blocks, True
    # even the other lines do not fit: every item on one line, smaller until it fits
    pt = MIN_PT
    while True:
        blocks = []
        for text, bold, scale in items:
            font = _font(pt * scale, bold)
            one = QFontMetricsF(font, device).elidedText(text, Qt.TextElideMode.ElideRight, width)
            blocks.append([(one, font)])
        if _total(blocks, device) <= height or pt <= 1.0:
            return pt, blocks, True
        pt = max(1.0, pt - 0.25)


def _fit_caption(
    text: str, device: QPaintDevice, width: float, max_height: float
) -> tuple[float, list[tuple[str, QFont]]]:
    """The code's caption: one line at the largest size that fits, else wrapped."""
    low, high = CAPTION_PT
    pt = high
    while pt >= low:
        font = _font(pt)
        if QFontMetricsF(font, device).horizontalAdvance(text) <= width:
            return pt, [(text, font)]
        pt -= 0.25
    pt = high
    while True:
        font = _font(pt)
        pieces = _wrap(text, font, device, width)
        if _height(font, device, len(pieces)) <= max_height or pt <= 2.0:
            return pt, [(p, font) for p in pieces]
        pt -= 0.25


def layout_label(content: LabelContent, size: LabelSize, device: QPaintDevice) -> LabelLayout:
    """Where everything goes on `device` (device units, origin at the label's top left)."""
    per_mm_x, per_mm_y = _units_per_mm(device)
    page = QRectF(0, 0, size.width_mm * per_mm_x, size.height_mm * per_mm_y)
    margin_mm = min(max(size.height_mm * 0.06, MARGIN_MM[0]), MARGIN_MM[1])
    inner = page.adjusted(
        margin_mm * per_mm_x, margin_mm * per_mm_y, -margin_mm * per_mm_x, -margin_mm * per_mm_y
    )
    gap = 0.8 * per_mm_y

    caption_pt, caption = _fit_caption(
        content.code_caption, device, inner.width(), inner.height() * 0.3
    )
    caption_height = _height(caption[0][1], device, len(caption))
    caption_top = inner.bottom() - caption_height
    upper = QRectF(inner.left(), inner.top(), inner.width(), caption_top - gap - inner.top())

    grid = encode_datamatrix(content.gs1) if content.gs1 is not None else None
    code_rect: QRectF | None = None
    module = 0
    text_area = upper
    if grid is not None:
        side = min(upper.height(), upper.width() * 0.45)
        module = min(math.floor(side / grid.width), math.floor(MAX_MODULE_MM * per_mm_x))
        if module < max(1, MIN_MODULE_MM * per_mm_x):
            raise LabelTooSmall(
                f"{size.name} at {device.logicalDpiX()} dpi cannot carry a "
                f"{grid.width}×{grid.height} DataMatrix"
            )
        code_side = module * grid.width
        code_rect = QRectF(upper.left(), upper.top(), code_side, module * grid.height)
        quiet = max(2 * module, 1.5 * per_mm_x)
        left = code_rect.right() + quiet
        text_area = QRectF(left, upper.top(), upper.right() - left, upper.height())

    max_pt = min(MAX_PT, size.height_mm * 0.45)
    text_pt, blocks, shortened = _fit_text(_items(content), device, text_area, max_pt)

    lines: list[PlacedLine] = []
    y = text_area.top()
    for block in blocks:
        for piece, font in block:
            lines.append(_place(piece, font, device, text_area.left(), y))
            y += _step(font, device)
        if block:  # as _total counts it: the last line's own height, then a small gap
            font = block[-1][1]
            metrics = QFontMetricsF(font, device)
            y += metrics.height() - _step(font, device) + metrics.lineSpacing() * 0.15
    y = caption_top
    for piece, font in caption:
        lines.append(_place(piece, font, device, inner.left(), y))
        y += _step(font, device)
    return LabelLayout(
        page=page,
        inner=inner,
        code_rect=code_rect,
        module=module,
        grid=grid,
        lines=tuple(lines),
        text_pt=text_pt,
        caption_pt=caption_pt,
        shortened=shortened,
    )


def _place(text: str, font: QFont, device: QPaintDevice, x: float, top: float) -> PlacedLine:
    metrics = QFontMetricsF(font, device)
    rect = QRectF(x, top, metrics.horizontalAdvance(text), metrics.height())
    return PlacedLine(text, font, QPointF(x, top + metrics.ascent()), rect)


def paint_label(painter: QPainter, content: LabelContent, size: LabelSize) -> LabelLayout:
    """Draw the label with `painter` (active on its device), its top left at the origin."""
    device = painter.device()
    layout = layout_label(content, size, device)
    painter.save()
    painter.fillRect(layout.page, QColor("white"))
    if layout.grid is not None and layout.code_rect is not None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        black = QColor("black")
        left, top, step = (
            round(layout.code_rect.left()),
            round(layout.code_rect.top()),
            layout.module,
        )
        for y, row in enumerate(layout.grid.rows):
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < len(row) and row[x]:
                    x += 1
                painter.fillRect(
                    left + start * step, top + y * step, (x - start) * step, step, black
                )
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.setPen(QColor("black"))
    for line in layout.lines:
        painter.setFont(line.font)
        painter.drawText(line.origin, line.text)
    painter.restore()
    return layout


def render_label_image(
    content: LabelContent, size: LabelSize, dpi: int = PREVIEW_DPI
) -> tuple[QImage, LabelLayout]:
    """The label as a white RGB image at `dpi` (its physical size recorded in the image)."""
    per_mm = dpi / MM_PER_INCH
    image = QImage(
        round(size.width_mm * per_mm), round(size.height_mm * per_mm), QImage.Format.Format_RGB32
    )
    dots_per_metre = round(dpi / MM_PER_INCH * 1000)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        layout = paint_label(painter, content, size)
    finally:
        painter.end()
    return image, layout


def page_size(size: LabelSize) -> QPageSize:
    return QPageSize(QSizeF(size.width_mm, size.height_mm), QPageSize.Unit.Millimeter, size.name)


def page_layout(size: LabelSize) -> QPageLayout:
    """The label as one page, no margins (the label keeps its own). A custom QPageSize keeps
    the width and height given, so "portrait" here is the label as it reads."""
    return QPageLayout(page_size(size), QPageLayout.Orientation.Portrait, QMarginsF())


def write_label_pdf(content: LabelContent, size: LabelSize, path: Path) -> LabelLayout:
    """The label as a one-page PDF the label's size (vector: the symbol stays sharp)."""
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setPageLayout(page_layout(size))
    writer.setTitle(f"{content.title} – label")
    writer.setCreator("ExoDesk")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write {path}")
    try:
        layout = paint_label(painter, content, size)
    finally:
        painter.end()
    return layout
