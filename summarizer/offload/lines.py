"""The batch JSONL format shared by OpenAI's Batch API, DashScope and `vllm run-batch`.

In: request lines (custom_id, body). Out: JSONL files within the provider's limits; and back,
result lines (custom_id, HTTP status, body or error) from output and error files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

# The chat-completions endpoint every line targets.
from summarizer.backends.openai_compat.batch_api import ENDPOINT

#: OpenAI's limits per input file (DashScope's are lower in count; see `limits_for`).
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024

LineKind = Literal["chunk", "overview"]


@dataclass(frozen=True)
class RequestLine:
    """One request of a batch: the exact chat body, keyed by the answer's cache key."""

    custom_id: str
    kind: LineKind
    body: dict[str, Any]
    label: str = ""  # file and chunk, for messages

    def jsonl(self) -> str:
        return json.dumps(
            {"custom_id": self.custom_id, "method": "POST", "url": ENDPOINT, "body": self.body},
            ensure_ascii=False,
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class ResultLine:
    """One line of an output or error file."""

    custom_id: str
    status_code: int | None  # the HTTP status of the request inside the batch
    body: dict[str, Any] | None  # the chat.completion body on 200
    error: str | None  # why the line failed; None on 200

    @property
    def ok(self) -> bool:
        return self.status_code == 200 and self.body is not None and self.error is None


def split_files(
    lines: Iterable[RequestLine], *, max_requests: int = MAX_REQUESTS, max_bytes: int = MAX_BYTES
) -> Iterator[list[RequestLine]]:
    """Group lines into input files that each stay within both limits (in order)."""
    group: list[RequestLine] = []
    size = 0
    for line in lines:
        n = len(line.jsonl().encode("utf-8")) + 1
        if n > max_bytes:
            raise ValueError(f"one request is {n:,} bytes, over the {max_bytes:,}-byte file limit")
        if group and (len(group) >= max_requests or size + n > max_bytes):
            yield group
            group, size = [], 0
        group.append(line)
        size += n
    if group:
        yield group


def to_bytes(lines: Iterable[RequestLine]) -> bytes:
    return "".join(line.jsonl() + "\n" for line in lines).encode("utf-8")


def parse_results(data: bytes | str) -> list[ResultLine]:
    """Every line of an output or error file; a line that is not JSON is skipped."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    results = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("custom_id"), str):
            results.append(_result(item))
    return results


def _result(item: dict[str, Any]) -> ResultLine:
    custom_id = item["custom_id"]
    response = item.get("response") if isinstance(item.get("response"), dict) else None
    status = response.get("status_code") if response else None
    body = response.get("body") if response else None
    error = item.get("error")
    if error:
        return ResultLine(
            custom_id, status if isinstance(status, int) else None, None, _text(error)
        )
    if not isinstance(status, int):
        return ResultLine(custom_id, None, None, "the result line has no response status")
    if status != 200:
        # A 4xx inside a result is that line's failure, not the batch's.
        return ResultLine(custom_id, status, None, f"HTTP {status}: {_text(body)}")
    if not isinstance(body, dict):
        return ResultLine(custom_id, status, None, "the result line has no response body")
    return ResultLine(custom_id, status, body, None)


def _text(error: Any, limit: int = 300) -> str:
    if isinstance(error, dict):
        nested = error.get("error")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else error
        message = inner.get("message") or inner.get("code") or json.dumps(inner)
    else:
        message = str(error)
    message = " ".join(str(message).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
