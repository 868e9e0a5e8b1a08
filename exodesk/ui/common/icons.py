"""The icons ExoDesk draws with, the same on every desktop: its own application icon, and one
bundled set (Tabler Icons, MIT, in resources/icons/actions) for actions, views and severities,
drawn in the palette's text colour so that they read in light and dark themes alike."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

RESOURCES = files("exodesk.resources")
SIZES = (16, 20, 24, 32, 48)
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
APP_ID = "org.exodesk.ExoDesk"


class Icon(StrEnum):
    """Every icon ExoDesk shows, by what it is for; the value is the bundled file's name."""

    DASHBOARD = "layout-dashboard"
    STOCK = "packages"
    PRODUCTS = "vaccine-bottle"
    DOCUMENTS = "file-certificate"
    TREATMENTS = "vaccine"
    FLAGS = "flag"
    RECALL = "speakerphone"
    COUNTS = "list-check"
    AUDIT = "history"
    IMPORT = "file-import"
    EXPORT = "file-export"
    PRINT = "printer"
    QUIT = "logout"
    NEW = "plus"
    RECEIVE = "truck-delivery"
    RECORD_TREATMENT = "vaccine"
    FIND = "search"
    REFRESH = "refresh"
    ABOUT = "info-circle"
    BLOCK = "circle-x"
    WARN = "alert-triangle"
    INFO = "info-circle"
    INTACT = "circle-check"
    LOCK = "lock"
    ACCOUNT = "user-circle"


def svg_text(name: Icon) -> bytes:
    return (RESOURCES / "icons" / "actions" / f"{name.value}.svg").read_bytes()


def icon(name: Icon, colour: str | None = None) -> QIcon:
    """The bundled icon `name`, drawn in `colour` (default: the palette's text colour)."""
    if colour is None:
        colour = QApplication.palette().color(QPalette.ColorRole.WindowText).name()
    return _tinted(name, colour)


@cache
def _tinted(name: Icon, colour: str) -> QIcon:
    renderer = QSvgRenderer(QByteArray(svg_text(name).replace(b"currentColor", colour.encode())))
    result = QIcon()
    for size in SIZES:
        result.addPixmap(_render(renderer, size))
    return result


def _render(renderer: QSvgRenderer, size: int) -> QPixmap:
    image = QImage(QSize(size, size), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return QPixmap.fromImage(image)


@cache
def app_icon() -> QIcon:
    """ExoDesk's own icon, at every size a desktop asks for (set on every window)."""
    result = QIcon()
    folder = RESOURCES / "icons" / "app"
    for size in APP_ICON_SIZES:
        pixmap = QPixmap()
        pixmap.loadFromData((folder / f"exodesk-{size}.png").read_bytes(), "PNG")
        result.addPixmap(pixmap)
    return result
