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
from helpers import make_docx

from summarizer.cli import cli
from summarizer.review.validate import MAX_JSON_DEPTH, load_json, validate_file


def _golden_output() -> dict:  # type: ignore[type-arg]
    from factories import offline_document

    from summarizer.core.schema import ReportSummary

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
    from summarizer.core.errors import ValidationError
    from summarizer.review.check import load_output

    path = tmp_path / "dup.json"
    path.write_bytes(b'{"schema_version": "1", "schema_version": "2"}')
    with pytest.raises(ValidationError, match="duplicate key 'schema_version'"):
        load_output(str(path))
    path.write_bytes(b"[" * 100_000)
    with pytest.raises(ValidationError, match="nested deeper"):
        load_output(str(path))


def test_check_refuses_a_huge_source_before_reading_it(tmp_path: Path) -> None:
    from summarizer.core.errors import InputError
    from summarizer.review.check import check_output

    source = tmp_path / "a.txt"
    with open(source, "wb") as fh:
        fh.truncate(3 * 1024 * 1024 * 1024)  # sparse: 3 GB on paper, nothing on disk
    out = _write(tmp_path / "a.txt.json", _golden_output())
    with pytest.raises(InputError, match="over the limit"):
        check_output(str(out), str(source))


# ------------------------------------------------------------------ parsing under limits


@pytest.mark.slow
def test_docx_with_millions_of_paragraphs_is_refused_within_the_limits(tmp_path: Path) -> None:
    from summarizer.core.errors import InputError
    from summarizer.text.bounded import ParseLimits, read_bounded

    bomb = make_docx(tmp_path / "bomb.docx", 3_000_000)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(InputError) as caught:
        read_bounded(bomb, limits=ParseLimits(timeout_s=60, memory_mb=150))
    message = str(caught.value)
    assert message.startswith(str(bomb)) and "\n" not in message
    # The same reader, in the same way, still reads an ordinary document.
    small = make_docx(tmp_path / "small.docx", 3, "开发区工作总结")
    assert read_bounded(small).text.split("\n")[0] == "开发区工作总结"


@pytest.mark.slow
def test_a_parse_past_its_time_is_stopped(tmp_path: Path) -> None:
    from summarizer.core.errors import InputError
    from summarizer.text.bounded import ParseLimits, read_bounded

    slow = make_docx(tmp_path / "slow.docx", 400_000)
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
    from summarizer.core.config import Settings

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
    from summarizer.core.errors import OutputError

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

    from summarizer.core.errors import BackendError

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


# ------------------------------------------------------------------ the cache never costs an answer


def _cached(tmp_path: Path, n: int = 3) -> tuple[Any, list[str]]:
    from summarizer.backends.cache import Cache
    from summarizer.core.schema import ChunkExtraction

    cache = Cache.open(tmp_path / "cache")
    keys = [Cache.key({"b": "x", "request": f"chunk {i}"}) for i in range(n)]
    for i, key in enumerate(keys):
        cache.put(key, ChunkExtraction(organization=f"区{i}", key_metrics=[], findings=[]))
    return cache, keys


def test_a_damaged_cache_row_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    import sqlite3

    from summarizer.core.schema import ChunkExtraction

    cache, keys = _cached(tmp_path)
    raw = sqlite3.connect(cache.path)
    # Flipped bytes: not UTF-8 (SQLite then fails to decode the TEXT) and not JSON.
    raw.execute(
        "UPDATE entries SET value = CAST(? AS TEXT) WHERE key = ?", (b"\xff\xfe{\x00", keys[0])
    )
    raw.execute("UPDATE entries SET value = ? WHERE key = ?", ('{"organization": 1', keys[1]))
    raw.commit()
    raw.close()
    assert cache.get(keys[0]) is None and cache.get(keys[1]) is None
    assert cache.get(keys[2]) is not None
    found = cache.check()
    assert (found.entries, found.damaged, found.integrity, found.ok) == (3, 2, "ok", False)
    assert cache.put(keys[0], ChunkExtraction(organization="新", key_metrics=[], findings=[]))
    assert cache.get(keys[0]).organization == "新"  # type: ignore[union-attr]
    repaired = cache.check(repair=True)
    assert repaired.removed == 1 and cache.check().ok and cache.stats()["entries"] == 2
    cache.close()


def test_cache_check_command_reports_and_repairs(tmp_path: Path) -> None:
    import sqlite3

    cache, keys = _cached(tmp_path)
    cache.close()
    raw = sqlite3.connect(tmp_path / "cache" / "summarizer-cache.sqlite3")
    raw.execute("UPDATE entries SET value = 'garbage' WHERE key = ?", (keys[2],))
    raw.commit()
    raw.close()
    args = ["cache", "check", "--cache-dir", str(tmp_path / "cache")]
    found = CliRunner().invoke(cli, args)
    assert found.exit_code == 1 and "3 entries, 1 damaged, integrity ok" in found.output
    fixed = CliRunner().invoke(cli, [*args, "--repair"])
    assert fixed.exit_code == 0 and "Removed 1 damaged entry" in fixed.output
    assert CliRunner().invoke(cli, args).exit_code == 0


def test_a_cache_write_that_fails_is_a_warning_and_the_answer_is_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio
    import sqlite3

    from fake_backend import FakeBackend, empty_extraction

    from summarizer.backends.cache import Cache
    from summarizer.backends.extract import extract_chunks
    from summarizer.core.config import Settings
    from summarizer.core.document import SourceText
    from summarizer.pipeline import analyse_source

    class FullDisk:
        def __init__(self, real: sqlite3.Connection) -> None:
            self.real = real

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")
            return self.real.execute(sql, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    cache = Cache.open(tmp_path / "cache")
    cache._conn = FullDisk(cache._conn)  # type: ignore[assignment]
    source = SourceText(path="a.txt", text=REPORT, encoding="utf-8", format="txt", sha256="0" * 64)
    analysis = analyse_source(source, Settings(chunk_tokens=200), tokens="estimate")
    backend = FakeBackend(empty_extraction)
    outcomes = asyncio.run(extract_chunks(analysis, backend, lang="zh", cache=cache))
    assert outcomes and all(o.error is None and o.extraction is not None for o in outcomes)
    assert cache.write_failures == len(outcomes)
    warned = [r.getMessage() for r in caplog.records if "not cached" in r.getMessage()]
    assert len(warned) == 1 and "database or disk is full" in warned[0]


def test_a_damaged_cache_file_is_rebuilt_from_the_rows_still_readable(tmp_path: Path) -> None:
    import random

    from summarizer.backends.cache import Cache

    cache, keys = _cached(tmp_path, 300)
    cache._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.close()
    with open(cache.path, "r+b") as fh:
        fh.seek(4096 * 5 + 100)
        fh.write(random.Random(1).randbytes(3000))
    with Cache.open(tmp_path / "cache") as damaged:
        assert damaged.check().integrity != "ok"
        mended = damaged.check(repair=True)
        assert 0 < mended.rebuilt < 300
        assert damaged.check().ok and damaged.stats()["entries"] == mended.rebuilt


# ------------------------------------------------------------------ secrets in every form

KEY = "sk-test-Secret/Key+42==abcdef"


def _spellings(key: str) -> list[str]:
    import base64
    import urllib.parse

    return [
        key,
        urllib.parse.quote(key, safe=""),
        urllib.parse.quote_plus(key),
        base64.b64encode(key.encode()).decode(),
        base64.b64encode(b"user:" + key.encode()).decode(),  # HTTP basic auth
        base64.urlsafe_b64encode(b"ab" + key.encode()).decode(),
    ]


@pytest.mark.parametrize("form", range(6), ids=["raw", "url", "url+", "b64", "basic", "b64url"])
def test_a_key_is_scrubbed_in_every_spelling(monkeypatch: pytest.MonkeyPatch, form: int) -> None:
    from summarizer.core.redact import redact_secrets

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    spelled = _spellings(KEY)[form]
    out = redact_secrets(f"GET /v1?key={spelled} failed")
    assert "***" in out
    # What is left of the blob cannot be decoded back to the key or a useful part of it.
    assert spelled not in out and KEY[8:] not in out


def test_a_key_echoed_url_encoded_never_reaches_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import urllib.parse

    from summarizer.cli import _report_error
    from summarizer.core.errors import ExtractionError

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    try:
        raise ExtractionError(f"bad URL https://x/v1?api_key={urllib.parse.quote(KEY, safe='')}")
    except ExtractionError as e:
        assert _report_error(e, verbose=True) == 1
    text = capsys.readouterr().err
    assert "Traceback" in text and "api_key=***" in text
    for spelled in _spellings(KEY):
        assert spelled not in text


def test_a_key_echoed_by_the_model_reaches_neither_the_cache_nor_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import base64
    import urllib.parse

    from fake_backend import FakeBackend

    from summarizer.backends.cache import Cache
    from summarizer.backends.extract import extract_chunks
    from summarizer.core.config import Settings
    from summarizer.core.document import SourceText
    from summarizer.core.schema import ChunkExtraction
    from summarizer.pipeline import analyse_source

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    leak = (
        f"密钥{KEY}，编码后{urllib.parse.quote(KEY, safe='')}，"
        f"再编码{base64.b64encode(KEY.encode()).decode()}"
    )

    def echo(request: Any) -> ChunkExtraction:
        return ChunkExtraction.model_validate(
            {
                "organization": leak,
                "key_metrics": [],
                "findings": [
                    {
                        "kind": "achievement",
                        "title": "招商引资",
                        "summary": leak,
                        "topic": "investment_promotion",
                        "metrics": [],
                        "entities": [leak],
                        "quotes": [leak],
                    }
                ],
            }
        )

    source = SourceText(path="a.txt", text=REPORT, encoding="utf-8", format="txt", sha256="0" * 64)
    analysis = analyse_source(source, Settings(), tokens="estimate")
    with Cache.open(tmp_path / "cache") as cache:
        outcomes = asyncio.run(extract_chunks(analysis, FakeBackend(echo), lang="zh", cache=cache))
        stored = b"".join(
            bytes(v) for (v,) in cache._conn.execute("SELECT value FROM entries").fetchall()
        ).decode()
    answer = "".join(o.extraction.model_dump_json() for o in outcomes if o.extraction)
    for text in (answer, stored):
        assert "***" in text
        for spelled in _spellings(KEY)[:4]:
            assert spelled not in text


# ------------------------------------------------------------------ concurrent runs share work


def _report_analysis() -> Any:
    from summarizer.core.config import Settings
    from summarizer.core.document import SourceText
    from summarizer.pipeline import analyse_source

    source = SourceText(path="a.txt", text=REPORT, encoding="utf-8", format="txt", sha256="0" * 64)
    return analyse_source(source, Settings(chunk_tokens=200), tokens="estimate")


def test_two_runs_at_once_buy_each_answer_once(tmp_path: Path) -> None:
    import asyncio

    from fake_backend import FakeBackend, empty_extraction

    from summarizer.backends.cache import Cache
    from summarizer.backends.extract import extract_chunks

    analysis = _report_analysis()

    class Slow(FakeBackend):
        async def extract(self, request: Any) -> Any:
            await asyncio.sleep(0.3)  # still answering when the other run asks
            return await super().extract(request)

    backend = Slow(empty_extraction)

    async def both() -> list[Any]:
        with Cache.open(tmp_path / "a") as one, Cache.open(tmp_path / "a") as two:
            return await asyncio.gather(
                extract_chunks(analysis, backend, lang="zh", cache=one),
                extract_chunks(analysis, backend, lang="zh", cache=two),
            )

    first, second = asyncio.run(both())
    assert len(backend.calls) == len(analysis.chunks)
    assert all(o.error is None for o in [*first, *second])
    assert sum(o.cached for o in [*first, *second]) == len(analysis.chunks)


def test_an_answer_claimed_by_a_dead_process_is_bought_at_once(tmp_path: Path) -> None:
    import asyncio
    import socket
    import subprocess
    import sys
    import time

    from fake_backend import FakeBackend, empty_extraction

    from summarizer.backends.cache import Cache
    from summarizer.backends.extract import (
        chunk_context,
        chunk_request,
        extract_chunks,
        request_key,
    )

    analysis = _report_analysis()
    dead = int(
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    backend = FakeBackend(empty_extraction)
    with Cache.open(tmp_path / "c") as cache:
        for chunk in analysis.chunks:
            # The key the live path claims: the hash of the exact request.
            context = chunk_context(chunk, analysis, "zh")
            key = request_key(backend, chunk_request(backend, context))
            cache._conn.execute(
                "INSERT INTO claims (key, pid, host, since) VALUES (?, ?, ?, ?)",
                (key, dead, socket.gethostname(), time.time()),
            )
        outcomes = asyncio.run(extract_chunks(analysis, backend, lang="zh", cache=cache))
        assert len(backend.calls) == len(analysis.chunks) and all(o.extraction for o in outcomes)
        assert cache._conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


# ------------------------------------------------------------------ signals


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_a_batch_like_ctrl_c(tmp_path: Path, sig: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    from chatserver import ChatServer

    from summarizer.batch import read_index

    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    for i in range(10):  # distinct texts: no answer comes from another file's cache entry
        (root / f"r{i}.txt").write_text(REPORT.replace("12个", f"{i + 20}个"), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(OPENAI_API_KEY="sk-test-signal-0000", NO_COLOR="1")
    with ChatServer(latency_s=0.3) as srv:
        args = [
            sys.executable,
            "-m",
            "summarizer",
            "batch",
            str(root),
            "-o",
            str(out),
            "--backend",
            "openai",
            "--base-url",
            srv.base_url,
            "--concurrency",
            "1",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-overview",
        ]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(srv.chat_requests()) < 3:
            time.sleep(0.05)
        proc.send_signal(getattr(signal, sig))
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr.decode()
    assert "Interrupted" in stderr.decode()
    records = read_index(out / "index.jsonl")
    assert 0 < len(records) < 10 and len({r.path for r in records}) == len(records)
    assert not list(out.rglob("*.tmp"))
