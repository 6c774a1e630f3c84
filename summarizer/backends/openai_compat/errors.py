"""How one exchange with an OpenAI-compatible endpoint fails, in our terms.

In: whatever the SDK (or the transport under it) raised. Out: `Retryable` (another attempt
may succeed: timeouts, 429, 5xx, dropped connections, malformed answers), `Refused` (the
server named a feature of the request it does not take; `negotiate` decides whether the run
can go on without it), or one of our errors (core/errors.py) with a hint, secrets scrubbed.

The mapping is pure: it changes no state. Which features are still used is `Negotiated`'s
business, not a side effect of reading an error.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

import pydantic

from summarizer.backends.capabilities import ResponseFormat
from summarizer.backends.openai_compat.negotiate import Feature
from summarizer.backends.openai_compat.request import LOCAL_KEY
from summarizer.core.errors import BackendError, ExtractionError
from summarizer.core.redact import redact_secrets
from summarizer.core.schema import Usage

_ERROR_TEXT_LIMIT = 1500
_RESPONSE_FORMAT_WORDS = re.compile(r"response_format|json_schema|structured output|grammar", re.I)
_CONTEXT_WORDS = re.compile(
    r"context (?:size|length|window)|maximum context|too many tokens|exceeds? the (?:available )?"
    r"context|n_ctx|prompt is too long",
    re.I,
)


class Retryable(Exception):
    """One attempt failed in a way that another attempt may not (timeouts, 429, 5xx, junk)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        usage: Usage | None = None,
        hint: str = "",
        status: int | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.unreachable = unreachable
        self.retry_after = retry_after
        self.usage = usage or Usage()
        self.hint = hint


class Refused(Exception):
    """The server refused a feature of the request (in order of preference: the first one
    the run still uses is dropped); `otherwise` is the failure when none can be dropped."""

    def __init__(self, features: tuple[Feature, ...], status: int, otherwise: Exception) -> None:
        super().__init__(str(otherwise))
        self.features = features
        self.status = status
        self.otherwise = otherwise


class TooLarge(Exception):
    """The response body passed the size cap."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


@dataclass(frozen=True)
class Where:
    """What an error message names about the call: the endpoint, model, key and limits."""

    base_url: str
    model: str | None
    key_env: str
    key: str
    local: bool
    idle_s: float
    deadline_s: float
    max_response_mb: float
    response_format: ResponseFormat

    def clean(self, message: str) -> str:
        """Scrub the key (even under an env var name redact_secrets does not know)."""
        if self.key and self.key != LOCAL_KEY:
            message = message.replace(self.key, "***")
        return redact_secrets(message)

    def timeout_hint(self) -> str:
        if self.local:
            return (
                "; a local server answers one request per slot: lower --concurrency or raise "
                "--timeout"
            )
        return "; raise --timeout or use a smaller --chunk-tokens"


def from_exchange(e: BaseException, where: Where, usage: Usage, tokens: int) -> Exception | None:
    """The exception one exchange's failure becomes, or None to let it through unchanged.
    `usage` is what the attempt received before it failed (a cut attempt is still counted)."""
    import httpx2
    import openai

    if isinstance(e, TimeoutError):
        return Retryable(
            f"no complete answer from {where.base_url} within the {where.deadline_s:g}s "
            f"deadline ({tokens} tokens received)",
            usage=usage,
            hint="; raise --timeout or use a smaller --chunk-tokens",
        )
    if isinstance(e, TooLarge):
        return ExtractionError(
            f"the answer from {where.base_url} passed {e.size:,} bytes and was cut "
            f"(max_response_mb = {where.max_response_mb:g})"
        )
    if isinstance(e, openai.AuthenticationError | openai.PermissionDeniedError):
        return BackendError(
            where.clean(
                f"authentication failed for {where.base_url} (HTTP {e.status_code}): "
                f"check {where.key_env}"
            ),
            status=e.status_code,
        )
    if isinstance(e, openai.NotFoundError):
        return BackendError(
            where.clean(
                f"model {where.model!r} not found at {where.base_url} (HTTP 404): "
                "check --model and --base-url"
            ),
            status=404,
        )
    if isinstance(e, openai.RateLimitError):
        return Retryable(
            f"rate limited by {where.base_url} (HTTP 429): {status_reason(e)}",
            retry_after=retry_after(e),
            hint="; lower --concurrency or try again later",
            status=429,
        )
    if isinstance(e, openai.APITimeoutError):
        return Retryable(
            f"request to {where.base_url} timed out: no data for {where.idle_s:g}s",
            usage=usage,
            hint=where.timeout_hint(),
            unreachable=True,
        )
    if isinstance(e, openai.APIConnectionError | httpx2.TransportError):
        return Retryable(
            where.clean(f"cannot connect to {where.base_url}: {short(str(e), 200)}"),
            usage=usage,
            # A connection dropped mid-answer reached the server; one never made did not.
            unreachable=isinstance(
                e, openai.APIConnectionError | httpx2.ConnectError | httpx2.ConnectTimeout
            ),
        )
    if isinstance(e, openai.APIStatusError):
        return status_error(e, where)
    if isinstance(e, openai.APIError):
        return Retryable(
            where.clean(f"bad response from {where.base_url}: {short(str(e), 200)}"),
            usage=usage,
        )
    if isinstance(e, ValueError | TypeError | KeyError | AttributeError | pydantic.ValidationError):
        return Retryable(
            where.clean(
                f"malformed answer from {where.base_url}: {type(e).__name__}: {short(str(e), 160)}"
            ),
            usage=usage,
        )
    return None


def keeps_cause(e: BaseException) -> bool:
    """Authentication and not-found errors keep the SDK's error as their cause."""
    import openai

    return isinstance(
        e, openai.AuthenticationError | openai.PermissionDeniedError | openai.NotFoundError
    )


def status_error(e: Any, where: Where) -> Exception:
    """An HTTP error status → a refused feature, a retry, or our error with a hint."""
    status = int(e.status_code)
    reason = status_reason(e)
    refused: list[Feature] = []
    if status in (400, 422, 500) and _RESPONSE_FORMAT_WORDS.search(reason):
        refused.append("json_schema")
    if status == 400 and "stream" in reason.lower():
        refused.append("stream")
    hint = _status_hint(status, reason, where)
    message = where.clean(f"HTTP {status} from {where.base_url}: {reason}")
    failure: Exception
    if status in (408, 409) or status >= 500:
        failure = Retryable(message, retry_after=retry_after(e), hint=hint, status=status)
    else:
        failure = ExtractionError(message + hint, status=status)
    return Refused(tuple(refused), status, failure) if refused else failure


def _status_hint(status: int, reason: str, where: Where) -> str:
    if _CONTEXT_WORDS.search(reason):
        per_slot = " (llama-server splits -c among its -np slots)" if where.local else ""
        return (
            f"; the request does not fit the model's context{per_slot}: use a smaller "
            "--chunk-tokens or a larger context"
        )
    if _RESPONSE_FORMAT_WORDS.search(reason) and where.response_format == "json_schema":
        return "; if the server lacks structured outputs, try --json-mode"
    if status == 413:
        return "; the request is too large for the server: use a smaller --chunk-tokens"
    return ""


def backoff(attempt: int) -> float:
    """0.5 s, 1 s, 2 s … with jitter, at most 8 s."""
    return float(min(8.0, 0.5 * 2**attempt) * (0.75 + random.random() / 2))


def retry_after(e: Any) -> float | None:
    response = getattr(e, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    try:
        if ms is not None:
            return float(ms) / 1000
        value = headers.get("retry-after")
        return float(value) if value is not None else None
    except ValueError:
        return None


def status_reason(e: Any) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if isinstance(message, str) and message:
            return short(message, 200)
    return short(str(getattr(e, "message", e)), 200)


def short(text: str, limit: int = _ERROR_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
