"""The live backend, its HTTP transport swapped: requests are recorded or answered from a job.

In: the job's stored answers (cache key → the request line sent and the chat.completion that
came back). Out: an `openai` backend that runs the live code unchanged — its request building,
streaming, output budget, validation, repair and cache writes — over a transport that

    answers a request from the job   when the request's cache key has a stored answer and
                                     the request is the very body that was sent for it
    records it for the next batch    when planning and the key has no answer yet
    sends it live                    when finishing with live calls allowed (a repair retry,
                                     an answer the batch could not give)
    refuses it                       otherwise (HTTP 424, not retried)

The cache key of a request is the one the live path just looked up: a cache proxy notes it
in a context variable, which the transport reads in the same asyncio task. So the keys, like
the request bodies, are the live path's own, whatever rule builds them.
"""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Callable
from typing import Any

import httpx2

from summarizer.offload.lines import RequestLine

#: The cache key the live path looked up last in this task, and whether it was an overview.
_current: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "summarizer_offload_key", default=None
)
#: What the requests of this task are about (the input file), for messages.
current_label: contextvars.ContextVar[str] = contextvars.ContextVar(
    "summarizer_offload_label", default=""
)

#: Fields a live request may carry that a batch line must not (a batch answer is one body).
_LIVE_ONLY = ("stream", "stream_options")


class KeyNotingCache:
    """The cache, noting each key looked up so the transport can name the request by it.

    With `writes=False` it stores nothing: planning replays answers without caching them,
    so the final build replays them too and its outputs count the usage they cost.
    """

    def __init__(self, cache: Any, *, writes: bool = True) -> None:
        self._cache = cache
        self._writes = writes

    def put(self, *args: Any, **kwargs: Any) -> Any:
        return self._cache.put(*args, **kwargs) if self._writes else None

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:
        model = args[0] if args else kwargs.get("model")
        kind = "overview" if "Overview" in getattr(model, "__name__", "") else "chunk"
        _current.set((key, kind))
        return self._cache.get(key, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache, name)


def line_body(body: dict[str, Any]) -> dict[str, Any]:
    """A live request body as a batch line sends it."""
    return {k: v for k, v in body.items() if k not in _LIVE_ONLY}


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


Answers = Callable[[str], tuple[dict[str, Any], dict[str, Any]] | None]


class ReplayTransport(httpx2.AsyncBaseTransport):
    """See the module docstring. `record` collects new requests (planning); `live` sends on."""

    def __init__(
        self,
        answers: Answers,
        *,
        record: dict[str, RequestLine] | None = None,
        live: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._answers = answers
        self._record = record
        self._live = live
        self.replayed = 0
        self.live_calls = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            if self._live is not None:
                return await self._live.handle_async_request(request)
            return _refusal("only chat requests are answered from a batch job", 404)
        body = json.loads(await request.aread())
        wanted = line_body(body)
        noted = _current.get()
        key, kind = noted if noted is not None else (None, "chunk")
        stored = self._answers(key) if key else None
        if stored is not None and canonical(stored[0]) == canonical(wanted):
            self.replayed += 1
            return _answer(stored[1], stream=bool(body.get("stream")), request=request)
        if key is not None and stored is None and self._record is not None:
            self._record.setdefault(
                key,
                RequestLine(
                    key,
                    "overview" if kind == "overview" else "chunk",
                    wanted,
                    f"{current_label.get()}: {kind}",
                ),
            )
            return _refusal("recorded for the batch job")
        if self._live is not None:
            self.live_calls += 1
            return await self._live.handle_async_request(request)
        return _refusal("the batch job gave no usable answer for this request")

    async def aclose(self) -> None:
        if self._live is not None:
            await self._live.aclose()


def _refusal(message: str, status: int = 424) -> httpx2.Response:
    # 424 and x-should-retry: the SDK gives up at once and the backend reports one line.
    payload = {"error": {"message": f"summarizer batch job: {message}", "type": "batch_job"}}
    return httpx2.Response(status, json=payload, headers={"x-should-retry": "false"})


def _answer(
    completion: dict[str, Any], *, stream: bool, request: httpx2.Request
) -> httpx2.Response:
    if not stream:
        return httpx2.Response(200, json=completion, request=request)
    return httpx2.Response(
        200,
        content=_sse(completion).encode("utf-8"),
        headers={"content-type": "text/event-stream"},
        request=request,
    )


def _sse(completion: dict[str, Any]) -> str:
    """A chat.completion as the stream of chunks a live server sends for it."""
    base = {
        "id": completion.get("id", "chatcmpl-batch"),
        "object": "chat.completion.chunk",
        "created": completion.get("created", int(time.time())),
        "model": completion.get("model", ""),
    }
    events = []
    for choice in completion.get("choices") or []:
        message = choice.get("message") or {}
        delta = {"role": "assistant", "content": message.get("content")}
        if message.get("refusal"):
            delta["refusal"] = message["refusal"]
        index = choice.get("index", 0)
        events.append(
            {**base, "choices": [{"index": index, "delta": delta, "finish_reason": None}]}
        )
        events.append(
            {
                **base,
                "choices": [
                    {"index": index, "delta": {}, "finish_reason": choice.get("finish_reason")}
                ],
            }
        )
    if completion.get("usage") is not None:
        events.append({**base, "choices": [], "usage": completion["usage"]})
    lines = [f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events]
    return "".join(lines) + "data: [DONE]\n\n"


def replay_backend(
    settings: Any,
    answers: Answers,
    *,
    record: dict[str, RequestLine] | None = None,
    live: bool = False,
) -> tuple[Any, ReplayTransport]:
    """The live `openai` backend over a `ReplayTransport` (and the transport, for its counts)."""
    from summarizer.backends.openai_compat import OpenAIBackend

    transport = ReplayTransport(
        answers, record=record, live=httpx2.AsyncHTTPTransport() if live else None
    )
    client = httpx2.AsyncClient(transport=transport, timeout=None)
    return OpenAIBackend(settings, http_client=client), transport
