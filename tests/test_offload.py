"""Offloaded batches (`--via batch-api`, `--via batch-file`) against a local Files + Batches fake.

The fake answers each request line with the chat server's default responder, so a live run
against tests/chatserver.py and a batch job get the same answers and must write the same
outputs (but for the run time in provenance).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from batchserver import BatchServer
from chatserver import (
    ChatServer,
    Reply,
    completion_body,
    default_responder,
    document_text,
    is_overview,
)
from conftest import seed_paths
from helpers import run_cli

from summarizer.batch import BatchJob, summarize_tree
from summarizer.core.config import Settings
from summarizer.offload import job as jobs
from summarizer.offload.lines import RequestLine, parse_results, split_files
from summarizer.offload.state import JobState


def make_inputs(root: Path, n: int = 3) -> list[str]:
    root.mkdir(parents=True)
    names = []
    for seed in seed_paths()[:n]:
        shutil.copy(seed, root / seed.name)
        names.append(seed.name)
    return sorted(names)


def settings_for(base_url: str, cache: Path, **changes: Any) -> Settings:
    return Settings(
        backend="openai",
        provider="vllm",
        base_url=base_url,
        model="test-model",
        cache_dir=str(cache),
        max_retries=0,
        chunk_tokens=changes.pop("chunk_tokens", 900),
        **changes,
    )


def comparable(out: Path) -> dict[str, Any]:
    """Every output JSON, without the one field that differs between two runs of the same
    answers (usage is the same: the batch's answers carry the usage the live ones did)."""
    docs = {}
    for path in sorted(out.glob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        doc["provenance"].pop("elapsed_s")
        # The settings fingerprint names the endpoint, which a batch-file run never calls.
        doc["provenance"].pop("settings", None)
        docs[path.name] = doc
    return docs


def live_run(tmp: Path, root: Path, inputs: list[str]) -> dict[str, Any]:
    with ChatServer() as srv:
        settings = settings_for(srv.base_url, tmp / "live-cache")
        result = summarize_tree(BatchJob(root, tmp / "live", inputs, settings), "openai")
    assert not result.any_failed
    return comparable(tmp / "live")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.slow
def test_batch_api_writes_the_outputs_of_a_live_run_in_two_rounds(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = make_inputs(root)
    expected = live_run(tmp_path, root, inputs)
    with BatchServer() as fake:
        settings = settings_for(fake.base_url, tmp_path / "cache")
        job = BatchJob(root, tmp_path / "out", inputs, settings)
        result = run(jobs.wait_job(job, poll_s=0))
        assert not result.any_failed and len(result.this_run) == len(inputs)
        kinds = [
            {("overview" if _is_overview(ln) else "chunk") for ln in lines}
            for lines in _lines_by_batch(fake)
        ]
    # Round one asks for the chunks, round two for the overviews of the long reports.
    assert kinds == [{"chunk"}, {"overview"}]
    assert not any("/chat/completions" in c for c in fake.calls), "no live call was made"
    assert comparable(tmp_path / "out") == expected
    # Every line's custom_id is the key the live path finds its answer under.
    with JobState.open(tmp_path / "out") as state:
        assert state.counts() == {"answered": len(fake.lines_answered)}
        assert state.usage().calls == len(fake.lines_answered)


def _is_overview(line: dict[str, Any]) -> bool:
    return is_overview(line["body"])


def _lines_by_batch(fake: BatchServer) -> list[list[dict[str, Any]]]:
    groups = []
    for batch in fake.batches.values():
        data = fake.files[batch.input_file_id]
        groups.append([json.loads(x) for x in data.splitlines() if x.strip()])
    return groups


@pytest.mark.slow
def test_a_restart_between_submit_and_collect_resumes_from_the_state(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = make_inputs(root, 2)
    expected = live_run(tmp_path, root, inputs)
    out = tmp_path / "out"
    with BatchServer() as fake:
        settings = settings_for(fake.base_url, tmp_path / "cache")
        first = run(jobs.submit_job(BatchJob(root, out, inputs, settings)))
        assert first.sent is not None and first.sent.submitted > 0
        # A second submit while the batch runs sends nothing twice.
        again = run(jobs.submit_job(BatchJob(root, out, inputs, settings)))
        assert again.sent is not None and again.sent.submitted == 0
        # A new process: only the output folder is known. Collect until the job is done.
        steps = []
        for _ in range(20):
            step = run(jobs.collect_job(out))
            steps.append(step)
            if step.result is not None:
                break
        assert steps[-1].result is not None and not steps[-1].result.any_failed
        lines_sent = len(fake.lines_answered)
    assert comparable(out) == expected
    # Each request went out once: the collect rounds resubmitted nothing.
    with JobState.open(out) as state:
        assert state.counts() == {"answered": lines_sent}


@pytest.mark.slow
def test_only_failed_lines_are_resubmitted(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = make_inputs(root, 2)
    expected = live_run(tmp_path, root, inputs)
    # Line 1 fails with a 400 inside its result line, line 3 lands in the error file.
    with BatchServer(fail_lines=frozenset({1}), error_lines=frozenset({3})) as fake:
        settings = settings_for(fake.base_url, tmp_path / "cache")
        result = run(jobs.wait_job(BatchJob(root, tmp_path / "out", inputs, settings), poll_s=0))
        batches = _lines_by_batch(fake)
    first_ids = [ln["custom_id"] for ln in batches[0]]
    later_chunks = [ln["custom_id"] for b in batches[1:] for ln in b if not _is_overview(ln)]
    # Overviews of reports whose chunks all came back may ride along; no answered chunk does.
    assert later_chunks == [first_ids[1], first_ids[3]]
    assert not result.any_failed
    assert comparable(tmp_path / "out") == expected


@pytest.mark.slow
def test_an_expired_batch_resubmits_what_it_did_not_answer(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = make_inputs(root, 2)
    with BatchServer(expire_batches=frozenset({0})) as fake:
        settings = settings_for(fake.base_url, tmp_path / "cache")
        result = run(jobs.wait_job(BatchJob(root, tmp_path / "out", inputs, settings), poll_s=0))
        batches = _lines_by_batch(fake)
    first_ids = [ln["custom_id"] for ln in batches[0]]
    half = len(first_ids) // 2
    later_chunks = [ln["custom_id"] for b in batches[1:] for ln in b if not _is_overview(ln)]
    assert later_chunks == first_ids[half:]
    assert not result.any_failed


@pytest.mark.slow
def test_an_invalid_answer_without_live_calls_fails_only_its_file(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = make_inputs(root, 2)
    text = (root / inputs[0]).read_text("utf-8")
    marker = text[len(text) // 2 : len(text) // 2 + 12]

    def responder(body: dict[str, Any]) -> Reply:
        if marker in (document_text(body) or ""):
            return Reply(content='{"findings": [{"kind": "nonsense"}]}')
        return default_responder(body)

    with BatchServer(responder=responder) as fake:
        settings = settings_for(fake.base_url, tmp_path / "cache", chunk_tokens=6000)
        result = run(
            jobs.wait_job(BatchJob(root, tmp_path / "out", inputs, settings), poll_s=0, live=False)
        )
    status = {r.path: r.status for r in result.this_run}
    assert status == {inputs[0]: "failed", inputs[1]: "ok"}
    failed = next(r for r in result.this_run if r.status == "failed")
    # The live path validated the replayed answer, asked for its repair, and was refused.
    assert "no usable answer" in (failed.error or "")
    assert not any("/chat/completions" in c for c in fake.calls)


def test_an_invalid_answer_is_repaired_by_the_live_path(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = make_inputs(root, 2)
    text = (root / inputs[0]).read_text("utf-8")
    marker = text[len(text) // 2 : len(text) // 2 + 12]
    broken = '{"findings": [{"kind": "nonsense"}]}'

    def responder(body: dict[str, Any]) -> Reply:
        asked_to_repair = any(m.get("content") == broken for m in body.get("messages", []))
        if marker in (document_text(body) or "") and not asked_to_repair:
            return Reply(content=broken)
        return default_responder(body)

    with BatchServer(responder=responder) as fake:
        settings = settings_for(fake.base_url, tmp_path / "cache", chunk_tokens=6000)
        result = run(jobs.wait_job(BatchJob(root, tmp_path / "out", inputs, settings), poll_s=0))
        live = fake.live_requests
    assert [r.status for r in result.this_run] == ["ok", "ok"]
    # The live path's own repair retry: the batch's invalid answer shown back to the model.
    assert any(
        m.get("role") == "assistant" and m.get("content") == broken for m in live[0]["messages"]
    )
    # The report's overview, which the repaired answer left out, follows live too.
    assert [is_overview(r) for r in live[1:]] == [True] * (len(live) - 1)
    assert len(live) <= 2


def vllm_answers(request_file: Path) -> str:
    """What `vllm run-batch -i FILE -o OUT` writes: one output line per request line."""
    out = []
    for n, raw in enumerate(request_file.read_text("utf-8").splitlines()):
        req = json.loads(raw)
        body = completion_body(default_responder(req["body"]), req["body"]["model"], n)
        out.append(
            json.dumps(
                {
                    "id": f"vllm-{n:032x}",
                    "custom_id": req["custom_id"],
                    "response": {"status_code": 200, "request_id": f"vllm-batch-{n}", "body": body},
                    "error": None,
                },
                ensure_ascii=False,
            )
        )
    return "\n".join(out) + "\n"


def test_batch_file_round_trip_through_vllm_output_files(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = make_inputs(root)
    expected = live_run(tmp_path, root, inputs)
    out = tmp_path / "out"
    settings = settings_for("http://127.0.0.1:9/v1", tmp_path / "cache")  # never called
    job = BatchJob(root, out, inputs, settings)
    results: list[Path] = []
    rounds = 0
    while True:
        step = run(jobs.file_job(job, results))
        if step.result is not None:
            break
        assert step.sent is not None and step.sent.files, "a round writes request files"
        rounds += 1
        results = []
        for request_file in step.sent.files:
            answer = tmp_path / f"{request_file.stem}.out.jsonl"
            answer.write_text(vllm_answers(request_file), "utf-8")
            results.append(answer)
        assert rounds < 5
    assert rounds == 2  # chunks, then the overviews of the long reports
    assert not step.result.any_failed
    assert comparable(out) == expected


def test_request_files_are_split_at_the_limits() -> None:
    lines = [RequestLine(f"k{i}", "chunk", {"model": "m", "x": "一" * 50}) for i in range(5)]
    assert [len(g) for g in split_files(lines, max_requests=2)] == [2, 2, 1]
    one = len(lines[0].jsonl().encode()) + 1
    assert [len(g) for g in split_files(lines, max_bytes=one * 3)] == [3, 2]
    with pytest.raises(ValueError, match="over the"):
        list(split_files(lines, max_bytes=10))


@pytest.mark.parametrize(
    ("line", "ok", "error"),
    [
        ({"custom_id": "a", "response": {"status_code": 200, "body": {"choices": []}}}, True, None),
        (
            {
                "custom_id": "b",
                "response": {"status_code": 400, "body": {"error": {"message": "bad"}}},
            },
            False,
            "HTTP 400: bad",
        ),
        (
            {
                "custom_id": "c",
                "response": None,
                "error": {"code": "batch_expired", "message": "expired"},
            },
            False,
            "expired",
        ),
        (
            {"custom_id": "d", "response": {"status_code": 200}},
            False,
            "the result line has no response body",
        ),
    ],
)
def test_result_lines_are_read_per_line(line: dict[str, Any], ok: bool, error: str | None) -> None:
    (result,) = parse_results(json.dumps(line) + "\nnot json\n")
    assert result.ok is ok
    assert result.error == error


# ----------------------------------------------------------------------------- the CLI


def _model_flags(base_url: str, cache: Path) -> list[str]:
    return [
        "--backend", "openai", "--provider", "vllm", "--base-url", base_url,
        "--model", "test-model", "--chunk-tokens", "900", "--cache-dir", str(cache),
    ]  # fmt: skip


@pytest.mark.slow
def test_cli_batch_via_batch_api_waits_and_writes_the_outputs(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = make_inputs(root, 2)
    expected = live_run(tmp_path, root, inputs)
    with BatchServer() as fake:
        flags = _model_flags(fake.base_url, tmp_path / "cache")
        done = run_cli(
            "batch", root, "-o", tmp_path / "out", "--via", "batch-api", "--poll", "0", *flags,
            cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "submitted" in done.stderr and "files ok / failed / skipped" in done.stdout
    assert comparable(tmp_path / "out") == expected


@pytest.mark.slow
def test_cli_steps_submit_status_collect(tmp_path: Path) -> None:
    root = tmp_path / "in"
    make_inputs(root, 1)
    out = tmp_path / "out"
    with BatchServer() as fake:
        flags = _model_flags(fake.base_url, tmp_path / "cache")
        sent = run_cli("batch-api", "submit", root, "-o", out, *flags, cwd=tmp_path)
        assert sent.returncode == 0, sent.stderr
        assert "batch: batch_1" in sent.stdout
        status = run_cli("batch-api", "status", out, "--json", cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        state = json.loads(status.stdout)
        assert state["batches"][0]["batch_id"] == "batch_1"
        assert state["requests"] == {"submitted": state["batches"][0]["requests"]}
        for _ in range(10):
            got = run_cli("batch-api", "collect", out, cwd=tmp_path)
            assert got.returncode == 0, got.stderr
            if "not finished" not in got.stderr:
                break
    assert "not finished" not in got.stderr
    records = [json.loads(x) for x in (out / "index.jsonl").read_text("utf-8").splitlines()]
    assert [r["status"] for r in records] == ["ok"]
    assert len(list(out.glob("*.json"))) == 1


@pytest.mark.slow
def test_cli_dry_run_quotes_live_and_batch_prices(tmp_path: Path) -> None:
    root = tmp_path / "in"
    make_inputs(root, 1)
    flags = _model_flags("http://127.0.0.1:9/v1", tmp_path / "cache")
    done = run_cli(
        "batch", root, "--via", "batch-api", "--dry-run", *flags[:-4], "--model", "gpt-4o-mini",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "batch" in done.stdout and "live" in done.stdout and "cached" in done.stdout
