"""Whether the window can open here, asked before Qt is loaded: a missing system library or
no screen otherwise ends in a raw ImportError or in Qt aborting the process, where a clinic
needs one sentence saying what to install."""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

# The Debian/Ubuntu package that provides each library Qt's X11 plugin loads.
DEBIAN_PACKAGES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
}
_MISSING = re.compile(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file")


def missing_library_sentence(error_text: str) -> str | None:
    """The plain sentence for a loader error naming a missing shared library, if it is one."""
    found = _MISSING.search(error_text)
    if found is None:
        return None
    library = found.group(1)
    package = DEBIAN_PACKAGES.get(library)
    install = (
        f" On Debian or Ubuntu: sudo apt-get install {package}"
        if package
        else " Install it with your system's package manager."
    )
    return f"ExoDesk cannot open its window: the system library {library} is missing.{install}"


def window_problem() -> str | None:
    """Why the window cannot open on this machine, in one sentence, or None if it can."""
    try:
        import PySide6.QtWidgets  # noqa: F401  (loads Qt's own libraries)
    except ImportError as exc:
        return missing_library_sentence(str(exc)) or f"ExoDesk cannot load Qt: {exc}."
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform not in ("", "xcb") or (not platform and os.environ.get("WAYLAND_DISPLAY")):
        return None
    if not os.environ.get("DISPLAY"):
        return (
            "ExoDesk cannot open its window: there is no screen here (DISPLAY is not set). "
            "Start it from the desktop, or use the command line (exodesk --help)."
        )
    return _xcb_plugin_problem()


def _xcb_plugin_problem() -> str | None:
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    plugin = plugins / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return missing_library_sentence(str(exc))
    return None
