"""summarizer: faithful, source-grounded summaries of Chinese development-zone work reports.

    >>> import summarizer
    >>> doc = summarizer.summarize_file("report.txt", settings=summarizer.Settings(backend="offline"))
    >>> [f.title for f in doc.reports[0].achievements]

`summarize_file` runs the whole pipeline and returns a validated `SummaryDocument`;
`summarize_file_async` is its twin for code that already runs an event loop (a notebook, a
web server); `analyse` runs the text stages only (reports, sections, chunks; no model).
Errors are `SummarizerError` subclasses. The names below are imported when first used, so
`import summarizer` (and `summarizer --help`) stays quick.

The layers, top to bottom; a module imports only from the layers below it (checked by
import-linter: the contracts in pyproject.toml, run by `make test` and tests/test_layers.py):

    cli/                        argv, console, exit codes; nothing imports it
    offload/                    a batch through a provider's batch API
    batch/                      a tree of inputs, the index, the overview pages
    check | evaluate | panel/   an output against its source; against gold; indicator tables
    pipeline                    the library API: analyse, summarize_analysis, summarize_file
    render/                     rich, Markdown, HTML views of a SummaryDocument
    merge                       grounded findings -> one ReportSummary per report
    ground                      quotes and figures located in the source text
    backends/                   offline rules, OpenAI-compatible endpoints; call no stage
    extract                     the Backend protocol, registry, cached per-chunk calls
    chunks | meta               chunk budget; titles, years, organisation
    sections, section_rules     headings -> section tree with part kinds; the genre's tables
    clean                       cruft masked with exact offsets kept
    read, ingest/               bytes -> SourceText (txt, docx, doc, pdf, html, md, ...)
    cache, config, figures, numbers, topics, tokens, prompts, redact, pricing, progress,
    atomic, validation          helpers, free to import one another and the foundations
    errors, schema, document    the foundations: import nothing of ours but
    vocabulary                  the words: finding kinds, parts, topics, labels, colours
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from summarizer.config import BackendSettings, ChunkingSettings, RunSettings, Settings
    from summarizer.document import Analysis
    from summarizer.errors import (
        BackendError,
        CacheError,
        ConfigError,
        ExtractionError,
        InputError,
        SummarizerError,
        ValidationError,
    )
    from summarizer.pipeline import analyse, summarize_file, summarize_file_async
    from summarizer.schema import (
        Evidence,
        Finding,
        Metric,
        Provenance,
        ReportSummary,
        Source,
        SummaryDocument,
        Usage,
    )

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "summarize_file": "summarizer.pipeline",
    "summarize_file_async": "summarizer.pipeline",
    "analyse": "summarizer.pipeline",
    "Analysis": "summarizer.document",
    "Settings": "summarizer.config",
    "BackendSettings": "summarizer.config",
    "ChunkingSettings": "summarizer.config",
    "RunSettings": "summarizer.config",
    "SummarizerError": "summarizer.errors",
    "InputError": "summarizer.errors",
    "ConfigError": "summarizer.errors",
    "BackendError": "summarizer.errors",
    "ExtractionError": "summarizer.errors",
    "CacheError": "summarizer.errors",
    "ValidationError": "summarizer.errors",
    "SummaryDocument": "summarizer.schema",
    "ReportSummary": "summarizer.schema",
    "Finding": "summarizer.schema",
    "Evidence": "summarizer.schema",
    "Metric": "summarizer.schema",
    "Source": "summarizer.schema",
    "Provenance": "summarizer.schema",
    "Usage": "summarizer.schema",
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
