"""Local servers (llama.cpp, Ollama, vLLM): slots from /props, the longer timeout and single
retry, JSON mode with the schema inside, and the warnings that name a broken server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from chatserver import ChatServer, Reply, default_responder
from helpers import make_request, run_cli

from summarizer.backends.extract import ExtractResult
from summarizer.backends.openai_compat import OpenAIBackend
from summarizer.core.activity import ACTIVITY
from summarizer.core.config import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(autouse=True)
def notices(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    ACTIVITY.reset()
    lines: list[str] = []
    ACTIVITY.listeners.append(lines.append)
    yield lines
    ACTIVITY.listeners.remove(lines.append)
    ACTIVITY.reset()


def test_local_profiles_wait_longer_and_retry_once() -> None:
    backend = OpenAIBackend(Settings(provider="llamacpp"))
    assert (backend.idle_s, backend.retries) == (300.0, 1)
    assert OpenAIBackend(Settings(provider="llamacpp", timeout_s=20)).idle_s == 20


def test_llamacpp_json_mode_carries_the_schema() -> None:
    body = OpenAIBackend(Settings(provider="llamacpp", json_mode=True)).chunk_request(
        make_request()
    )
    fmt = body["response_format"]
    assert fmt["type"] == "json_object" and fmt["schema"]["title"] == "ChunkAnswer"
    # llama.cpp enforces the size bounds through its grammar: they are sent.
    assert fmt["schema"]["$defs"]["AnswerFinding"]["properties"]["title"]["maxLength"] == 40


def test_openai_schema_carries_no_size_bounds() -> None:
    body = OpenAIBackend(
        Settings(base_url="http://127.0.0.1:9/v1", model="gpt-4o-mini")
    ).chunk_request(make_request())
    assert "maxLength" not in json.dumps(body["response_format"])


def test_slots_from_props_bound_the_calls_at_once(notices: list[str]) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def responder(body: dict[str, Any]) -> Reply:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return default_responder(body)

    props = {"total_slots": 1, "default_generation_settings": {"n_ctx": 16384}}
    with ChatServer(responder, props=props) as srv:
        backend = OpenAIBackend(Settings(provider="llamacpp", base_url=srv.base_url, concurrency=8))

        async def many() -> list[ExtractResult]:
            try:
                return list(
                    await asyncio.gather(
                        *(backend.extract(make_request(f"第{i}段文字。")) for i in range(4))
                    )
                )
            finally:
                await backend.aclose()

        results = asyncio.run(many())
    assert len(results) == 4 and peak == 1
    assert backend.server_slots == 1 and backend.server_context == 16384
    assert any("1 slot(s)" in line for line in notices)


def test_a_server_that_drops_the_prompt_is_named(notices: list[str]) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        reply = default_responder(body)
        reply.prompt_tokens = 3  # a broken chat template: the prompt shrank to nothing
        return reply

    with ChatServer(responder) as srv:
        backend = OpenAIBackend(Settings(base_url=srv.base_url, model="gpt-4o-mini"))

        async def one() -> ExtractResult:
            try:
                return await backend.extract(make_request())
            finally:
                await backend.aclose()

        asyncio.run(one())
    assert any("counted 3 prompt tokens" in line and "chat template" in line for line in notices)


def test_no_findings_on_a_substantive_part_is_a_warning(tmp_path: Path) -> None:
    def empty(body: dict[str, Any]) -> Reply:
        answer = {"organization": None, "key_metrics": [], "findings": [], "overview": None}
        return Reply(content=json.dumps(answer))

    with ChatServer(empty) as srv:
        done = run_cli(
            "summarize", SEEDS / "002_5de55685ee9f017a.txt", "-o", tmp_path / "o.json",
            "--base-url", srv.base_url, "--model", "gpt-4o-mini", "--no-cache",
            cwd=tmp_path, env={"OPENAI_API_KEY": "sk-test"},
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert any("the model returned no findings" in w for w in doc["warnings"])


def test_context_errors_name_the_context_not_json_mode() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        return Reply(status=400, error="the request exceeds the available context size")

    with ChatServer(responder) as srv:
        backend = OpenAIBackend(Settings(provider="llamacpp", base_url=srv.base_url))
        with pytest.raises(Exception) as caught:
            asyncio.run(backend.extract(make_request()))
    message = str(caught.value)
    assert "does not fit the model's context" in message and "-np" in message
    assert "--json-mode" not in message
