"""The exact chat-completions body of each call: prompts, response format, output limit.

In: the model's `Capabilities`, the response format negotiated so far, and one chunk's
`ExtractRequest` (or a report's `OverviewRequest`). Out: the JSON body, without the streaming
switches (the transport adds those). The cache key is the hash of this body, so everything
that changes an answer must be in it and nothing else.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import pydantic

from summarizer.backends.capabilities import Capabilities, ResponseFormat
from summarizer.backends.extract import ExtractRequest, OverviewRequest
from summarizer.backends.prompts import document_nonce, escape_document, render
from summarizer.core.errors import ConfigError
from summarizer.core.schema import ChunkAnswer, strict_json_schema

#: What local servers get when no key is set (they accept any).
LOCAL_KEY = "local"
#: The SDK's own default endpoint, named here so the cache key knows it without the SDK.
DEFAULT_BASE_URL = "https://api.openai.com/v1"

LANG_NAMES = {"zh": "中文 (Chinese)", "en": "English"}


def system_prompt(response_format: ResponseFormat) -> str:
    """The extraction rules, plus the schema when the server does not enforce it."""
    system = render("system")
    if response_format != "json_schema":
        schema = json.dumps(ChunkAnswer.model_json_schema(), ensure_ascii=False, indent=1)
        # Still constant across documents, so the prefix stays cacheable.
        system += render("json_mode", schema=schema)
    return system


def chunk_messages(
    request: ExtractRequest, response_format: ResponseFormat
) -> list[dict[str, str]]:
    """System prompt (constant) first, the chunk last, so prefix caching applies."""
    text = request.chunk.text
    chunk = request.chunk
    user = render(
        "extract",
        report_title=_from_report(request.title or "(untitled)"),
        breadcrumb=" > ".join(_from_report(p) for p in chunk.path) or "(none)",
        part_kind=kind_hint(chunk.kind, chunk.confidence),
        outline="\n".join(
            f"- {_from_report(label)}: {kind_hint(kind, confidence)}"
            for (label, kind), confidence in zip(
                chunk.outline, _confidences(chunk.outline, chunk.outline_confidence), strict=True
            )
        )
        or f"- (within one part): {kind_hint(chunk.kind, chunk.confidence)}",
        lang_name=LANG_NAMES.get(request.lang, request.lang),
        document=escape_document(text),
        nonce=document_nonce(text),
        overview_rule=_overview_rule(request),
    )
    return [
        {"role": "system", "content": system_prompt(response_format)},
        {"role": "user", "content": user},
    ]


#: A part kind goes into the request only when the section tree is this sure of it (a heading
#: or lead that names the kind: 0.85-0.95); a kind read from wording (0.5-0.75) or inherited
#: from the part before (0.4) is sent as unknown, and the model decides from the text.
HINT_CONFIDENCE = 0.8
UNKNOWN_KIND = "unknown (decide from the text)"


def kind_hint(kind: str, confidence: float) -> str:
    """The part kind as the request states it: the kind when sure, else unknown."""
    return kind if confidence >= HINT_CONFIDENCE else UNKNOWN_KIND


def _confidences(outline: tuple[object, ...], confidences: tuple[float, ...]) -> list[float]:
    """One confidence per outline entry (a chunk built without them is sure of every kind)."""
    return list(confidences) if len(confidences) == len(outline) else [1.0] * len(outline)


def overview_messages(request: OverviewRequest) -> list[dict[str, str]]:
    """The overview call's messages for one report's digest."""
    nonce = document_nonce(request.digest)
    user = render(
        "overview",
        lang_name=LANG_NAMES.get(request.lang, request.lang),
        report_title=request.report_title or "(untitled)",
        digest=escape_document(request.digest),
        nonce=nonce,
    )
    # The overview has its own short system prompt: resending the extraction rules with
    # every overview would cost more tokens than the digest itself.
    return [
        {"role": "system", "content": render("overview_system")},
        {"role": "user", "content": user},
    ]


def body(
    messages: list[dict[str, str]],
    answer_model: type[pydantic.BaseModel],
    *,
    model: str,
    caps: Capabilities,
    response_format: ResponseFormat,
    temperature: float,
    max_tokens: int | None = None,
) -> dict[str, Any]:
    """The body for `messages` asking for an answer shaped like `answer_model`."""
    out: dict[str, Any] = {"model": model, "messages": messages}
    if caps.temperature:
        out["temperature"] = temperature
    out[caps.max_tokens_field] = max_tokens or caps.max_output_tokens
    if response_format == "json_schema":
        out["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "schema": strict_json_schema(answer_model, limits=caps.schema_limits),
                "name": answer_model.__name__,
                "strict": True,
            },
        }
    elif response_format == "json_object":
        out["response_format"] = {"type": "json_object"}
        if caps.json_object_schema:
            out["response_format"]["schema"] = strict_json_schema(
                answer_model, limits=caps.schema_limits
            )
    if caps.json_word and not any("json" in m["content"].lower() for m in messages):
        raise ConfigError("JSON mode needs the word json in the prompt: check prompts/")
    out.update(caps.extra_body)
    return out


def overview_max_tokens(caps: Capabilities) -> int:
    """An overview is two or three sentences: a small output limit."""
    return min(1024, caps.max_output_tokens)


def _from_report(text: str, limit: int = 80) -> str:
    """A title or heading taken from the report, made safe to stand in the context block:
    one line, bounded, its tags neutralised (a hostile heading cannot close the block)."""
    one_line = " ".join(text.split())
    return escape_document(one_line if len(one_line) <= limit else one_line[:limit] + "…")


def _overview_rule(request: ExtractRequest) -> str:
    """Ask for the report's overview in the same answer when the chunk is the whole report."""
    if request.whole_report:
        language = LANG_NAMES.get(request.lang, request.lang)
        return render("overview_rule", lang_name=language).rstrip("\n")
    return render("overview_null").rstrip("\n")


#: Tokens of a chunk's context block (report title, breadcrumb, part outline): 110 on
#: average over the requests for the seeds (o200k_base, 2026-12-06).
CONTEXT_TOKENS = 110


@dataclass(frozen=True)
class PromptSizes:
    """What every chunk request sends besides the chunk's text, in tokens.

    `overhead`: system prompt, schema, request template and context block. `stable`: the
    prefix identical in every request of a run (schema, system prompt, the template's first
    line), which a provider's prompt cache serves after the first call.
    """

    overhead: int
    stable: int


@functools.cache
def prompt_sizes(response_format: ResponseFormat, schema_in_body: bool) -> PromptSizes:
    """Estimated sizes (character classes, within a few per cent of o200k_base here: no BPE
    load, so a dry run starts fast) of the parts of a chunk request around its text."""
    from summarizer.text.tokens import estimate_tokens

    system = estimate_tokens(system_prompt(response_format))
    schema = 0
    if schema_in_body:
        schema = estimate_tokens(
            json.dumps(strict_json_schema(ChunkAnswer, limits=False), ensure_ascii=False)
        )
    values = dict.fromkeys(_EXTRACT_VALUES, "")
    template = render("extract", **values)
    first_line = template.split("\n", 1)[0]
    return PromptSizes(
        overhead=system + schema + estimate_tokens(template) + CONTEXT_TOKENS,
        stable=system + schema + estimate_tokens(first_line),
    )


_EXTRACT_VALUES = (
    "report_title",
    "breadcrumb",
    "part_kind",
    "outline",
    "lang_name",
    "document",
    "nonce",
    "overview_rule",
)
