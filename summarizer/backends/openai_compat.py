"""The `openai` backend: any OpenAI-compatible chat-completions endpoint through the SDK.

In: `Settings` (provider, model, base URL, key env var, timeouts) and one `ExtractRequest`
per chunk. Out: a validated `ChunkExtraction` with the usage of every call.

What is sent comes from the capability table (summarizer/data/models.toml): the response
format (strict `json_schema`, or JSON mode with the schema in the prompt), the output limit
(always sent, under the name the model wants), extra fields such as Qwen3's thinking switch.
`chunk_request` and `overview_request` build the exact body; the cache key is its hash.

Every call streams (usage included) through the SDK's streaming API, so a long answer never
trips a read timeout: `timeout_s` is the idle limit between chunks, and a deadline derived
from the output budget bounds the whole call; the body is cut at `max_response_mb`. A server
that answers a streamed request with a plain JSON body is read as one; a server that refuses
streaming gets plain requests for the rest of the run. Retries are ours (the SDK's are off):
429/5xx, timeouts, dropped connections and malformed 200 answers (HTML, a JSON list, no
choices) are retried with backoff or the server's retry-after, and waits are announced on
the progress line. A 400 about the response format switches the run to JSON mode once.

An invalid answer gets exactly one repair retry that shows the model its validation error.
SDK errors are converted at this boundary into our exception tree, with secrets scrubbed.

Importing this module does not import `openai`; the first call does.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pydantic

from summarizer.backends.answer import EXPANSION_VERSION, expand_answer
from summarizer.backends.capabilities import Capabilities, capabilities_for
from summarizer.backends.extract import (
    AnswerTooLong,
    ChunkContext,
    ExtractRequest,
    ExtractResult,
    OverviewRequest,
)
from summarizer.backends.prompts import (
    document_nonce,
    escape_document,
    render,
)
from summarizer.core.activity import ACTIVITY
from summarizer.core.errors import BackendError, ConfigError, ExtractionError
from summarizer.core.redact import redact_secrets
from summarizer.core.schema import (
    ChunkAnswer,
    ChunkExtraction,
    OverviewText,
    Usage,
    strict_json_schema,
)

if TYPE_CHECKING:
    import httpx2
    from openai import AsyncOpenAI

    from summarizer.core.config import Settings

#: What local servers get when no key is set (they accept any).
LOCAL_KEY = "local"
#: The SDK's own default endpoint, named here so the cache key knows it without the SDK.
DEFAULT_BASE_URL = "https://api.openai.com/v1"

LANG_NAMES = {"zh": "中文 (Chinese)", "en": "English"}

#: The slowest decode pace the derived deadline allows for (tokens per second).
DEADLINE_MIN_TOKENS_PER_S = 8.0
#: A server counting less than this share of the prompt tokens we estimate lost some of it.
PROMPT_TOKENS_FLOOR = 0.5
#: Waits at least this long are shown on the progress line.
WAIT_SHOWN_S = 3.0
#: The longest retry-after we honour; a server asking for more gets this.
MAX_WAIT_S = 120.0

_ERROR_TEXT_LIMIT = 1500
_RESPONSE_FORMAT_WORDS = re.compile(r"response_format|json_schema|structured output|grammar", re.I)
_CONTEXT_WORDS = re.compile(
    r"context (?:size|length|window)|maximum context|too many tokens|exceeds? the (?:available )?"
    r"context|n_ctx|prompt is too long",
    re.I,
)


class _InvalidAnswer(Exception):
    """The model's answer did not validate; carries the text to show in the repair prompt."""

    def __init__(self, content: str, error: str, usage: Usage) -> None:
        super().__init__(error)
        self.content = content
        self.error = error
        self.usage = usage


class _Retryable(Exception):
    """One attempt failed in a way that another attempt may not (timeouts, 429, 5xx, junk)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        usage: Usage | None = None,
        hint: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.usage = usage or Usage()
        self.hint = hint


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


@dataclass
class Answer:
    """One completed call: the assistant's text, how it ended, and the usage it cost."""

    content: str
    refusal: str | None
    finish_reason: str | None
    usage: Usage


def create(settings: Settings) -> OpenAIBackend:
    """Build the backend from settings (registry entry point)."""
    return OpenAIBackend(settings)


class OpenAIBackend:
    """Chat completions with structured output against one endpoint and model."""

    name = "openai"
    calls_model = True

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx2.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        capabilities: Capabilities | None = None,
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
        self._sleep = sleep
        self.base_url = (settings.resolved_base_url() or DEFAULT_BASE_URL).rstrip("/")
        caps = capabilities or capabilities_for(settings.provider, self._model())
        if settings.max_output_tokens is not None:
            caps = caps.with_changes(max_output_tokens=settings.max_output_tokens)
        if settings.json_mode and caps.response_format == "json_schema":
            caps = caps.with_changes(response_format="json_object")
        self.caps = caps
        if not caps.known:
            ACTIVITY.notice(
                f"model {self.model!r} is not in the capability table: using the "
                f"{settings.provider} defaults ({caps.summary()}); see `summarizer models`"
            )
        self.response_format = caps.response_format
        self.stream = settings.stream
        self.idle_s = settings.timeout_s if settings.timeout_s is not None else caps.timeout_s
        self.retries = (
            settings.max_retries if settings.max_retries is not None else caps.max_retries
        )
        self.deadline_s = (
            settings.deadline_s
            if settings.deadline_s is not None
            else self.idle_s + caps.max_output_tokens / DEADLINE_MIN_TOKENS_PER_S
        )
        self.max_response_bytes = int(settings.max_response_mb * 1024 * 1024)
        # A local server answers one request per slot: calls queue here, before the deadline
        # starts, instead of timing out in the server's queue.
        self._slots: asyncio.Semaphore | None = None
        self._slots_checked = settings.provider != "llamacpp"
        self._probe: asyncio.Future[None] | None = None
        self.server_slots: int | None = None
        self.server_context: int | None = None

    @property
    def client(self) -> AsyncOpenAI:
        """The SDK client, built on the first call: a run answered from the cache never
        imports openai (about 0.4 s). Its own retries are off: ours announce their waits."""
        if self._client is None:
            from openai import AsyncOpenAI

            self._client = AsyncOpenAI(
                api_key=self._key,
                base_url=self.base_url,
                max_retries=0,
                timeout=self.idle_s,
                http_client=self._http_client,
            )
        return self._client

    # ------------------------------------------------------------------ protocol

    def cache_identity(self) -> dict[str, Any] | None:
        """Where the request goes (never the key) and how answers are expanded; the request
        itself is hashed per call."""
        return {"backend": "openai", "base_url": self.base_url, "expansion": EXPANSION_VERSION}

    async def extract(self, request: ExtractRequest) -> ExtractResult:
        """One chunk → one validated ChunkExtraction, with at most one repair retry."""
        answer = await self._complete(lambda: self.chunk_request(request))
        sent = self.chunk_request(request)  # a response-format fallback changes the request
        usage = answer.usage
        try:
            return ExtractResult(self._checked_chunk(answer, request), usage, request=sent)
        except _InvalidAnswer as first:
            repair = render("repair", error=_short(first.error))
            previous = first.content or "(empty answer)"

            def retry_body() -> dict[str, Any]:
                current = self.chunk_request(request)
                current["messages"] = [
                    *current["messages"],
                    {"role": "assistant", "content": previous},
                    {"role": "user", "content": repair},
                ]
                return current

            second_answer = await self._complete(retry_body)
            usage = usage + second_answer.usage
            try:
                extraction = self._checked_chunk(second_answer, request)
            except _InvalidAnswer as second:
                raise ExtractionError(
                    self._clean(
                        f"{self.model}: answer still invalid after one repair retry: "
                        f"{_short(second.error, 300)}"
                    ),
                    usage=usage,
                ) from None
            except AnswerTooLong as e:
                raise AnswerTooLong(e.message, usage=usage) from None
            return ExtractResult(extraction, usage, request=sent)
        except AnswerTooLong as e:
            raise AnswerTooLong(e.message, usage=usage) from None

    async def overview(self, request: OverviewRequest) -> tuple[str, Usage] | None:
        """Two or three sentences from the digest in one small call; None if unusable."""
        try:
            answer = await self._complete(lambda: self.overview_request(request))
        except ExtractionError:
            # The overview is optional: the caller composes one from the findings instead.
            return None
        if answer.finish_reason == "length" or answer.refusal:
            return None
        try:
            text = self.parse_overview(answer.content)
        except (pydantic.ValidationError, ValueError):
            return None
        return text, answer.usage

    async def aclose(self) -> None:
        """Close the HTTP client (if one was ever built)."""
        if self._client is not None:
            await self._client.close()

    # ------------------------------------------------------------------ requests

    def system_prompt(self) -> str:
        """The extraction rules, plus the schema when the server does not enforce it."""
        system = render("system")
        if self.response_format != "json_schema":
            schema = json.dumps(ChunkAnswer.model_json_schema(), ensure_ascii=False, indent=1)
            # Still constant across documents, so the prefix stays cacheable.
            system += render("json_mode", schema=schema)
        return system

    def messages_for(self, request: ExtractRequest) -> list[dict[str, str]]:
        """System prompt (constant) first, the chunk last, so prefix caching applies."""
        text = request.chunk.text
        chunk = request.chunk
        user = render(
            "extract",
            report_title=_from_report(request.title or "(untitled)"),
            breadcrumb=" > ".join(_from_report(p) for p in chunk.path) or "(none)",
            part_kind=chunk.kind,
            outline="\n".join(f"- {_from_report(label)}: {kind}" for label, kind in chunk.outline)
            or f"- (within one part): {chunk.kind}",
            lang_name=LANG_NAMES.get(request.lang, request.lang),
            document=escape_document(text),
            nonce=document_nonce(text),
            overview_rule=_overview_rule(request),
        )
        return [
            {"role": "system", "content": self.system_prompt()},
            {"role": "user", "content": user},
        ]

    def chunk_request(self, request: ExtractRequest) -> dict[str, Any]:
        """The exact chat-completions body for one chunk (without the streaming switches)."""
        return self._body(self.messages_for(request), ChunkAnswer)

    def overview_request(self, request: OverviewRequest) -> dict[str, Any]:
        """The exact body of the overview call for one report's digest."""
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
        return self._body(messages, OverviewText, max_tokens=min(1024, self.caps.max_output_tokens))

    def _body(
        self,
        messages: list[dict[str, str]],
        answer_model: type[pydantic.BaseModel],
        *,
        max_tokens: int | None = None,
    ) -> dict[str, Any]:
        caps = self.caps
        body: dict[str, Any] = {"model": self._model(), "messages": messages}
        if caps.temperature:
            body["temperature"] = self.settings.temperature
        body[caps.max_tokens_field] = max_tokens or caps.max_output_tokens
        if self.response_format == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "schema": strict_json_schema(answer_model, limits=caps.schema_limits),
                    "name": answer_model.__name__,
                    "strict": True,
                },
            }
        elif self.response_format == "json_object":
            body["response_format"] = {"type": "json_object"}
            if caps.json_object_schema:
                body["response_format"]["schema"] = strict_json_schema(
                    answer_model, limits=caps.schema_limits
                )
        if caps.json_word and not any("json" in m["content"].lower() for m in messages):
            raise ConfigError("JSON mode needs the word json in the prompt: check prompts/")
        body.update(caps.extra_body)
        return body

    # ------------------------------------------------------------------ answers

    def parse_chunk(self, content: str, context: ChunkContext) -> ChunkExtraction:
        """An answer's content → the validated lean answer → the extraction, its figures and
        quotes completed from the chunk (raises pydantic.ValidationError or ValueError)."""
        answer = ChunkAnswer.model_validate_json(_strip_fence(content))
        return expand_answer(answer, context.chunk.text)

    def parse_overview(self, content: str) -> str:
        """An overview answer's content → its text (raises pydantic/ValueError)."""
        return OverviewText.model_validate_json(_strip_fence(content)).overview.strip()

    def _checked_chunk(self, answer: Answer, context: ChunkContext) -> ChunkExtraction:
        if answer.finish_reason == "length":
            raise AnswerTooLong(
                f"{self.model}: the answer was cut at the output limit of "
                f"{self.caps.max_output_tokens} tokens (finish_reason=length)",
                usage=answer.usage,
            )
        if answer.finish_reason == "content_filter":
            raise ExtractionError(
                f"{self.model}: the provider's content filter rejected this chunk"
            )
        if answer.refusal:
            raise ExtractionError(self._clean(f"model refused: {_short(answer.refusal, 300)}"))
        if not answer.content.strip():
            raise _InvalidAnswer("", "the answer was empty", answer.usage)
        try:
            return self.parse_chunk(answer.content, context)
        except pydantic.ValidationError as e:
            raise _InvalidAnswer(answer.content, _validation_text(e), answer.usage) from None
        except ValueError as e:
            raise _InvalidAnswer(answer.content, str(e), answer.usage) from None

    # ------------------------------------------------------------------ calls

    def _model(self) -> str:
        assert self.model is not None
        return self.model

    async def _complete(self, build: Callable[[], dict[str, Any]]) -> Answer:
        """One answer for the body `build()` makes, with our retries and fallbacks."""
        spent = Usage()
        attempt = 0
        while True:
            body = build()
            try:
                answer = await self._attempt(body)
            except _Retryable as e:
                spent = spent + e.usage
                if attempt >= self.retries:
                    raise ExtractionError(
                        self._clean(f"{e.message} ({self.retries} retries){e.hint}"),
                        status=e.status,
                        retryable=True,
                        usage=spent,
                    ) from None
                wait = _backoff(attempt) if e.retry_after is None else e.retry_after
                wait = min(MAX_WAIT_S, max(0.0, wait))
                if wait >= WAIT_SHOWN_S:
                    ACTIVITY.waiting(wait, _short(e.message, 80))
                await self._sleep(wait)
                attempt += 1
                continue
            except _Fallback as e:
                ACTIVITY.notice(e.notice)
                continue
            self._check_prompt_tokens(body, answer.usage)
            answer.usage = spent + answer.usage
            return answer

    def _check_prompt_tokens(self, body: dict[str, Any], usage: Usage) -> None:
        """Warn once when the server counted far fewer prompt tokens than were sent: a broken
        chat template or a dropped system prompt (the model then never saw the rules)."""
        if not usage.prompt_tokens:
            return
        from summarizer.text.tokens import estimate_tokens

        sent = sum(estimate_tokens(str(m.get("content") or "")) for m in body["messages"])
        if sent >= 400 and usage.prompt_tokens < PROMPT_TOKENS_FLOOR * sent:
            ACTIVITY.notice(
                f"warning: {self.base_url} counted {usage.prompt_tokens:,} prompt tokens for "
                f"about {sent:,} sent: its chat template may be broken or drop the system "
                "prompt (llama-server: try --jinja, or --chat-template NAME)"
            )

    async def _attempt(self, body: dict[str, Any]) -> Answer:
        """One call, queued for a server slot when the server has few."""
        if not self._slots_checked:
            # Every call of the first batch waits for the one probe.
            if self._probe is None:
                self._probe = asyncio.ensure_future(self._read_props())
            await self._probe
            self._slots_checked = True
        if self._slots is None:
            return await self._exchange(body)
        async with self._slots:
            return await self._exchange(body)

    async def _read_props(self) -> None:
        """llama-server's /props: its slots and context per slot (other servers: nothing)."""
        import httpx2

        root = self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url
        try:
            if self._http_client is not None:
                response = await self._http_client.get(f"{root}/props", timeout=5)
            else:
                async with httpx2.AsyncClient(timeout=5) as probe:
                    response = await probe.get(f"{root}/props")
            props = response.json() if response.status_code == 200 else {}
        except (httpx2.HTTPError, ValueError):
            return
        if not isinstance(props, dict):
            return
        slots = props.get("total_slots")
        settings = props.get("default_generation_settings")
        n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
        if isinstance(slots, int) and slots > 0:
            self.server_slots = slots
            self._slots = asyncio.Semaphore(slots)
            if slots < self.settings.concurrency:
                ACTIVITY.notice(
                    f"{root} has {slots} slot(s): at most {slots} model call(s) at once "
                    f"(--concurrency {self.settings.concurrency} waits for them)"
                )
        if isinstance(n_ctx, int) and n_ctx > 0:
            self.server_context = n_ctx

    async def _exchange(self, body: dict[str, Any]) -> Answer:
        """One HTTP exchange under the deadline; failures become _Retryable or our errors."""
        import httpx2
        import openai

        seen = _Seen()
        ACTIVITY.call_started()
        try:
            async with asyncio.timeout(self.deadline_s):
                if self.stream:
                    return await self._streamed(body, seen)
                return await self._plain(body)
        except TimeoutError:
            raise _Retryable(
                f"no complete answer from {self.base_url} within the {self.deadline_s:g}s "
                f"deadline ({seen.tokens} tokens received)",
                usage=seen.usage(),
                hint="; raise --timeout or use a smaller --chunk-tokens",
            ) from None
        except _TooLarge as e:
            raise ExtractionError(
                f"the answer from {self.base_url} passed {e.size:,} bytes and was cut "
                f"(max_response_mb = {self.settings.max_response_mb:g})"
            ) from None
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
            raise _Retryable(
                f"rate limited by {self.base_url} (HTTP 429): {_status_reason(e)}",
                retry_after=_retry_after(e),
                hint="; lower --concurrency or try again later",
                status=429,
            ) from None
        except openai.APITimeoutError:
            raise _Retryable(
                f"request to {self.base_url} timed out: no data for {self.idle_s:g}s",
                usage=seen.usage(),
                hint=self._timeout_hint(),
            ) from None
        except (openai.APIConnectionError, httpx2.TransportError) as e:
            raise _Retryable(
                self._clean(f"cannot connect to {self.base_url}: {_short(str(e), 200)}"),
                usage=seen.usage(),
            ) from None
        except openai.APIStatusError as e:
            raise self._status_error(e) from None
        except openai.APIError as e:
            raise _Retryable(
                self._clean(f"bad response from {self.base_url}: {_short(str(e), 200)}"),
                usage=seen.usage(),
            ) from None
        except (ValueError, TypeError, KeyError, AttributeError, pydantic.ValidationError) as e:
            raise _Retryable(
                self._clean(
                    f"malformed answer from {self.base_url}: {type(e).__name__}: "
                    f"{_short(str(e), 160)}"
                ),
                usage=seen.usage(),
            ) from None
        finally:
            ACTIVITY.call_ended()

    def _sdk_args(self, body: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in body.items() if k not in ("model", "messages")}
        return {"model": body["model"], "messages": body["messages"], "extra_body": rest}

    async def _streamed(self, body: dict[str, Any], seen: _Seen) -> Answer:
        stream = await self.client.chat.completions.create(
            **self._sdk_args(body), stream=True, stream_options={"include_usage": True}
        )
        response = stream.response
        response.stream = _CappedStream(response.stream, self.max_response_bytes)
        kind = response.headers.get("content-type", "")
        if "event-stream" not in kind:
            # A server that ignores `stream` answers with the plain completion.
            try:
                raw = await response.aread()
            finally:
                await response.aclose()
            return self._from_body(raw, kind)
        parts: list[str] = []
        refusal: list[str] = []
        finish: str | None = None
        usage: Usage | None = None
        async for event in stream:
            if event.usage is not None:
                usage = _usage(event)
            for choice in event.choices or []:
                delta = choice.delta
                if delta is not None and delta.content:
                    parts.append(delta.content)
                    seen.add(delta.content)
                if delta is not None and getattr(delta, "refusal", None):
                    refusal.append(str(delta.refusal))
                if choice.finish_reason:
                    finish = choice.finish_reason
        content = "".join(parts)
        if finish is None and not content and not refusal:
            raise ValueError("the stream ended without an answer")
        if usage is None:
            usage = seen.usage()
        return Answer(content, "".join(refusal) or None, finish, usage)

    async def _plain(self, body: dict[str, Any]) -> Answer:
        async with self.client.chat.completions.with_streaming_response.create(
            **self._sdk_args(body)
        ) as response:
            http = response.http_response
            http.stream = _CappedStream(http.stream, self.max_response_bytes)
            raw = await http.aread()
            return self._from_body(raw, http.headers.get("content-type", ""))

    def _from_body(self, raw: bytes, content_type: str) -> Answer:
        """A plain chat.completion body → Answer; anything else is a malformed answer."""
        try:
            body = json.loads(raw)
        except ValueError:
            raise ValueError(
                f"not JSON (HTTP 200, {content_type or 'no content type'}): "
                f"{_short(raw[:120].decode('utf-8', 'replace'), 120)}"
            ) from None
        if not isinstance(body, dict):
            raise ValueError(f"a JSON {type(body).__name__} instead of a chat completion")
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise ValueError(f"the answer had no choices ({_short(json.dumps(choices), 40)})")
        message = choices[0].get("message")
        if not isinstance(message, dict):
            raise ValueError("the answer's choice had no message")
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            raise ValueError("the answer's content is not text")
        refusal = message.get("refusal")
        finish = choices[0].get("finish_reason")
        return Answer(
            content or "",
            refusal if isinstance(refusal, str) and refusal else None,
            finish if isinstance(finish, str) else None,
            _usage_from_dict(body),
        )

    def _status_error(self, e: Any) -> Exception:
        """An HTTP error status → a retry, a one-time fallback, or our error with a hint."""
        status = int(e.status_code)
        reason = _status_reason(e)
        if status in (400, 422, 500) and _RESPONSE_FORMAT_WORDS.search(reason):
            if self.response_format == "json_schema":
                self.response_format = "json_object"
                return _Fallback(
                    f"{self.base_url} refused the json_schema response format (HTTP {status}): "
                    "using JSON mode for the rest of the run"
                )
        if status == 400 and "stream" in reason.lower() and self.stream:
            self.stream = False
            return _Fallback(
                f"{self.base_url} refused streaming (HTTP 400): plain requests for the rest "
                "of the run"
            )
        hint = self._status_hint(status, reason)
        message = self._clean(f"HTTP {status} from {self.base_url}: {reason}")
        if status in (408, 409) or status >= 500:
            return _Retryable(message, retry_after=_retry_after(e), hint=hint, status=status)
        return ExtractionError(message + hint, status=status)

    def _status_hint(self, status: int, reason: str) -> str:
        if _CONTEXT_WORDS.search(reason):
            per_slot = " (llama-server splits -c among its -np slots)" if self.caps.local else ""
            return (
                f"; the request does not fit the model's context{per_slot}: use a smaller "
                "--chunk-tokens or a larger context"
            )
        if _RESPONSE_FORMAT_WORDS.search(reason) and self.response_format == "json_schema":
            return "; if the server lacks structured outputs, try --json-mode"
        if status == 413:
            return "; the request is too large for the server: use a smaller --chunk-tokens"
        return ""

    def _timeout_hint(self) -> str:
        if self.caps.local:
            return (
                "; a local server answers one request per slot: lower --concurrency or raise "
                "--timeout"
            )
        return "; raise --timeout or use a smaller --chunk-tokens"

    def _clean(self, message: str) -> str:
        """Scrub the key (even under an env var name redact_secrets does not know)."""
        if self._key and self._key != LOCAL_KEY:
            message = message.replace(self._key, "***")
        return redact_secrets(message)


class _Fallback(Exception):
    """The server refused a feature; the run goes on without it (told once)."""

    def __init__(self, notice: str) -> None:
        super().__init__(notice)
        self.notice = notice


class _Seen:
    """What an attempt received so far: the usage of a cut attempt is still counted."""

    def __init__(self) -> None:
        self.tokens = 0
        self.chars = 0

    def add(self, text: str) -> None:
        self.tokens += 1  # one streamed delta is about one token
        self.chars += len(text)
        ACTIVITY.tokens(1)

    def usage(self) -> Usage:
        return Usage(calls=1, completion_tokens=self.tokens)


@functools.cache
def _capped_stream_type() -> type:
    import httpx2

    class CappedStream(httpx2.AsyncByteStream):
        """The response body, refused past `cap` bytes (an endless body must not fill memory)."""

        def __init__(self, inner: Any, cap: int) -> None:
            self.inner = inner
            self.cap = cap
            self.size = 0

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for part in self.inner:
                self.size += len(part)
                if self.size > self.cap:
                    raise _TooLarge(self.size)
                yield part

        async def aclose(self) -> None:
            await self.inner.aclose()

    return CappedStream


def _CappedStream(inner: Any, cap: int) -> Any:  # noqa: N802 - reads like the class it builds
    return _capped_stream_type()(inner, cap)


# ---------------------------------------------------------------------- helpers


def _backoff(attempt: int) -> float:
    """0.5 s, 1 s, 2 s … with jitter, at most 8 s."""
    return float(min(8.0, 0.5 * 2**attempt) * (0.75 + random.random() / 2))


def _retry_after(e: Any) -> float | None:
    response = getattr(e, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    try:
        if ms is not None:
            return float(ms) / 1000
        value = headers.get("retry-after")
        return float(value) if value is not None else None
    except ValueError:
        return None


def _short(text: str, limit: int = _ERROR_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation_text(e: Exception) -> str:
    if isinstance(e, pydantic.ValidationError):
        # include_url=False: the links only waste the model's tokens.
        lines = []
        for err in e.errors(include_url=False)[:20]:
            loc = ".".join(str(p) for p in err["loc"]) or "(root)"
            lines.append(f"- {loc}: {_short(err['msg'], 200)}")
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


_DOCUMENT_BLOCK = re.compile(r'<document id="([0-9a-f]{16})">\n(.*?)\n</document id="\1">', re.S)
_ESCAPED_TAG = re.compile(r"＜(\s*/?\s*(?:document|context))", re.IGNORECASE)


def parse_chunk_body(content: str, body: dict[str, Any]) -> ChunkExtraction:
    """`OpenAIBackend.parse_chunk` for an answer whose context is only the request body that
    asked for it (a deferred batch): the chunk text is read back from its document block."""
    answer = ChunkAnswer.model_validate_json(_strip_fence(content))
    return expand_answer(answer, chunk_text_of(body))


def chunk_text_of(body: dict[str, Any]) -> str:
    """The chunk text a request body carries between its document tags (escape undone)."""
    for message in reversed(body.get("messages") or []):
        content = message.get("content") if isinstance(message, dict) else None
        if message.get("role") == "user" and isinstance(content, str):
            match = _DOCUMENT_BLOCK.search(content)
            if match:
                return _ESCAPED_TAG.sub(lambda m: "<" + m.group(1), match.group(2))
    raise ValueError("the request holds no document block")


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
