"""Issue 26 items 1 and 2: one failed chunk never discards the others; every paid token counted.

Through the CLI as a subprocess against tests/chatserver.py, whose own request log is the
truth: each answer it served costs 120 prompt and 30 completion tokens (its defaults)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from chatserver import (
    ChatServer,
    Reply,
    default_responder,
    document_text,
    is_overview,
    line_responder,
)
from helpers import ROOT, batch_args, cli_env, read_index, run_cli, summarize

pytestmark = pytest.mark.slow

SEED_003 = ROOT / "seeds" / "003_493866bb6fb899fa.txt"


def _one_chunk_unreadable() -> tuple[Callable[[dict[str, Any]], Reply], set[str]]:
    """Answers every chunk but the second distinct one, which gets prose twice (first
    answer and repair): nothing usable, so that chunk fails."""
    seen: list[str] = []
    bad: set[str] = set()

    def respond(body: dict[str, Any]) -> Reply:
        if is_overview(body):
            return default_responder(body)
        doc = document_text(body) or ""
        if doc not in seen:
            seen.append(doc)
        if len(seen) >= 2 and doc == seen[1]:
            bad.add(doc)
            return Reply(content="对不起，这一部分我无法整理成JSON。")
        return default_responder(body)

    return respond, bad


def _served(srv: ChatServer) -> tuple[int, int, int]:
    n = len(srv.chat_requests())
    return n, 120 * n, 30 * n


def test_one_failed_chunk_of_seed_003_keeps_the_others_and_exits_1(tmp_path: Path) -> None:
    src = tmp_path / "003.txt"
    shutil.copy(SEED_003, src)
    respond, bad = _one_chunk_unreadable()
    with ChatServer(respond) as srv:
        proc = summarize(srv, src, tmp_path)
        calls, prompt, completion = _served(srv)
    assert proc.returncode == 1, proc.stderr
    assert "chunk(s) failed, the output was written without them" in proc.stderr
    doc = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert len(doc["missing"]) == 1 and bad
    missing = doc["missing"][0]
    assert "answer still invalid after one repair retry" in missing["error"]
    assert any(
        f"chunk {missing['chunk']} (" in w and "missing from this output" in w
        for w in doc["warnings"]
    )
    findings = sum(
        len(r[k]) for r in doc["reports"] for k in ("achievements", "problems", "plans", "other")
    )
    assert findings > 0, "the other chunks' findings are written"
    usage = doc["provenance"]["usage"]
    assert (usage["calls"], usage["prompt_tokens"], usage["completion_tokens"]) == (
        calls,
        prompt,
        completion,
    )


def test_a_batch_counts_a_partial_file_and_a_rerun_buys_only_what_failed(
    tmp_path: Path,
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED_003, inputs / "003.txt")
    out = tmp_path / "out"
    respond, _ = _one_chunk_unreadable()
    with ChatServer(respond) as srv:
        proc = run_cli(*batch_args(srv, inputs, out, tmp_path), env=cli_env())
        calls, prompt, completion = _served(srv)
        assert proc.returncode == 1, proc.stderr
        (record,) = read_index(out)
        assert record["status"] == "failed" and "chunk(s) failed" in record["error"]
        assert (out / "003.txt.json").exists()
        assert (record["calls"], record["tokens"]["prompt"], record["tokens"]["completion"]) == (
            calls, prompt, completion,
        )  # fmt: skip
        assert record["cost_usd"] and record["cost_usd"] > 0
        assert re.search(rf"model calls\s*│\s*{calls:,}\s*│", proc.stdout), proc.stdout
        # A healthy re-run (the same endpoint, so the same cache keys) asks only for the
        # chunk that failed.
        srv.responder = default_responder
        again = run_cli(*batch_args(srv, inputs, out, tmp_path), env=cli_env())
        assert len(srv.chat_requests()) == calls + 1, again.stderr
    assert again.returncode == 0, again.stderr
    (record,) = read_index(out)
    assert record["status"] == "ok"
    assert json.loads((out / "003.txt.json").read_text("utf-8"))["missing"] == []


def test_a_failed_file_shows_every_call_it_paid_for(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED_003, inputs / "003.txt")
    out = tmp_path / "out"
    with ChatServer(lambda body: Reply(content="not json at all")) as srv:
        proc = run_cli(*batch_args(srv, inputs, out, tmp_path), env=cli_env())
        calls, prompt, completion = _served(srv)
    assert proc.returncode == 1
    (record,) = read_index(out)
    assert record["status"] == "failed" and calls >= 2
    assert (record["calls"], record["tokens"]["prompt"], record["tokens"]["completion"]) == (
        calls, prompt, completion,
    )  # fmt: skip
    assert re.search(rf"model calls\s*│\s*{calls:,}\s*│", proc.stdout), proc.stdout
    # summarize says it too
    with ChatServer(lambda body: Reply(content="not json at all")) as srv:
        one = summarize(srv, inputs / "003.txt", tmp_path)
        n = len(srv.chat_requests())
    assert one.returncode == 1
    assert (
        f"spent before the failure: {n} call(s), {120 * n:,} prompt / {30 * n:,} completion"
        in one.stderr
    )


def test_a_stream_without_usage_is_estimated_and_marked(tmp_path: Path) -> None:
    src = tmp_path / "003.txt"
    shutil.copy(SEED_003, src)
    with ChatServer(send_usage=False) as srv:
        proc = summarize(srv, src, tmp_path)
        calls = len(srv.chat_requests())
    assert proc.returncode == 0, proc.stderr
    usage = json.loads((tmp_path / "out.json").read_text("utf-8"))["provenance"]["usage"]
    assert usage["calls"] == calls == usage["estimated_calls"]
    assert usage["prompt_tokens"] > 100 * calls  # the prompt is counted, not 0
    assert usage["completion_tokens"] > 0


def test_split_pieces_are_cached_and_not_bought_again(tmp_path: Path) -> None:
    src = tmp_path / "002.txt"
    shutil.copy(ROOT / "seeds" / "002_5de55685ee9f017a.txt", src)
    wholes: list[str] = []
    served: list[tuple[str, str]] = []  # (document, how it was answered)

    def first_run(body: dict[str, Any]) -> Reply:
        doc = document_text(body) or ""
        # The second half of a split chunk (a proper suffix of a document asked before) is
        # refused: that chunk fails, after its first half was answered and paid for.
        if any(doc != w and w.endswith(doc) for w in wholes):
            served.append((doc, "refused"))
            return Reply(content=None, refusal="no")
        if not is_overview(body):
            wholes.append(doc)
        served.append((doc, "answered"))
        return line_responder(body)

    flags = ["--max-output-tokens", "700", "--concurrency", "1", "--no-overview",
             "--cache-dir", str(tmp_path / "cache"), "--base-url"]  # fmt: skip
    env = cli_env()
    with ChatServer(first_run, enforce_max_tokens=True) as srv:
        one = run_cli("summarize", src, "-o", tmp_path / "o.json", *flags, srv.base_url,
                      "--model", "gpt-4o-mini", cwd=tmp_path, env=env, timeout=120)  # fmt: skip
        bodies = [r.body for r in srv.chat_requests()]
        assert one.returncode == 1, one.stderr
        assert json.loads((tmp_path / "o.json").read_text("utf-8"))["missing"]
        finish = {json.dumps(b["messages"], ensure_ascii=False) for b in bodies}
        assert len(finish) == len(bodies), "nothing asked twice within a run"
        # Pieces: documents inside another one asked before, answered (not cut), paid for.
        paid_pieces = {
            d for d, how in served if how == "answered" and any(d != w and d in w for w in wholes)
        }
        # The same endpoint (so the same cache keys), healthy now.
        srv.responder = line_responder
        two = run_cli("summarize", src, "-o", tmp_path / "o.json", *flags, srv.base_url,
                      "--model", "gpt-4o-mini", cwd=tmp_path, env=env, timeout=120)  # fmt: skip
        again = [document_text(r.body) for r in srv.chat_requests()[len(bodies) :]]
    assert two.returncode == 0, two.stderr
    assert paid_pieces, "the first run answered some pieces"
    assert again, "the failed piece is asked again"
    assert not paid_pieces & set(again), "a piece answered in the first run was bought again"
    # Nor is the cut attempt of the split chunk: the pieces in the cache say it was split.
    asked = [d for d, _ in served]
    cut = {w for w in wholes if any(d != w and w.startswith(d) for d in asked)}
    assert cut and not cut & set(again), "a cut attempt was bought again"
