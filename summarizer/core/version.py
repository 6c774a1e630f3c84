"""The package version, in one place (the CLI, provenance and exports print it)."""

__version__ = "0.1.0"
