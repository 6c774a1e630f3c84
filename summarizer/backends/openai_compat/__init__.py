"""The `openai` backend: any OpenAI-compatible chat-completions endpoint through the SDK.

In: `Settings` (provider, model, base URL, key env var, timeouts) and one `ExtractRequest`
per chunk. Out: a validated `ChunkExtraction` with the usage of every call.

One module per job, in the order a call takes them:
- `request`: the exact body. What is sent comes from the capability table
  (summarizer/data/models.toml): the response format (strict `json_schema`, or JSON mode with
  the schema in the prompt), the output limit (always sent, under the name the model wants),
  extra fields such as Qwen3's thinking switch. The cache key is the body's hash.
- `negotiate`: what the server turned out to accept. A 400 about the response format switches
  the run to JSON mode once; a server that refuses streaming gets plain requests for the rest
  of the run. Both are explicit transitions of one `Negotiated` state, told once each.
- `transport`: one HTTP exchange. Every call streams (usage included) through the SDK's
  streaming API, so a long answer never trips a read timeout: `timeout_s` is the idle limit
  between chunks, and a deadline derived from the output budget bounds the whole call; the
  body is cut at `max_response_mb`. A server that answers a streamed request with a plain JSON
  body is read as one. llama-server's slots are read once from /props.
- `errors`: SDK errors converted at this boundary into our exception tree, secrets scrubbed.
  Retries are ours (the SDK's are off): 429/5xx, timeouts, dropped connections and malformed
  200 answers (HTML, a JSON list, no choices) are retried with backoff or the server's
  retry-after, and waits are announced on the progress line.
- `answer`: the answer's content → the validated extraction; an invalid answer gets exactly
  one repair retry that shows the model its validation error (`client`).
- `client`: `OpenAIBackend`, which ties them together.

Importing this package does not import `openai`; the first call does.
"""

from summarizer.backends.openai_compat.client import OpenAIBackend, create
from summarizer.backends.openai_compat.request import DEFAULT_BASE_URL, LOCAL_KEY
from summarizer.backends.openai_compat.transport import Answer

__all__ = ["DEFAULT_BASE_URL", "LOCAL_KEY", "Answer", "OpenAIBackend", "create"]
