"""Reliability: the CLI against a local chat server that misbehaves, and processes that die.

In: synthetic reports written under tmp_path and a `ChatServer` on 127.0.0.1 with injected
faults. Out: assertions on exit codes, one-line errors, request counts per chunk, the cache
and the batch outputs (every JSON validates, index.jsonl is never torn or duplicated).

The helpers here (`run_cli`, `make_report`, `write_config`, ...) are shared with
test_security.py and test_bad_input.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from chatserver import ChatServer, Recorded, Reply, default_responder, document_text

from summarizer.cache import Cache
from summarizer.config import Settings
from summarizer.document import SourceText
from summarizer.pipeline import analyse_source
from summarizer.validation import validate_file

ROOT = Path(__file__).resolve().parent.parent
FAKE_KEY = "sk-test-FAKEKEY-0123456789"

HAS_BATCH = importlib.util.find_spec("summarizer.cli.batch_cmd") is not None
needs_batch = pytest.mark.skipif(not HAS_BATCH, reason="summarizer batch is not written yet")
# A small budget, so that a report of a few paragraphs per part still makes several chunks.
CHUNK_TOKENS = 200
MULTI = 6  # paragraphs per part that give one chunk per part at CHUNK_TOKENS

# ---------------------------------------------------------------------- shared helpers


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: the fake key, no user endpoint, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("OPENAI_BASE_URL", None)
    env.update(OPENAI_API_KEY=FAKE_KEY, NO_COLOR="1", TERM="dumb", COLUMNS="200")
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run `python -m summarizer ARGS` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        env=env or cli_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_config(folder: Path, *, max_retries: int = 2, timeout_s: float = 10.0) -> Path:
    """A summarizer.toml with the SDK's retry count and timeout."""
    path = folder / "summarizer.toml"
    path.write_text(f"max_retries = {max_retries}\ntimeout_s = {timeout_s}\n", encoding="utf-8")
    return path


def openai_args(srv: ChatServer, cache_dir: Path) -> list[str]:
    """The flags that point a command at the test server, before the subcommand's own."""
    return [
        "--backend",
        "openai",
        "--base-url",
        srv.base_url,
        "--cache-dir",
        str(cache_dir),
        "--chunk-tokens",
        str(CHUNK_TOKENS),
        "--no-overview",
    ]


def summarize(
    srv: ChatServer,
    src: Path,
    tmp: Path,
    *extra: str,
    max_retries: int = 2,
    timeout_s: float = 10.0,
    verbose: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`summarizer summarize SRC -o tmp/out.json` against the test server, one call at a time."""
    config = write_config(tmp, max_retries=max_retries, timeout_s=timeout_s)
    head = ["--verbose"] if verbose else []
    return run_cli(
        *head,
        "--config",
        str(config),
        "summarize",
        str(src),
        "-o",
        str(tmp / "out.json"),
        "--concurrency",
        "1",
        *openai_args(srv, tmp / "cache"),
        *extra,
        env=env,
    )


def make_report(seed: int, paras: int = 2, parts: tuple[str, ...] = ("a", "p", "l")) -> str:
    """A small synthetic work report (one chunk per part), varied by `seed`."""
    r = random.Random(seed)
    zone = r.choice(["高新区", "经开区", "临港产业园", "综合保税区", "科技城", "物流园区"])

    def para(kind: str) -> str:
        n, m, g = r.randint(3, 90), r.randint(2, 400), r.randint(1, 30)
        if kind == "a":
            return f"全年新签约项目{n}个，总投资{m}亿元，同比增长{g}%。园区企业发展加快推进建设。"
        if kind == "p":
            return f"部分项目推进缓慢，{n}个项目未按期开工，招商引资压力较大，要素保障不足。"
        return f"计划新引进企业{n}家，完成固定资产投资{m}亿元，推进园区基础设施建设。"

    heads = {"a": "2023年工作回顾", "p": "存在的问题", "l": "2024年工作计划"}
    numerals = "一二三四五"
    lines = [f"{zone}2023年工作总结和2024年工作计划", ""]
    for i, kind in enumerate(parts):
        lines.append(f"{numerals[i]}、{heads[kind]}")
        lines += [para(kind) for _ in range(paras)]
    return "\n".join(lines) + "\n"


def chunk_count(path: Path) -> int:
    """How many chunks (model requests when all goes well) a file makes at CHUNK_TOKENS."""
    text = path.read_text(encoding="utf-8")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = SourceText(path=str(path), text=text, encoding="utf-8", format="txt", sha256=sha)
    return len(analyse_source(source, Settings(chunk_tokens=CHUNK_TOKENS)).chunks)


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


def read_index(out: Path) -> list[dict[str, Any]]:
    """The records of OUT/index.jsonl; fails on a torn line."""
    lines = (out / "index.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


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


def batch_args(srv: ChatServer, inputs: Path, out: Path, tmp: Path, *extra: str) -> list[str]:
    """`--config C batch IN -o OUT` against the test server."""
    config = write_config(tmp, max_retries=2, timeout_s=10)
    return [
        "--config",
        str(config),
        "batch",
        str(inputs),
        "-o",
        str(out),
        *openai_args(srv, tmp / "cache"),
        *extra,
    ]


def write_reports(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` synthetic reports in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = folder / f"r{i:03d}.txt"
        p.write_text(make_report(seed + i, paras=MULTI), encoding="utf-8")
        paths.append(p)
    return paths


@needs_batch
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
        done = run_cli(*batch_args(srv, inputs, out, tmp_path, "--concurrency", "4"))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert_valid_outputs(out, 2)
    status = {Path(r["path"]).name: r["status"] for r in read_index(out)}
    assert status == {"r000.txt": "ok", "r001.txt": "failed", "r002.txt": "ok"}
    failed = next(r for r in read_index(out) if r["status"] == "failed")
    assert "model refused" in failed["error"] and "\n" not in failed["error"]


@needs_batch
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
        done = run_cli(*batch_args(srv, inputs, out, tmp_path))
    assert done.returncode == 0, done.stderr
    assert_valid_outputs(out, 8)
    records = read_index(out)
    paths = [r["path"] for r in records]
    assert len(paths) == len(set(paths)) == 8
    assert {r["status"] for r in records} <= {"ok", "skipped"}
    leftovers = [p for p in out.rglob("*") if p.is_file() and p.suffix not in (".json", ".jsonl")]
    assert leftovers == []


@needs_batch
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
