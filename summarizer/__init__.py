"""summarizer: faithful, source-grounded summaries of Chinese development-zone work reports.

    >>> import summarizer
    >>> doc = summarizer.summarize_file("report.txt", settings=summarizer.Settings(backend="offline"))
    >>> [f.title for f in doc.reports[0].achievements]

`summarize_file` runs the whole pipeline and returns a validated `SummaryDocument`;
`summarize_file_async` is its twin for code that already runs an event loop (a notebook, a
web server); `analyse` runs the text stages only (reports, sections, chunks; no model).
Errors are `SummarizerError` subclasses. The names below are imported when first used, so
`import summarizer` (and `summarizer --help`) stays quick.

The packages, in pipeline order (docs/ARCHITECTURE.md); a package imports only from the
layers below it (checked by import-linter: the contracts in pyproject.toml, run by `make test`
and tests/test_layers.py):

    cli/                  argv, console, exit codes; nothing imports it
    offload/              a batch through a provider's batch API or a batch file
    batch/                a tree of inputs, the index, the overview pages
    review/ | panel/      outputs read back: validate, check, eval | indicator tables
    pipeline | render/    the library API (analyse, summarize_file) | rich, Markdown, HTML views
    grounding/            quotes and figures located in the source; merge into reports
    backends/             extract (the Backend protocol, cached calls), offline rules,
                          OpenAI-compatible endpoints, prompts, capabilities, prices, cache
    text/                 read, ingest, bounded, clean, sections, chunks, tokens, meta
    lexicon/              the genre's words: numerals, section rules, topics, figures
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
    )
    from summarizer.pipeline import analyse, summarize_file, summarize_file_async

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
}

__all__ = [
    "Analysis",
    "BackendError",
    "BackendSettings",
    "CacheError",
    "ChunkingSettings",
    "ConfigError",
    "Evidence",
    "ExtractionError",
    "Finding",
    "InputError",
    "Metric",
    "Provenance",
    "ReportSummary",
    "RunSettings",
    "Settings",
    "Source",
    "SummarizerError",
    "SummaryDocument",
    "Usage",
    "ValidationError",
    "__version__",
    "analyse",
    "summarize_file",
    "summarize_file_async",
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
