"""Packaging that pyproject.toml cannot say alone: the top-level resources/ folder ships
inside the package as exodesk.resources (icons, desktop entry, AppStream metainfo, the register of notified bodies)."""

from setuptools import find_namespace_packages, find_packages, setup

RESOURCES = ["exodesk.resources"] + [
    f"exodesk.resources.{name}" for name in find_namespace_packages(where="resources")
]

setup(
    packages=find_packages(include=["exodesk", "exodesk.*"]) + RESOURCES,
    package_dir={"exodesk.resources": "resources"},
    package_data={
        "exodesk.migrations": ["script.py.mako"],
        **{
            name: ["*.svg", "*.png", "*.desktop", "*.xml", "*.json", "LICENSE"] for name in RESOURCES
        },
    },
)
