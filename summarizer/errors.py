"""The one exception tree of the project.

    SummarizerError
    ├── InputError        unreadable, empty, binary or unsupported input (exit 2)
    ├── ConfigError       bad configuration: missing key, unknown provider (exit 3)
    ├── BackendError      the model endpoint failed: auth, connection, refusal (exit 3)
    ├── ExtractionError   a chunk's answer stayed invalid after the repair retry (exit 1)
    ├── CacheError        the on-disk cache cannot be opened or written (exit 3)
    └── ValidationError   a JSON file does not match the schema (exit 1)

Messages are one line and end with the fix where there is one. This module imports
nothing of ours.
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Base of every error the tool raises on purpose."""

    exit_code = 1


class InputError(SummarizerError):
    exit_code = 2


class ConfigError(SummarizerError):
    exit_code = 3


class BackendError(SummarizerError):
    exit_code = 3


class ExtractionError(SummarizerError):
    exit_code = 1


class CacheError(SummarizerError):
    exit_code = 3


class ValidationError(SummarizerError):
    exit_code = 1
