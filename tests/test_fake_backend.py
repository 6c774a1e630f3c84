"""The fake backend: queue and responder, recorded calls, overview, registry factory."""

from __future__ import annotations

import asyncio

import pytest
from fake_backend import FakeBackend, empty_extraction
from helpers import GOOD, make_request

from summarizer.backends.answer import expand_answer
from summarizer.backends.extract import REGISTRY, ExtractRequest, OverviewRequest, create_backend
from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, ExtractionError
from summarizer.core.schema import ChunkAnswer, ChunkExtraction, Usage


def test_queue_is_answered_in_call_order_and_calls_are_recorded() -> None:
    first = expand_answer(ChunkAnswer.model_validate(GOOD), make_request().chunk.text)
    second = empty_extraction()
    backend = FakeBackend([first, second])
    r1, r2 = make_request("一"), make_request("二")
    assert asyncio.run(backend.extract(r1)).extraction == first
    result = asyncio.run(backend.extract(r2))
    assert result.extraction == second
    assert result.usage == Usage(calls=1)
    assert backend.calls == [r1, r2]


def test_empty_queue_is_an_extraction_error() -> None:
    backend = FakeBackend([])
    with pytest.raises(ExtractionError, match="no canned extraction left for call 1"):
        asyncio.run(backend.extract(make_request()))


def test_responder_sees_each_request() -> None:
    def responder(request: ExtractRequest) -> ChunkExtraction:
        return ChunkExtraction(organization=request.chunk.text, key_metrics=[], findings=[])

    backend = FakeBackend(responder, name="mine", model=None)
    result = asyncio.run(backend.extract(make_request("某某开发区")))
    assert result.extraction.organization == "某某开发区"
    assert backend.cache_identity() == {"backend": "fake", "name": "mine", "model": None}


def test_invalid_canned_answer_fails_validation() -> None:
    broken = ChunkExtraction.model_construct(organization=None, key_metrics=[], findings="x")
    with pytest.raises(ValueError):
        asyncio.run(FakeBackend([broken]).extract(make_request()))


def test_overview_none_or_fixed_text() -> None:
    request = OverviewRequest(report_title=None, digest="d", lang="zh")
    assert asyncio.run(FakeBackend([]).overview(request)) is None
    backend = FakeBackend([], overview_text="概要。")
    assert asyncio.run(backend.overview(request)) == ("概要。", Usage(calls=1))
    assert backend.overview_calls == [request]


def test_registry_builds_a_fake_answering_empty_extractions() -> None:
    backend = create_backend("fake", Settings())
    assert backend.name == "fake"
    result = asyncio.run(backend.extract(make_request()))
    assert result.extraction == empty_extraction()
    assert backend.cache_identity() == {"backend": "fake", "name": "fake", "model": "fake-model"}
    asyncio.run(backend.aclose())


def test_users_are_not_offered_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the tests register it (conftest); without that the name is unknown.
    monkeypatch.delitem(REGISTRY, "fake")
    with pytest.raises(ConfigError, match="choose one of auto, offline, openai$"):
        create_backend("fake", Settings())
