"""Validate JSON files against the output schema, with readable errors.

In: a path. Out: a list of "json.path: message" strings (empty when valid). `json_path` is
the one style of path every message of validate, check and eval uses: `$.reports[0].plans[2]`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pydantic

from summarizer.schema import SummaryDocument


def json_path(*parts: int | str) -> str:
    """The JSONPath of a place in a document: `$`, `$.source.path`, `$.reports[0].plans[2]`."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def validate_file(path: str | Path) -> list[str]:
    """Errors of one JSON file against SummaryDocument; [] when it is valid."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        return [f"cannot read: {e.strerror or e}"]
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return ["not UTF-8 text"]
    except json.JSONDecodeError as e:
        return [f"not JSON: {e.msg} at line {e.lineno} column {e.colno}"]
    return validate_data(data)


def validate_data(data: object) -> list[str]:
    """Errors of already parsed JSON against SummaryDocument."""
    try:
        SummaryDocument.model_validate(data)
    except pydantic.ValidationError as e:
        out = []
        for err in e.errors():
            out.append(f"{json_path(*err['loc'])}: {err['msg']}")
        return out
    return []
