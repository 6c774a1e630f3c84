"""Descriptors written beside an export, for the tools analysts open it with.

In: the export's path and the columns it holds. Out: a Frictionless `datapackage.json`
(beside .csv and .parquet: one tabular resource with typed fields and the Chinese titles)
and a Datasette `metadata.json` (beside .sqlite: the tables and columns described). An
existing descriptor keeps its other resources or databases: several exports may share a
folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from summarizer.core.atomic import write_text_atomic
from summarizer.core.version import __version__
from summarizer.panel.rows import COLUMNS, EVIDENCE_COLUMNS, FINDING_COLUMNS, METRIC_COLUMNS, Column

_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
DATAPACKAGE = "datapackage.json"
DATASETTE = "metadata.json"


def _fields(columns: tuple[Column, ...]) -> list[dict[str, str]]:
    return [{"name": c.key, "title": c.zh, "type": _TYPES[c.type]} for c in columns]


def _existing(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_datapackage(export: Path, dictionary_version: str) -> Path:
    """`datapackage.json` beside a .csv or .parquet export; returns its path."""
    target = export.parent / DATAPACKAGE
    fmt = export.suffix.lower().lstrip(".")
    resource: dict[str, Any] = {
        "name": export.stem.lower().replace(" ", "-") or "panel",
        "path": export.name,
        "format": fmt,
        "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
        "description": "summarizer panel: one row per metric and one per finding "
        f"(indicator dictionary {dictionary_version})",
        "schema": {"fields": _fields(COLUMNS), "primaryKey": ["record", "id"]},
    }
    if fmt == "csv":
        resource.update(profile="tabular-data-resource", encoding="utf-8-sig")
    package = _existing(target)
    others = [r for r in package.get("resources", []) if r.get("path") != export.name]
    package.update(
        profile="tabular-data-package",
        name=package.get("name", "summarizer-panel"),
        title=package.get("title", "Zone and government report panel (summarizer)"),
        created_by=f"summarizer {__version__}",
        resources=[*others, resource],
    )
    write_text_atomic(target, json.dumps(package, ensure_ascii=False, indent=2) + "\n")
    return target


def write_datasette_metadata(export: Path, dictionary_version: str) -> Path:
    """Datasette's `metadata.json` beside a .sqlite export; returns its path."""
    target = export.parent / DATASETTE
    meta = _existing(target)
    tables = {
        "metrics": ("One row per figure, with its standard indicator", METRIC_COLUMNS),
        "findings": ("One row per achievement, problem, plan or other item", FINDING_COLUMNS),
        "evidence": ("The verbatim quotes of each finding, with offsets", EVIDENCE_COLUMNS),
    }
    databases = dict(meta.get("databases", {}))
    databases[export.stem] = {
        "description": f"summarizer panel (indicator dictionary {dictionary_version})",
        "tables": {
            name: {"description": text, "columns": {c.key: c.zh for c in cols}}
            for name, (text, cols) in tables.items()
        },
    }
    meta.update(
        title=meta.get("title", "Zone and government report panel"),
        source=f"summarizer {__version__}",
        databases=databases,
    )
    write_text_atomic(target, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    return target
