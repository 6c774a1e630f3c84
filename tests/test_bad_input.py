"""Bad input: each bad file is one line naming the file and the reason, and a batch goes on.

In: empty, blank, binary, undecodable, oversized, unsectioned, unreadable and non-report files
written under tmp_path, a directory symlink loop, and malformed JSON for `validate`. Out:
assertions on exit codes, the single error line, warnings and the batch index.
"""

from __future__ import annotations

import builtins
import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from helpers import cli_env, make_report, read_index, run_cli

from summarizer.cli import main
from summarizer.core.errors import InputError
from summarizer.text.read import read_source

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
# Bytes that are neither UTF-8 nor GB18030 nor Big5 (0x80 and 0xFF lead no valid sequence).
UNDECODABLE = bytes(range(0x80, 0x100)) * 20
NOVEL = (
    "第一章 雨夜\n\n"
    "那天夜里雨下得很大，她撑着一把旧伞站在巷口，看着远处昏黄的路灯一盏一盏熄灭。\n"
    "风从河面上吹过来，带着潮湿的腥味。她想起小时候外婆讲过的故事，关于一只迷路的猫。\n"
    "猫最后回到了家，可外婆却再也没有醒来。她把伞收起，任雨水打在脸上，慢慢往回走。\n"
) * 6
UNSECTIONED = (
    "本年度，开发区坚持稳中求进，全年完成地区生产总值120亿元，同比增长8%。\n\n"
    "招商引资成效明显，新签约项目32个，总投资86亿元，园区企业发展势头良好。\n\n"
    "基础设施建设加快推进，新建道路12公里，完成投资9亿元。\n"
)

# name -> (bytes, words the one-line reason must contain)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.txt": (b"", "empty"),
    "blank.txt": (" \n\t\r\n\u3000 \n".encode("utf-8"), "whitespace"),
    "image.txt": (PNG, "binary file (a PNG image)"),
    "latin.txt": (UNDECODABLE, "undecodable"),
}


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in this process (fast); return exit code, stdout and stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    code = exit_info.value.code
    return int(code) if isinstance(code, int) else 1, captured.out, captured.err


def error_lines(stderr: str) -> list[str]:
    """Lines of stderr that are not blank."""
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_one_line_naming_file_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    data, reason = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = run_main(
        ["summarize", str(path), "--backend", "offline", "-f", "json"], capsys
    )
    assert code == 2
    assert out == ""
    lines = error_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ") and str(path) in lines[0] and reason in lines[0]


def test_file_over_the_size_limit_is_refused_without_reading_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(("开发区工作报告。" * 100_000).encode("utf-8")[: 2 * 1024 * 1024])
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            read_source(path, max_bytes=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "over the limit" in str(info.value) and "--max-file-mb" in str(info.value)
    assert peak < 256 * 1024  # the 2 MB were never loaded
    code, _, err = run_main(
        ["summarize", str(path), "--backend", "offline", "--max-file-mb", "1", "-f", "json"],
        capsys,
    )
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and str(path) in lines[0] and "over the limit" in lines[0]


def _summarize_offline(
    folder: Path, name: str, text: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, dict[str, Any]]:
    """Exit code, stderr and the JSON written for `text` summarized offline."""
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    out_file = folder / f"{name}.json"
    code, _, err = run_main(
        ["summarize", str(path), "--backend", "offline", "-o", str(out_file)], capsys
    )
    doc = json.loads(out_file.read_text(encoding="utf-8")) if out_file.exists() else {}
    return code, err, doc


def test_unsectioned_text_warns_and_falls_back_to_paragraph_chunks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, doc = _summarize_offline(tmp_path, "flat", UNSECTIONED, capsys)
    assert code == 0, err
    assert "no recognisable sections" in err
    assert any("no recognisable sections" in w for w in doc["warnings"])


def test_novel_chapter_warns_it_is_not_a_work_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, _ = _summarize_offline(tmp_path, "novel", NOVEL, capsys)
    assert code == 0, err
    assert "does not look like a work report" in err
    code, err, _ = _summarize_offline(tmp_path, "report", make_report(1), capsys)
    assert code == 0 and "does not look like a work report" not in err


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads chmod 000 files; test_permission_error_is_one_line simulates it",
)
def test_chmod_000_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(make_report(2), encoding="utf-8")
    path.chmod(0)
    try:
        code, _, err = run_main(["summarize", str(path), "--backend", "offline"], capsys)
    finally:
        path.chmod(0o644)
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and str(path) in lines[0] and "permission denied" in lines[0]


def test_permission_error_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(make_report(2), encoding="utf-8")
    real_open = builtins.open

    def denying_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denying_open)
    with pytest.raises(InputError) as info:
        read_source(path)
    assert str(info.value) == f"{path}: permission denied"
    code, _, err = run_main(["summarize", str(path), "--backend", "offline"], capsys)
    assert code == 2
    assert error_lines(err) == [f"Error: {path}: permission denied"]


@pytest.mark.slow
def test_batch_goes_on_past_every_bad_input(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    (inputs / "good.txt").write_text(make_report(3), encoding="utf-8")
    (inputs / "sub" / "good2.txt").write_text(make_report(4), encoding="utf-8")
    for name, (data, _) in BAD_FILES.items():
        (inputs / name).write_bytes(data)
    (inputs / "huge.txt").write_bytes(b"a" * (2 * 1024 * 1024))
    (inputs / "flat.txt").write_text(UNSECTIONED, encoding="utf-8")
    # A loop: in/sub/loop -> in. Followed once, never forever.
    (inputs / "sub" / "loop").symlink_to(inputs, target_is_directory=True)
    out = tmp_path / "out"
    done = run_cli(
        "batch",
        str(inputs),
        "-o",
        str(out),
        "--backend",
        "offline",
        "--max-file-mb",
        "1",
        "--cache-dir",
        str(tmp_path / "cache"),
        env=cli_env(),
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    index = read_index(out)
    records = {Path(r["path"]).name: r for r in index}
    assert len(index) == len(records) == 8  # the loop added no second visit of any file
    bad = {*BAD_FILES, "huge.txt"}
    assert set(records) == bad | {"good.txt", "good2.txt", "flat.txt"}
    for name in bad:
        error = records[name]["error"]
        assert records[name]["status"] == "failed"
        # The record's path names the file; the error is the one-line reason.
        assert error and "\n" not in error
        # The user sees it too: one stderr line with both the file and the reason.
        assert any(name in line and error in line for line in done.stderr.splitlines()), name
    assert "over the limit" in records["huge.txt"]["error"]
    for name in ("good.txt", "good2.txt", "flat.txt"):
        assert records[name]["status"] == "ok", records[name]
    assert (out / "sub" / "good2.txt.json").is_file()


def test_validate_malformed_and_wrong_schema_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"source": {"path": "x"', encoding="utf-8")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"source": {"path": 3}, "reports": "none"}), encoding="utf-8")
    code, out, err = run_main(["validate", str(broken), str(wrong)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert f"✗ {broken}: 1 error(s)" in lines
    assert any(line.strip().startswith("not JSON:") and "line 1" in line for line in lines)
    assert any(line.startswith(f"✗ {wrong}:") for line in lines)
    # Each schema error is one readable line with its JSON path.
    assert any(line.strip().startswith("$.reports:") for line in lines)
    assert any(line.strip().startswith("$.source.path:") for line in lines)
    assert "Traceback" not in out + err and "2 of 2 file(s) failed" in err
