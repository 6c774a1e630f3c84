"""A real chat-completions HTTP server on 127.0.0.1 for tests, with injectable faults.

In: a `responder(body) -> Reply` (default: one finding quoting the chunk's first sentence)
and faults per request index or at a seeded random rate. Out: OpenAI-format chat.completion
answers; every request recorded in `server.requests`.

    with ChatServer(faults={0: "429-ms"}) as srv:
        settings = Settings(base_url=srv.base_url, ...)

Faults: "429" (no retry header), "429-after" (retry-after: 1), "429-ms" (retry-after-ms: 1),
"500", "502", "503", "reset" (close the socket without an answer), "hang" (no answer for
`hang_s`), "truncated" (content is half a JSON document), "truncated-body" (the HTTP body is
cut short), "bad-schema" (JSON that breaks the schema), "refusal", "length", "empty".
The server stops by itself after `max_requests` requests or `max_seconds` seconds.
"""

from __future__ import annotations

import json
import random
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = (
    "429",
    "429-after",
    "429-ms",
    "500",
    "502",
    "503",
    "reset",
    "hang",
    "truncated",
    "truncated-body",
    "bad-schema",
    "refusal",
    "length",
    "empty",
)

_DOCUMENT = re.compile(r'<document id="([0-9a-f]+)">\n?(.*?)\n?</document id="\1">', re.S)
_PART_KIND = re.compile(r"Part kind:\s*(\w+)")
_KIND_OF_PART = {
    "achievements": "achievement",
    "preamble": "achievement",
    "problems": "problem",
    "plans": "plan",
    "other": "other",
}


@dataclass
class Reply:
    """What the server answers to one request."""

    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # error message for a non-200 status
    prompt_tokens: int = 120
    completion_tokens: int = 30
    cached_tokens: int = 0


@dataclass
class Recorded:
    """One request as the server saw it."""

    index: int
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or None when the body was not JSON


def is_overview(body: Mapping[str, Any]) -> bool:
    """Whether a request asks for a report overview rather than a chunk extraction."""
    schema_name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    if schema_name == "OverviewText":
        return True
    last = (body.get("messages") or [{}])[-1]
    content = last.get("content") if isinstance(last, dict) else None
    # JSON mode sends no schema name; the overview prompt's fixed opening tells it apart.
    return isinstance(content, str) and content.startswith("Write the overview of one report")


def document_text(body: Mapping[str, Any]) -> str | None:
    """The chunk text between the delimiters of an extraction request; None for an overview."""
    if is_overview(body):
        return None
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            match = _DOCUMENT.search(content)
            if match:
                return match.group(2)
    return None


def first_sentence(text: str, limit: int = 80) -> str:
    """The first non-empty sentence or line of `text`, at most `limit` characters, verbatim."""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        match = re.search(r"[。！？；!?;]", line)
        sentence = line[: match.end()] if match else line
        return sentence[:limit]
    return ""


def extraction_for(body: Mapping[str, Any]) -> dict[str, Any]:
    """The default answer: one finding whose quote is the first sentence of the document."""
    text = document_text(body) or ""
    quote = first_sentence(text)
    user = next(
        (m.get("content") for m in reversed(body.get("messages") or []) if m.get("role") == "user"),
        "",
    )
    part = _PART_KIND.search(user if isinstance(user, str) else "")
    kind = _KIND_OF_PART.get(part.group(1) if part else "", "achievement")
    findings = []
    if quote:
        findings.append(
            {
                "kind": kind,
                "title": quote[:6],
                "summary": quote,
                "topic": "other",
                "metrics": [],
                "entities": [],
                "quotes": [quote],
            }
        )
    # Like a model that follows the prompt: the overview comes along when the chunk is the
    # whole report, and is null otherwise.
    whole = isinstance(user, str) and "This chunk holds the whole report" in user
    overview = f"报告摘要：{quote}" if whole and quote else None
    return {"organization": None, "key_metrics": [], "findings": findings, "overview": overview}


def default_responder(body: Mapping[str, Any]) -> Reply:
    """Answer extraction requests from the document; overview requests with one sentence."""
    if is_overview(body):
        return Reply(content=json.dumps({"overview": "概要。"}, ensure_ascii=False))
    return Reply(content=json.dumps(extraction_for(body), ensure_ascii=False))


def fault_reply(fault: str, body: Mapping[str, Any]) -> Reply | str:
    """The reply of a fault, or the fault name itself for the socket-level ones."""
    if fault == "429":
        return Reply(status=429, error="rate limit reached")
    if fault == "429-after":
        return Reply(status=429, error="rate limit reached", headers={"retry-after": "1"})
    if fault == "429-ms":
        return Reply(status=429, error="rate limit reached", headers={"retry-after-ms": "1"})
    if fault in ("500", "502", "503"):
        return Reply(status=int(fault), error=f"server error {fault}")
    if fault == "truncated":
        whole = json.dumps(extraction_for(body), ensure_ascii=False)
        return Reply(content=whole[: max(1, len(whole) // 2)])
    if fault == "bad-schema":
        return Reply(content=json.dumps({"findings": [{"kind": "nonsense"}]}))
    if fault == "refusal":
        return Reply(content=None, refusal="I can't help with that.")
    if fault == "length":
        whole = json.dumps(extraction_for(body), ensure_ascii=False)
        return Reply(content=whole[: len(whole) // 3], finish_reason="length")
    if fault == "empty":
        return Reply(content="")
    if fault in ("reset", "hang", "truncated-body"):
        return fault
    raise ValueError(f"unknown fault {fault!r}; choose one of {', '.join(FAULTS)}")


def completion_body(reply: Reply, model: str, index: int) -> dict[str, Any]:
    """A chat.completion JSON body for a 200 reply."""
    return {
        "id": f"chatcmpl-test-{index}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": reply.content,
                    "refusal": reply.refusal,
                },
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
        },
    }


class ChatServer:
    """A threaded local chat-completions server; use it as a context manager."""

    def __init__(
        self,
        responder: Callable[[dict[str, Any]], Reply] = default_responder,
        *,
        faults: Mapping[int, str] | None = None,
        fault_rate: float = 0.0,
        fault_kinds: tuple[str, ...] = ("429-ms", "500", "503"),
        seed: int = 0,
        latency_s: float = 0.0,
        hang_s: float = 3.0,
        max_requests: int = 2000,
        max_seconds: float = 120.0,
    ) -> None:
        for fault in [*(faults or {}).values(), *fault_kinds]:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}; choose one of {', '.join(FAULTS)}")
        self.responder = responder
        self.faults = dict(faults or {})
        self.fault_rate = fault_rate
        self.fault_kinds = fault_kinds
        self.latency_s = latency_s
        self.hang_s = hang_s
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.requests: list[Recorded] = []
        self.faults_served: list[tuple[int, str]] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Timer | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, e.g. http://127.0.0.1:PORT/v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ChatServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        server = self

        class Handler(_Handler):
            chat = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        # A forgotten server must not outlive its test run.
        self._watchdog = threading.Timer(self.max_seconds, self._shutdown_from_thread)
        self._watchdog.daemon = True
        self._watchdog.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hung handlers and close the socket."""
        self._stopping.set()
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _shutdown_from_thread(self) -> None:
        # shutdown() blocks until serve_forever returns, so never call it from a handler.
        self._stopping.set()
        if self._httpd is not None:
            threading.Thread(target=self._httpd.shutdown, daemon=True).start()

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ views

    def chat_requests(self) -> list[Recorded]:
        """The recorded chat-completion requests, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # ------------------------------------------------------------------ per request

    def _record(self, handler: BaseHTTPRequestHandler, body: Any) -> int:
        with self._lock:
            index = len(self.requests)
            self.requests.append(
                Recorded(
                    index=index,
                    method=handler.command,
                    path=handler.path,
                    headers={k.lower(): v for k, v in handler.headers.items()},
                    body=body,
                )
            )
        return index

    def _fault_for(self, index: int) -> str | None:
        with self._lock:
            if index in self.faults:
                fault: str | None = self.faults[index]
            elif self.fault_rate > 0 and self._random.random() < self.fault_rate:
                fault = self._random.choice(self.fault_kinds)
            else:
                fault = None
            if fault is not None:
                self.faults_served.append((index, fault))
        return fault


class _Handler(BaseHTTPRequestHandler):
    chat: ChatServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for
    # the client's delayed ACK (40 ms a request), which real endpoints do not add.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        if self._record_and(None) is None:
            return
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(
                200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]}
            )
        else:
            self._send_json(
                404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
            )

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = None
        index = self._record_and(body)
        if index is None:
            return
        if self.path not in ("/v1/chat/completions", "/chat/completions"):
            self._send_json(
                404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
            )
            return
        if not isinstance(body, dict):
            self._send_json(
                400, {"error": {"message": "body is not JSON", "type": "invalid_request"}}
            )
            return
        if self.chat.latency_s:
            self.chat._stopping.wait(self.chat.latency_s)
        fault = self.chat._fault_for(index)
        reply: Reply | str = fault_reply(fault, body) if fault else self.chat.responder(body)
        if reply == "reset":
            self._reset()
            return
        if reply == "hang":
            self.chat._stopping.wait(self.chat.hang_s)
            self._reset()
            return
        model = str(body.get("model") or "test-model")
        if reply == "truncated-body":
            data = json.dumps(completion_body(Reply(content="{}"), model, index)).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self._reset()
            return
        assert isinstance(reply, Reply)
        if reply.status != 200:
            error = {"message": reply.error or f"HTTP {reply.status}", "type": "test_fault"}
            self._send_json(reply.status, {"error": error}, reply.headers)
            return
        self._send_json(200, completion_body(reply, model, index), reply.headers)

    def _record_and(self, body: Any) -> int | None:
        index = self.chat._record(self, body)
        if index >= self.chat.max_requests:
            # Over the cap: refuse without retry and stop, so a runaway client ends.
            self._send_json(
                503,
                {"error": {"message": "test server request cap reached"}},
                {"x-should-retry": "false"},
            )
            self.chat._shutdown_from_thread()
            return None
        return index

    def _send_json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _reset(self) -> None:
        # SO_LINGER 0 turns close() into a TCP reset, as a crashed proxy would.
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
