"""Reliability: the CLI against a local chat server that misbehaves, and processes that die.

In: synthetic reports written under tmp_path and a `ChatServer` on 127.0.0.1 with injected
faults. Out: assertions on exit codes, one-line errors, request counts per chunk, the cache
and the batch outputs (every JSON validates, index.jsonl is never torn or duplicated).

The helpers shared with test_security.py and test_bad_input.py (`run_cli`, `make_report`,
`summarize`, ...) live in helpers.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from chatserver import ChatServer, Recorded, Reply, default_responder, document_text
from helpers import (
    ROOT,
    batch_args,
    chunk_count,
    cli_env,
    make_report,
    read_index,
    run_cli,
    summarize,
)

from summarizer.backends.cache import Cache
from summarizer.review.validate import validate_file

# Subprocesses, servers or a browser: the second tier of `make test`.
pytestmark = pytest.mark.slow

MULTI = 6  # paragraphs per part that give one chunk per part at CHUNK_TOKENS


# ---------------------------------------------------------------------- helpers


def requests_per_chunk(requests: list[Recorded]) -> Counter[str]:
    """Number of chat requests per chunk text (a repair request carries the same document)."""
    return Counter(document_text(r.body) or "" for r in requests if isinstance(r.body, dict))


def error_lines(stderr: str) -> list[str]:
    """The `Error:` lines of a CLI run."""
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


def assert_valid_outputs(out: Path, expected: int) -> list[Path]:
    """Every summary JSON under `out` validates and there are `expected` of them."""
    files = sorted(p for p in out.rglob("*.json"))
    for p in files:
        assert validate_file(p) == [], p
    assert len(files) == expected, files
    return files


# ---------------------------------------------------------------------- single-file faults


@pytest.mark.parametrize("kinds", [("429-ms", "500", "reset"), ("429", "502", "503")])
def test_transient_faults_are_retried_and_file_succeeds(
    tmp_path: Path, kinds: tuple[str, str, str]
) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(1, paras=MULTI), encoding="utf-8")
    chunks = chunk_count(src)
    assert chunks >= 3
    # --concurrency 1: the first request of chunks 0-2 faults (0, 2, 4), its retry succeeds.
    with ChatServer(faults=dict(zip((0, 2, 4), kinds, strict=True))) as srv:
        started = time.monotonic()
        done = summarize(srv, src, tmp_path)
        elapsed = time.monotonic() - started
        requests = srv.chat_requests()
    assert done.returncode == 0, done.stderr
    assert validate_file(tmp_path / "out.json") == []
    assert len(requests) == chunks + 3
    assert sorted(requests_per_chunk(requests).values()) == [1] * (chunks - 3) + [2, 2, 2]
    assert elapsed < 15  # the SDK's backoff is short; retry-after-ms: 1 is honoured


def test_persistent_5xx_fails_file_with_one_line(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(3), encoding="utf-8")
    with ChatServer(fault_rate=1.0, fault_kinds=("503",)) as srv:
        done = summarize(srv, src, tmp_path, max_retries=0)
    assert done.returncode == 1
    errors = error_lines(done.stderr)
    assert len(errors) == 1 and "HTTP 503" in errors[0] and str(src) in errors[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_hang_past_timeout_is_retried_within_bounded_time(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(4), encoding="utf-8")
    chunks = chunk_count(src)
    with ChatServer(faults={0: "hang"}, hang_s=20) as srv:
        started = time.monotonic()
        done = summarize(srv, src, tmp_path, timeout_s=0.5, max_retries=1)
        elapsed = time.monotonic() - started
        requests = len(srv.chat_requests())
    assert done.returncode == 0, done.stderr
    assert requests == chunks + 1
    assert elapsed < 10  # not the server's 20 s hang


def test_hang_every_time_fails_within_bounded_time(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(5, parts=("a",)), encoding="utf-8")
    with ChatServer(fault_rate=1.0, fault_kinds=("hang",), hang_s=20) as srv:
        started = time.monotonic()
        done = summarize(srv, src, tmp_path, timeout_s=0.5, max_retries=1)
        elapsed = time.monotonic() - started
    assert done.returncode == 1
    errors = error_lines(done.stderr)
    assert len(errors) == 1 and "timed out" in errors[0]
    assert elapsed < 10


def test_invalid_output_is_repaired_once(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(6, parts=("a",)), encoding="utf-8")
    assert chunk_count(src) == 1
    with ChatServer(faults={0: "bad-schema"}) as srv:
        done = summarize(srv, src, tmp_path)
        requests = srv.chat_requests()
    assert done.returncode == 0, done.stderr
    assert validate_file(tmp_path / "out.json") == []
    assert len(requests) == 2
    repair = requests[1].body["messages"]
    # The repair shows the model its own bad answer and the validation error.
    assert [m["role"] for m in repair][-2:] == ["assistant", "user"]
    assert "nonsense" in repair[-2]["content"]


@pytest.mark.parametrize("fault", ["bad-schema", "truncated"])
def test_still_invalid_after_repair_fails_with_clear_reason(tmp_path: Path, fault: str) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(7, parts=("a",)), encoding="utf-8")
    with ChatServer(faults={0: fault, 1: fault}) as srv:
        done = summarize(srv, src, tmp_path)
        requests = len(srv.chat_requests())
    assert done.returncode == 1
    assert requests == 2  # one answer, one repair, no more
    errors = error_lines(done.stderr)
    assert len(errors) == 1, done.stderr
    assert str(src) in errors[0] and "still invalid after one repair retry" in errors[0]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("refusal", "model refused"), ("length", "(finish_reason=length)")],
)
def test_refusal_and_length_fail_clearly(tmp_path: Path, fault: str, reason: str) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(8, parts=("a",)), encoding="utf-8")
    with ChatServer(faults={0: fault}) as srv:
        done = summarize(srv, src, tmp_path)
        requests = len(srv.chat_requests())
    assert done.returncode == 1
    assert requests == 1  # neither is worth a repair: the same prompt would fail the same way
    errors = error_lines(done.stderr)
    assert len(errors) == 1 and reason in errors[0] and str(src) in errors[0]


def test_nothing_invalid_is_cached_and_rerun_requests_only_failed_chunk(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(9, paras=MULTI), encoding="utf-8")
    chunks = chunk_count(src)
    assert chunks >= 2
    # --concurrency 1: requests 0 and 1 are chunk 0's answer and its repair. One server for
    # all runs, since its base URL (port) is part of the cache identity.
    with ChatServer(faults={0: "bad-schema", 1: "bad-schema"}) as srv:
        failed = summarize(srv, src, tmp_path)
        first = srv.chat_requests()
        assert failed.returncode == 1
        bad_chunk = document_text(first[0].body)
        with Cache.open(tmp_path / "cache") as cache:
            assert cache.stats()["entries"] == chunks - 1
        healed = summarize(srv, src, tmp_path)
        second = srv.chat_requests()[len(first) :]
        assert healed.returncode == 0, healed.stderr
        assert validate_file(tmp_path / "out.json") == []
        assert [document_text(r.body) for r in second] == [bad_chunk]
        again = summarize(srv, src, tmp_path)
        assert again.returncode == 0
        assert len(srv.chat_requests()) == len(first) + 1


# ---------------------------------------------------------------------- batch


def write_reports(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` synthetic reports in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = folder / f"r{i:03d}.txt"
        p.write_text(make_report(seed + i, paras=MULTI), encoding="utf-8")
        paths.append(p)
    return paths


def test_failed_chunk_fails_its_file_not_the_batch(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    write_reports(inputs, 3, seed=20)
    poison = inputs / "r001.txt"
    poison.write_text(make_report(21) + "毒丸标记段落。\n", encoding="utf-8")

    def responder(body: dict[str, Any]) -> Reply:
        if "毒丸标记" in (document_text(body) or ""):
            return Reply(content=None, refusal="I can't help with that.")
        return default_responder(body)

    out = tmp_path / "out"
    with ChatServer(responder) as srv:
        done = run_cli(*batch_args(srv, inputs, out, tmp_path, "--concurrency", "4"), env=cli_env())
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert_valid_outputs(out, 2)
    status = {Path(r["path"]).name: r["status"] for r in read_index(out)}
    assert status == {"r000.txt": "ok", "r001.txt": "failed", "r002.txt": "ok"}
    failed = next(r for r in read_index(out) if r["status"] == "failed")
    assert "model refused" in failed["error"] and "\n" not in failed["error"]


def test_sigkill_mid_batch_then_rerun_completes(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    write_reports(inputs, 8, seed=40)
    out = tmp_path / "out"
    with ChatServer(latency_s=0.2) as srv:
        proc = subprocess.Popen(
            [sys.executable, "-m", "summarizer", *batch_args(srv, inputs, out, tmp_path)]
            + ["--concurrency", "2"],
            env=cli_env(),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Kill once some (not all) work is done, so both cache and outputs are mid-write.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(srv.chat_requests()) < 5:
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    with Cache.open(tmp_path / "cache") as cache:
        assert cache.stats()["entries"] >= 1
    with ChatServer() as srv:
        done = run_cli(*batch_args(srv, inputs, out, tmp_path), env=cli_env())
    assert done.returncode == 0, done.stderr
    assert_valid_outputs(out, 8)
    records = read_index(out)
    paths = [r["path"] for r in records]
    assert len(paths) == len(set(paths)) == 8
    assert {r["status"] for r in records} <= {"ok", "skipped"}
    leftovers = [p for p in out.rglob("*") if p.is_file() and p.suffix not in (".json", ".jsonl")]
    assert leftovers == []


def test_two_batches_at_once_share_cache_and_output(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    write_reports(inputs, 6, seed=60)
    out = tmp_path / "out"
    with ChatServer(latency_s=0.02) as srv:
        args = [sys.executable, "-m", "summarizer", *batch_args(srv, inputs, out, tmp_path)]
        procs = [
            subprocess.Popen(
                args, env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        results = [p.communicate(timeout=60) for p in procs]
    for proc, (stdout, stderr) in zip(procs, results, strict=True):
        text = (stdout + stderr).decode("utf-8", "replace")
        assert proc.returncode in (0, 1), text
        assert "database is locked" not in text
    assert_valid_outputs(out, 6)
    records = read_index(out)
    assert {Path(r["path"]).name for r in records} == {f"r{i:03d}.txt" for i in range(6)}
    # One writer at a time and a merge at the end: no valid file is marked failed, no
    # duplicate line.
    assert {r["status"] for r in records} <= {"ok", "skipped"}, records
    assert len(records) == 6
