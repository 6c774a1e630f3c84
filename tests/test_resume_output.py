"""Issue 26 item 5: resume from the output itself, and two batches with different settings on
one folder kept apart, through `summarizer batch` as a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chatserver import ChatServer
from helpers import ROOT, batch_args, cli_env, read_index, run_cli

pytestmark = pytest.mark.slow

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))[:2]


def _inputs(tmp_path: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, inputs / seed.name)
    return inputs


def test_resume_trusts_the_output_not_the_index(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    first = run_cli(
        "batch", "--backend", "offline", "--lang", "zh", inputs, "-o", "out", cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    made = {
        p.name: json.loads(p.read_text("utf-8"))["provenance"]["settings"]
        for p in (tmp_path / "out").glob("*.json")
    }
    # Another batch's records on the same folder: they say the outputs were made in English.
    index = tmp_path / "out" / "index.jsonl"
    records = [json.loads(x) for x in index.read_text("utf-8").splitlines()]
    for r in records:
        r["settings"]["lang"] = "en"
    index.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    again = run_cli(
        "batch", "--backend", "offline", "--lang", "en", inputs, "-o", "out", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    # The outputs say Chinese: they are redone, whatever the index claimed.
    assert {r["status"] for r in read_index(tmp_path / "out")} == {"ok"}
    assert "made with other settings: 2" in again.stdout
    now = {
        p.name: json.loads(p.read_text("utf-8"))["provenance"]["settings"]
        for p in (tmp_path / "out").glob("*.json")
    }
    assert all(now[k] != made[k] for k in made)
    # And a third run with the same settings reuses them.
    third = run_cli(
        "batch", "--backend", "offline", "--lang", "en", inputs, "-o", "out", cwd=tmp_path
    )
    assert {r["status"] for r in read_index(tmp_path / "out")} == {"skipped"}, third.stdout


def test_a_second_batch_with_other_settings_is_refused(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    with ChatServer(latency_s=0.5) as srv:
        args = batch_args(srv, inputs, out, tmp_path, "--concurrency", "1")
        slow = subprocess.Popen(
            [sys.executable, "-m", "summarizer", *args], env=cli_env(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not srv.chat_requests() and time.monotonic() < deadline:
            time.sleep(0.05)
        other = run_cli("batch", "--backend", "offline", inputs, "-o", out, cwd=tmp_path)
        slow_out, slow_err = slow.communicate(timeout=120)
    assert other.returncode == 3, other.stdout + other.stderr
    lines = [x for x in other.stderr.splitlines() if "another batch with other settings" in x]
    assert len(lines) == 1, other.stderr
    assert slow.returncode == 0, slow_err
    records = read_index(out)
    assert {r["status"] for r in records} == {"ok"} and {
        r["settings"]["backend"] for r in records
    } == {"openai"}
    assert not list(out.glob(".summarizer-run-*.lock"))
