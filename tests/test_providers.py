"""Provider profiles and output budgets end to end, against tests/chatserver.py on 127.0.0.1.

- A DeepSeek-like server (no json_schema, "json" required in JSON mode, max_tokens 4096 by
  default and at most 8192) answering the recorded answers: `--provider deepseek` with no
  other flag completes every seed.
- A server that enforces max tokens and cuts with finish_reason=length: the tool splits the
  chunk and completes, counting the cut attempt's usage.
- The capability table: profiles, unknown models, Qwen's thinking switch.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from chatserver import (
    ChatServer,
    deepseek_like,
    document_text,
    line_responder,
    recorded_answers,
    recorded_responder,
)
from helpers import run_cli

from summarizer.backends.capabilities import capabilities_for
from summarizer.backends.extract import split_chunk
from summarizer.core.config import Settings
from summarizer.pipeline import analyse, chunk_tokens_for

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def test_deepseek_provider_completes_every_seed_with_no_other_flag(tmp_path: Path) -> None:
    with ChatServer(recorded_responder(), **deepseek_like()) as srv:
        done = run_cli(
            "batch", SEEDS, "-o", tmp_path / "out", "--provider", "deepseek",
            "--base-url", srv.base_url, "--cache-dir", tmp_path / "cache",
            cwd=tmp_path, env={"DEEPSEEK_API_KEY": "sk-test-deepseek"}, timeout=120,
        )  # fmt: skip
        bodies = [r.body for r in srv.chat_requests()]
    assert done.returncode == 0, done.stderr
    outputs = sorted((tmp_path / "out").glob("*.json"))
    assert len(outputs) == len(list(SEEDS.glob("*.txt"))) == 5
    for path in outputs:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["provenance"]["model"] == "deepseek-chat"
        assert sum(len(r["achievements"]) for r in doc["reports"]) > 0
    # Every request was one DeepSeek accepts: JSON mode, "json" in it, max_tokens <= 8192.
    assert all(b["response_format"] == {"type": "json_object"} for b in bodies)
    assert all(b["max_tokens"] == 8192 for b in bodies)
    assert all("json" in json.dumps(b["messages"]).lower() for b in bodies)
    # The recorded answers were found by their document blocks: the chunks are the same.
    recorded = recorded_answers()
    texts = [document_text(b) for b in bodies]
    hits = [t for t in texts if t and hashlib.sha256(t.encode()).hexdigest() in recorded]
    assert len(hits) == len(recorded) == 7


def test_an_answer_cut_at_max_tokens_splits_the_chunk_and_completes(tmp_path: Path) -> None:
    with ChatServer(line_responder, enforce_max_tokens=True) as srv:
        done = run_cli(
            "summarize", SEEDS / "002_5de55685ee9f017a.txt", "-o", tmp_path / "o.json",
            "--base-url", srv.base_url, "--model", "gpt-4o-mini", "--max-output-tokens", "700",
            "--no-cache", "--no-overview",
            cwd=tmp_path, env={"OPENAI_API_KEY": "sk-test"}, timeout=120,
        )  # fmt: skip
        requests = srv.chat_requests()
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    cut = [w for w in doc["warnings"] if "hit the output limit" in w]
    assert cut, doc["warnings"]
    assert all(r.body["max_tokens"] == 700 for r in requests)
    # The cut attempts were paid for: every request is in the usage.
    assert doc["provenance"]["usage"]["calls"] == len(requests)
    findings = [f for r in doc["reports"] for f in r["achievements"] + r["plans"]]
    assert findings and all(f["verified"] for f in findings)


def test_split_chunk_cuts_at_a_section_start_near_the_middle() -> None:
    analysis = analyse(SEEDS / "002_5de55685ee9f017a.txt", tokens="estimate")
    chunk = max(analysis.chunks, key=lambda c: c.end - c.start)
    report = analysis.reports[chunk.report]
    halves = split_chunk(chunk, report)
    assert halves is not None
    first, second = halves
    assert (first.start, first.end, second.end) == (chunk.start, second.start, chunk.end)
    assert first.text + second.text == chunk.text
    starts = {s.start for p in report.parts for s in p.walk()}
    assert second.start in starts  # a section boundary, not the middle of a sentence


def test_split_chunk_refuses_a_tiny_chunk() -> None:
    analysis = analyse(SEEDS / "002_5de55685ee9f017a.txt", tokens="estimate")
    chunk = analysis.chunks[0]
    tiny = type(chunk)(
        index=0, report=0, kind=chunk.kind, path=chunk.path, start=chunk.start,
        end=chunk.start + 50, text=chunk.text[:50], tokens=30,
    )  # fmt: skip
    assert split_chunk(tiny, analysis.reports[0]) is None


# --------------------------------------------------------------------------- capability table


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        ("openai", "gpt-4o-mini", {"response_format": "json_schema", "max_output_tokens": 16384}),
        ("openai", "gpt-4o-2024-08-06", {"match": "gpt-4o", "price_in": 2.5}),
        ("openai", "o4-mini", {"max_tokens_field": "max_completion_tokens", "temperature": False}),
        ("deepseek", "deepseek-chat", {"response_format": "json_object", "json_word": True}),
        ("deepseek", "deepseek-chat", {"max_output_tokens": 8192}),
        ("qwen", "qwen-plus", {"response_format": "json_schema"}),
        ("qwen", "qwen3-32b", {"response_format": "json_object"}),
        ("qwen", "qwen3-32b", {"extra_body": {"enable_thinking": False}}),
        (
            "vllm",
            "Qwen/Qwen3-8B",
            {"extra_body": {"chat_template_kwargs": {"enable_thinking": False}}},
        ),
        ("llamacpp", "local", {"json_object_schema": True, "local": True, "max_retries": 1}),
        ("openai", "my-new-model", {"known": False, "max_output_tokens": 4096}),
    ],
)
def test_capability_table(provider: str, model: str, expected: dict[str, Any]) -> None:
    caps = capabilities_for(provider, model)
    assert {k: getattr(caps, k) for k in expected} == expected


def test_qwen_requests_turn_thinking_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import make_request

    from summarizer.backends.openai_compat import OpenAIBackend

    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-test")
    body = OpenAIBackend(Settings(provider="qwen", model="qwen3-32b")).chunk_request(make_request())
    assert body["enable_thinking"] is False
    assert body["response_format"] == {"type": "json_object"}
    assert "json" in body["messages"][0]["content"].lower()


def test_reasoning_models_get_max_completion_tokens_and_no_temperature(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from helpers import make_request

    from summarizer.backends.openai_compat import OpenAIBackend

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    body = OpenAIBackend(Settings(model="o4-mini")).chunk_request(make_request())
    assert body["max_completion_tokens"] == 100000
    assert "max_tokens" not in body and "temperature" not in body


def test_chunks_are_sized_so_the_answer_fits_the_output_limit() -> None:
    from summarizer.backends.pricing import COMPLETION_RATIO_HIGH, OUTPUT_MARGIN

    assert chunk_tokens_for(Settings()) == 6000  # gpt-4o-mini: 16,384 out
    small = chunk_tokens_for(Settings(provider="llamacpp"))
    assert small == int(4096 * OUTPUT_MARGIN / COMPLETION_RATIO_HIGH) < 6000
    assert chunk_tokens_for(Settings(max_output_tokens=700)) == int(
        700 * OUTPUT_MARGIN / COMPLETION_RATIO_HIGH
    )


def test_models_command_lists_the_table(tmp_path: Path) -> None:
    done = run_cli("models", cwd=tmp_path, env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    for word in ("deepseek-chat", "json_object", "gpt-4o-mini", "qwen-plus", "max_completion"):
        assert word in done.stdout
    listed = json.loads(run_cli("models", "--json", cwd=tmp_path).stdout)
    assert {"match", "context_window", "max_output_tokens", "price_in"} <= set(listed[0])
