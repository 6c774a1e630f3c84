"""One HTTP exchange with the endpoint: streamed or plain, its body capped, its usage read.

In: the SDK client and a request body. Out: an `Answer` (the assistant's text, how it ended,
the usage it cost). A server that ignores `stream` and answers with the plain completion is
read as one; a body that is not a chat completion raises ValueError (the caller retries it as
a malformed answer); a body past the cap raises `errors.TooLarge`.

llama-server's /props tells how many requests it answers at once (`read_props`).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summarizer.backends.openai_compat.errors import TooLarge, short
from summarizer.core.activity import ACTIVITY
from summarizer.core.schema import Usage

if TYPE_CHECKING:
    from types import TracebackType

    import httpx2
    from openai import AsyncOpenAI

#: A server counting less than this share of the prompt tokens we estimate lost some of it.
PROMPT_TOKENS_FLOOR = 0.5


@dataclass
class Answer:
    """One completed call: the assistant's text, how it ended, and the usage it cost."""

    content: str
    refusal: str | None
    finish_reason: str | None
    usage: Usage


class Seen:
    """What an attempt received so far: the usage of a cut attempt is still counted."""

    def __init__(self, body: dict[str, Any] | None = None) -> None:
        self.tokens = 0
        self.chars = 0
        self.body = body

    def add(self, text: str) -> None:
        self.tokens += 1  # one streamed delta is about one token
        self.chars += len(text)
        ACTIVITY.tokens(1)

    def usage(self) -> Usage:
        """What the attempt cost as far as we can tell (the server said nothing): the
        prompt's tokens estimated from what was sent, the deltas received; marked estimated."""
        return estimated_usage(self.body, completion_tokens=self.tokens)


def estimated_usage(
    body: dict[str, Any] | None, *, completion_tokens: int = 0, content: str = ""
) -> Usage:
    """Our estimate of a call's usage when the server reported none (a stream without a
    usage chunk, a body without a usage block, an attempt cut short): marked estimated."""
    from summarizer.text.tokens import estimate_tokens

    prompt = 0
    if body is not None:
        prompt = sum(estimate_tokens(str(m.get("content") or "")) for m in body["messages"])
    completion = max(completion_tokens, estimate_tokens(content) if content else 0)
    return Usage(calls=1, prompt_tokens=prompt, completion_tokens=completion, estimated_calls=1)


def sdk_args(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the SDK takes it: model and messages by name, the rest passed through."""
    rest = {k: v for k, v in body.items() if k not in ("model", "messages")}
    return {"model": body["model"], "messages": body["messages"], "extra_body": rest}


async def streamed(client: AsyncOpenAI, body: dict[str, Any], seen: Seen, cap: int) -> Answer:
    """A streamed call, usage included; each delta is counted in `seen` as it arrives."""
    stream = await client.chat.completions.create(
        **sdk_args(body), stream=True, stream_options={"include_usage": True}
    )
    response = stream.response
    response.stream = capped_stream(response.stream, cap)
    kind = response.headers.get("content-type", "")
    if "event-stream" not in kind:
        # A server that ignores `stream` answers with the plain completion.
        try:
            raw = await response.aread()
        finally:
            await response.aclose()
        return from_body(raw, kind)
    parts: list[str] = []
    refusal: list[str] = []
    finish: str | None = None
    usage: Usage | None = None
    async for event in stream:
        if event.usage is not None:
            usage = usage_of(event)
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
    if usage is None:  # no usage chunk: our estimate, marked as such
        usage = estimated_usage(seen.body, completion_tokens=seen.tokens, content=content)
    return Answer(content, "".join(refusal) or None, finish, usage)


async def plain(client: AsyncOpenAI, body: dict[str, Any], cap: int) -> Answer:
    """A call without streaming, its body read raw (so the cap applies)."""
    async with client.chat.completions.with_streaming_response.create(**sdk_args(body)) as response:
        http = response.http_response
        http.stream = capped_stream(http.stream, cap)
        raw = await http.aread()
        return from_body(raw, http.headers.get("content-type", ""))


def from_body(raw: bytes, content_type: str) -> Answer:
    """A plain chat.completion body → Answer; anything else is a malformed answer."""
    try:
        body = json.loads(raw)
    except ValueError:
        raise ValueError(
            f"not JSON (HTTP 200, {content_type or 'no content type'}): "
            f"{short(raw[:120].decode('utf-8', 'replace'), 120)}"
        ) from None
    if not isinstance(body, dict):
        raise ValueError(f"a JSON {type(body).__name__} instead of a chat completion")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ValueError(f"the answer had no choices ({short(json.dumps(choices), 40)})")
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
        usage_from_dict(body),
    )


async def read_props(
    base_url: str, http_client: httpx2.AsyncClient | None
) -> tuple[int | None, int | None]:
    """llama-server's /props: its slots and context per slot (other servers: None, None)."""
    import httpx2

    root = base_url[: -len("/v1")] if base_url.endswith("/v1") else base_url
    try:
        if http_client is not None:
            response = await http_client.get(f"{root}/props", timeout=5)
        else:
            async with httpx2.AsyncClient(timeout=5) as probe:
                response = await probe.get(f"{root}/props")
        props = response.json() if response.status_code == 200 else {}
    except (httpx2.HTTPError, ValueError):
        return None, None
    if not isinstance(props, dict):
        return None, None
    slots = props.get("total_slots")
    settings = props.get("default_generation_settings")
    n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
    return (
        slots if isinstance(slots, int) and slots > 0 else None,
        n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else None,
    )


class SlotGate:
    """Calls queue here for a server slot, before their deadline starts. llama-server says
    how many slots it has (/props); the first calls wait for that one probe. Other servers
    are not probed and their calls go straight through."""

    def __init__(
        self,
        base_url: str,
        http_client: httpx2.AsyncClient | None,
        concurrency: int,
        *,
        probe: bool,
    ) -> None:
        self.base_url = base_url
        self.http_client = http_client
        self.concurrency = concurrency
        self.slots: int | None = None
        self.context: int | None = None
        self._checked = not probe
        self._probe: asyncio.Future[None] | None = None
        self._semaphore: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        if not self._checked:
            # Every call of the first batch waits for the one probe.
            if self._probe is None:
                self._probe = asyncio.ensure_future(self._read())
            await self._probe
            self._checked = True
        if self._semaphore is not None:
            await self._semaphore.acquire()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._semaphore is not None:
            self._semaphore.release()

    async def _read(self) -> None:
        slots, n_ctx = await read_props(self.base_url, self.http_client)
        if slots is not None:
            self.slots = slots
            self._semaphore = asyncio.Semaphore(slots)
            if slots < self.concurrency:
                root = self.base_url.removesuffix("/v1")
                ACTIVITY.notice(
                    f"{root} has {slots} slot(s): at most {slots} model call(s) at once "
                    f"(--concurrency {self.concurrency} waits for them)"
                )
        if n_ctx is not None:
            self.context = n_ctx


def check_prompt_tokens(body: dict[str, Any], usage: Usage, base_url: str) -> None:
    """Warn when the server counted far fewer prompt tokens than were sent: a broken chat
    template or a dropped system prompt (the model then never saw the rules)."""
    if not usage.prompt_tokens:
        return
    from summarizer.text.tokens import estimate_tokens

    sent = sum(estimate_tokens(str(m.get("content") or "")) for m in body["messages"])
    if sent >= 400 and usage.prompt_tokens < PROMPT_TOKENS_FLOOR * sent:
        ACTIVITY.notice(
            f"warning: {base_url} counted {usage.prompt_tokens:,} prompt tokens for "
            f"about {sent:,} sent: its chat template may be broken or drop the system "
            "prompt (llama-server: try --jinja, or --chat-template NAME)"
        )


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
                    raise TooLarge(self.size)
                yield part

        async def aclose(self) -> None:
            await self.inner.aclose()

    return CappedStream


def capped_stream(inner: Any, cap: int) -> Any:
    """`inner` wrapped so that reading past `cap` bytes raises TooLarge."""
    return _capped_stream_type()(inner, cap)


def usage_from_dict(body: dict[str, Any]) -> Usage:
    """The usage of a chat completion as JSON (a missing or odd block counts one call)."""
    usage = body.get("usage") or {}
    if not isinstance(usage, dict):
        return Usage(calls=1)
    return Usage(
        calls=1,
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        cached_tokens=cached_tokens_of(usage),
    )


def cached_tokens_of(usage: dict[str, Any]) -> int:
    """Prompt tokens the provider served from its prompt cache, in whichever field it uses:
    OpenAI and DashScope `prompt_tokens_details.cached_tokens`, DeepSeek
    `prompt_cache_hit_tokens` (beside `prompt_cache_miss_tokens`)."""
    details = usage.get("prompt_tokens_details")
    cached = _int(details.get("cached_tokens")) if isinstance(details, dict) else 0
    return cached or _int(usage.get("prompt_cache_hit_tokens"))


def _int(value: Any) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def usage_of(completion: Any) -> Usage:
    """The usage of an SDK completion or stream event, read as its JSON is (usage_from_dict):
    the SDK keeps fields it does not know (DeepSeek's cache counts) in the dump."""
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage(calls=1)
    dump = usage.model_dump() if hasattr(usage, "model_dump") else vars(usage)
    return usage_from_dict({"usage": dump})
