"""A real chat-completions HTTP server on 127.0.0.1 for tests, with injectable faults.

In: a `responder(body) -> Reply` (default: one finding quoting the chunk's first sentence)
and faults per request index or at a seeded random rate. Out: OpenAI-format chat.completion
answers; every request recorded in `server.requests`.

    with ChatServer(faults={0: "429-ms"}) as srv:
        settings = Settings(base_url=srv.base_url, ...)

Faults: "429" (no retry header), "429-after" (retry-after: 1), "429-ms" (retry-after-ms: 1),
"500", "502", "503", "reset" (close the socket without an answer), "hang" (no answer for
`hang_s`), "truncated" (content is half a JSON document), "truncated-body" (the HTTP body is
cut short), "bad-schema" (JSON that breaks the schema), "refusal", "length", "empty",
"drip" (one byte every `drip_s` for ever), "endless" (a body that never ends, as fast as the
socket takes it), and malformed 200 answers: "html" (an HTML page), "json-list" (a JSON
list), "no-choices" (`choices: []`), "null-choices" (`choices: null`), "not-json" (content
that is not JSON).

A request with `"stream": true` is answered as server-sent events, as real servers do: the
content in pieces of `chars_per_token` characters, the first after `first_token_s`, then
`tokens_per_s` pieces a second (0: all at once), with usage in a last chunk when
`stream_options.include_usage` is set. `streaming=False` answers such requests with a plain
body (a server that ignores `stream`); `refuse_stream=True` answers them with HTTP 400.

Provider rules, as DeepSeek has them (`deepseek_like()` sets all four): `refuse_json_schema`
(HTTP 400 "This response_format type is unavailable now"), `require_json_word` (json_object
needs "json" in the prompt), `max_tokens_limit` (a larger max_tokens is HTTP 400) and
`max_tokens_default` (the limit when none is sent). With any of the last two, or
`enforce_max_tokens`, an answer longer than the limit (`tokens_of`, default: one token per
two characters) is cut there with finish_reason=length.
The server stops by itself after `max_requests` requests or `max_seconds` seconds.
"""

from __future__ import annotations

import hashlib
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
from pathlib import Path
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
    "drip",
    "endless",
    "html",
    "json-list",
    "no-choices",
    "null-choices",
    "not-json",
)

#: Faults served below the chat-completion level (the socket, or a malformed 200 body).
SOCKET_FAULTS = frozenset(
    {"reset", "hang", "truncated-body", "drip", "endless", "html", "json-list", "no-choices",
     "null-choices"}
)  # fmt: skip

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
    # More usage fields, as a provider names them (DeepSeek's prompt_cache_hit_tokens).
    usage_extra: dict[str, Any] = field(default_factory=dict)


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
    whole = isinstance(user, str) and "This chunk holds all the text we have of this report" in user
    overview = f"报告摘要：{quote}" if whole and quote else None
    return {"organization": None, "key_metrics": [], "findings": findings, "overview": overview}


def tokens_of(content: str) -> int:
    """The completion tokens the test server counts for an answer: one per two characters."""
    return (len(content) + 1) // 2


def deepseek_like(**options: Any) -> dict[str, Any]:
    """ChatServer options that behave like DeepSeek's API."""
    return {
        "refuse_json_schema": True,
        "require_json_word": True,
        "max_tokens_limit": 8192,
        "max_tokens_default": 4096,
        **options,
    }


def line_responder(body: Mapping[str, Any]) -> Reply:
    """One finding per line of the document (an answer that grows with its chunk)."""
    if is_overview(body):
        return default_responder(body)
    findings = []
    for line in (document_text(body) or "").split("\n"):
        quote = first_sentence(line)
        if len(quote) < 4:
            continue
        findings.append(
            {
                "kind": "achievement",
                "title": quote[:6],
                "summary": quote,
                "topic": "other",
                "metrics": [],
                "entities": [],
                "quotes": [quote],
            }
        )
    answer = {"organization": None, "key_metrics": [], "findings": findings, "overview": None}
    return Reply(content=json.dumps(answer, ensure_ascii=False))


RECORDINGS = Path(__file__).resolve().parent / "data" / "recordings" / "answers.jsonl"


def recorded_answers(path: Path = RECORDINGS) -> dict[str, dict[str, Any]]:
    """Recorded model answers (a copy of ../shared/recordings/seeds) by the SHA-256 of their
    request's document block."""
    answers: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            answers[row["document_sha256"]] = row["answer"]
    return answers


#: Quotes longer than this are abbreviated to their ends by `lean_answer`.
ANCHOR_CHARS = 6


def lean_answer(recorded: dict[str, Any]) -> dict[str, Any]:
    """A recorded answer (the schema of prompt version e039b34) converted mechanically to the
    lean answer: metrics as "name figure" (change and kind dropped: code reads them from the
    text), at most two quotes, each over 16 characters cut to its first and last six.
    Titles, summaries, entities and the overview stay as the model wrote them."""

    def metrics(items: list[dict[str, Any]]) -> list[str]:
        return [f"{m['name']} {m['raw']}" for m in items]

    def quote(text: str) -> str:
        if len(text) <= 2 * ANCHOR_CHARS + 4:
            return text
        return text[:ANCHOR_CHARS] + "…" + text[-ANCHOR_CHARS:]

    return {
        "organization": recorded.get("organization"),
        "key_metrics": metrics(recorded.get("key_metrics") or []),
        "findings": [
            {
                "kind": f["kind"],
                "title": f["title"],
                "summary": f["summary"],
                "topic": f["topic"],
                "metrics": metrics(f["metrics"]),
                "entities": f["entities"],
                "quotes": [quote(q) for q in f["quotes"][:2]],
            }
            for f in recorded["findings"]
        ],
        "overview": recorded.get("overview"),
    }


def recorded_responder(
    answers: Mapping[str, dict[str, Any]] | None = None,
    convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Callable[[dict[str, Any]], Reply]:
    """Answer a chunk whose document block was recorded with the recorded answer (converted
    to today's schema by `convert`, `lean_answer` unless told), anything else like
    `default_responder`."""
    known = recorded_answers() if answers is None else answers
    convert = lean_answer if convert is None else convert

    def respond(body: dict[str, Any]) -> Reply:
        text = document_text(body)
        if text is not None:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if digest in known:
                answer = convert(known[digest])
                content = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
                return Reply(content=content, completion_tokens=tokens_of(content))
        return default_responder(body)

    return respond


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
    if fault == "not-json":
        return Reply(content="Sure! Here is the summary you asked for: the zone grew.")
    if fault in SOCKET_FAULTS:
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
            **reply.usage_extra,
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
        drip_s: float = 0.5,
        streaming: bool = True,
        refuse_stream: bool = False,
        first_token_s: float = 0.0,
        tokens_per_s: float = 0.0,
        chars_per_token: int = 2,
        token_counter: Callable[[str], int] | None = None,
        props: dict[str, Any] | None = None,
        refuse_json_schema: bool = False,
        require_json_word: bool = False,
        max_tokens_limit: int | None = None,
        max_tokens_default: int | None = None,
        enforce_max_tokens: bool = False,
        max_requests: int = 2000,
        max_seconds: float = 120.0,
        send_usage: bool = True,
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
        self.drip_s = drip_s
        self.streaming = streaming
        self.refuse_stream = refuse_stream
        self.first_token_s = first_token_s
        self.tokens_per_s = tokens_per_s
        self.chars_per_token = chars_per_token
        # With a counter, a streamed answer goes out in as many pieces as it has tokens.
        self.token_counter = token_counter
        # What GET /props answers (llama-server's slots and context); None: 404.
        self.props = props
        self.refuse_json_schema = refuse_json_schema
        self.require_json_word = require_json_word
        self.max_tokens_limit = max_tokens_limit
        self.max_tokens_default = max_tokens_default
        self.enforce_max_tokens = enforce_max_tokens
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        # False: a stream never carries a usage chunk (servers that ignore include_usage).
        self.send_usage = send_usage
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

    def _provider_refusal(self, body: dict[str, Any]) -> str | None:
        """The 400 message a provider with these rules gives the request, or None."""
        kind = (body.get("response_format") or {}).get("type")
        if self.refuse_json_schema and kind == "json_schema":
            return "This response_format type is unavailable now"
        if self.require_json_word and kind == "json_object":
            text = " ".join(str(m.get("content")) for m in body.get("messages") or [])
            if "json" not in text.lower():
                return "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'."
        limit = body.get("max_tokens")
        if self.max_tokens_limit is not None and isinstance(limit, int):
            if not 1 <= limit <= self.max_tokens_limit:
                return (
                    "Invalid max_tokens value, the valid range of max_tokens is "
                    f"[1, {self.max_tokens_limit}]"
                )
        return None

    def _within_max_tokens(self, body: dict[str, Any], reply: Reply) -> Reply:
        limit = body.get("max_tokens") or body.get("max_completion_tokens")
        if limit is None:
            limit = self.max_tokens_default
        if limit is None or not (
            self.enforce_max_tokens or self.max_tokens_limit or self.max_tokens_default
        ):
            return reply
        content = reply.content or ""
        tokens = tokens_of(content)
        if tokens <= limit:
            return Reply(**{**reply.__dict__, "completion_tokens": tokens})
        cut = content[: int(limit) * 2]
        return Reply(
            **{
                **reply.__dict__,
                "content": cut,
                "finish_reason": "length",
                "completion_tokens": int(limit),
            }
        )

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
        if self.path.rstrip("/") == "/props" and self.chat.props is not None:
            self._send_json(200, self.chat.props)
        elif self.path.rstrip("/").endswith("/models"):
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
        wants_stream = bool(body.get("stream"))
        if wants_stream and self.chat.refuse_stream:
            self._send_json(
                400, {"error": {"message": "stream is not supported", "type": "invalid_request"}}
            )
            return
        refused = self.chat._provider_refusal(body)
        if refused is not None:
            self._send_json(400, {"error": {"message": refused, "type": "invalid_request_error"}})
            return
        fault = self.chat._fault_for(index)
        reply: Reply | str = fault_reply(fault, body) if fault else self.chat.responder(body)
        if isinstance(reply, Reply) and reply.status == 200:
            reply = self.chat._within_max_tokens(body, reply)
        if reply == "reset":
            self._reset()
            return
        if reply == "hang":
            self.chat._stopping.wait(self.chat.hang_s)
            self._reset()
            return
        model = str(body.get("model") or "test-model")
        if isinstance(reply, str) and self._malformed(reply):
            return
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
        if wants_stream and self.chat.streaming:
            include_usage = self.chat.send_usage and bool(
                (body.get("stream_options") or {}).get("include_usage")
            )
            self._send_stream(reply, model, index, include_usage)
            return
        self._send_json(200, completion_body(reply, model, index), reply.headers)

    def _malformed(self, fault: str) -> bool:
        """Serve the socket-level and malformed-body faults; False for any other fault."""
        if fault == "drip":
            self._start_body("text/event-stream")
            while not self.chat._stopping.wait(self.chat.drip_s):
                if not self._write(b":"):
                    break
            return True
        if fault == "endless":
            self._start_body("application/json")
            block = b" " * 65536
            deadline = time.monotonic() + 20
            while not self.chat._stopping.is_set() and time.monotonic() < deadline:
                if not self._write(block):
                    break
            return True
        bodies = {
            "html": ("text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
            "json-list": ("application/json", b'[{"error": "unexpected"}]'),
            "no-choices": ("application/json", b'{"id": "x", "choices": []}'),
            "null-choices": ("application/json", b'{"id": "x", "choices": null}'),
        }
        if fault not in bodies:
            return False
        kind, data = bodies[fault]
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self._write(data)
        return True

    def _start_body(self, kind: str) -> None:
        # No length: the body runs until the connection closes.
        self.close_connection = True
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.flush()

    def _write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            return False
        return True

    def _send_stream(self, reply: Reply, model: str, index: int, include_usage: bool) -> None:
        """The reply as server-sent events at the configured decode pace."""
        chat = self.chat
        self._start_body("text/event-stream")
        base = {"id": f"chatcmpl-test-{index}", "object": "chat.completion.chunk", "model": model}

        def event(payload: dict[str, Any]) -> bool:
            data = json.dumps({**base, "created": int(time.time()), **payload}, ensure_ascii=False)
            return self._write(f"data: {data}\n\n".encode())

        def delta(values: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {"choices": [{"index": 0, "delta": values, "finish_reason": finish}]}

        if chat.first_token_s and chat._stopping.wait(chat.first_token_s):
            return
        if not event(delta({"role": "assistant", "content": ""})):
            return
        text = reply.content or ""
        step = max(1, chat.chars_per_token)
        if chat.token_counter is not None and text:
            step = max(1, round(len(text) / max(1, chat.token_counter(text))))
        pause = 1 / chat.tokens_per_s if chat.tokens_per_s else 0.0
        for i in range(0, len(text), step):
            if pause and chat._stopping.wait(pause):
                return
            if not event(delta({"content": text[i : i + step]})):
                return
        if reply.refusal:
            event(delta({"refusal": reply.refusal}))
        event(delta({}, reply.finish_reason))
        if include_usage:
            usage = completion_body(reply, model, index)["usage"]
            event({"choices": [], "usage": usage})
        self._write(b"data: [DONE]\n\n")

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
