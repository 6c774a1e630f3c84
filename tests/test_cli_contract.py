"""The command line's conventions, one test each: exit codes, stdout/stderr, `-`, --json
shapes, global options after the subcommand, file modes and the warnings summary."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chatserver import ChatServer, Reply, document_text, first_sentence, is_overview
from conftest import SEEDS, seed_paths
from helpers import run_cli

# Subprocesses, servers or a browser: the second tier of `make test`.
pytestmark = pytest.mark.slow

SEED = SEEDS / "004_8aea4feb83059470.txt"
KEY = {"OPENAI_API_KEY": "test-key-not-real"}


def test_bare_command_prints_help_and_exits_0(tmp_path: Path) -> None:
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: summarizer")
    assert "Commands:" in result.stdout and "_SUMMARIZER_COMPLETE" in result.stdout


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_before_or_after_the_subcommand(tmp_path: Path, where: str) -> None:
    args: list[str | Path] = ["summarize", SEED, "--chunk-tokens", "5"]
    args = ["-v", *args] if where == "before" else [*args, "--verbose"]
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 3
    assert "Traceback" in result.stderr  # --verbose shows it
    assert result.stderr.strip().splitlines()[-1].startswith("Error: --chunk-tokens 5")
    assert "run with --verbose" not in result.stderr


def test_internal_error_line_names_verbose_only_when_not_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from summarizer.cli import _report_error

    assert _report_error(RuntimeError("boom"), verbose=False) == 1
    assert "run with --verbose" in capsys.readouterr().err
    assert _report_error(RuntimeError("boom"), verbose=True) == 1
    err = capsys.readouterr().err
    assert "Internal error: RuntimeError: boom" in err and "run with --verbose" not in err


def test_quiet_after_the_subcommand_silences_notes(tmp_path: Path) -> None:
    loud = run_cli("summarize", SEED, "-f", "json", cwd=tmp_path)
    quiet = run_cli("summarize", SEED, "-f", "json", "-q", cwd=tmp_path)
    assert loud.returncode == quiet.returncode == 0
    assert "offline rule-based backend" in loud.stderr
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout) == json.loads(loud.stdout) | {
        "provenance": json.loads(quiet.stdout)["provenance"]
    }


@pytest.mark.parametrize("command", ["schema", "validate", "cache", "eval", "check", "sections"])
def test_every_command_takes_the_global_options(tmp_path: Path, command: str) -> None:
    result = run_cli(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    for flag in ("-v, --verbose", "-q, --quiet", "--config"):
        assert flag in result.stdout, (command, flag)


def test_stdin_and_stdout_dash(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", "-", "-o", "-", "-f", "json", "-q"],
        input=SEED.read_bytes(),
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["source"]["path"] == "<stdin>"
    assert doc["reports"] and not (tmp_path / "-").exists()
    # The same text from a file gives the same summary.
    from_file = json.loads(run_cli("summarize", SEED, "-f", "json", "-q", cwd=tmp_path).stdout)
    assert doc["reports"] == from_file["reports"]


def test_several_files_to_stdout_are_json_lines(tmp_path: Path) -> None:
    seeds = seed_paths()[:3]
    result = run_cli("summarize", *seeds, "-f", "json", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert [Path(json.loads(line)["source"]["path"]).name for line in lines] == [
        s.name for s in seeds
    ]


def test_several_files_into_a_folder_and_a_failure_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "out"
    missing = tmp_path / "missing.txt"
    result = run_cli("summarize", SEED, missing, "-o", out, "-f", "markdown", cwd=tmp_path)
    assert result.returncode == 1
    assert (out / f"{SEED.name}.md").is_file()
    assert f"failed: {missing}" in result.stderr and "1 of 2 file(s) failed" in result.stderr


def test_a_single_unreadable_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("summarize", tmp_path / "missing.txt", "-q", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'missing.txt'}: no such file"
    ]


def test_repeated_format_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("summarize", SEED, "-f", "json", "-f", "html", cwd=tmp_path)
    assert result.returncode == 2
    assert "given 2 times (json, html)" in result.stderr
    assert result.stdout == ""


def test_dry_run_json_shape_and_calls_the_run_makes(tmp_path: Path) -> None:
    result = run_cli("summarize", SEED, "--dry-run", "-f", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "files", "failed", "reports", "chunks", "text_tokens", "configured_model", "estimates"
    }  # fmt: skip
    first = data["estimates"][0]
    assert first["model"] == data["configured_model"]
    assert set(first) == {
        "model",
        "calls",
        "prompt_tokens",
        "completion_tokens",
        "cached_tokens",
        "usd",
        "usd_cache",
        "usd_batch",
        "usd_offpeak_cache",
    }
    # One report in one chunk: one call, its overview comes with it.
    assert (data["reports"], data["chunks"], first["calls"]) == (1, 1, 1)


def test_dry_run_counts_what_a_model_run_really_calls(tmp_path: Path) -> None:
    # A small budget splits the report: chunk calls plus one overview call.
    args = ["--chunk-tokens", "800", "--backend", "openai"]
    dry = run_cli("summarize", SEED, "--dry-run", "-f", "json", *args, cwd=tmp_path, env=KEY)
    planned = json.loads(dry.stdout)["estimates"][0]["calls"]
    with ChatServer() as srv:
        real = run_cli(
            "summarize", SEED, "-f", "json", "-q", *args, "--base-url", srv.base_url,
            "--model", "gpt-4o-mini", cwd=tmp_path, env=KEY,
        )  # fmt: skip
        made = len(srv.chat_requests())
    assert real.returncode == 0, real.stderr
    assert json.loads(real.stdout)["provenance"]["usage"]["calls"] == made == planned
    sections = json.loads(run_cli("sections", SEED, "--json", *args, cwd=tmp_path).stdout)
    assert sections["estimate"]["calls"] == planned


def test_batch_json_summary_shape(tmp_path: Path) -> None:
    result = run_cli("batch", SEEDS, "-o", tmp_path / "out", "--json", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["files"] == {"ok": 5, "failed": 0, "skipped": 0}
    assert set(data["findings"]) == {"achievement", "problem", "plan", "other"}
    assert set(data["usage"]) == {"calls", "prompt_tokens", "completion_tokens", "cached_tokens"}
    assert data["failed"] == [] and data["interrupted"] is False


def test_batch_dry_run_json(tmp_path: Path) -> None:
    result = run_cli("batch", SEEDS, "--dry-run", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["files"] == 5 and data["reports"] >= 7


def test_glob_matching_nothing_exits_2(tmp_path: Path) -> None:
    result = run_cli("batch", SEEDS, "--glob", "*.nothing", "-o", tmp_path / "o", cwd=tmp_path)
    assert result.returncode == 2
    assert "no input files matching *.nothing" in result.stderr
    assert result.stdout == ""


def test_outputs_are_readable_by_others(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "one.html"
        assert run_cli("summarize", SEED, "-o", out, cwd=tmp_path).returncode == 0
        folder = tmp_path / "b"
        assert (
            run_cli("batch", SEEDS, "-o", folder, "-f", "html", "-q", cwd=tmp_path).returncode == 0
        )
    finally:
        os.umask(old)
    files = [out, *(p for p in folder.rglob("*") if p.is_file())]
    assert any(p.name == "index.html" for p in files) and len(files) > 5
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o644, p


def test_file_mode_follows_the_umask_and_keeps_an_existing_mode(tmp_path: Path) -> None:
    from summarizer.core.atomic import write_text_atomic

    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "a.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640
    os.chmod(tmp_path / "a.json", 0o604)
    write_text_atomic(tmp_path / "a.json", "[]")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o604


def _misquoting(body: dict[str, Any]) -> Reply:
    """Findings whose quote is not in the source, and whose summary invents a number."""
    if is_overview(body):
        return Reply(content=json.dumps({"overview": "概要。"}, ensure_ascii=False))
    quote = first_sentence(document_text(body) or "")
    finding = {
        "kind": "achievement", "title": "招商", "summary": "引进项目999个。", "topic": "other",
        "metrics": [], "entities": [], "quotes": ["这句话不在原文里出现过"],
    }  # fmt: skip
    good = finding | {"summary": quote, "quotes": [quote]}
    answer = {
        "organization": None,
        "key_metrics": [],
        "findings": [finding, good],
        "overview": None,
    }
    return Reply(content=json.dumps(answer, ensure_ascii=False))


def test_warnings_summary_after_summarize_o_and_batch(tmp_path: Path) -> None:
    args = ["--backend", "openai", "--model", "gpt-4o-mini"]
    with ChatServer(_misquoting) as srv:
        out = tmp_path / "one.json"
        one = run_cli(
            "summarize", SEED, "-o", out, *args, "--base-url", srv.base_url, cwd=tmp_path, env=KEY
        )
        batch = run_cli(
            "batch", SEEDS, "-o", tmp_path / "b", *args, "--base-url", srv.base_url,
            cwd=tmp_path, env=KEY,
        )  # fmt: skip
    assert one.returncode == 0, one.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    total = len(doc["warnings"]) + sum(len(r["warnings"]) for r in doc["reports"])
    assert total >= 2
    line = next(x for x in one.stderr.splitlines() if " warnings: " in x)
    assert line.startswith(f"{total} warnings: ") and re.search(r"\d+ quotes? not found", line)
    assert f'see "warnings" in {out}' in line
    assert batch.returncode == 0, batch.stderr
    assert "warnings: " in batch.stderr and "in 5 files" in batch.stderr


def test_plurals() -> None:
    from summarizer.render.format import plural

    assert [plural(n, "call") for n in (0, 1, 2)] == ["0 calls", "1 call", "2 calls"]
    assert plural(1, "entry") == "1 entry" and plural(3, "entry") == "3 entries"


def _filled_cache(folder: Path, entries: int) -> None:
    from summarizer.backends.cache import Cache
    from summarizer.core.schema import OverviewText

    with Cache.open(folder) as cache:
        for i in range(entries):
            cache.put(f"k{i}", OverviewText(overview="概要" * 200 + str(i)))


def test_cache_stats_json_and_it_creates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    result = run_cli("cache", "stats", "--cache-dir", folder, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {
        "entries": 0, "size_bytes": 0, "path": str(folder / "summarizer-cache.sqlite3"),
        "exists": False,
    }  # fmt: skip
    assert not folder.exists()
    _filled_cache(folder, 3)
    data = json.loads(
        run_cli("cache", "stats", "--cache-dir", folder, "--json", cwd=tmp_path).stdout
    )
    assert data["entries"] == 3 and data["exists"] is True and data["size_bytes"] > 0


def test_cache_clear_asks_and_shrinks(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _filled_cache(folder, 300)
    db = folder / "summarizer-cache.sqlite3"
    # No answer (stdin at its end): nothing removed, exit 1.
    declined = run_cli("cache", "clear", "--cache-dir", folder, cwd=tmp_path)
    assert declined.returncode == 1 and "Nothing removed" in declined.stderr
    assert "Delete 300 cached answers" in declined.stderr
    before = db.stat().st_size
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", "cache", "clear", "--cache-dir", str(folder)],
        input="y\n", capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Removed 300 cached answers from {db}")
    assert db.stat().st_size < before / 4  # vacuumed, not only emptied
    again = run_cli("cache", "clear", "--cache-dir", folder, "--yes", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("Removed 0 cached answers")


def test_validate_json_shape_and_exit_code(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(run_cli("summarize", SEED, "-f", "json", "-q", cwd=tmp_path).stdout)
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1"}', encoding="utf-8")
    result = run_cli("validate", good, bad, "--json", cwd=tmp_path)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert [(f["path"], f["valid"]) for f in data["files"]] == [
        (str(good), True),
        (str(bad), False),
    ]
    assert data["files"][1]["errors"] and data["files"][0]["errors"] == []


def test_eval_with_missing_predictions_exits_1(tmp_path: Path) -> None:
    gold = Path(__file__).parent / "data" / "gold"
    pred = tmp_path / "pred"
    pred.mkdir()
    result = run_cli("eval", "--gold", gold, "--pred", pred, "--json", cwd=tmp_path)
    assert result.returncode == 1
    data = json.loads(result.stdout)  # the scores are still printed
    assert data["files"] and all(f["status"] == "missing" for f in data["files"])
    assert "without a usable prediction (missing)" in result.stderr
    out = tmp_path / "b"
    assert run_cli("batch", SEEDS, "-o", out, "-q", cwd=tmp_path).returncode == 0
    full = run_cli("eval", "--gold", gold, "--pred", out, cwd=tmp_path)
    assert full.returncode == 0, full.stderr


def test_resume_totals_of_the_bar_match_the_table() -> None:
    from summarizer.batch import IndexRecord, totals_of
    from summarizer.core.progress import _Tally
    from summarizer.core.schema import Usage

    spent = Usage(calls=2, prompt_tokens=100, completion_tokens=40, cached_tokens=0)
    earlier = Usage(calls=5, prompt_tokens=900, completion_tokens=300, cached_tokens=0)
    tally = _Tally(lambda u: None)
    tally.chunk("a.txt", spent)
    tally.file("a.txt", "ok", spent)
    tally.file("b.txt", "skipped", earlier)  # done by an earlier run
    records = [IndexRecord(path="a.txt", status="ok"), IndexRecord(path="b.txt", status="skipped")]
    records[0].calls, records[0].tokens = 2, {"prompt": 100, "completion": 40, "cached": 0}
    records[1].calls, records[1].tokens = 5, {"prompt": 900, "completion": 300, "cached": 0}
    assert tally.usage() == totals_of(records).usage == spent


def test_a_large_input_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from summarizer.cli.summarize_cmd import _SLOW_INPUT_BYTES, _analyse_showing
    from summarizer.core.config import Settings

    big = tmp_path / "big.txt"
    text = SEED.read_text(encoding="utf-8")
    big.write_text(text * (_SLOW_INPUT_BYTES // len(text.encode()) + 1), encoding="utf-8")
    settings = Settings(backend="offline")
    shown = io.StringIO()
    analysis = _analyse_showing(
        str(big), settings, "estimate", Console(file=shown, force_terminal=True)
    )
    assert analysis.reports and "reading and sectioning" in shown.getvalue()
    quiet = io.StringIO()
    _analyse_showing(str(SEED), settings, "estimate", Console(file=quiet, force_terminal=True))
    assert quiet.getvalue() == ""  # a small file is read without a display


def test_source_path_is_absolute_and_batch_adds_the_relative_one(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "in" / "a").mkdir(parents=True)
    (work / "in" / "a" / "r.txt").write_bytes(SEED.read_bytes())
    one = run_cli("summarize", "in/a/r.txt", "-o", "one.json", "-q", cwd=work)
    assert one.returncode == 0, one.stderr
    doc = json.loads((work / "one.json").read_text(encoding="utf-8"))
    assert doc["source"]["path"] == str(work / "in" / "a" / "r.txt")
    assert doc["source"]["relative_path"] is None
    batch = run_cli("batch", "in", "-o", "out", "-q", cwd=work)
    assert batch.returncode == 0, batch.stderr
    out = json.loads((work / "out" / "a" / "r.txt.json").read_text(encoding="utf-8"))
    assert out["source"]["path"] == str(work / "in" / "a" / "r.txt")
    assert out["source"]["relative_path"] == "a/r.txt"
    # `check` from another folder finds the source through the absolute path.
    checked = run_cli("check", work / "one.json", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert run_cli("validate", work / "out" / "a" / "r.txt.json", cwd=tmp_path).returncode == 0
