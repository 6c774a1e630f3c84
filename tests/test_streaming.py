"""Bounded model calls against tests/chatserver.py on 127.0.0.1: streaming at a decode pace,
idle timeout and whole-call deadline, response size cap, malformed 200 answers, the
non-streaming fallback, waits on the progress line and the response-format fallback.

Limits are injected small (idle 0.3-1 s, deadline under a second, a 0.5 MB cap), and sleeps
between retries go through an injected function, so every test runs in about a second.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chatserver import ChatServer, Reply, default_responder
from helpers import KEY, make_request

from summarizer.backends.extract import ExtractResult
from summarizer.backends.openai_compat import OpenAIBackend
from summarizer.core.activity import ACTIVITY
from summarizer.core.config import Settings
from summarizer.core.errors import ExtractionError


@pytest.fixture(autouse=True)
def fresh_activity(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    ACTIVITY.reset()
    lines: list[str] = []
    ACTIVITY.listeners.append(lines.append)
    yield lines
    ACTIVITY.listeners.remove(lines.append)
    ACTIVITY.reset()


class Sleeps:
    """An injected sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def backend_for(srv: ChatServer, sleep: Sleeps | None = None, **values: Any) -> OpenAIBackend:
    settings: dict[str, Any] = {"base_url": srv.base_url, "model": "gpt-4o-mini", "max_retries": 0}
    settings.update(values)
    return OpenAIBackend(Settings(**settings), sleep=sleep or Sleeps())


def extract(backend: OpenAIBackend) -> ExtractResult:
    async def go() -> ExtractResult:
        try:
            return await backend.extract(make_request())
        finally:
            await backend.aclose()

    return asyncio.run(go())


def extract_twice(backend: OpenAIBackend) -> list[ExtractResult]:
    """Two calls for the same chunk on one backend (what it learnt in the first stays)."""

    async def go() -> list[ExtractResult]:
        try:
            return [await backend.extract(make_request()) for _ in range(2)]
        finally:
            await backend.aclose()

    return asyncio.run(go())


def long_answer(body: dict[str, Any]) -> Reply:
    """The default answer with twelve findings: about 300 streamed pieces."""
    reply = default_responder(body)
    data = json.loads(reply.content or "{}")
    data["findings"][0]["summary"] = "全年新签约项目32个。" * 6
    data["findings"] = data["findings"] * 12
    return Reply(content=json.dumps(data, ensure_ascii=False), completion_tokens=321)


# --------------------------------------------------------------------------- streaming


def test_a_long_streamed_answer_outlasts_the_idle_timeout() -> None:
    # ~300 pieces at 200 a second: 1.5 s in all, 5 ms apart; the idle limit is 0.3 s.
    with ChatServer(long_answer, tokens_per_s=200, chars_per_token=3) as srv:
        result = extract(backend_for(srv, timeout_s=0.3))
        body = srv.chat_requests()[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert result.extraction.findings[0].summary.startswith("全年新签约项目32个。")
    # Usage is the server's (from the last streamed chunk), not our estimate.
    assert result.usage.completion_tokens == 321 and result.usage.prompt_tokens == 120
    assert ACTIVITY.streamed_tokens > 250
    assert "tok out" in ACTIVITY.status()


def test_the_output_limit_is_always_sent() -> None:
    with ChatServer() as srv:
        extract(backend_for(srv))
        extract(backend_for(srv, max_output_tokens=900))
        first, second = (r.body for r in srv.chat_requests())
    assert first["max_tokens"] == 16384  # gpt-4o-mini in the capability table
    assert second["max_tokens"] == 900


def test_a_slow_drip_is_stopped_by_the_deadline() -> None:
    # A byte every 0.1 s keeps the idle timer happy for ever; the deadline does not wait.
    with ChatServer(faults={0: "drip"}, drip_s=0.1) as srv:
        with pytest.raises(ExtractionError, match=r"within the 0.8s deadline.*--timeout"):
            extract(backend_for(srv, timeout_s=1.0, deadline_s=0.8))
        assert len(srv.chat_requests()) == 1


def test_the_deadline_derives_from_the_output_budget() -> None:
    with ChatServer() as srv:
        backend = backend_for(srv, timeout_s=60, max_output_tokens=800)
    assert backend.deadline_s == 60 + 800 / 8


def test_an_endless_body_is_cut_at_the_size_cap() -> None:
    with ChatServer(faults={0: "endless"}) as srv:
        with pytest.raises(ExtractionError, match=r"passed [\d,]+ bytes and was cut"):
            extract(backend_for(srv, max_response_mb=0.5, timeout_s=5))


def test_a_server_that_ignores_stream_is_read_as_a_plain_answer() -> None:
    with ChatServer(streaming=False) as srv:
        result = extract(backend_for(srv))
    assert result.extraction.findings and result.usage.completion_tokens == 30


def test_a_server_that_refuses_streaming_gets_plain_requests(fresh_activity: list[str]) -> None:
    with ChatServer(refuse_stream=True) as srv:
        results = extract_twice(backend_for(srv))
        streamed = [bool(r.body.get("stream")) for r in srv.chat_requests()]
    assert streamed == [True, False, False]  # refused once, then plain for the run
    assert all(r.extraction.findings for r in results)
    assert sum("refused streaming" in line for line in fresh_activity) == 1


# --------------------------------------------------------------------------- malformed answers


@pytest.mark.parametrize("fault", ["html", "json-list", "no-choices", "null-choices"])
def test_malformed_answers_are_retried(fault: str) -> None:
    with ChatServer(faults={0: fault}) as srv:
        result = extract(backend_for(srv, max_retries=1))
        assert len(srv.chat_requests()) == 2
    assert result.extraction.findings


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("html", "not JSON (HTTP 200, text/html)"),
        ("json-list", "a JSON list instead of a chat completion"),
        ("no-choices", "no choices"),
        ("null-choices", "no choices"),
    ],
)
def test_malformed_answers_fail_in_one_readable_line(fault: str, words: str) -> None:
    with ChatServer(faults={0: fault}) as srv:
        with pytest.raises(ExtractionError) as caught:
            extract(backend_for(srv))
    message = str(caught.value)
    assert "malformed answer from" in message and words in message
    assert "\n" not in message and "Traceback" not in message


def test_non_json_content_in_json_mode_gets_the_repair_retry() -> None:
    with ChatServer(faults={0: "not-json"}) as srv:
        result = extract(backend_for(srv, json_mode=True))
        requests = srv.chat_requests()
    assert len(requests) == 2
    assert "could not be used" in requests[1].body["messages"][-1]["content"]
    assert result.extraction.findings


# --------------------------------------------------------------------------- waits


def test_a_long_retry_after_is_shown_and_honoured(fresh_activity: list[str]) -> None:
    served: list[int] = []

    def responder(body: dict[str, Any]) -> Reply:
        served.append(1)
        if len(served) == 1:
            return Reply(status=429, error="slow down", headers={"retry-after": "30"})
        return default_responder(body)

    sleeps = Sleeps()
    ACTIVITY.clock = lambda: 1000.0  # frozen: the wait is still ahead when we look
    try:
        with ChatServer(responder) as srv:
            extract(backend_for(srv, sleeps, max_retries=2))
        assert sleeps.waits == [30.0]
        assert any(line.startswith("waiting 30s: rate limited") for line in fresh_activity)
        assert ACTIVITY.status().startswith("waiting 30s (rate limited")
    finally:
        ACTIVITY.clock = __import__("time").monotonic


def test_short_backoffs_are_not_announced(fresh_activity: list[str]) -> None:
    sleeps = Sleeps()
    with ChatServer(faults={0: "500"}) as srv:
        extract(backend_for(srv, sleeps, max_retries=1))
    assert len(sleeps.waits) == 1 and sleeps.waits[0] < 3
    assert not any(line.startswith("waiting") for line in fresh_activity)


# --------------------------------------------------------------------------- response format


def test_a_refused_response_format_falls_back_to_json_mode_once(
    fresh_activity: list[str],
) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        if body["response_format"]["type"] == "json_schema":
            return Reply(status=400, error="This response_format type is unavailable now")
        return default_responder(body)

    with ChatServer(responder) as srv:
        results = extract_twice(backend_for(srv))
        kinds = [r.body["response_format"]["type"] for r in srv.chat_requests()]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert sum("using JSON mode for the rest of the run" in x for x in fresh_activity) == 1
    # The answer is stored under the request that was answered, not the refused one.
    assert results[0].request is not None
    assert results[0].request["response_format"] == {"type": "json_object"}
    assert '"findings"' in results[0].request["messages"][0]["content"]


def test_the_progress_line_shows_tokens_arriving_then_waits() -> None:
    from rich.console import Console

    from summarizer.core.activity import Activity
    from summarizer.core.progress import LiveColumn, announce_waits

    now = [100.0]
    activity = Activity(clock=lambda: now[0])
    column = LiveColumn(activity)
    activity.call_started()
    now[0] = 102.0
    activity.tokens(120)
    assert column.render(None).plain == "120 tok out, 60 tok/s"  # type: ignore[arg-type]
    console = Console(record=True, width=100)
    undo = announce_waits(console, activity)
    activity.waiting(30, "rate limited by the server")
    undo()
    assert column.render(None).plain == "waiting 30s (rate limited by the server)"  # type: ignore[arg-type]
    assert "waiting 30s: rate limited by the server" in console.export_text()
