"""The `fake` backend of the tests: canned extractions, every call recorded.

It lives with the tests so users never see it as a choice; conftest.py registers it as
`fake` in the backend registry for the duration of each test.

In: a responder function or a queue of `ChunkExtraction`s. Out: those extractions, in call
order, through the same `Backend` protocol as the real backends. No network, no key.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from summarizer.backends.base import Backend, ExtractRequest, ExtractResult, OverviewRequest
from summarizer.core.errors import ExtractionError
from summarizer.core.schema import ChunkExtraction, Usage

if TYPE_CHECKING:
    from summarizer.core.config import Settings

Responder = Callable[[ExtractRequest], ChunkExtraction]


def empty_extraction(request: ExtractRequest | None = None) -> ChunkExtraction:
    """An extraction with no findings (what `create` answers for every chunk)."""
    return ChunkExtraction(organization=None, key_metrics=[], findings=[])


class FakeBackend(Backend):
    """A backend answering from a responder or a queue; `calls` lists every request."""

    def __init__(
        self,
        responder: Responder | list[ChunkExtraction],
        name: str = "fake",
        model: str | None = "fake-model",
        *,
        overview_text: str | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.calls: list[ExtractRequest] = []
        self.overview_calls: list[OverviewRequest] = []
        self.closed = False
        self._overview_text = overview_text
        self._responder: Responder | None = None
        self._queue: deque[ChunkExtraction] | None = None
        if callable(responder):
            self._responder = responder
        else:
            self._queue = deque(responder)

    def cache_identity(self) -> dict[str, Any] | None:
        """Identity for the cache key: the fake's name and model."""
        return {"backend": "fake", "name": self.name, "model": self.model}

    async def extract(self, request: ExtractRequest) -> ExtractResult:
        """Record the request and answer the next canned extraction."""
        self.calls.append(request)
        if self._responder is not None:
            extraction = self._responder(request)
        else:
            assert self._queue is not None
            if not self._queue:
                raise ExtractionError(
                    f"fake backend: no canned extraction left for call {len(self.calls)}"
                )
            extraction = self._queue.popleft()
        # Validate like a real backend would, so a malformed canned answer fails loudly.
        extraction = ChunkExtraction.model_validate(extraction.model_dump(warnings=False))
        return ExtractResult(extraction, Usage(calls=1))

    async def overview(self, request: OverviewRequest) -> tuple[str, Usage] | None:
        """The fixed overview text if one was given, else None."""
        self.overview_calls.append(request)
        if self._overview_text is None:
            return None
        return self._overview_text, Usage(calls=1)

    async def aclose(self) -> None:
        """Nothing to close; remembers that it was called."""
        self.closed = True

    @classmethod
    def create(cls, settings: Settings) -> FakeBackend:
        """Registry entry point: a fake answering an empty extraction for every chunk."""
        return cls(empty_extraction)


def create(settings: Settings) -> FakeBackend:
    """A fake answering an empty extraction for every chunk."""
    return FakeBackend.create(settings)
