"""The request is the key: what a backend would send decides the cache entry.

The same chunk text with a different part kind, breadcrumb or report title (all of which go
into the request) is a miss; the same request is a hit, and nothing secret is in the key's
payload. The overview rule and every other text sent live in prompts/.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from chatserver import ChatServer
from helpers import KEY, make_request

from summarizer.backends.cache import Cache
from summarizer.backends.extract import ChunkContext, cached_call, chunk_request, request_key
from summarizer.backends.openai_compat import OpenAIBackend
from summarizer.backends.prompts import prompt_dir
from summarizer.core.config import Settings
from summarizer.core.schema import ChunkExtraction


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> OpenAIBackend:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return OpenAIBackend(Settings(base_url="http://127.0.0.1:9/v1", model="gpt-4o-mini"))


def variants() -> dict[str, ChunkContext]:
    base = make_request()
    chunk = base.chunk
    return {
        "base": base,
        "kind": dataclasses.replace(base, chunk=dataclasses.replace(chunk, kind="plans")),
        "breadcrumb": dataclasses.replace(
            base, chunk=dataclasses.replace(chunk, path=("二、2022年工作计划", "（一）招商"))
        ),
        "title": dataclasses.replace(base, title="另一个开发区2021年工作总结"),
        "whole_report": dataclasses.replace(base, whole_report=False),
        "lang": dataclasses.replace(base, lang="en"),
    }


def test_same_text_with_other_kind_breadcrumb_or_title_is_another_key(
    backend: OpenAIBackend, tmp_path: Path
) -> None:
    keys = {
        name: request_key(backend, chunk_request(backend, ctx)) for name, ctx in variants().items()
    }
    again = request_key(backend, chunk_request(backend, variants()["base"]))
    assert len(set(keys.values())) == len(keys)  # every variant its own entry
    assert again == keys["base"]  # the same request, the same key
    assert all(len(str(k)) == 64 for k in keys.values())


def test_a_changed_part_kind_is_a_cache_miss_end_to_end(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)

    async def run(srv: ChatServer, ctx: ChunkContext, cache: Cache) -> bool:
        backend = OpenAIBackend(Settings(base_url=srv.base_url, model="gpt-4o-mini"))
        try:
            _, _, cached = await cached_call(
                cache,
                backend,
                chunk_request(backend, ctx),
                ChunkExtraction,
                lambda: backend.extract(ctx),
            )
        finally:
            await backend.aclose()
        return cached

    contexts = variants()
    with ChatServer() as srv, Cache.open(tmp_path) as cache:
        first = asyncio.run(run(srv, contexts["base"], cache))
        second = asyncio.run(run(srv, contexts["base"], cache))
        other = asyncio.run(run(srv, contexts["kind"], cache))
        calls = len(srv.chat_requests())
    assert (first, second, other) == (False, True, False)
    assert calls == 2


def test_the_key_payload_holds_no_secret(backend: OpenAIBackend) -> None:
    body = chunk_request(backend, make_request())
    assert KEY not in repr(body) and KEY not in repr(backend.cache_identity())


def test_every_text_the_backend_sends_is_a_prompt_file(backend: OpenAIBackend) -> None:
    prompts = "\n".join(p.read_text(encoding="utf-8") for p in prompt_dir().glob("*.md"))
    whole = dataclasses.replace(make_request(), whole_report=True)
    for ctx in (whole, dataclasses.replace(whole, whole_report=False)):
        user = backend.messages_for(ctx)[1]["content"]
        rule = user.splitlines()[1]
        # The rule as sent, with the language filled in, is a prompt file's text.
        assert rule.replace("中文 (Chinese)", "$lang_name") in prompts
