"""The one exception tree of the project.

    SummarizerError
    ├── InputError        unreadable, empty, binary or unsupported input (exit 2)
    ├── ConfigError       bad configuration: missing key, unknown provider (exit 3)
    ├── BackendError      the model endpoint failed: auth, connection, refusal (exit 3)
    ├── ExtractionError   a chunk's answer stayed invalid after the repair retry (exit 1)
    │   └── EndpointUnreachable  no connection (or no data in time) after every retry
    ├── CacheError        the on-disk cache cannot be opened or written (exit 3)
    ├── OutputError       an output cannot be written: a full or read-only disk (exit 3)
    └── ValidationError   a JSON file does not match the schema (exit 1)

Messages are one line and end with the fix where there is one. Every error also carries
its context as fields (as instructor's errors carry attempts and usage), so a caller reads
`e.path` or `e.retryable` instead of parsing the text:

    path       the input file it concerns (str(e) then reads "path: message")
    chunk      the index of the chunk whose call failed
    status     the HTTP status of the endpoint's answer
    retryable  whether the same request may succeed later (rate limit, timeout, 5xx)
    usage      the schema.Usage of the calls made before the failure (tokens already spent)

This module imports nothing of ours.
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Base of every error the tool raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        chunk: int | None = None,
        status: int | None = None,
        retryable: bool = False,
        usage: object | None = None,
    ) -> None:
        # Only the message goes to args: pickling (a worker process) rebuilds the error from
        # args and restores the fields from __dict__.
        super().__init__(message)
        self.message = message
        self.path = path
        self.chunk = chunk
        self.status = status
        self.retryable = retryable
        self.usage = usage

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputError(SummarizerError):
    exit_code = 2


class ConfigError(SummarizerError):
    exit_code = 3


class BackendError(SummarizerError):
    exit_code = 3


class ExtractionError(SummarizerError):
    exit_code = 1


class EndpointUnreachable(ExtractionError):
    """The endpoint could not be reached: the connection failed or timed out on every try.
    A batch stops after a few files in a row fail so (batch/run.py)."""


class CacheError(SummarizerError):
    exit_code = 3


class OutputError(SummarizerError):
    exit_code = 3


class ValidationError(SummarizerError):
    exit_code = 1
