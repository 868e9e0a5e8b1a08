"""The register of notified bodies: the one ExoDesk ships, and the clinic's own rows."""
