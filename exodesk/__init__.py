"""ExoDesk: exosome products, lots, treatments and compliance for aesthetic clinics."""

__version__ = "0.2.0"
