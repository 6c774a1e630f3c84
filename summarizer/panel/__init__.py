"""The panel layer: outputs of `summarize`/`batch` → standard indicators, exports, compare,
track and search. It reads the JSON outputs and the source files they name (the SQLite
full-text index; the target paragraphs and reviews compare and track read, when a file is
there with the same SHA-256): it never runs a model, so tables can be rebuilt at any time.

    dictionary  indicators.toml → Dictionary (indicator names, units, qualifiers, floors and
                ceilings, exclusions)
    rows        outputs → Panel (one row per metric, one per finding; zones keyed)
    targets     a source text → the year's targets and the review's outcomes
    export      Panel → .csv / .xlsx / .parquet / .sqlite (FTS5, trigram)
    describe    datapackage.json / Datasette metadata.json beside an export
    compare     Panel → zones × standard indicators for a year
    track       Panel → targets of year-N plans against the report on year N
    search      a SQLite export → findings and source passages holding a query's terms
    config      the [panel] table of the config file
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
