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
    one_line,
    run_batch,
    summarize_tree,
    write_overviews,
)
from summarizer.batch.walk import default_out_dir, output_path, walk_inputs

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
]
