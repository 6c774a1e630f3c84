"""OpenAI-compatible Files + Batches endpoints (OpenAI, DashScope), through the SDK.

In: the live backend's SDK client (same base URL, key and retries). Out: uploaded input files,
created batches, their status, and the bytes of their output and error files. SDK errors are
converted into our exception tree at this boundary (the SDK is named only under backends/).
summarizer/offload drives the job; this module is its one connection to the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from summarizer.core.errors import BackendError, ConfigError
from summarizer.core.redact import redact_url

#: The endpoint every line of a batch input file names.
ENDPOINT = "/v1/chat/completions"


@dataclass(frozen=True)
class BatchStatus:
    batch_id: str
    status: str
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None
    input_file_id: str = ""
    metadata: dict[str, str] | None = None


#: How many of the provider's most recent batches a submit looks through for its own.
ADOPT_LOOKBACK = 1000
#: Batch statuses that will never answer: such a batch is not adopted.
DEAD_BATCH = frozenset({"failed", "expired", "cancelled", "cancelling"})


class BatchProvider:
    """The four calls a batch job makes: upload, create, retrieve, download."""

    def __init__(self, client: Any, base_url: str) -> None:
        self._client = client
        self.base_url = redact_url(base_url) or base_url

    @classmethod
    def for_settings(cls, settings: Any) -> BatchProvider:
        """The endpoint, key and retries of the live backend these settings build."""
        from openai import AsyncOpenAI

        from summarizer.backends.openai_compat import DEFAULT_BASE_URL, LOCAL_KEY

        key = settings.api_key()
        if key is None and settings.preset.needs_key:
            raise ConfigError(
                f"no API key: set {settings.resolved_key_env} (or --api-key-env NAME)"
            )
        base_url = (settings.resolved_base_url() or DEFAULT_BASE_URL).rstrip("/")
        # Unset retries mean "the model's default" to the live backend; two suit these calls.
        retries = settings.max_retries if settings.max_retries is not None else 2
        client = AsyncOpenAI(api_key=key or LOCAL_KEY, base_url=base_url, max_retries=retries)
        return cls(client, base_url)

    async def aclose(self) -> None:
        await self._client.close()

    async def upload(self, name: str, data: bytes) -> str:
        result = await self._call(
            self._client.files.create(file=(name, data, "application/jsonl"), purpose="batch")
        )
        return str(result.id)

    async def create(
        self, input_file_id: str, metadata: dict[str, str] | None = None
    ) -> BatchStatus:
        """A batch of the uploaded file; `metadata` (the job and the group it sends) lets a
        restarted submit find it again."""
        extra: dict[str, Any] = {"metadata": metadata} if metadata else {}
        batch = await self._call(
            self._client.batches.create(
                input_file_id=input_file_id, endpoint=ENDPOINT, completion_window="24h", **extra
            )
        )
        return _status(batch)

    async def find(self, metadata: dict[str, str]) -> BatchStatus | None:
        """The newest live batch the provider holds whose metadata includes `metadata`.

        A submit killed after the provider created a batch and before the job recorded it
        adopts that batch instead of buying the same requests again. A provider without the
        list endpoint finds nothing."""
        import openai

        seen = 0
        try:
            async for batch in self._client.batches.list(limit=100):
                seen += 1
                status = _status(batch)
                held = status.metadata or {}
                if status.status not in DEAD_BATCH and all(
                    held.get(k) == v for k, v in metadata.items()
                ):
                    return status
                if seen >= ADOPT_LOOKBACK:
                    break
        except openai.APIStatusError as e:
            if e.status_code in (400, 404, 405, 501):
                return None  # no list endpoint here: nothing to adopt
            raise self._failure(e) from e
        except openai.APIError as e:
            raise self._failure(e) from e
        return None

    async def retrieve(self, batch_id: str) -> BatchStatus:
        return _status(await self._call(self._client.batches.retrieve(batch_id)))

    async def download(self, file_id: str) -> bytes:
        content = await self._call(self._client.files.content(file_id))
        data = content.content if hasattr(content, "content") else content
        return bytes(data)

    async def _call(self, awaitable: Any) -> Any:
        import openai

        try:
            return await awaitable
        except openai.APIError as e:
            raise self._failure(e) from e

    def _failure(self, e: Any) -> BackendError:
        """An SDK error of a batch call as our error, naming the endpoint."""
        import openai

        if isinstance(e, openai.APIStatusError):
            return BackendError(
                f"batch endpoint {self.base_url} answered HTTP {e.status_code}: "
                f"{' '.join(str(e.message).split())[:200]}"
            )
        return BackendError(f"batch endpoint {self.base_url} failed: {str(e)[:200]}")


def _status(batch: Any) -> BatchStatus:
    counts = getattr(batch, "request_counts", None)
    return BatchStatus(
        batch_id=str(batch.id),
        status=str(batch.status),
        completed=int(getattr(counts, "completed", 0) or 0) if counts else 0,
        failed=int(getattr(counts, "failed", 0) or 0) if counts else 0,
        output_file_id=getattr(batch, "output_file_id", None),
        error_file_id=getattr(batch, "error_file_id", None),
        input_file_id=str(getattr(batch, "input_file_id", "") or ""),
        metadata=dict(getattr(batch, "metadata", None) or {}) or None,
    )
