"""The seam between offloaded batches and the live `openai` backend.

In: the live backend and one request. Out: the exact chat body it would send (the backend
builds it: `chunk_request`, `overview_request`), and, back, the validated answer from a
chat.completion body, exactly as the live path validates and expands it.
"""

from __future__ import annotations

from typing import Any

from summarizer.errors import ExtractionError
from summarizer.extract import Backend, ExtractRequest, OverviewRequest, chunk_request
from summarizer.schema import ChunkExtraction, OverviewText


def chunk_body(backend: Backend, request: ExtractRequest) -> dict[str, Any]:
    """The chat body the live backend sends for this chunk."""
    return chunk_request(backend, request)


def overview_body(backend: Backend, request: OverviewRequest) -> dict[str, Any]:
    """The chat body the live backend sends for this overview."""
    live: Any = backend
    body: dict[str, Any] = live.overview_request(request)
    return body


def parse_chunk(completion: dict[str, Any], body: dict[str, Any]) -> ChunkExtraction:
    """A chat.completion body → the extraction, as the live path expands it against the
    chunk the request `body` carried; ExtractionError when unusable."""
    from summarizer.backends.openai_compat import parse_chunk_body

    return parse_chunk_body(_content(completion), body)


def parse_overview(completion: dict[str, Any]) -> OverviewText:
    from summarizer.backends.openai_compat import _strip_fence

    return OverviewText.model_validate_json(_strip_fence(_content(completion)))


def _content(completion: dict[str, Any]) -> str:
    choices = completion.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ExtractionError("the answer had no choices")
    choice = choices[0]
    if choice.get("finish_reason") == "length":
        raise ExtractionError("the answer was cut at the output limit (finish_reason=length)")
    raw = choice.get("message")
    message: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if message.get("refusal"):
        raise ExtractionError("the model refused")
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ExtractionError("the answer was empty")
    return content
