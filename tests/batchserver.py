"""A local fake of the OpenAI Files + Batches endpoints on 127.0.0.1, for tests.

    POST /v1/files                 multipart upload (purpose=batch) → a file object
    POST /v1/batches               {input_file_id, endpoint, completion_window} → a batch
    GET  /v1/batches/{id}          each look advances validating → in_progress → completed
    GET  /v1/files/{id}/content    the bytes of an input, output or error file

Each request line is answered by `responder` (the chat server's default: the same answers a
live run gets), in the OpenAI output-line format. Faults: `fail_lines` answers the n-th line
overall (0-based, across batches) with a 4xx inside its result line; `error_lines` puts it in
the error file with a 500; `expire_batches` ends the n-th batch as `expired` with only its
first half answered. Stops by itself after `max_seconds`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chatserver import Reply, completion_body, default_responder

_STEPS = ("validating", "in_progress", "finalizing")


@dataclass
class FakeBatch:
    id: str
    input_file_id: str
    status: str = "validating"
    looks: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    metadata: dict[str, str] | None = None

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "metadata": self.metadata,
            "status": self.status,
            "created_at": int(time.time()),
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "request_counts": {
                "total": self.total,
                "completed": self.completed,
                "failed": self.failed,
            },
        }


@dataclass
class BatchServer:
    responder: Callable[[dict[str, Any]], Reply] = default_responder
    fail_lines: frozenset[int] = frozenset()
    error_lines: frozenset[int] = frozenset()
    expire_batches: frozenset[int] = frozenset()
    max_seconds: float = 120.0
    create_delay_s: float = 0.0  # answer `POST /batches` this late (the batch exists already)
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, FakeBatch] = field(default_factory=dict)
    lines_answered: list[dict[str, Any]] = field(default_factory=list)  # every request line run
    calls: list[str] = field(default_factory=list)  # "METHOD path" of every HTTP request
    live_requests: list[dict[str, Any]] = field(default_factory=list)  # chat bodies sent live

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._line_no = 0

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> BatchServer:
        server = self

        class Handler(_Handler):
            fake = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self._timer = threading.Timer(self.max_seconds, self._httpd.shutdown)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    # ------------------------------------------------------------------ behaviour

    def add_file(self, data: bytes) -> str:
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = data
        return file_id

    def create(self, input_file_id: str, metadata: dict[str, str] | None = None) -> FakeBatch:
        with self._lock:
            batch = FakeBatch(f"batch_{len(self.batches) + 1}", input_file_id, metadata=metadata)
            batch.total = sum(1 for ln in self.files[input_file_id].splitlines() if ln.strip())
            self.batches[batch.id] = batch
        return batch

    def look(self, batch_id: str) -> FakeBatch:
        with self._lock:
            batch = self.batches[batch_id]
            if batch.status in _STEPS:
                batch.looks += 1
                if batch.looks >= len(_STEPS):
                    self._run(
                        batch, expire=list(self.batches).index(batch_id) in self.expire_batches
                    )
                else:
                    batch.status = _STEPS[batch.looks]
        return batch

    def _run(self, batch: FakeBatch, *, expire: bool) -> None:
        requests = [
            json.loads(ln) for ln in self.files[batch.input_file_id].splitlines() if ln.strip()
        ]
        if expire:
            requests = requests[: len(requests) // 2]
        out: list[str] = []
        err: list[str] = []
        for req in requests:
            n = self._line_no
            self._line_no += 1
            self.lines_answered.append(req)
            cid = req["custom_id"]
            if n in self.error_lines:
                err.append(_line(cid, 500, {"error": {"message": "server error in batch"}}))
                batch.failed += 1
                continue
            if n in self.fail_lines:
                out.append(_line(cid, 400, {"error": {"message": "invalid request in line"}}))
                batch.failed += 1
                continue
            reply = self.responder(req["body"])
            out.append(_line(cid, 200, completion_body(reply, req["body"].get("model", "m"), n)))
            batch.completed += 1
        batch.output_file_id = (
            self.add_file("".join(x + "\n" for x in out).encode()) if out else None
        )
        batch.error_file_id = (
            self.add_file("".join(x + "\n" for x in err).encode()) if err else None
        )
        batch.status = "expired" if expire else "completed"


def _sse(completion: dict[str, Any]) -> str:
    """One chat.completion as a server-sent event stream: content, finish, usage, done."""
    choice = completion["choices"][0]
    base = {k: completion[k] for k in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    events = [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": choice["message"]["content"]},
                    "finish_reason": None,
                }
            ],
        },
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]},
        {**base, "choices": [], "usage": completion["usage"]},
    ]
    return (
        "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events)
        + "data: [DONE]\n\n"
    )


def _line(custom_id: str, status: int, body: dict[str, Any]) -> str:
    return json.dumps(
        {
            "id": f"batch_req_{custom_id[:8]}",
            "custom_id": custom_id,
            "response": {"status_code": status, "request_id": "req_test", "body": body},
            "error": None,
        },
        ensure_ascii=False,
    )


class _Handler(BaseHTTPRequestHandler):
    fake: BatchServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.fake.calls.append(f"GET {self.path}")
        parts = self.path.strip("/").split("/")
        if self.path.split("?")[0] == "/v1/batches":
            # The list, newest first, one page (the fake never holds more than a page).
            with self.fake._lock:
                listed = [b.body() for b in reversed(self.fake.batches.values())]
            self._json(200, {"object": "list", "data": listed, "has_more": False})
        elif len(parts) == 3 and parts[1] == "batches" and parts[2] in self.fake.batches:
            self._json(200, self.fake.look(parts[2]).body())
        elif len(parts) == 4 and parts[1] == "files" and parts[3] == "content":
            data = self.fake.files.get(parts[2])
            if data is None:
                self._json(404, {"error": {"message": "no such file"}})
            else:
                self._send(200, data, "application/octet-stream")
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        self.fake.calls.append(f"POST {self.path}")
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path == "/v1/chat/completions":
            # A live call (the repair of an answer the batch gave): answered like a line.
            body = json.loads(raw)
            self.fake.live_requests.append(body)
            completion = completion_body(self.fake.responder(body), body.get("model", "m"), 0)
            if body.get("stream"):
                self._send(200, _sse(completion).encode(), "text/event-stream")
            else:
                self._json(200, completion)
        elif self.path == "/v1/files":
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + raw
            )
            fields = {
                p.get_param("name", header="content-disposition"): p for p in message.iter_parts()
            }
            upload = fields.get("file")
            purpose = fields.get("purpose")
            if upload is None or purpose is None or purpose.get_content().strip() != "batch":
                self._json(400, {"error": {"message": "a file with purpose=batch is required"}})
                return
            data = upload.get_payload(decode=True)
            file_id = self.fake.add_file(data)
            self._json(
                200,
                {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(data),
                    "created_at": int(time.time()),
                    "filename": upload.get_filename(),
                    "purpose": "batch",
                    "status": "processed",
                },
            )
        elif self.path == "/v1/batches":
            body = json.loads(raw)
            if (
                body.get("input_file_id") not in self.fake.files
                or body.get("endpoint") != "/v1/chat/completions"
            ):
                self._json(400, {"error": {"message": "bad batch request"}})
                return
            batch = self.fake.create(body["input_file_id"], body.get("metadata"))
            time.sleep(self.fake.create_delay_s)
            self._json(200, batch.body())
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
