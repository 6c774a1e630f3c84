"""The `openai` backend: any OpenAI-compatible chat-completions endpoint through the SDK.

In: `Settings` (provider preset, model, base URL, key env var, json_mode, timeouts) and one
`ExtractRequest` per chunk. Out: a validated `ChunkExtraction` with the usage of every call.

Strict structured outputs (`chat.completions.parse` with a `json_schema` response format) by
default; `json_mode` asks for a `json_object` and validates with pydantic. An invalid answer
gets exactly one repair retry that shows the model its validation error. SDK errors are
converted at this boundary into our exception tree, with secrets scrubbed.

Importing this module does not import `openai`; `create()` does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import pydantic

from summarizer.errors import BackendError, ConfigError, ExtractionError
from summarizer.extract import ExtractRequest, ExtractResult, OverviewRequest
from summarizer.prompts import (
    document_nonce,
    escape_document,
    prompt_version,
    render,
)
from summarizer.redact import redact_secrets
from summarizer.schema import ChunkExtraction, OverviewText, Usage

if TYPE_CHECKING:
    import httpx2
    from openai import AsyncOpenAI

    from summarizer.config import Settings

#: What local servers get when no key is set (they accept any).
LOCAL_KEY = "local"
#: The SDK's own default endpoint, named here so the cache key knows it without the SDK.
DEFAULT_BASE_URL = "https://api.openai.com/v1"

LANG_NAMES = {"zh": "中文 (Chinese)", "en": "English"}

_ERROR_TEXT_LIMIT = 1500


class _InvalidAnswer(Exception):
    """The model's answer did not validate; carries the text to show in the repair prompt."""

    def __init__(self, content: str, error: str, usage: Usage) -> None:
        super().__init__(error)
        self.content = content
        self.error = error
        self.usage = usage


def create(settings: Settings) -> OpenAIBackend:
    """Build the backend from settings (registry entry point)."""
    return OpenAIBackend(settings)


class OpenAIBackend:
    """Chat completions with structured output against one endpoint and model."""

    name = "openai"

    def __init__(
        self, settings: Settings, *, http_client: httpx2.AsyncClient | None = None
    ) -> None:
        self.settings = settings
        self.model: str | None = settings.resolved_model
        self._key_env = settings.resolved_key_env
        key = settings.api_key()
        if key is None:
            if settings.preset.needs_key:
                raise ConfigError(
                    f"no API key: set {self._key_env} (or --api-key-env NAME), "
                    "or use --backend offline"
                )
            key = LOCAL_KEY
        self._key = key
        self._http_client = http_client
        self._client: AsyncOpenAI | None = None
        self.base_url = (settings.resolved_base_url() or DEFAULT_BASE_URL).rstrip("/")
        self._system = render("system")
        if settings.json_mode:
            schema = json.dumps(ChunkExtraction.model_json_schema(), ensure_ascii=False, indent=1)
            # Still constant across documents, so the prefix stays cacheable.
            self._system += render("json_mode", schema=schema)

    @property
    def client(self) -> AsyncOpenAI:
        """The SDK client, built on the first call: a run answered from the cache never
        imports openai (about 0.4 s)."""
        if self._client is None:
            from openai import AsyncOpenAI

            self._client = AsyncOpenAI(
                api_key=self._key,
                base_url=self.base_url,
                max_retries=self.settings.max_retries,
                timeout=self.settings.timeout_s,
                http_client=self._http_client,
            )
        return self._client

    # ------------------------------------------------------------------ protocol

    def cache_identity(self) -> dict[str, Any] | None:
        """Everything besides the chunk that changes the answer (never the key)."""
        return {
            "backend": "openai",
            "model": self.model,
            "base_url": self.base_url,
            "prompt_version": prompt_version(),
            "json_mode": self.settings.json_mode,
            "temperature": self.settings.temperature,
        }

    async def extract(self, request: ExtractRequest) -> ExtractResult:
        """One chunk → one validated ChunkExtraction, with at most one repair retry."""
        messages = self.messages_for(request)
        usage = Usage()
        try:
            extraction, call_usage = await self._ask(messages)
            return ExtractResult(extraction, usage + call_usage)
        except _InvalidAnswer as first:
            usage += first.usage
            repair = render("repair", error=_short(first.error))
            retry_messages = [
                *messages,
                {"role": "assistant", "content": first.content or "(empty answer)"},
                {"role": "user", "content": repair},
            ]
            try:
                extraction, call_usage = await self._ask(retry_messages)
            except _InvalidAnswer as second:
                raise ExtractionError(
                    self._clean(
                        f"{self.model}: answer still invalid after one repair retry: "
                        f"{_short(second.error, 300)}"
                        + ("" if self.settings.json_mode else " (try --json-mode)")
                    ),
                    usage=usage + second.usage,
                ) from None
            return ExtractResult(extraction, usage + call_usage)

    async def overview(self, request: OverviewRequest) -> tuple[str, Usage] | None:
        """Two or three sentences from the digest in one small strict call; None if unusable."""
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
        messages = [
            {"role": "system", "content": render("overview_system")},
            {"role": "user", "content": user},
        ]
        try:
            if self.settings.json_mode:
                completion = await self._json_object(messages)
                content = completion.choices[0].message.content or ""
                text = OverviewText.model_validate_json(_strip_fence(content)).overview
            else:
                parsed = await self._call(
                    self.client.chat.completions.parse(
                        model=self._model(),
                        messages=cast(Any, messages),
                        response_format=OverviewText,
                        temperature=self.settings.temperature,
                    )
                )
                completion = parsed
                result = parsed.choices[0].message.parsed
                if result is None:
                    return None
                text = result.overview
        except (pydantic.ValidationError, ValueError, ExtractionError):
            # The overview is optional: the caller composes one from the findings instead.
            return None
        return text.strip(), _usage(completion)

    async def aclose(self) -> None:
        """Close the HTTP client (if one was ever built)."""
        if self._client is not None:
            await self._client.close()

    # ------------------------------------------------------------------ messages

    def messages_for(self, request: ExtractRequest) -> list[dict[str, str]]:
        """System prompt (constant) first, the chunk last, so prefix caching applies."""
        text = request.chunk.text
        chunk = request.chunk
        user = render(
            "extract",
            report_title=_from_report(request.report.title or "(untitled)"),
            breadcrumb=" > ".join(_from_report(p) for p in chunk.path) or "(none)",
            part_kind=chunk.kind,
            outline="\n".join(f"- {_from_report(label)}: {kind}" for label, kind in chunk.outline)
            or f"- (within one part): {chunk.kind}",
            lang_name=LANG_NAMES.get(request.lang, request.lang),
            document=escape_document(text),
            nonce=document_nonce(text),
            overview_rule=_overview_rule(request),
        )
        return [{"role": "system", "content": self._system}, {"role": "user", "content": user}]

    # ------------------------------------------------------------------ calls

    def _model(self) -> str:
        assert self.model is not None
        return self.model

    async def _ask(self, messages: list[dict[str, str]]) -> tuple[ChunkExtraction, Usage]:
        """One call; raises _InvalidAnswer (with .usage) when the answer does not validate."""
        if self.settings.json_mode:
            return await self._ask_json_mode(messages)
        return await self._ask_strict(messages)

    async def _ask_strict(self, messages: list[dict[str, str]]) -> tuple[ChunkExtraction, Usage]:
        from openai import ContentFilterFinishReasonError, LengthFinishReasonError

        # The raw response keeps the answer text when the SDK's parse fails, for the repair.
        raw = await self._call(
            self.client.chat.completions.with_raw_response.parse(
                model=self._model(),
                messages=cast(Any, messages),
                response_format=ChunkExtraction,
                temperature=self.settings.temperature,
            )
        )
        try:
            completion = raw.parse()
        except LengthFinishReasonError as e:
            raise self._truncated() from e
        except ContentFilterFinishReasonError as e:
            raise ExtractionError(
                f"{self.model}: the provider's content filter rejected this chunk"
            ) from e
        except (pydantic.ValidationError, ValueError) as e:
            body = _json_body(raw.http_response.text)
            raise _InvalidAnswer(
                _content_of(body), _validation_text(e), _usage_from_dict(body)
            ) from None
        choice = completion.choices[0]
        usage = _usage(completion)
        if choice.message.refusal:
            raise ExtractionError(
                self._clean(f"model refused: {_short(choice.message.refusal, 300)}")
            )
        parsed = choice.message.parsed
        if parsed is None:
            raise _InvalidAnswer(choice.message.content or "", "the answer was empty", usage)
        return parsed, usage

    async def _json_object(self, messages: list[dict[str, str]]) -> Any:
        """One JSON-mode call (servers without strict structured outputs)."""
        return await self._call(
            self.client.chat.completions.create(
                model=self._model(),
                messages=cast(Any, messages),
                response_format={"type": "json_object"},
                temperature=self.settings.temperature,
            )
        )

    async def _ask_json_mode(self, messages: list[dict[str, str]]) -> tuple[ChunkExtraction, Usage]:
        completion = await self._json_object(messages)
        if not completion.choices:
            raise ExtractionError(f"{self.model}: the answer had no choices")
        choice = completion.choices[0]
        usage = _usage(completion)
        if choice.finish_reason == "length":
            raise self._truncated()
        if choice.finish_reason == "content_filter":
            raise ExtractionError(
                f"{self.model}: the provider's content filter rejected this chunk"
            )
        if choice.message.refusal:
            raise ExtractionError(
                self._clean(f"model refused: {_short(choice.message.refusal, 300)}")
            )
        content = choice.message.content or ""
        if not content.strip():
            raise _InvalidAnswer("", "the answer was empty", usage)
        try:
            return ChunkExtraction.model_validate_json(_strip_fence(content)), usage
        except pydantic.ValidationError as e:
            raise _InvalidAnswer(content, _validation_text(e), usage) from None

    def _truncated(self) -> ExtractionError:
        return ExtractionError(
            f"{self.model}: the answer was truncated (finish_reason=length); "
            "use a smaller --chunk-tokens so each answer fits the model's output limit"
        )

    async def _call(self, awaitable: Any) -> Any:
        """Await one SDK call and convert its errors (after the SDK's own retries)."""
        import openai

        try:
            return await awaitable
        except (openai.AuthenticationError, openai.PermissionDeniedError) as e:
            raise BackendError(
                self._clean(
                    f"authentication failed for {self.base_url} (HTTP {e.status_code}): "
                    f"check {self._key_env}"
                ),
                status=e.status_code,
            ) from e
        except openai.NotFoundError as e:
            raise BackendError(
                self._clean(
                    f"model {self.model!r} not found at {self.base_url} (HTTP 404): "
                    "check --model and --base-url"
                ),
                status=404,
            ) from e
        except openai.RateLimitError as e:
            raise ExtractionError(
                self._clean(
                    f"rate limited by {self.base_url} (HTTP 429) after "
                    f"{self.settings.max_retries} retries: {_status_reason(e)}; "
                    "lower --concurrency or try again later"
                ),
                status=429,
                retryable=True,
            ) from e
        except openai.APITimeoutError as e:
            raise ExtractionError(
                f"request to {self.base_url} timed out after {self.settings.timeout_s:g}s "
                f"({self.settings.max_retries} retries); raise the timeout or use a smaller "
                "--chunk-tokens",
                retryable=True,
            ) from e
        except openai.APIConnectionError as e:
            raise ExtractionError(
                self._clean(f"cannot connect to {self.base_url}: {_short(str(e), 200)}"),
                retryable=True,
            ) from e
        except openai.APIStatusError as e:
            hint = ""
            if e.status_code in (400, 422):
                hint = "; if the server lacks structured outputs, try --json-mode"
            raise ExtractionError(
                self._clean(
                    f"HTTP {e.status_code} from {self.base_url}: {_status_reason(e)}{hint}"
                ),
                status=e.status_code,
                retryable=e.status_code >= 500 or e.status_code == 408,
            ) from e
        except openai.APIError as e:
            raise ExtractionError(
                self._clean(f"bad response from {self.base_url}: {_short(str(e), 200)}")
            ) from e

    def _clean(self, message: str) -> str:
        """Scrub the key (even under an env var name redact_secrets does not know)."""
        if self._key and self._key != LOCAL_KEY:
            message = message.replace(self._key, "***")
        return redact_secrets(message)


# ---------------------------------------------------------------------- helpers


def _short(text: str, limit: int = _ERROR_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation_text(e: Exception) -> str:
    if isinstance(e, pydantic.ValidationError):
        # include_url=False: the links only waste the model's tokens.
        lines = []
        for err in e.errors(include_url=False)[:20]:
            loc = ".".join(str(p) for p in err["loc"]) or "(root)"
            lines.append(f"- {loc}: {err['msg']}")
        return f"{e.error_count()} validation error(s):\n" + "\n".join(lines)
    return str(e)


def _status_reason(e: Any) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if isinstance(message, str) and message:
            return _short(message, 200)
    return _short(str(getattr(e, "message", e)), 200)


def _strip_fence(content: str) -> str:
    # Some json_object servers still wrap the JSON in a Markdown fence.
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if text.rstrip().endswith("```"):
            text = text.rstrip()[:-3]
    return text


def _json_body(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _content_of(body: dict[str, Any]) -> str:
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return ""
    return content if isinstance(content, str) else ""


def _usage_from_dict(body: dict[str, Any]) -> Usage:
    usage = body.get("usage") or {}
    if not isinstance(usage, dict):
        return Usage(calls=1)
    details = usage.get("prompt_tokens_details") or {}
    return Usage(
        calls=1,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        cached_tokens=int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0,
    )


def _from_report(text: str, limit: int = 80) -> str:
    """A title or heading taken from the report, made safe to stand in the context block:
    one line, bounded, its tags neutralised (a hostile heading cannot close the block)."""
    one_line = " ".join(text.split())
    return escape_document(one_line if len(one_line) <= limit else one_line[:limit] + "…")


def _overview_rule(request: ExtractRequest) -> str:
    """Ask for the report's overview in the same answer when the chunk is the whole report."""
    siblings = sum(1 for c in request.analysis.chunks if c.report == request.chunk.report)
    if siblings == 1:
        language = LANG_NAMES.get(request.lang, request.lang)
        return (
            "This chunk holds the whole report: also fill `overview` with two or three sentences "
            f"in {language} on what the zone achieved (with its headline figures as written), "
            "the problems it names and what it plans; redacted figures stay redacted."
        )
    return "This chunk is part of a longer report: set `overview` to null."


def _usage(completion: Any) -> Usage:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage(calls=1)
    details = getattr(usage, "prompt_tokens_details", None)
    return Usage(
        calls=1,
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
    )
