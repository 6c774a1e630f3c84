"""Scrub secrets from text before it reaches a log, an error message or a file.

In: any string (or a pydantic model of strings). Out: the same with API keys replaced by "***".
A key is found as written, URL-encoded (`%2D`, `+`) and base64-encoded (standard and URL-safe,
at any alignment inside a longer blob such as `Basic dXNlcjpzay0uLi4=`), wherever it comes
from: an error, a traceback, or a model that echoed it into its answer.
This module imports nothing of ours.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import urllib.parse
from typing import Any, TypeVar

_KEY_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-\.]{8,}"),
]
# The password of a URL's userinfo: "http://user:secret@host/v1" → "http://user:***@host/v1".
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*:)([^@\s/]+)@")

#: Environment variables whose values are secrets wherever they appear.
_SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")
#: Shorter fragments of an encoded key are too likely to occur by chance.
_MIN_FRAGMENT = 8

_registered: set[str] = set()

M = TypeVar("M")


def register_secret(value: str | None) -> None:
    """Scrub `value` wherever it appears from now on (a key read from any variable)."""
    if value and len(value) >= 6:
        _registered.add(value)


def _secret_values() -> list[str]:
    values = list(_registered)
    for name, value in os.environ.items():
        if name.endswith(_SECRET_ENV_SUFFIXES) and len(value) >= 6:
            values.append(value)
    # Longest first: a secret that contains another is replaced whole.
    return sorted(set(values), key=len, reverse=True)


def _base64_fragments(raw: bytes) -> set[str]:
    """The base64 text that `raw` turns into at each of the three alignments."""
    out: set[str] = set()
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            enc = encode(b"\0" * shift + raw).decode("ascii")
            start = -(-shift * 8 // 6)  # the first character made only of the key's bits
            end = (shift + len(raw)) * 8 // 6
            fragment = enc[start:end]
            if len(fragment) >= _MIN_FRAGMENT:
                out.add(fragment)
    return out


@functools.lru_cache(maxsize=64)
def _forms(value: str) -> tuple[str, ...]:
    """Every spelling of one secret to look for, longest first."""
    forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    forms |= _base64_fragments(value.encode("utf-8"))
    return tuple(sorted(forms, key=len, reverse=True))


_forms_memo: list[Any] = [None, None]  # (raw environment snapshot + registered, forms)


def _all_forms() -> tuple[str, ...]:
    """Every spelling of every secret, recomputed only when the environment or the registered
    secrets change (decoding the environment per string was most of a big file's scrubbing)."""
    raw = getattr(os.environ, "_data", None)
    key = (dict(raw) if isinstance(raw, dict) else None, frozenset(_registered))
    if key[0] is None or _forms_memo[0] != key:
        forms = tuple(form for value in _secret_values() for form in _forms(value))
        if key[0] is None:
            return forms
        _forms_memo[:] = [key, forms]
    return _forms_memo[1]  # type: ignore[no-any-return]


def redact_secrets(text: str) -> str:
    """Replace every known secret value (in any spelling) and key-shaped token with ***."""
    return _redact(text, _all_forms())


def _redact(text: str, forms: tuple[str, ...]) -> str:
    for form in forms:
        if form in text:
            text = text.replace(form, "***")
    text = _KEY_PATTERNS[0].sub("***", text)
    text = _KEY_PATTERNS[1].sub(lambda m: m.group(1) + "***", text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + "***@", text)
    return text


def redact_url(url: str | None) -> str | None:
    """The URL with the password of its userinfo replaced by *** (for files and messages);
    the password is registered, so it is scrubbed wherever else it shows up."""
    if url is None:
        return None
    m = _URL_PASSWORD.search(url)
    if m is not None:
        register_secret(urllib.parse.unquote(m.group(2)))
        register_secret(m.group(2))
    return _URL_PASSWORD.sub(lambda m: m.group(1) + "***@", url)


def _scrub(data: Any, forms: tuple[str, ...]) -> Any:
    if isinstance(data, str):
        return _redact(data, forms)
    if isinstance(data, list):
        return [_scrub(v, forms) for v in data]
    if isinstance(data, dict):
        return {k: _scrub(v, forms) for k, v in data.items()}
    return data


def redact_model(model: M) -> M:
    """A pydantic model with every string scrubbed; the same object when nothing changed.

    For a model's answer: a key it echoed must not reach the cache or any output.
    """
    dump = model.model_dump()  # type: ignore[attr-defined]
    # The environment is read once per model, not once per string (an answer holds thousands).
    clean = _scrub(dump, _all_forms())
    if clean == dump:
        return model
    return type(model).model_validate(clean)  # type: ignore[attr-defined, no-any-return]
