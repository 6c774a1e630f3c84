"""The seam between offloaded batches and the live `openai` backend.

In: the live backend and one request. Out: the exact chat body it would send, and, back, the
validated answer from a chat.completion body, exactly as the live path validates it.
"""

from __future__ import annotations

from typing import Any

import pydantic

from summarizer.errors import ExtractionError
from summarizer.extract import Backend, ExtractRequest, OverviewRequest
from summarizer.schema import ChunkExtraction, OverviewText


def chunk_body(backend: Backend, request: ExtractRequest) -> dict[str, Any]:
    """The chat body the live backend sends for this chunk."""
    live: Any = backend
    return _body(live, live.messages_for(request), ChunkExtraction)


def overview_body(backend: Backend, request: OverviewRequest) -> dict[str, Any]:
    """The chat body the live backend sends for this overview."""
    live: Any = backend
    from summarizer.backends.openai_compat import LANG_NAMES
    from summarizer.prompts import document_nonce, escape_document, render

    user = render(
        "overview",
        lang_name=LANG_NAMES.get(request.lang, request.lang),
        report_title=request.report_title or "(untitled)",
        digest=escape_document(request.digest),
        nonce=document_nonce(request.digest),
    )
    messages = [
        {"role": "system", "content": render("overview_system")},
        {"role": "user", "content": user},
    ]
    return _body(live, messages, OverviewText)


def _body(
    live: Any, messages: list[dict[str, str]], model: type[pydantic.BaseModel]
) -> dict[str, Any]:
    from openai.lib._parsing._completions import type_to_response_format_param

    body: dict[str, Any] = {
        "model": live.model,
        "messages": messages,
        "temperature": live.settings.temperature,
    }
    if live.settings.json_mode:
        body["response_format"] = {"type": "json_object"}
    else:
        body["response_format"] = type_to_response_format_param(model)
    return body


def parse_chunk(completion: dict[str, Any]) -> ChunkExtraction:
    """A chat.completion body → the extraction; ExtractionError when unusable."""
    return ChunkExtraction.model_validate_json(_content(completion))


def parse_overview(completion: dict[str, Any]) -> OverviewText:
    return OverviewText.model_validate_json(_content(completion))


def _content(completion: dict[str, Any]) -> str:
    from summarizer.backends.openai_compat import _strip_fence

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
    return _strip_fence(content)
