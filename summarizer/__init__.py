"""summarizer: faithful, source-grounded summaries of Chinese development-zone work reports.

    >>> import summarizer
    >>> doc = summarizer.summarize_file("report.txt", settings=summarizer.Settings(backend="offline"))
    >>> [f.title for f in doc.reports[0].achievements]

`summarize_file` runs the whole pipeline and returns a validated `SummaryDocument`;
`summarize_file_async` is its twin for code that already runs an event loop (a notebook, a
web server); `analyse` runs the text stages only (reports, sections, chunks; no model).
Errors are `SummarizerError` subclasses. These names are the public face; every module
under the packages is internal (docs/ARCHITECTURE.md). The names below are imported when first used, so
`import summarizer` (and `summarizer --help`) stays quick.

The panel over outputs (what `export`, `compare`, `track` and `search` run):

    >>> panel = summarizer.build_panel(["out/"], zones=summarizer.load_zone_rules("zones.csv"))
    >>> [(t.zone, t.indicator, t.status) for t in summarizer.track(panel, 2025)]

The packages, in pipeline order (docs/ARCHITECTURE.md); a package imports only from the
layers below it (checked by import-linter: the contracts in pyproject.toml, run by `make test`
and tests/test_layers.py):

    cli/                  argv, console, exit codes; nothing imports it
    offload/              a batch through a provider's batch API or a batch file
    batch/                a tree of inputs, the index, the overview pages
    review/ | panel/      outputs read back: validate, check, eval | indicator tables
    pipeline | render/    the library API (analyse, summarize_file) | rich, Markdown, HTML views
    grounding/            quotes and figures located in the source; merge into reports
    backends/             base (the Backend seam, capabilities, registry), extract (cached
                          calls), offline rules, openai_compat/ (one module per job),
                          prompts, capabilities, prices, cache
    text/                 read, ingest, bounded, clean, sections, chunks, tokens, meta, zones
    lexicon/              the genre's words: words (direction, punctuation, heading levels),
                          numerals, section rules, topics, figures and their reading
    core/                 errors, schema, document, vocabulary, config, version, atomic
                          writes, redaction, progress: imports nothing else of ours
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from summarizer.core.version import __version__

if TYPE_CHECKING:
    from summarizer.core.config import BackendSettings, ChunkingSettings, RunSettings, Settings
    from summarizer.core.document import Analysis
    from summarizer.core.errors import (
        BackendError,
        CacheError,
        ConfigError,
        EndpointUnreachable,
        ExtractionError,
        InputError,
        SummarizerError,
        ValidationError,
    )
    from summarizer.core.schema import (
        Evidence,
        Finding,
        Metric,
        Provenance,
        ReportSummary,
        Source,
        SummaryDocument,
        Usage,
        Zone,
    )
    from summarizer.panel.compare import Comparison, compare
    from summarizer.panel.dictionary import Dictionary, load_dictionary
    from summarizer.panel.export import export
    from summarizer.panel.rows import Panel, build_panel
    from summarizer.panel.search import Hit, search
    from summarizer.panel.track import Tracked, track
    from summarizer.pipeline import analyse, summarize_file, summarize_file_async
    from summarizer.text.zones import load_zone_rules, zone_name

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "summarize_file": "summarizer.pipeline",
    "summarize_file_async": "summarizer.pipeline",
    "analyse": "summarizer.pipeline",
    "Analysis": "summarizer.core.document",
    "Settings": "summarizer.core.config",
    "BackendSettings": "summarizer.core.config",
    "ChunkingSettings": "summarizer.core.config",
    "RunSettings": "summarizer.core.config",
    "SummarizerError": "summarizer.core.errors",
    "InputError": "summarizer.core.errors",
    "ConfigError": "summarizer.core.errors",
    "BackendError": "summarizer.core.errors",
    "ExtractionError": "summarizer.core.errors",
    "EndpointUnreachable": "summarizer.core.errors",
    "CacheError": "summarizer.core.errors",
    "ValidationError": "summarizer.core.errors",
    "SummaryDocument": "summarizer.core.schema",
    "ReportSummary": "summarizer.core.schema",
    "Finding": "summarizer.core.schema",
    "Evidence": "summarizer.core.schema",
    "Metric": "summarizer.core.schema",
    "Source": "summarizer.core.schema",
    "Provenance": "summarizer.core.schema",
    "Usage": "summarizer.core.schema",
    "Zone": "summarizer.core.schema",
    "build_panel": "summarizer.panel.rows",
    "compare": "summarizer.panel.compare",
    "track": "summarizer.panel.track",
    "export": "summarizer.panel.export",
    "search": "summarizer.panel.search",
    "load_dictionary": "summarizer.panel.dictionary",
    "Panel": "summarizer.panel.rows",
    "Comparison": "summarizer.panel.compare",
    "Tracked": "summarizer.panel.track",
    "Dictionary": "summarizer.panel.dictionary",
    "Hit": "summarizer.panel.search",
    "zone_name": "summarizer.text.zones",
    "load_zone_rules": "summarizer.text.zones",
}

__all__ = [
    "Analysis",
    "BackendError",
    "BackendSettings",
    "CacheError",
    "ChunkingSettings",
    "Comparison",
    "ConfigError",
    "Dictionary",
    "EndpointUnreachable",
    "Evidence",
    "ExtractionError",
    "Finding",
    "Hit",
    "InputError",
    "Metric",
    "Panel",
    "Provenance",
    "ReportSummary",
    "RunSettings",
    "Settings",
    "Source",
    "SummarizerError",
    "SummaryDocument",
    "Tracked",
    "Usage",
    "ValidationError",
    "Zone",
    "__version__",
    "analyse",
    "build_panel",
    "compare",
    "export",
    "load_dictionary",
    "load_zone_rules",
    "search",
    "summarize_file",
    "summarize_file_async",
    "track",
    "zone_name",
]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
