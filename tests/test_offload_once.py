"""Issue 26 item 4: the Batch API route buys each request once, through the CLI as users run it.

Against tests/batchserver.py (Files + Batches on 127.0.0.1): two `submit`s at once, a
`submit` killed after the provider made its batch but before the job recorded it, two
`collect`s at once, a `collect` from another folder and shell, a password in the endpoint."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from batchserver import BatchServer
from conftest import seed_paths
from helpers import cli_env, run_cli

from summarizer.offload.lines import RequestLine
from summarizer.offload.run import group_digest
from summarizer.offload.state import STATE_NAME, JobState

pytestmark = pytest.mark.slow


def _inputs(root: Path, n: int = 2) -> None:
    root.mkdir(parents=True)
    for seed in seed_paths()[:n]:
        shutil.copy(seed, root / seed.name)


def _flags(base_url: str, cache: str | Path) -> list[str]:
    return [
        "--backend", "openai", "--provider", "vllm", "--base-url", base_url,
        "--model", "test-model", "--chunk-tokens", "900", "--cache-dir", str(cache),
    ]  # fmt: skip


def _popen(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "summarizer", *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _collect_until_done(out: Path, cwd: Path, env: dict[str, str] | None = None) -> None:
    for _ in range(12):
        got = run_cli("batch-api", "collect", out, cwd=cwd, env=env)
        assert got.returncode in (0, 1), got.stderr
        if "files ok / failed / skipped" in got.stdout:
            return
    raise AssertionError(f"the job did not finish: {got.stdout} {got.stderr}")


def _bought_once(fake: BatchServer) -> None:
    """Every request line the provider ran (and billed) was a different request."""
    ids = Counter(line["custom_id"] for line in fake.lines_answered)
    assert ids and max(ids.values()) == 1, [k for k, v in ids.items() if v > 1]


def test_two_submits_at_once_make_one_batch(tmp_path: Path) -> None:
    _inputs(tmp_path / "in")
    with BatchServer() as fake:
        fake.create_delay_s = 0.5  # both are surely inside submit at once
        flags = _flags(fake.base_url, tmp_path / "cache")
        procs = [
            _popen("batch-api", "submit", "in", "-o", "out", *flags, cwd=tmp_path) for _ in range(2)
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        assert len(fake.batches) == 1, outs
        fake.create_delay_s = 0
        _collect_until_done(tmp_path / "out", tmp_path)
        _bought_once(fake)
    assert {json.loads(x)["status"] for x in (tmp_path / "out/index.jsonl").open()} == {"ok"}


def test_a_submit_killed_after_the_provider_made_the_batch_is_adopted(tmp_path: Path) -> None:
    _inputs(tmp_path / "in")
    with BatchServer() as fake:
        fake.create_delay_s = 30  # the batch exists; its id never reaches the job
        flags = _flags(fake.base_url, tmp_path / "cache")
        proc = _popen("batch-api", "submit", "in", "-o", "out", *flags, cwd=tmp_path)
        deadline = time.monotonic() + 30
        while not fake.batches and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake.batches, "the submit never created its batch"
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        with JobState.open(tmp_path / "out") as state:
            assert state.batches() == []  # recorded nothing
        fake.create_delay_s = 0
        again = run_cli("batch-api", "submit", "in", "-o", "out", *flags, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "batch: batch_1 (already at the provider" in again.stdout
        assert len(fake.batches) == 1
        _collect_until_done(tmp_path / "out", tmp_path)
        _bought_once(fake)
        with JobState.open(tmp_path / "out") as state:
            assert state.usage().calls == len(fake.lines_answered)


def test_two_collects_at_once_count_each_answer_once(tmp_path: Path) -> None:
    _inputs(tmp_path / "in")
    with BatchServer() as fake:
        flags = _flags(fake.base_url, tmp_path / "cache")
        sent = run_cli("batch-api", "submit", "in", "-o", "out", *flags, cwd=tmp_path)
        assert sent.returncode == 0, sent.stderr
        for _ in range(3):  # the fake finishes a batch after three looks
            run_cli("batch-api", "status", "out", cwd=tmp_path)
        procs = [_popen("batch-api", "collect", "out", cwd=tmp_path) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode in (0, 1) for p in procs), outs
        _collect_until_done(tmp_path / "out", tmp_path)
        _bought_once(fake)
        with JobState.open(tmp_path / "out") as state:
            assert state.usage().calls == len(fake.lines_answered)
            billed = sum(
                json.loads(f)["response"]["body"]["usage"]["prompt_tokens"]
                for b in fake.batches.values()
                if b.output_file_id
                for f in fake.files[b.output_file_id].splitlines()
            )
            assert state.usage().prompt_tokens == billed


def test_collect_from_another_folder_and_shell_uses_the_jobs_endpoint_and_cache(
    tmp_path: Path,
) -> None:
    _inputs(tmp_path / "in", 1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with BatchServer() as fake:
        # The endpoint from the environment and a relative cache folder, as a user in a shell.
        env = cli_env(OPENAI_BASE_URL=fake.base_url)
        flags = ["--backend", "openai", "--provider", "openai", "--model", "test-model",
                 "--chunk-tokens", "900", "--cache-dir", "cache"]  # fmt: skip
        sent = run_cli("batch-api", "submit", "in", "-o", "out", *flags, cwd=tmp_path, env=env)
        assert sent.returncode == 0, sent.stderr
        # Another shell (no OPENAI_BASE_URL), another folder.
        _collect_until_done(tmp_path / "out", elsewhere, env=cli_env(OPENAI_BASE_URL=""))
        _bought_once(fake)
    assert (tmp_path / "cache").is_dir() and not (elsewhere / "cache").exists()
    assert json.loads((tmp_path / "out/index.jsonl").read_text("utf-8"))["status"] == "ok"


def test_a_password_in_the_endpoint_is_kept_nowhere(tmp_path: Path) -> None:
    _inputs(tmp_path / "in", 1)
    with BatchServer() as fake:
        url = fake.base_url.replace("http://", "http://analyst:Pw0rd-s3cret@")
        sent = run_cli(
            "batch-api", "submit", "in", "-o", "out", *_flags(url, "cache"), cwd=tmp_path
        )
        assert sent.returncode == 0, sent.stderr
        # The job keeps the endpoint without its password: a collect asks for it, in one line.
        got = run_cli("batch-api", "collect", "out", cwd=tmp_path)
        assert got.returncode != 0 and "SUMMARIZER_BASE_URL" in got.stderr
        assert "Pw0rd-s3cret" not in got.stderr and "Traceback" not in got.stderr
        _collect_until_done(tmp_path / "out", tmp_path, env={"SUMMARIZER_BASE_URL": url})
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert b"Pw0rd-s3cret" not in path.read_bytes(), path
    job = (tmp_path / "out" / STATE_NAME).read_bytes()
    assert b"analyst:***@127.0.0.1" in job


def test_a_group_is_known_by_its_requests_whatever_their_order() -> None:
    # Capture order follows the live pipeline's concurrency, so a restarted submit may list the
    # same requests in another order: it must still find (and adopt) the batch it made.
    lines = [RequestLine(custom_id=f"key{n}", kind="chunk", body={}) for n in range(5)]
    assert group_digest(lines) == group_digest(list(reversed(lines)))
    assert group_digest(lines) != group_digest(lines[:4])
