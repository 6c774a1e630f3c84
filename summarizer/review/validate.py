"""Validate JSON files against the output schema, with readable errors.

In: a path. Out: a list of "json.path: message" strings (empty when valid). `json_path` is
the one style of path every message of validate, check and eval uses: `$.reports[0].plans[2]`.

Files may be hostile: `load_json` reads at most `MAX_JSON_BYTES`, refuses nesting deeper
than `MAX_JSON_DEPTH` before the recursive parser sees it, refuses NaN/Infinity, duplicate
keys and lone surrogates, and the schema is applied strictly (an offset `"9"` is not 9).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pydantic

from summarizer.core.schema import SummaryDocument

#: An output of a long report is a few MB; far more is not one of ours.
MAX_JSON_BYTES = 64 * 1024 * 1024
#: Our documents nest about eight deep; the JSON parser recurses per level.
MAX_JSON_DEPTH = 64

# A string (skipped whole) or a bracket: what the depth scan looks at.
_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class JSONRefused(ValueError):
    """A file that is not JSON we accept; the message says why in one line."""


def json_path(*parts: int | str) -> str:
    """The JSONPath of a place in a document: `$`, `$.source.path`, `$.reports[0].plans[2]`."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _check_depth(raw: bytes, limit: int) -> None:
    depth = 0
    for m in _STRUCTURE.finditer(raw):
        c = m.group()
        if c in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise JSONRefused(f"nested deeper than {limit} levels")
        elif c in (b"]", b"}"):
            depth -= 1


def _no_constant(name: str) -> Any:
    raise JSONRefused(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JSONRefused(f"duplicate key {key!r}")
        out[key] = value
    return out


def _check_strings(data: Any) -> None:
    # Iterative: the depth is bounded already, but a stack costs nothing here.
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts: list[str] = [item]
        elif isinstance(item, dict):
            texts = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise JSONRefused(f"lone surrogate in string {text[:40]!r}") from None


def load_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON bytes we can trust the shape of; raise `JSONRefused` (or ValueError)."""
    if len(raw) > MAX_JSON_BYTES:
        raise JSONRefused(f"{len(raw):,} bytes, over the limit of {MAX_JSON_BYTES:,}")
    text = raw.decode("utf-8-sig")  # UnicodeDecodeError is a ValueError
    _check_depth(raw, max_depth)
    data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    _check_strings(data)
    return data


def read_json_file(path: str | Path) -> Any:
    """The parsed JSON of a file, read no further than the size limit."""
    with open(path, "rb") as fh:
        raw = fh.read(MAX_JSON_BYTES + 1)
    return load_json(raw)


def validate_file(path: str | Path) -> list[str]:
    """Errors of one JSON file against SummaryDocument; [] when it is valid."""
    try:
        data = read_json_file(path)
    except OSError as e:
        return [f"cannot read: {e.strerror or e}"]
    except UnicodeDecodeError:
        return ["not UTF-8 text"]
    except JSONRefused as e:
        return [f"refused: {e}"]
    except json.JSONDecodeError as e:
        return [f"not JSON: {e.msg} at line {e.lineno} column {e.colno}"]
    return validate_data(data)


def schema_errors(data: object) -> list[tuple[str, str, object]]:
    """(JSON path, message, input) of every schema error of parsed JSON; strict types."""
    try:
        SummaryDocument.model_validate(data, strict=True)
    except pydantic.ValidationError as e:
        return [
            (json_path(*err["loc"]), err["msg"], err.get("input"))
            for err in e.errors(include_url=False)
        ]
    return []


def validate_data(data: object) -> list[str]:
    """Errors of already parsed JSON against SummaryDocument."""
    return [f"{where}: {msg}" for where, msg, _ in schema_errors(data)]
