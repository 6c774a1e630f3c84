"""The SQLite answer cache: keys, round trip, invalid rows, concurrency, stats/clear, CLI."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer.backends.cache import DB_NAME, Cache
from summarizer.cli import cli
from summarizer.core.errors import CacheError
from summarizer.core.schema import ChunkExtraction

IDENTITY: dict[str, Any] = {
    "backend": "openai",
    "model": "gpt-test",
    "base_url": "http://llm.test/v1",
    "prompt_version": "abc123",
    "json_mode": False,
    "temperature": 0.0,
}

EXTRACTION = ChunkExtraction.model_validate(
    {
        "organization": "某某经济开发区",
        "key_metrics": [{"name": "总产值", "raw": "X亿元", "change_pct": None, "kind": "actual"}],
        "findings": [
            {
                "kind": "plan",
                "title": "招商引资",
                "summary": "力争新签约项目30个。",
                "topic": "investment_promotion",
                "metrics": [],
                "entities": ["某某产业园"],
                "quotes": ["力争新签约项目30个。"],
            }
        ],
    }
)


def key(**changes: Any) -> str:
    return Cache.key({**IDENTITY, **changes.pop("identity", {})})


def test_round_trip(tmp_path: Path) -> None:
    with Cache.open(tmp_path / "c") as cache:
        k = key()
        assert cache.get(k) is None
        cache.put(k, EXTRACTION)
        assert cache.get(k) == EXTRACTION
    with Cache.open(tmp_path / "c") as reopened:  # survives a new connection
        assert reopened.get(k) == EXTRACTION


@pytest.mark.parametrize(
    "change",
    [
        {"identity": {"backend": "other"}},
        {"identity": {"model": "gpt-other"}},
        {"identity": {"base_url": "http://other.test/v1"}},
        {"identity": {"prompt_version": "def456"}},
        {"identity": {"json_mode": True}},
        {"identity": {"temperature": 0.5}},
        {"identity": {"extra": 1}},
        {
            "identity": {
                "request": {"messages": [{"role": "user", "content": "全年新签约项目33个。"}]}
            }
        },
    ],
)
def test_key_changes_with_every_input(change: dict[str, Any]) -> None:
    assert key(**change) != key()


def test_key_is_canonical_and_hex() -> None:
    reordered = dict(reversed(list(IDENTITY.items())))
    assert Cache.key(reordered) == key()
    assert len(key()) == 64 and int(key(), 16) >= 0


def test_keys_written_before_stay_the_same() -> None:
    """The key once took the chunk's language and text beside the identity; every caller
    passed them empty, and the payload still holds them empty, so old caches still hit."""
    import hashlib
    import json

    import summarizer.backends.cache as cache_module
    from summarizer.core.schema import SCHEMA_VERSION

    payload = {
        "key_version": cache_module.KEY_VERSION,
        "identity": IDENTITY,
        "schema_version": SCHEMA_VERSION,
        "schema": cache_module._fingerprint(),
        "lang": "",
        "text": "",
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert key() == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_key_depends_on_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    import summarizer.backends.cache as cache_module

    before = key()
    monkeypatch.setattr(cache_module, "_fingerprint", lambda: "another schema")
    assert key() != before


def test_invalid_rows_are_misses(tmp_path: Path) -> None:
    with Cache.open(tmp_path) as cache:
        cache.put("good", EXTRACTION)
        cache.put("stale", EXTRACTION)
        cache.put("garbage", EXTRACTION)
    conn = sqlite3.connect(tmp_path / DB_NAME)
    with conn:
        conn.execute("UPDATE entries SET value = ? WHERE key = 'stale'", ('{"findings": 3}',))
        conn.execute("UPDATE entries SET value = ? WHERE key = 'garbage'", ("not json",))
    conn.close()
    with Cache.open(tmp_path) as cache:
        assert cache.get("good") == EXTRACTION
        assert cache.get("stale") is None
        assert cache.get("garbage") is None


def test_only_valid_extractions_are_stored(tmp_path: Path) -> None:
    broken = ChunkExtraction.model_construct(organization=None, key_metrics=[], findings="x")
    with Cache.open(tmp_path) as cache:
        with pytest.raises(ValueError):
            cache.put("k", broken)
        with pytest.raises(TypeError):
            cache.put("k", {"findings": []})  # type: ignore[arg-type]
        assert cache.stats()["entries"] == 0


def test_no_secret_in_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-cache-test-SECRET-0987654321"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    with Cache.open(tmp_path) as cache:
        k = key()
        cache.put(k, EXTRACTION)
        assert cache.get(k) == EXTRACTION
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert EXTRACTION.findings[0].title.encode() in stored  # the grep does look at the data
    assert secret.encode() not in stored
    assert b"sk-cache" not in stored


def test_stats_and_clear(tmp_path: Path) -> None:
    with Cache.open(tmp_path) as cache:
        for i in range(5):
            cache.put(f"k{i}", EXTRACTION)
        info = cache.stats()
        assert info["entries"] == 5
        assert info["size_bytes"] > 0
        assert info["path"] == str(tmp_path / DB_NAME)
        assert cache.clear() == 5
        assert cache.stats()["entries"] == 0
        assert cache.get("k0") is None


def test_wal_mode(tmp_path: Path) -> None:
    with Cache.open(tmp_path):
        pass
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder_is_cache_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(CacheError, match="--cache-dir|--no-cache"):
            Cache.open(locked / "sub")
    finally:
        locked.chmod(stat.S_IRWXU)


def test_folder_that_is_a_file_is_cache_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheError, match="cannot create cache folder"):
        Cache.open(blocker / "cache")


def _writer(folder: str, worker: int, count: int, errors: Any, go: Any) -> None:
    try:
        go.wait(30)  # both start together, so their writes really interleave
        with Cache.open(folder) as cache:
            for i in range(count):
                cache.put(f"w{worker}-{i}", EXTRACTION)
                if i % 50 == 0:
                    cache.get(f"w{1 - worker}-{i}")
    except Exception as e:  # noqa: BLE001 - reported to the parent
        errors.put(f"{type(e).__name__}: {e}")


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 200, errors, go)) for w in (0, 1)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(timeout=60)
    messages = []
    while not errors.empty():
        messages.append(errors.get())
    assert messages == []
    assert [p.exitcode for p in procs] == [0, 0]
    with Cache.open(tmp_path) as cache:
        assert cache.stats()["entries"] == 400
        assert cache.get("w1-199") == EXTRACTION


def test_threads_share_one_cache(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with Cache.open(tmp_path) as cache:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: cache.put(f"t{i}", EXTRACTION), range(100)))
        assert cache.stats()["entries"] == 100


def test_cli_stats_and_clear(tmp_path: Path) -> None:
    folder = tmp_path / "cli-cache"
    with Cache.open(folder) as cache:
        cache.put("a", EXTRACTION)
        cache.put("b", EXTRACTION)
    runner = CliRunner()
    result = runner.invoke(cli, ["cache", "stats", "--cache-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "entries" in result.output and "2" in result.output
    result = runner.invoke(cli, ["cache", "clear", "--cache-dir", str(folder), "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Removed 2 cached answers from {folder / DB_NAME} (")


def test_cli_default_folder_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "from-env"
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(folder))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["cache", "stats", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["path"] == str(folder / DB_NAME)
    assert not folder.exists()  # looking does not create it


def _endless_writer(folder: str, started: Any) -> None:
    with Cache.open(folder) as cache:
        i = 0
        while True:
            cache.put(f"k{i}", EXTRACTION)
            if i == 20:
                started.set()
            i += 1


def test_a_killed_writer_leaves_a_sound_database(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    started = ctx.Event()
    proc = ctx.Process(target=_endless_writer, args=(str(tmp_path), started))
    proc.start()
    assert started.wait(30)
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    assert proc.exitcode == -signal.SIGKILL
    with Cache.open(tmp_path) as cache:
        entries = cache.stats()["entries"]
        assert entries > 20
        assert cache.get("k0") == EXTRACTION
        cache.put("after", EXTRACTION)
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
