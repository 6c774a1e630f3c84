"""The panel layer: outputs of `summarize`/`batch` → standard indicators, exports, compare,
track and search. It reads only the JSON outputs (and, for the SQLite full-text index, the
source files they name): it never runs a model, so tables can be rebuilt at any time.

    dictionary  indicators.toml → Dictionary (indicator names, units, qualifiers)
    rows        outputs → Panel (one row per metric, one per finding)
    export      Panel → .csv / .xlsx / .parquet / .sqlite
"""

from __future__ import annotations

from summarizer.panel.dictionary import Dictionary, load_dictionary
from summarizer.panel.export import export
from summarizer.panel.rows import Panel, build_panel, load_outputs, panel_of

__all__ = [
    "Dictionary",
    "Panel",
    "build_panel",
    "export",
    "load_dictionary",
    "load_outputs",
    "panel_of",
]
