"""One contract, run against every backend: offline, the OpenAI-compatible one against the
local chat server (tests/chatserver.py), and the tests' double (tests/fake_backend.py).

What the pipeline relies on, and only that: a `Backend` built from its registry name; each
chunk answered with a validated extraction and its usage; the request (the cache key's
input) a deterministic JSON object that changes with the chunk; an identity free of the key;
an overview that is either text or None; capabilities that agree with what it does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chatserver import ChatServer
from helpers import CHUNK_TOKENS, FAKE_KEY, make_report

from summarizer.backends.base import Backend, OverviewRequest, backend_class, create_backend
from summarizer.backends.extract import chunk_context
from summarizer.core.config import Settings
from summarizer.core.document import Analysis, SourceText
from summarizer.core.schema import ChunkExtraction, Usage
from summarizer.pipeline import analyse_source, token_mode_for


def _analysis() -> Analysis:
    text = make_report(7, paras=4)
    source = SourceText(path="a.txt", text=text, encoding="utf-8", format="txt", sha256="0" * 64)
    return analyse_source(source, Settings(chunk_tokens=CHUNK_TOKENS), tokens="estimate")


@pytest.fixture(params=["offline", "openai", "fake"])
def made(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """The backend of each registry name, built as the pipeline builds it."""
    name: str = request.param
    if name != "openai":
        yield create_backend(name, Settings(backend="offline"))
        return
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    with ChatServer() as srv:
        yield create_backend(
            "openai", Settings(base_url=srv.base_url, model="gpt-4o-mini", max_retries=0)
        )


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_the_backend_is_the_class_its_name_registers(made: Backend) -> None:
    assert isinstance(made, Backend)
    assert isinstance(made, backend_class(made.name))
    assert token_mode_for(made) == ("budget" if made.calls_model else "estimate")


def test_every_chunk_gets_a_validated_extraction_and_its_usage(made: Backend) -> None:
    analysis = _analysis()
    assert len(analysis.chunks) >= 2

    async def all_chunks() -> list[Any]:
        try:
            return [await made.extract(chunk_context(c, analysis, "zh")) for c in analysis.chunks]
        finally:
            await made.aclose()

    results = _run(all_chunks())
    for result in results:
        assert isinstance(result.extraction, ChunkExtraction)
        ChunkExtraction.model_validate(result.extraction.model_dump())
        assert isinstance(result.usage, Usage)
        assert result.usage.calls == (1 if made.calls_model else 0)


def test_the_request_is_deterministic_json_that_changes_with_the_chunk(made: Backend) -> None:
    analysis = _analysis()
    first, second = (chunk_context(c, analysis, "zh") for c in analysis.chunks[:2])
    body = made.chunk_request(first)
    assert json.loads(json.dumps(body, ensure_ascii=False)) == body
    assert made.chunk_request(first) == body
    assert made.chunk_request(second) != body
    overview = made.overview_request(OverviewRequest("某开发区", "- 引进项目12个", "zh"))
    assert json.loads(json.dumps(overview, ensure_ascii=False)) == overview
    _run(made.aclose())


def test_the_identity_is_json_without_the_key_and_only_model_backends_are_cached(
    made: Backend,
) -> None:
    identity = made.cache_identity()
    if not made.calls_model:
        assert identity is None
        return
    assert identity is not None
    text = json.dumps(identity)
    assert FAKE_KEY not in text and FAKE_KEY not in json.dumps(
        made.chunk_request(chunk_context(_analysis().chunks[0], _analysis(), "zh")),
        ensure_ascii=False,
    )
    _run(made.aclose())


def test_the_overview_is_text_with_usage_or_none(made: Backend) -> None:
    async def go() -> Any:
        try:
            return await made.overview(OverviewRequest("某开发区", "- 引进项目12个", "zh"))
        finally:
            await made.aclose()

    answer = _run(go())
    if answer is not None:
        text, usage = answer
        assert isinstance(text, str) and text.strip() and isinstance(usage, Usage)


def test_only_backends_that_call_a_model_are_offloadable() -> None:
    for name in ("offline", "openai", "fake"):
        cls = backend_class(name)
        assert not cls.offloadable or cls.calls_model
    assert backend_class("openai").offloadable and not backend_class("offline").calls_model
