"""The audit tests' clinic and tamper tool live in tests/audit_clinic.py (shared with the CLI
tests)."""

from audit_clinic import clinic, tamper

__all__ = ["clinic", "tamper"]
