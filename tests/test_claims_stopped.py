"""Issue 26 item 6: a stopped claim holder (Ctrl-Z, SIGSTOP) is noticed by its heartbeat and its
work taken over with one line, through two `summarize` processes sharing a cache."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chatserver import ChatServer
from helpers import cli_env, make_report, openai_args, write_config

from summarizer.backends.cache import CLAIM_SILENT_S, DB_NAME

pytestmark = pytest.mark.slow


def _summarize(srv: ChatServer, src: Path, out: Path, tmp: Path) -> subprocess.Popen[str]:
    config = write_config(tmp, max_retries=0, timeout_s=60)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "summarizer",
            "--config",
            str(config),
            "summarize",
            str(src),
            "-o",
            str(out),
            *openai_args(srv, tmp / "cache"),
        ],  # fmt: skip
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _claims(cache: Path) -> int:
    try:
        with sqlite3.connect(cache / DB_NAME, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM claims").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_stopped_holders_claims_are_taken_over_with_one_line(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(make_report(5), encoding="utf-8")
    with ChatServer(latency_s=2.0) as srv:
        first = _summarize(srv, src, tmp_path / "a.json", tmp_path)
        try:
            deadline = time.monotonic() + 30
            while _claims(tmp_path / "cache") == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _claims(tmp_path / "cache"), "the first process never claimed"
            os.kill(first.pid, signal.SIGSTOP)  # Ctrl-Z
            started = time.monotonic()
            second = _summarize(srv, src, tmp_path / "b.json", tmp_path)
            _, err = second.communicate(timeout=CLAIM_SILENT_S + 60)
            took = time.monotonic() - started
        finally:
            first.kill()
            first.communicate()
    assert second.returncode == 0, err
    assert took < CLAIM_SILENT_S + 45
    lines = [x for x in err.splitlines() if "takes its work over" in x]
    assert len(lines) == 1, err
    assert f"process {first.pid} on" in lines[0] and "stopped? Ctrl-Z" in lines[0]
    doc = json.loads((tmp_path / "b.json").read_text("utf-8"))
    assert doc["missing"] == []
