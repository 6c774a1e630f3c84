"""summarizer: faithful, source-grounded summaries of Chinese development-zone work reports.

The layers, top to bottom; a module imports only from the layers below it (checked by
import-linter: the contracts in pyproject.toml, run by `make test` and tests/test_layers.py):

    cli/                        argv, console, exit codes; nothing imports it
    batch                       a tree of inputs, the index, the overview pages
    check | evaluate            an output against its source; outputs against gold
    pipeline                    the library API: analyse, summarize_analysis, summarize_file
    render/                     rich, Markdown, HTML views of a SummaryDocument
    merge                       grounded findings -> one ReportSummary per report
    ground                      quotes and figures located in the source text
    backends/                   offline rules, OpenAI-compatible endpoints; call no stage
    extract                     the Backend protocol, registry, cached per-chunk calls
    chunks | meta | answer      chunk budget; titles, years, organisation; the lean answer
                                expanded against its chunk
    sections                    headings -> section tree with part kinds
    clean                       cruft masked with exact offsets kept
    read                        bytes -> SourceText (txt, docx, pdf, html, ...)
    cache, config, figures, topics, tokens, prompts, redact, pricing, progress, atomic,
    validation                  helpers, free to import one another and the foundations
    capabilities, activity      the model capability table; live activity of model calls
    errors, schema, document    the foundations: import nothing of ours but
    vocabulary                  the words: finding kinds, parts, topics, labels, colours
"""

from __future__ import annotations

__version__ = "0.1.0"
