"""The one seam between the pipeline and a backend: the `Backend` base and its registry.

A backend answers one chunk at a time (`extract`) and, optionally, writes a report's overview
(`overview`). What a caller must know about a backend before or while using it is a
capability on the class, never its name:

    calls_model   False for rule-based backends: no model call, no cache, no prompt version,
                  estimated token counts, no live progress of calls
    offloadable   its requests can be built now and answered later (a provider's Batch API,
                  summarizer/offload): `chunk_request` and `overview_request` are the bodies

The defaults make a minimal backend (a test double) complete: never cached, its request
"body" everything of the context it may read, no overview. The registry maps a `--backend`
name to its class ("module:Class"), imported only when asked for; `resolve_backend_name`
turns "auto" into one of them.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from summarizer.core.document import Chunk, CleanText, Report
from summarizer.core.errors import ConfigError, ExtractionError
from summarizer.core.schema import ChunkExtraction, Usage

if TYPE_CHECKING:
    from summarizer.core.config import Settings


@dataclass(frozen=True)
class ChunkContext:
    """What a backend learns about one chunk: its text, kind, breadcrumb and outline (all on
    `chunk`), the report's title, whether the chunk is the whole report, and the language.

    `report` and `clean` carry the section tree and the masked text for rule-based backends
    (offline); nothing of them goes into a model's request.
    """

    chunk: Chunk
    title: str | None
    whole_report: bool
    lang: str  # "zh" | "en": language of titles and summaries (quotes stay verbatim)
    report: Report | None = None
    clean: CleanText | None = None


#: The former name of the chunk context.
ExtractRequest = ChunkContext


@dataclass(frozen=True)
class ExtractResult:
    extraction: ChunkExtraction
    usage: Usage
    # The exact body that was answered, when it differs from the one the cache key was built
    # from (a response-format fallback in the middle of the run); None: the same.
    request: dict[str, Any] | None = None
    # What was read liberally to get the extraction (a salvaged answer, a repair): warnings.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OverviewRequest:
    report_title: str | None
    digest: str  # the merged findings as short lines, not the full text
    lang: str


class AnswerTooLong(ExtractionError):
    """The answer was cut at the output limit (finish_reason=length); `usage` was spent."""


class Backend(ABC):
    """A backend: `extract` is the one method every backend writes; the rest have defaults."""

    name: str
    model: str | None = None
    #: False for rule-based backends: no model call, no cache, no prompt version.
    calls_model: ClassVar[bool] = True
    #: Its requests can be built now and answered later (summarizer/offload).
    offloadable: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def create(cls, settings: Settings) -> Backend:
        """Build the backend from settings (the registry's entry point)."""

    @abstractmethod
    async def extract(self, request: ChunkContext) -> ExtractResult:
        """One chunk in, one validated extraction out; raises a SummarizerError on failure."""

    def cache_identity(self) -> dict[str, Any] | None:
        """What, besides the request, changes this backend's answer; None: never cache."""
        return None

    def chunk_request(self, context: ChunkContext) -> dict[str, Any]:
        """The exact request sent for a chunk (the cache key hashes it); by default
        everything of the context the backend may read."""
        chunk = context.chunk
        return {
            "text": chunk.text,
            "kind": chunk.kind,
            "breadcrumb": list(chunk.path),
            "outline": [list(o) for o in chunk.outline],
            "title": context.title,
            "whole_report": context.whole_report,
            "lang": context.lang,
        }

    def overview_request(self, request: OverviewRequest) -> dict[str, Any]:
        """The exact request of a report's overview call; by default what it carries."""
        return {"overview": request.digest, "title": request.report_title, "lang": request.lang}

    async def overview(self, request: OverviewRequest) -> tuple[str, Usage] | None:
        """Two or three sentences from the digest; None (no call made) or an empty text with
        the usage of the calls that failed to give one: the caller composes one itself."""
        return None

    async def aclose(self) -> None:
        """Release what the backend holds (an HTTP client)."""
        return None


#: `--backend` name -> "module:Class" of a Backend subclass.
REGISTRY: dict[str, str] = {
    "offline": "summarizer.backends.offline:OfflineBackend",
    "openai": "summarizer.backends.openai_compat:OpenAIBackend",
}


def backend_class(name: str) -> type[Backend]:
    """The class registered under `name` (its module imported now, its SDK not yet)."""
    if name not in REGISTRY:
        raise ConfigError(f"unknown backend {name!r}; choose one of auto, {', '.join(REGISTRY)}")
    module, attr = REGISTRY[name].split(":")
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise ConfigError(f"backend {name!r}: {REGISTRY[name]} is not a Backend class")
    return cls


def create_backend(name: str, settings: Settings) -> Backend:
    """Build a backend by registry name (the SDK of a backend is imported only here)."""
    return backend_class(name).create(settings)


def resolve_backend_name(settings: Settings) -> str:
    """ "auto" → openai when an API key is configured (or a local preset), else offline."""
    if settings.backend != "auto":
        return settings.backend
    if settings.api_key() or not settings.preset.needs_key:
        return "openai"
    return "offline"


def auto_fallback_notice(settings: Settings) -> str | None:
    """The one line to show when "auto" chose a backend that calls no model; else None."""
    if settings.backend != "auto" or backend_class(resolve_backend_name(settings)).calls_model:
        return None
    return (
        f"No API key in {settings.resolved_key_env}: using the offline rule-based backend "
        "(set the key or pass --backend openai to use a model)."
    )
