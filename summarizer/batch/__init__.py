"""Batch: a folder of reports in, one JSON per input (mirroring the tree) and an index out.

Three rooms: `walk` (which files are inputs, where their outputs go), `index` (one
`IndexRecord` per input in index.jsonl, totals for the final table) and `run` (the async
runner with its shared concurrency limit, resume and cancellation). The overview pages
(README.md, index.html) are rendered by `summarizer.render`.
"""

from summarizer.batch.index import (
    INDEX_NAME,
    KINDS,
    BatchTotals,
    IndexLog,
    IndexRecord,
    Status,
    compact_index,
    cost_of,
    merge_records,
    read_index,
    record_from_document,
    totals_of,
    write_index,
)
from summarizer.batch.run import (
    EXTRA_SUFFIXES,
    BatchJob,
    BatchResult,
    missing_line,
    one_line,
    redo_reason,
    run_batch,
    run_settings,
    summarize_tree,
    write_overviews,
)
from summarizer.batch.walk import (
    Walk,
    default_out_dir,
    display_path,
    output_path,
    walk_inputs,
    walk_tree,
)

__all__ = [
    "EXTRA_SUFFIXES",
    "INDEX_NAME",
    "KINDS",
    "BatchJob",
    "BatchResult",
    "BatchTotals",
    "IndexLog",
    "IndexRecord",
    "Status",
    "cost_of",
    "default_out_dir",
    "merge_records",
    "missing_line",
    "one_line",
    "output_path",
    "read_index",
    "record_from_document",
    "run_batch",
    "summarize_tree",
    "totals_of",
    "walk_inputs",
    "write_index",
    "write_overviews",
    "Walk",
    "display_path",
    "walk_tree",
    "compact_index",
    "redo_reason",
    "run_settings",
]
