"""ExoDesk's data files, shipped inside the package as exodesk.resources: the application
icon, the bundled action icons (Tabler Icons, MIT), the desktop entry and AppStream metainfo."""
