"""`OpenAIBackend`: the request, the negotiated features, the exchange, the answer, tied.

A call (`_complete`) builds the body from the negotiated state, waits for a server slot,
makes one exchange under the deadline and maps its failure (errors.py); a refused feature is
dropped once and the call made again; a retryable failure waits (announced when long) and
tries again up to `retries` times. `extract` adds the one repair retry of an invalid answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pydantic

from summarizer.backends.answer import EXPANSION_VERSION
from summarizer.backends.base import (
    AnswerTooLong,
    Backend,
    ChunkContext,
    ExtractResult,
    OverviewRequest,
)
from summarizer.backends.capabilities import Capabilities, capabilities_for
from summarizer.backends.openai_compat import answer as answers
from summarizer.backends.openai_compat import request as requests
from summarizer.backends.openai_compat import transport
from summarizer.backends.openai_compat.errors import (
    Refused,
    Retryable,
    Where,
    backoff,
    from_exchange,
    keeps_cause,
    short,
)
from summarizer.backends.openai_compat.negotiate import Negotiated
from summarizer.backends.openai_compat.request import DEFAULT_BASE_URL, LOCAL_KEY
from summarizer.backends.openai_compat.transport import Answer, Seen
from summarizer.core.activity import ACTIVITY
from summarizer.core.errors import (
    ConfigError,
    EndpointUnreachable,
    ExtractionError,
    SummarizerError,
)
from summarizer.core.schema import ChunkAnswer, ChunkExtraction, OverviewText, Usage

if TYPE_CHECKING:
    import httpx2
    from openai import AsyncOpenAI

    from summarizer.core.config import Settings

#: The slowest decode pace the derived deadline allows for (tokens per second).
DEADLINE_MIN_TOKENS_PER_S = 8.0
#: Waits at least this long are shown on the progress line.
WAIT_SHOWN_S = 3.0
#: The longest retry-after we honour; a server asking for more gets this.
MAX_WAIT_S = 120.0


def create(settings: Settings) -> OpenAIBackend:
    """Build the backend from settings."""
    return OpenAIBackend(settings)


class OpenAIBackend(Backend):
    """Chat completions with structured output against one endpoint and model."""

    name = "openai"
    calls_model = True
    offloadable = True

    @classmethod
    def create(cls, settings: Settings) -> OpenAIBackend:
        return cls(settings)

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
        self.negotiated = Negotiated(response_format=caps.response_format, stream=settings.stream)
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
        self._gate = transport.SlotGate(
            self.base_url,
            http_client,
            settings.concurrency,
            probe=caps.server_props,
        )

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

    async def extract(self, request: ChunkContext) -> ExtractResult:
        """One chunk → one validated ChunkExtraction, with at most one repair retry."""
        answer = await self._complete(lambda: self.chunk_request(request))
        sent = self.chunk_request(request)  # a response-format fallback changes the request
        usage = answer.usage
        try:
            extraction, notes = self._checked_chunk(answer, request)
            return ExtractResult(extraction, usage, request=sent, notes=tuple(notes))
        except answers.InvalidAnswer as first:
            invalid = first
            try:
                second_answer = await self._complete(
                    lambda: answers.repair_body(self.chunk_request(request), invalid)
                )
            except SummarizerError as e:
                # The first answer was paid for too.
                e.usage = usage + (e.usage if isinstance(e.usage, Usage) else Usage())
                raise
            usage = usage + second_answer.usage
            try:
                extraction, notes = self._checked_chunk(second_answer, request)
            except answers.InvalidAnswer as second:
                raise ExtractionError(
                    self._where().clean(
                        f"{self.model}: answer still invalid after one repair retry: "
                        f"{short(second.error, 300)}"
                    ),
                    usage=usage,
                ) from None
            except AnswerTooLong as e:
                raise AnswerTooLong(e.message, usage=usage) from None
            except ExtractionError as e:  # the repair refused: both answers were paid for
                e.usage = usage
                raise
            repaired = f"chunk {request.chunk.index}: the model's first answer was unusable " + (
                f"({short(first.error, 120)}); its repair was used"
            )
            return ExtractResult(extraction, usage, request=sent, notes=(repaired, *notes))
        except AnswerTooLong as e:
            raise AnswerTooLong(e.message, usage=usage) from None

    async def overview(self, request: OverviewRequest) -> tuple[str, Usage] | None:
        """Two or three sentences from the digest in one small call; an empty text (with
        what the calls cost, which was paid all the same) when the answer is unusable."""
        try:
            answer = await self._complete(lambda: self.overview_request(request))
        except ExtractionError as e:
            # The overview is optional: the caller composes one from the findings instead.
            return "", e.usage if isinstance(e.usage, Usage) else Usage()
        if answer.finish_reason == "length" or answer.refusal:
            return "", answer.usage
        try:
            text = self.parse_overview(answer.content)
        except (pydantic.ValidationError, ValueError):
            return "", answer.usage
        return text, answer.usage

    async def aclose(self) -> None:
        """Close the HTTP client (if one was ever built)."""
        if self._client is not None:
            await self._client.close()

    # ------------------------------------------------------------------ requests

    def system_prompt(self) -> str:
        """The extraction rules, plus the schema when the server does not enforce it."""
        return requests.system_prompt(self.negotiated.response_format)

    def messages_for(self, request: ChunkContext) -> list[dict[str, str]]:
        """System prompt (constant) first, the chunk last, so prefix caching applies."""
        return requests.chunk_messages(request, self.negotiated.response_format)

    def chunk_request(self, request: ChunkContext) -> dict[str, Any]:
        """The exact chat-completions body for one chunk (without the streaming switches)."""
        return self._body(self.messages_for(request), ChunkAnswer)

    def overview_request(self, request: OverviewRequest) -> dict[str, Any]:
        """The exact body of the overview call for one report's digest."""
        return self._body(
            requests.overview_messages(request),
            OverviewText,
            max_tokens=requests.overview_max_tokens(self.caps),
        )

    def _body(
        self,
        messages: list[dict[str, str]],
        answer_model: type[pydantic.BaseModel],
        *,
        max_tokens: int | None = None,
    ) -> dict[str, Any]:
        return requests.body(
            messages,
            answer_model,
            model=self._model(),
            caps=self.caps,
            response_format=self.negotiated.response_format,
            temperature=self.settings.temperature,
            max_tokens=max_tokens,
        )

    # ------------------------------------------------------------------ answers

    def parse_chunk(self, content: str, context: ChunkContext) -> ChunkExtraction:
        """An answer's content → the validated lean answer → the extraction, its figures and
        quotes completed from the chunk (raises pydantic.ValidationError or ValueError)."""
        return answers.parse_chunk(content, context)

    def parse_overview(self, content: str) -> str:
        """An overview answer's content → its text (raises pydantic/ValueError)."""
        return answers.parse_overview(content)

    def _checked_chunk(
        self, answer: Answer, context: ChunkContext
    ) -> tuple[ChunkExtraction, list[str]]:
        return answers.checked_chunk(
            answer,
            context,
            model=self.model,
            output_limit=self.caps.max_output_tokens,
            clean=self._where().clean,
        )

    # ------------------------------------------------------------------ calls

    def _model(self) -> str:
        assert self.model is not None
        return self.model

    def _where(self) -> Where:
        return Where(
            base_url=self.base_url,
            model=self.model,
            key_env=self._key_env,
            key=self._key,
            local=self.caps.local,
            idle_s=self.idle_s,
            deadline_s=self.deadline_s,
            max_response_mb=self.settings.max_response_mb,
            response_format=self.negotiated.response_format,
        )

    async def _complete(self, build: Callable[[], dict[str, Any]]) -> Answer:
        """One answer for the body `build()` makes, with our retries and fallbacks."""
        spent = Usage()
        attempt = 0
        while True:
            body = build()
            try:
                async with self._gate:
                    answer = await self._exchange(body)
            except Refused as e:
                notice = self.negotiated.drop(e.features, self.base_url, e.status)
                if notice is not None:
                    ACTIVITY.notice(notice)
                    continue
                if not isinstance(e.otherwise, Retryable):
                    raise e.otherwise from None
                failure = e.otherwise
            except Retryable as e:
                failure = e
            else:
                if not answer.usage.prompt_tokens and not answer.usage.completion_tokens:
                    # A body without a usage block: the call was paid for all the same.
                    answer.usage = transport.estimated_usage(body, content=answer.content)
                transport.check_prompt_tokens(body, answer.usage, self.base_url)
                answer.usage = spent + answer.usage
                return answer
            spent = spent + failure.usage
            if attempt >= self.retries:
                exhausted = EndpointUnreachable if failure.unreachable else ExtractionError
                raise exhausted(
                    self._where().clean(
                        f"{failure.message} ({self.retries} retries){failure.hint}"
                    ),
                    status=failure.status,
                    retryable=True,
                    usage=spent,
                ) from None
            wait = backoff(attempt) if failure.retry_after is None else failure.retry_after
            wait = min(MAX_WAIT_S, max(0.0, wait))
            if wait >= WAIT_SHOWN_S:
                ACTIVITY.waiting(wait, short(failure.message, 80))
            await self._sleep(wait)
            attempt += 1

    @property
    def server_slots(self) -> int | None:
        """How many requests the server answers at once, when it says (llama-server)."""
        return self._gate.slots

    @property
    def server_context(self) -> int | None:
        """The server's context per slot, when it says (llama-server)."""
        return self._gate.context

    async def _exchange(self, body: dict[str, Any]) -> Answer:
        """One HTTP exchange under the deadline; failures become Retryable, Refused or ours."""
        seen = Seen(body)
        ACTIVITY.call_started()
        try:
            async with asyncio.timeout(self.deadline_s):
                if self.negotiated.stream:
                    return await transport.streamed(
                        self.client, body, seen, self.max_response_bytes
                    )
                return await transport.plain(self.client, body, self.max_response_bytes)
        except Exception as e:
            mapped = from_exchange(e, self._where(), seen.usage(), seen.tokens)
            if mapped is None:
                raise
            raise mapped from (e if keeps_cause(e) else None)
        finally:
            ACTIVITY.call_ended()
