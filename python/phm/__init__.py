"""Medgnosis population-health warehouse tooling."""

__version__ = "0.1.0"
