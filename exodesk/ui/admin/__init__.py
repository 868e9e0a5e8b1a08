"""Administration in the window: accounts, the clinic's settings, backups (admins only)."""
