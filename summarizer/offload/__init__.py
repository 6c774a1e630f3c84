"""Offloaded batches: chunk requests answered by a provider's Batch API or an offline runner.

    replay    the live `openai` backend over a swapped HTTP transport: each request is
              recorded for the batch, answered from the job's stored answers, sent live, or
              refused; the cache key of a request is the one the live path just looked up
    plan      the live pipeline run over that transport: what it could not answer
    lines     the OpenAI batch JSONL (one request a line, `custom_id` = cache key), split at the
              provider's limits; result and error lines read back
    state     the job in SQLite inside the output folder: lines, answers, files, batches
    provider  OpenAI-compatible Files + Batches endpoints through the SDK (OpenAI, DashScope)
    run, job  submit / status / collect rounds, and `--via batch-file` for `vllm run-batch`

A round: plan → submit what is missing → wait → collect (keep each answer) → plan again. The
second round holds the overview requests of long reports, which can only be written once their
chunks are answered. When a plan finds nothing missing, the live batch builds the outputs with
the answers replayed through the live code, which validates them exactly as live answers,
repairs or splits what needs it (live, unless live calls are off) and caches them. So the
outputs are those of a live run on the same answers, usage included. A line that failed (an
error line, a 4xx inside its result, an expired batch) is resubmitted alone, up to three times.
"""
