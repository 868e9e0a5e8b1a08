"""One bundled icon set, the same on every desktop, and ExoDesk's own icon on every window."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from exodesk.app import set_up_application
from exodesk.ui.common.icons import APP_ICON_SIZES, RESOURCES, Icon, app_icon, icon, svg_text
from exodesk.ui.shell.actions import SPECS
from exodesk.ui.shell.main_window import NAVIGATION, MainWindow


def test_every_icon_is_a_bundled_svg_drawn_in_the_given_colour(qapp: QApplication) -> None:
    for name in Icon:
        assert b"<svg" in svg_text(name)
        drawn = icon(name, "#123456")
        assert not drawn.isNull()
        image = drawn.pixmap(24, 24).toImage()
        colours = {
            image.pixelColor(x, y).name()
            for x in range(24)
            for y in range(24)
            if image.pixelColor(x, y).alpha() == 255
        }
        assert "#123456" in colours, name


def test_the_application_icon_comes_at_every_size_and_as_svg(qapp: QApplication) -> None:
    folder = RESOURCES / "icons" / "app"
    assert b"<svg" in (folder / "exodesk.svg").read_bytes()
    sizes = {size.width() for size in app_icon().availableSizes()}
    assert sizes == set(APP_ICON_SIZES)
    assert {16, 512} <= sizes


def test_every_action_and_view_has_a_bundled_icon() -> None:
    assert all(isinstance(spec.icon, Icon) for spec in SPECS.values())
    assert [name for name, _ in NAVIGATION] == [
        "Dashboard", "Stock", "Products", "Documents", "Treatments", "Flags", "Recall",
        "Counts", "Audit",
    ]  # fmt: skip
    assert all(isinstance(view_icon, Icon) for _, view_icon in NAVIGATION)


def test_every_window_shows_the_application_icon(qapp: QApplication, qtbot: Any, ctx: Any) -> None:
    set_up_application(qapp)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    expected = app_icon().pixmap(32, 32).toImage()
    assert window.windowIcon().pixmap(32, 32).toImage() == expected
    for action in window.actions_by_id.values():
        assert not action.icon().isNull(), action.text()
