"""The panel layer: outputs of `summarize`/`batch` → standard indicators, exports, compare,
track and search. It reads only the JSON outputs (and, for the SQLite full-text index, the
source files they name): it never runs a model, so tables can be rebuilt at any time.

    dictionary  indicators.toml → Dictionary (indicator names, units, qualifiers)
    rows        outputs → Panel (one row per metric, one per finding)
    export      Panel → .csv / .xlsx / .parquet / .sqlite (FTS5, trigram)
    compare     Panel → zones × standard indicators for a year
    track       Panel → targets of year-N plans against the report on year N
    search      a SQLite export → findings and source passages holding a query's terms
"""

from __future__ import annotations

from summarizer.panel.compare import Comparison, compare
from summarizer.panel.dictionary import Dictionary, load_dictionary
from summarizer.panel.export import export
from summarizer.panel.rows import Panel, build_panel, load_outputs, panel_of
from summarizer.panel.search import Hit, search
from summarizer.panel.track import Tracked, track

__all__ = [
    "Comparison",
    "Dictionary",
    "Hit",
    "Panel",
    "Tracked",
    "build_panel",
    "compare",
    "export",
    "load_dictionary",
    "load_outputs",
    "panel_of",
    "search",
    "track",
]
