"""Scrub secrets from text before it reaches a log, an error message or a file.

In: any string. Out: the same string with API keys replaced by "***".
This module imports nothing of ours.
"""

from __future__ import annotations

import os
import re

_KEY_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-\.]{8,}"),
]

#: Environment variables whose values are secrets wherever they appear.
_SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")


_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Scrub `value` wherever it appears from now on (a key read from any variable)."""
    if value and len(value) >= 6:
        _registered.add(value)


def _secret_values() -> list[str]:
    values = list(_registered)
    for name, value in os.environ.items():
        if name.endswith(_SECRET_ENV_SUFFIXES) and len(value) >= 6:
            values.append(value)
    return sorted(values, key=len, reverse=True)


def redact_secrets(text: str) -> str:
    """Replace every known secret value and key-shaped token in `text` with ***."""
    for value in _secret_values():
        text = text.replace(value, "***")
    text = _KEY_PATTERNS[0].sub("***", text)
    text = _KEY_PATTERNS[1].sub(lambda m: m.group(1) + "***", text)
    return text
