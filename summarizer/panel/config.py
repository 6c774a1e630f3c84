"""The `[panel]` table of the config file: defaults of the panel commands.

In: the config path (--config) or ./summarizer.toml. Out: a dict with `indicators` (a list of
dictionary files), `zones` (a zones file), `about_points` and `about_relative`; relative
paths are read from the config file's folder. The rest of the file is validated as for every
command (an invalid file is an error here too).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from summarizer.core.config import load_settings
from summarizer.core.errors import ConfigError

KEYS = ("indicators", "zones", "about_points", "about_relative")


def panel_config(path: str | None) -> dict[str, Any]:
    """The panel defaults of the config file (empty when there is none)."""
    load_settings(path)  # a broken or unknown setting fails as for every other command
    toml_path = Path(path) if path else Path("summarizer.toml")
    if not toml_path.is_file():
        return {}
    data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    table = data.get("panel", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{toml_path}: [panel] must be a table")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{toml_path}: unknown [panel] setting {unknown[0]!r}; known: {', '.join(KEYS)}"
        )
    out: dict[str, Any] = dict(table)
    base = toml_path.parent
    if "indicators" in out:
        files = out["indicators"]
        files = [files] if isinstance(files, str) else list(files)
        out["indicators"] = [str(base / f) for f in files]
    if "zones" in out:
        out["zones"] = str(base / str(out["zones"]))
    return out
