"""`summarizer batch`: the walk, the index, outputs mirroring the tree, resume, Ctrl-C, progress.

CLI tests run `python -m summarizer` as a subprocess (offline backend, or the openai backend
against tests/chatserver.py on 127.0.0.1); the walk, index and progress are also tested alone.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from chatserver import ChatServer, Reply, default_responder
from conftest import SEEDS, seed_paths
from helpers import run_cli
from rich.console import Console

from summarizer.batch import (
    IndexRecord,
    default_out_dir,
    merge_records,
    output_path,
    read_index,
    walk_inputs,
)
from summarizer.core.progress import PlainProgress, make_progress
from summarizer.core.schema import Usage

ANSI = re.compile(r"\x1b\[")


def make_tree(root: Path) -> list[str]:
    """Seeds at three depths, an empty file, a hidden folder and file, a stray output folder."""
    seeds = seed_paths()
    (root / "a" / "b").mkdir(parents=True)
    shutil.copy(seeds[0], root / seeds[0].name)
    shutil.copy(seeds[1], root / "a" / seeds[1].name)
    shutil.copy(seeds[2], root / "a" / "b" / seeds[2].name)
    (root / "a" / "empty.txt").write_bytes(b"")
    (root / ".hidden").mkdir()
    shutil.copy(seeds[3], root / ".hidden" / "secret.txt")
    shutil.copy(seeds[3], root / "a" / ".dotfile.txt")
    # An output folder inside the input folder, holding a file the walk would otherwise take.
    (root / "out").mkdir()
    shutil.copy(seeds[4], root / "out" / "stray.txt")
    (root / "notes.csv").write_text("not a report", encoding="utf-8")
    return sorted([seeds[0].name, f"a/{seeds[1].name}", f"a/b/{seeds[2].name}", "a/empty.txt"])


def index_lines(out: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in (out / "index.jsonl").read_text("utf-8").splitlines()]


def json_outputs(out: Path) -> list[Path]:
    return sorted(out.rglob("*.json"))


def assert_valid(paths: list[Path], cwd: Path) -> None:
    result = run_cli("validate", *paths, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("✓") == len(paths)


# ----------------------------------------------------------------------------- the walk


def test_walk_is_sorted_recursive_and_skips_hidden_output_and_other_extensions(
    tmp_path: Path,
) -> None:
    expected = make_tree(tmp_path)
    assert walk_inputs(tmp_path, exclude=[tmp_path / "out"]) == expected


def test_walk_survives_a_symlink_loop_and_follows_each_folder_once(tmp_path: Path) -> None:
    make_tree(tmp_path)
    os.symlink(tmp_path, tmp_path / "a" / "loop")  # a → loop → root → a ...
    os.symlink(tmp_path / "a" / "b", tmp_path / "alias")  # the same folder twice
    found = walk_inputs(tmp_path, exclude=[tmp_path / "out"])
    assert len(found) == len(set(found)) == 4
    assert not any("loop" in p for p in found)


def test_walk_glob_filters_by_name_or_relative_path(tmp_path: Path) -> None:
    make_tree(tmp_path)
    ex = [tmp_path / "out"]
    assert walk_inputs(tmp_path, patterns=["*.csv"], exclude=ex) == ["notes.csv"]
    assert walk_inputs(tmp_path, patterns=["a/b/*.txt"], exclude=ex) == [
        f"a/b/{seed_paths()[2].name}"
    ]
    assert walk_inputs(tmp_path, patterns=["empty.*", "*.csv"], exclude=ex) == [
        "a/empty.txt",
        "notes.csv",
    ]


def test_output_paths_mirror_the_tree(tmp_path: Path) -> None:
    assert output_path(tmp_path, "a/b.txt") == tmp_path / "a" / "b.txt.json"
    assert output_path(tmp_path, "a/b.txt", ".md") == tmp_path / "a" / "b.txt.md"
    assert default_out_dir(tmp_path / "reports") == Path("reports-summaries")


# ----------------------------------------------------------------------------- the index


def test_index_merge_keeps_the_last_record_per_path_sorted_and_skips_torn_lines(
    tmp_path: Path,
) -> None:
    index = tmp_path / "index.jsonl"
    lines = [
        IndexRecord(path="b.txt", status="failed", error="boom").to_json(),
        IndexRecord(path="a.txt", status="ok", reports=1).to_json(),
        IndexRecord(path="b.txt", status="ok", reports=2).to_json(),
        IndexRecord(path="gone.txt", status="ok").to_json(),
        '{"path": "c.txt", "stat',  # what a crash mid-write would leave
    ]
    index.write_text("\n".join(lines), encoding="utf-8")
    records = read_index(index)
    assert [r.path for r in records] == ["b.txt", "a.txt", "b.txt", "gone.txt"]
    merged = merge_records(records, keep=["a.txt", "b.txt"])
    assert [(r.path, r.status, r.reports) for r in merged] == [
        ("a.txt", "ok", 1),
        ("b.txt", "ok", 2),
    ]


# ----------------------------------------------------------------------------- progress


def test_plain_progress_prints_one_line_per_file_and_quiet_only_failures() -> None:
    buf = io.StringIO()
    plain = PlainProgress(Console(file=buf, width=200), lambda u: None)
    plain.start(2)
    plain.chunk_done("a/x.txt", Usage(calls=1, prompt_tokens=5), cached=False, failed=False)
    plain.file_done("a/x.txt", "ok", Usage(calls=1), "1 report(s)", None)
    plain.file_done("[b].txt", "failed", Usage(), "", "the file is empty")
    assert buf.getvalue().splitlines() == [
        "[1/2] a/x.txt ok (1 report(s))",
        "[2/2] [b].txt failed: the file is empty",
    ]
    buf = io.StringIO()
    quiet = make_progress(
        Console(file=buf, width=200, force_terminal=True), lambda u: 0.0, quiet=True
    )
    assert isinstance(quiet, PlainProgress)
    quiet.start(2)
    quiet.file_done("a/x.txt", "ok", Usage(), "fine", None)
    quiet.file_done("b.txt", "failed", Usage(), "", "bad")
    assert buf.getvalue().splitlines() == ["[2/2] b.txt failed: bad"]


# ----------------------------------------------------------------------------- CLI, offline


@pytest.mark.slow
def test_batch_tree_offline_mirrors_tree_indexes_and_exits_1_for_the_bad_file(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    expected = make_tree(src)
    out = src / "out"
    result = run_cli("batch", src, "-o", out, "--backend", "offline", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    good = [p for p in expected if p != "a/empty.txt"]
    assert json_outputs(out) == sorted(output_path(out, p) for p in good)
    assert not (out / "stray.txt.json").exists() and not (out / "out").exists()
    assert_valid(json_outputs(out), tmp_path)
    records = index_lines(out)
    assert [r["path"] for r in records] == expected
    status = {r["path"]: r["status"] for r in records}
    assert status == {p: ("failed" if p == "a/empty.txt" else "ok") for p in expected}
    failed = next(r for r in records if r["status"] == "failed")
    assert failed["error"] == "the file is empty"
    ok = next(r for r in records if r["status"] == "ok")
    assert ok["reports"] >= 1 and sum(ok["findings"].values()) > 0
    assert set(ok["findings"]) == {"achievement", "problem", "plan", "other"}
    assert set(ok["tokens"]) == {"prompt", "completion", "cached"}
    # stderr is a pipe: plain progress lines, no ANSI escapes, no traceback.
    assert not ANSI.search(result.stderr)
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("[")]
    assert len(lines) == 4
    assert re.fullmatch(r"\[\d/4\] a/empty\.txt failed: the file is empty", _line(lines, "empty"))
    assert re.fullmatch(
        rf"\[\d/4\] a/b/{re.escape(seed_paths()[2].name)} ok \(.*\)", _line(lines, "a/b/")
    )
    assert sorted(int(ln[1]) for ln in lines) == [1, 2, 3, 4]
    # The final table goes to stdout and names the failure.
    assert "3 / 1 / 0" in result.stdout
    assert "failed: a/empty.txt: the file is empty" in result.stdout


def _line(lines: list[str], needle: str) -> str:
    return next(ln for ln in lines if needle in ln)


@pytest.mark.slow
def test_batch_seeds_offline_writes_five_valid_json_quickly(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = run_cli("batch", SEEDS, "-o", tmp_path / "out", "--backend", "offline", cwd=tmp_path)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    outputs = json_outputs(tmp_path / "out")
    assert [p.name for p in outputs] == [s.name + ".json" for s in seed_paths()]
    assert len(outputs) == 5
    assert_valid(outputs, tmp_path)
    assert elapsed < 30


@pytest.mark.slow
def test_batch_quiet_prints_only_errors_and_the_table(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    make_tree(src)
    result = run_cli(
        "batch", src, "-o", tmp_path / "out", "--backend", "offline", "--quiet", cwd=tmp_path
    )
    assert result.returncode == 1
    assert [ln for ln in result.stderr.splitlines() if ln.startswith("[")] == [
        ln for ln in result.stderr.splitlines() if "failed" in ln
    ]
    assert " ok (" not in result.stderr
    assert "files ok / failed / skipped" in result.stdout


@pytest.mark.slow
def test_batch_markdown_and_html_write_per_file_pages_and_overviews(tmp_path: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(SEEDS, src / "x")
    for fmt, suffix, overview in (
        ("markdown", ".md", "README.md"),
        ("html", ".html", "index.html"),
    ):
        out = tmp_path / fmt
        result = run_cli("batch", src, "-o", out, "--backend", "offline", "-f", fmt, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        for seed in seed_paths():
            assert output_path(out, f"x/{seed.name}", suffix).stat().st_size > 200
            assert output_path(out, f"x/{seed.name}").exists()
        page = (out / overview).read_text(encoding="utf-8")
        assert all(f"x/{s.name}{suffix}" in page for s in seed_paths())
    # A resumed markdown run regenerates a deleted .md without redoing the JSON.
    out = tmp_path / "markdown"
    gone = output_path(out, f"x/{seed_paths()[0].name}", ".md")
    gone.unlink()
    before = output_path(out, f"x/{seed_paths()[0].name}").read_bytes()
    result = run_cli(
        "batch", src, "-o", out, "--backend", "offline", "-f", "markdown", cwd=tmp_path
    )
    assert result.returncode == 0 and gone.exists()
    assert output_path(out, f"x/{seed_paths()[0].name}").read_bytes() == before
    assert {r["status"] for r in index_lines(out)} == {"skipped"}


@pytest.mark.slow
def test_batch_dry_run_calls_nothing_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    make_tree(src)
    result = run_cli("batch", src, "-o", src / "out", "--dry-run", cwd=tmp_path)
    assert result.returncode == 1  # the empty file cannot be analysed
    assert "3 files" in result.stdout and "Estimated cost" in result.stdout
    assert "failed: a/empty.txt: the file is empty\n" in result.stderr
    assert sorted(p.name for p in (src / "out").iterdir()) == ["stray.txt"]


# ----------------------------------------------------------------------------- CLI, model


def _llm_args(srv: ChatServer, src: Path, out: Path, *extra: str) -> list[str | Path]:
    return [
        "batch",
        src,
        "-o",
        out,
        "--backend",
        "openai",
        "--base-url",
        srv.base_url,
        "--model",
        "gpt-4o-mini",
        *extra,
    ]


KEY = {"OPENAI_API_KEY": "test-key-not-real"}


@pytest.mark.slow
def test_batch_resume_skips_everything_with_zero_requests_and_identical_outputs(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in"
    shutil.copytree(SEEDS, src / "a" / "b")
    out = tmp_path / "out"
    with ChatServer() as srv:
        first = run_cli(*_llm_args(srv, src, out), cwd=tmp_path, env=KEY)
        assert first.returncode == 0, first.stderr
        requests_after_first = len(srv.chat_requests())
        assert requests_after_first >= 5
        before = {p: p.read_bytes() for p in json_outputs(out)}
        assert len(before) == 5
        assert {r["status"] for r in index_lines(out)} == {"ok"}
        assert all(r["calls"] > 0 and r["tokens"]["prompt"] > 0 for r in index_lines(out))
        second = run_cli(*_llm_args(srv, src, out), cwd=tmp_path, env=KEY)
        assert second.returncode == 0, second.stderr
        assert len(srv.chat_requests()) == requests_after_first
    assert {p: p.read_bytes() for p in json_outputs(out)} == before
    records = index_lines(out)
    assert len(records) == 5 and {r["status"] for r in records} == {"skipped"}
    assert "0 / 0 / 5" in second.stdout


@pytest.mark.slow
def test_batch_redoes_an_input_whose_content_changed(tmp_path: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(SEEDS, src)
    out = tmp_path / "out"
    assert run_cli("batch", src, "-o", out, "--backend", "offline", cwd=tmp_path).returncode == 0
    changed = src / seed_paths()[0].name
    changed.write_text(changed.read_text("utf-8") + "\n补充:全年完成投资12亿元。\n", "utf-8")
    result = run_cli("batch", src, "-o", out, "--backend", "offline", cwd=tmp_path)
    assert result.returncode == 0
    status = {r["path"]: r["status"] for r in index_lines(out)}
    assert status.pop(changed.name) == "ok"
    assert set(status.values()) == {"skipped"}


@pytest.mark.slow
def test_batch_stops_at_the_first_authentication_failure_with_exit_3(tmp_path: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(SEEDS, src)
    out = tmp_path / "out"
    with ChatServer(lambda body: Reply(status=401, error="invalid api key")) as srv:
        result = run_cli(*_llm_args(srv, src, out, "--concurrency", "1"), cwd=tmp_path, env=KEY)
        requests = len(srv.chat_requests())
    assert result.returncode == 3, result.stderr
    assert "authentication failed" in result.stderr
    assert "test-key-not-real" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    # Stopped early: far fewer requests than chunks, and no JSON written.
    assert requests <= 3
    assert json_outputs(out) == []
    records = index_lines(out)
    assert len(records) >= 1 and all(r["status"] == "failed" for r in records)


@pytest.mark.slow
def test_one_concurrency_limit_bounds_every_model_call_across_files(tmp_path: Path) -> None:
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most at once

    def slow(body: dict[str, Any]) -> Reply:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return default_responder(body)

    src = tmp_path / "in"
    shutil.copytree(SEEDS, src)
    with ChatServer(slow) as srv:
        result = run_cli(
            *_llm_args(srv, src, tmp_path / "out", "--concurrency", "3"), cwd=tmp_path, env=KEY
        )
        calls = len(srv.chat_requests())
    assert result.returncode == 0, result.stderr
    assert in_flight[1] == 3  # reached (files run side by side), never exceeded
    assert calls == sum(r["calls"] for r in index_lines(tmp_path / "out"))


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_ctrl_c_stops_cleanly_with_130_and_a_rerun_completes(tmp_path: Path) -> None:
    src = tmp_path / "in"
    for i in range(3):
        shutil.copytree(SEEDS, src / f"d{i}")
    out = tmp_path / "out"
    env = {**os.environ, **KEY}
    with ChatServer(latency_s=0.3) as srv:
        args = _llm_args(srv, src, out, "--concurrency", "2")
        proc = subprocess.Popen(
            [sys.executable, "-m", "summarizer", *map(str, args)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A runner started in the background ignores SIGINT, and its children inherit that:
            # the batch under test gets the default disposition, as under a terminal.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 40
        while not json_outputs(out) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130, stderr
        assert "Interrupted" in stderr and "Traceback" not in stderr
        done = json_outputs(out)
        assert 1 <= len(done) < 15
        assert_valid(done, tmp_path)
        assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
        records = index_lines(out)
        assert {r["path"] for r in records} == {
            str(p.relative_to(out))[: -len(".json")] for p in done
        }
        assert all(r["status"] == "ok" for r in records)

        rerun = run_cli(*args, cwd=tmp_path, env=KEY, timeout=90)
    assert rerun.returncode == 0, rerun.stderr
    assert len(json_outputs(out)) == 15
    assert_valid(json_outputs(out), tmp_path)
    records = index_lines(out)
    assert len(records) == 15
    assert sum(r["status"] == "skipped" for r in records) == len(done)


@pytest.mark.slow
def test_temp_files_of_dead_writers_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    from summarizer.core.atomic import sweep_stale_temps, write_text_atomic

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    (tmp_path / "a").mkdir()
    stale = tmp_path / "a" / f".x.txt.json.p{pid}.abc123.tmp"
    live = tmp_path / f".y.txt.json.p{os.getpid()}.def456.tmp"
    other = tmp_path / "notes.tmp"
    for p in (stale, live, other):
        p.write_text("partial", encoding="utf-8")
    write_text_atomic(tmp_path / "done.json", "{}")
    assert sweep_stale_temps(tmp_path) == 1
    assert not stale.exists() and live.exists() and other.exists()
    assert (tmp_path / "done.json").read_text(encoding="utf-8") == "{}"
