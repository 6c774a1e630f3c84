"""Offloaded batches: chunk requests answered by a provider's Batch API or an offline runner.

    plan      run the live pipeline with a backend that *records* each request it would send
              (exact body, cache key) instead of calling the model: what is cached is not asked
    lines     the OpenAI batch JSONL (one request a line, `custom_id` = cache key), split at the
              provider's limits; result and error lines read back
    state     the job in SQLite inside the output folder: lines, uploaded files, batches
    provider  OpenAI-compatible Files + Batches endpoints through the SDK (OpenAI, DashScope)
    run       submit / status / collect rounds, and `--via batch-file` for `vllm run-batch`

A round: plan → submit what is missing → wait → collect (validate each answer exactly as a live
answer, store it in the cache) → plan again. The second round holds the overview requests of
long reports, which can only be written once their chunks are answered. When a plan finds
nothing missing, the outputs are built by the live batch itself, every chunk a cache hit, so
they are the outputs a live run on the same answers writes. A line that failed (an error line,
a 4xx inside its result, an expired batch) is resubmitted alone; an answer that does not
validate, or was cut at the output limit, is redone by the live path at the end (its repair
retry and length split apply), unless live calls are turned off.
"""
