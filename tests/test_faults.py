"""Reliability, second round: one test per fault of docs/RELIABILITY.md's second table.

In-process and fast where the fault can be injected (a full disk is an OSError raised by a
patched writer, limits are small); the few that need a child process are marked `slow`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer.cli import cli
from summarizer.validation import MAX_JSON_DEPTH, load_json, validate_file


def _golden_output() -> dict:  # type: ignore[type-arg]
    from helpers import offline_document

    from summarizer.schema import ReportSummary

    report = ReportSummary(
        title="t",
        organization=None,
        summary_year=2023,
        plan_year=2024,
        overview="o",
        key_metrics=[],
        achievements=[],
        problems=[],
        plans=[],
        other=[],
        warnings=[],
    )
    doc = offline_document(report, path="a.txt", sha256="0" * 64, chars=10)
    return json.loads(doc.model_dump_json())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ hostile JSON (validate/check)

HOSTILE = [
    ("deep", b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
    ("nan", b'{"a": NaN}', "NaN is not a JSON number"),
    ("inf", b'{"a": -Infinity}', "Infinity is not a JSON number"),
    ("dup", b'{"a": 1, "a": 2}', "duplicate key 'a'"),
    ("surrogate", b'{"a": "\\ud800"}', "lone surrogate"),
    ("surrogate-key", b'{"\\udfff": 1}', "lone surrogate"),
]


@pytest.mark.parametrize(("name", "raw", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_json_is_refused_in_one_line(
    tmp_path: Path, name: str, raw: bytes, message: str
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(raw)
    errors = validate_file(path)
    assert len(errors) == 1 and message in errors[0], errors


def test_deep_but_legal_nesting_and_valid_pairs_still_load() -> None:
    deep = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert load_json(deep) is not None
    assert load_json(b'{"a": "\\ud83d\\ude00", "b": "[[[[{{"}') == {"a": "😀", "b": "[[[[{{"}


def test_an_offset_given_as_a_string_is_a_schema_error(tmp_path: Path) -> None:
    data = _golden_output()
    assert validate_file(_write(tmp_path / "ok.json", data)) == []
    data["source"]["chars"] = "10"
    errors = validate_file(_write(tmp_path / "bad.json", data))
    assert errors and errors[0].startswith("$.source.chars"), errors


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_goes_on_after_a_hostile_file(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 200_000)
    good = _write(tmp_path / "good.json", _golden_output())
    result = CliRunner().invoke(cli, ["validate", str(deep), str(good)])
    assert result.exit_code == 1, result.output
    assert "Internal error" not in result.output
    assert f"✗ {deep}" in result.output and f"✓ {good}" in result.output


def test_check_refuses_hostile_json_in_one_line(tmp_path: Path) -> None:
    from summarizer.check import load_output
    from summarizer.errors import ValidationError

    path = tmp_path / "dup.json"
    path.write_bytes(b'{"schema_version": "1", "schema_version": "2"}')
    with pytest.raises(ValidationError, match="duplicate key 'schema_version'"):
        load_output(str(path))
    path.write_bytes(b"[" * 100_000)
    with pytest.raises(ValidationError, match="nested deeper"):
        load_output(str(path))


def test_check_refuses_a_huge_source_before_reading_it(tmp_path: Path) -> None:
    from summarizer.check import check_output
    from summarizer.errors import InputError

    source = tmp_path / "a.txt"
    with open(source, "wb") as fh:
        fh.truncate(3 * 1024 * 1024 * 1024)  # sparse: 3 GB on paper, nothing on disk
    out = _write(tmp_path / "a.txt.json", _golden_output())
    with pytest.raises(InputError, match="over the limit"):
        check_output(str(out), str(source))


# ------------------------------------------------------------------ parsing under limits


def _docx(path: Path, paragraphs: int, text: str = "x") -> Path:
    """A minimal .docx whose body repeats one paragraph; millions compress to a few hundred KB."""
    import zipfile

    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    para = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{ns}">'
        "<w:body>".encode()
        + para * paragraphs
        + b"</w:body></w:document>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", document)
    return path


@pytest.mark.slow
def test_docx_with_millions_of_paragraphs_is_refused_within_the_limits(tmp_path: Path) -> None:
    from summarizer.bounded import ParseLimits, read_bounded
    from summarizer.errors import InputError

    bomb = _docx(tmp_path / "bomb.docx", 3_000_000)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(InputError) as caught:
        read_bounded(bomb, limits=ParseLimits(timeout_s=60, memory_mb=150))
    message = str(caught.value)
    assert message.startswith(str(bomb)) and "\n" not in message
    # The same reader, in the same way, still reads an ordinary document.
    small = _docx(tmp_path / "small.docx", 3, "开发区工作总结")
    assert read_bounded(small).text.split("\n")[0] == "开发区工作总结"


@pytest.mark.slow
def test_a_parse_past_its_time_is_stopped(tmp_path: Path) -> None:
    from summarizer.bounded import ParseLimits, read_bounded
    from summarizer.errors import InputError

    slow = _docx(tmp_path / "slow.docx", 400_000)
    with pytest.raises(InputError, match="longer than 0.01 s; raise it with --parse-timeout-s"):
        read_bounded(slow, limits=ParseLimits(timeout_s=0.01, memory_mb=2000))


# ------------------------------------------------------------------ the batch survives anything

REPORT = (
    "某某经济开发区2023年工作总结\n一、2023年工作总结\n（一）招商引资\n全年引进项目12个，"
    "总投资120亿元，同比增长15%。\n二、存在的问题\n要素保障不足，土地指标紧张。\n"
    "三、2024年工作思路\n（一）项目建设\n计划新开工项目10个，完成投资50亿元。\n"
)


def _tree(root: Path, names: list[str | bytes]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        raw = name if isinstance(name, bytes) else name.encode()
        with open(os.path.join(os.fsencode(root), raw), "w", encoding="utf-8") as fh:
            fh.write(REPORT)


def _job(root: Path, out: Path, tmp: Path, **changes: Any) -> Any:
    from summarizer.batch import BatchJob, walk_tree
    from summarizer.config import Settings

    settings = Settings(cache_dir=str(tmp / "cache"), **changes.pop("settings", {}))
    walk = walk_tree(root, exclude=[out], follow_symlinks=changes.pop("follow", False))
    return BatchJob(
        root=root,
        out_dir=out,
        inputs=walk.inputs,
        settings=settings,
        walk_skipped=dict(walk.skipped),
        files_in_flight=1,
        **changes,
    )


def _run(job: Any, backend: str = "offline") -> Any:
    from summarizer.batch import summarize_tree

    return summarize_tree(job, backend)


def _index(out: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in (out / "index.jsonl").read_text("utf-8").splitlines()]


GBK_NAME = "工作总结.txt".encode("gbk")  # not UTF-8: kept by Python as surrogate escapes


def test_a_gbk_file_name_is_summarized_and_reported_readably(tmp_path: Path) -> None:
    root, out = tmp_path / "in", tmp_path / "out"
    _tree(root, [GBK_NAME, "ok.txt"])
    result = _run(_job(root, out, tmp_path))
    assert result.fatal is None and not result.any_failed
    shown = GBK_NAME.decode("utf-8", "backslashreplace")
    assert sorted(r["path"] for r in _index(out)) == sorted([shown, "ok.txt"])
    written = os.path.join(os.fsencode(out), GBK_NAME + b".json")
    doc = json.loads(open(written, encoding="utf-8").read())
    assert doc["source"]["path"].endswith(shown)
    assert validate_file(os.fsdecode(written)) == []


def test_summarize_of_a_gbk_file_name_writes_its_json(tmp_path: Path) -> None:
    _tree(tmp_path, [GBK_NAME])
    path = os.fsdecode(os.path.join(os.fsencode(tmp_path), GBK_NAME))
    result = CliRunner().invoke(cli, ["summarize", path, "--backend", "offline", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "\\xb9\\xa4" in json.loads(result.stdout)["source"]["path"]


def test_a_full_output_disk_stops_the_batch_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import summarizer.batch.run as run_mod
    from summarizer.errors import OutputError

    root, out = tmp_path / "in", tmp_path / "out"
    _tree(root, [f"r{i}.txt" for i in range(6)])
    real = run_mod.write_text_atomic
    calls = {"n": 0}

    def filling(path: Any, text: str) -> None:
        calls["n"] += 1
        if calls["n"] >= 3 and str(path).endswith(".json"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, text)

    monkeypatch.setattr(run_mod, "write_text_atomic", filling)
    result = _run(_job(root, out, tmp_path))
    assert isinstance(result.fatal, OutputError)
    assert "r2.txt.json" in str(result.fatal) and "No space left on device" in str(result.fatal)
    # Stopped: the last three inputs were never tried; the index is whole and says so.
    assert len(result.this_run) == 3
    records = _index(out)
    assert [(r["path"], r["status"]) for r in records] == [
        ("r0.txt", "ok"),
        ("r1.txt", "ok"),
        ("r2.txt", "failed"),
    ]
    assert not [p for p in out.rglob("*.tmp")]


def test_an_index_append_on_a_full_disk_leaves_no_torn_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from summarizer.batch import IndexRecord
    from summarizer.batch.index import IndexLog, read_index

    log = IndexLog(tmp_path / "index.jsonl")
    log.append(IndexRecord(path="a.txt", status="ok"))
    real_write = os.write

    def half(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half)
    with pytest.raises(OSError):
        log.append(IndexRecord(path="b.txt", status="ok"))
    monkeypatch.setattr(os, "write", real_write)
    text = (tmp_path / "index.jsonl").read_text("utf-8")
    assert text.endswith("}\n") and [r.path for r in read_index(tmp_path / "index.jsonl")] == [
        "a.txt"
    ]


def test_symlinks_leaving_the_folder_and_special_files_are_skipped_and_counted(
    tmp_path: Path,
) -> None:
    from summarizer.batch import walk_tree

    root = tmp_path / "in"
    _tree(root, ["a.txt"])
    outside = tmp_path / "secret"
    _tree(outside, ["passwd.txt", "b.txt"])
    (root / "passwd.txt").symlink_to(outside / "passwd.txt")
    (root / "system").symlink_to(outside, target_is_directory=True)
    (root / "inner.txt").symlink_to(root / "a.txt")  # inside DIR: followed
    (root / "broken.txt").symlink_to(root / "nowhere.txt")
    os.mkfifo(root / "pipe.txt")
    walk = walk_tree(root)
    assert walk.inputs == ["a.txt", "inner.txt"]
    assert walk.skipped == {"symlinks leaving DIR": 2, "special or broken files": 2}
    followed = walk_tree(root, follow_symlinks=True)
    assert followed.inputs == [
        "a.txt",
        "inner.txt",
        "passwd.txt",
        "system/b.txt",
        "system/passwd.txt",
    ]


def test_a_batch_never_reads_its_own_outputs(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _tree(root, ["a.txt", "b.txt"])
    # An earlier run with its output folder inside DIR, and a summarize -f html/-f markdown.
    _run(_job(root, root / "old", tmp_path, formats=("markdown", "html")))
    for fmt, suffix in (("html", ".html"), ("markdown", ".md")):
        result = CliRunner().invoke(
            cli,
            [
                "summarize",
                str(root / "a.txt"),
                "--backend",
                "offline",
                "-f",
                fmt,
                "-o",
                str(root / f"x{suffix}"),
            ],
        )
        assert result.exit_code == 0, result.output
    (root / "notes.md").write_text(
        "# 会议纪要\n\n一、2023年工作总结\n项目建设有序推进。\n", "utf-8"
    )
    from summarizer.batch import walk_tree

    walk = walk_tree(root, exclude=[tmp_path / "new"])
    assert walk.inputs == ["a.txt", "b.txt", "notes.md"]
    # old/: a.txt.md, b.txt.md, a.txt.html, b.txt.html, README.md, index.html; and x.html, x.md
    assert walk.skipped == {"outputs of summarizer": 8}


def test_resume_redoes_files_whose_settings_changed_and_says_why(tmp_path: Path) -> None:
    root, out = tmp_path / "in", tmp_path / "out"
    _tree(root, ["a.txt", "b.txt"])
    first = _run(_job(root, out, tmp_path))
    assert [r.status for r in first.this_run] == ["ok", "ok"]
    again = _run(_job(root, out, tmp_path))
    assert [r.status for r in again.this_run] == ["skipped", "skipped"] and again.redone == {}
    english = _run(_job(root, out, tmp_path, settings={"lang": "en"}))
    assert [r.status for r in english.this_run] == ["ok", "ok"]
    assert english.redone == {"changed lang": 2}
    budget = _run(_job(root, out, tmp_path, settings={"lang": "en", "chunk_tokens": 900}))
    assert budget.redone == {"changed chunk_tokens": 2}
    forced = _run(
        _job(root, out, tmp_path, settings={"lang": "en", "chunk_tokens": 900}, force=True)
    )
    assert [r.status for r in forced.this_run] == ["ok", "ok"]


def test_a_glob_subset_keeps_the_other_files_index_records(tmp_path: Path) -> None:
    from summarizer.batch import BatchJob

    root, out = tmp_path / "in", tmp_path / "out"
    _tree(root, ["a.txt", "b.txt"])
    full = _job(root, out, tmp_path)
    _run(full)
    subset = BatchJob(root=root, out_dir=out, inputs=["a.txt"], settings=full.settings, force=True)
    _run(subset)
    assert [r["path"] for r in _index(out)] == ["a.txt", "b.txt"]
    (root / "b.txt").unlink()
    _run(subset)
    assert [r["path"] for r in _index(out)] == ["a.txt"]


def test_a_dead_endpoint_stops_the_batch_with_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from summarizer.errors import BackendError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connections are refused
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dead-endpoint-000")
    root, out = tmp_path / "in", tmp_path / "out"
    _tree(root, [f"r{i}.txt" for i in range(8)])
    url = f"http://127.0.0.1:{port}/v1"
    job = _job(root, out, tmp_path, settings={"base_url": url, "max_retries": 0})
    result = _run(job, "openai")
    assert isinstance(result.fatal, BackendError) and result.fatal.exit_code == 3
    assert url in str(result.fatal) and "\n" not in str(result.fatal)
    assert len(result.this_run) == 3
