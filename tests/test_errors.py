"""Errors carry their context as fields, the backend and the chunk loop fill them in, the CLI
writes them as one line.

In: errors built by hand, by the openai backend from mocked HTTP answers, and by a whole
pipeline run over a failing fake backend. Out: the fields, `str`, the CLI's line and exit code.
"""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path

import httpx2
import pytest
from conftest import SEEDS
from fake_backend import FakeBackend, empty_extraction
from helpers import make_request

from summarizer.backends.extract import ExtractRequest
from summarizer.backends.openai_compat import OpenAIBackend
from summarizer.batch.run import one_line
from summarizer.cli import _report_error, error_line
from summarizer.core.config import Settings
from summarizer.core.errors import BackendError, ExtractionError, InputError, SummarizerError
from summarizer.core.schema import ChunkExtraction, Usage
from summarizer.pipeline import analyse, summarize_analysis
from summarizer.text.read import read_source


def test_fields_default_to_no_context() -> None:
    e = ExtractionError("the answer was empty")
    assert (e.path, e.chunk, e.status, e.retryable, e.usage) == (None, None, None, False, None)
    assert str(e) == e.message == "the answer was empty"


def test_path_is_a_field_and_leads_the_text() -> None:
    e = InputError("the file is empty", path="in/a.txt")
    assert e.message == "the file is empty" and e.path == "in/a.txt"
    assert str(e) == "in/a.txt: the file is empty"


def test_fields_survive_pickling_to_and_from_a_worker() -> None:
    e = ExtractionError(
        "HTTP 503", path="a.txt", chunk=2, status=503, retryable=True, usage=Usage(calls=1)
    )
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is ExtractionError and str(back) == "a.txt: HTTP 503"
    assert (back.chunk, back.status, back.retryable, back.usage) == (2, 503, True, Usage(calls=1))


# error -> (the CLI's line, exit code)
CLI_CASES = [
    (InputError("no such file", path="x.txt"), "Error: x.txt: no such file", 2),
    (
        BackendError("authentication failed (HTTP 401)", status=401),
        "Error: authentication failed (HTTP 401)",
        3,
    ),
    (
        ExtractionError("two\nlines  and   spaces", path="r.docx", chunk=3),
        "Error: r.docx: two lines and spaces",
        1,
    ),
]


@pytest.mark.parametrize(
    ("error", "line", "code"), CLI_CASES, ids=["input", "backend", "extraction"]
)
def test_the_cli_writes_one_line_and_keeps_the_exit_code(
    error: SummarizerError, line: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _report_error(error, verbose=False) == code
    assert capsys.readouterr().err == line + "\n"
    assert error_line(error) == line.removeprefix("Error: ")


# HTTP status of the endpoint's answer -> (error class, retryable)
STATUS_CASES = [
    (401, BackendError, False),
    (404, BackendError, False),
    (400, ExtractionError, False),
    (429, ExtractionError, True),
    (500, ExtractionError, True),
    (503, ExtractionError, True),
]


@pytest.mark.parametrize(
    ("status", "cls", "retryable"), STATUS_CASES, ids=[str(c[0]) for c in STATUS_CASES]
)
def test_backend_errors_carry_status_and_whether_to_retry(
    monkeypatch: pytest.MonkeyPatch,
    no_network: None,
    status: int,
    cls: type[SummarizerError],
    retryable: bool,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    reply = httpx2.Response(status, json={"error": {"message": "no"}})
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(lambda r: reply))
    backend = OpenAIBackend(
        Settings(base_url="http://llm.test/v1", max_retries=0), http_client=client
    )
    with pytest.raises(cls) as info:
        asyncio.run(backend.extract(make_request()))
    assert (info.value.status, info.value.retryable) == (status, retryable)


def test_a_failed_file_names_its_path_chunk_status_and_the_usage_spent() -> None:
    seed = SEEDS / "004_8aea4feb83059470.txt"
    settings = Settings(chunk_tokens=600)
    analysis = analyse(seed, settings)
    n = len(analysis.chunks)
    assert n > 2
    spent = Usage(calls=2, prompt_tokens=300, completion_tokens=40)

    def responder(request: ExtractRequest) -> ChunkExtraction:
        if request.chunk.index == 1:
            raise ExtractionError(
                "HTTP 503 from the endpoint", status=503, retryable=True, usage=spent
            )
        if request.chunk.index == 2:
            raise ExtractionError("answer still invalid", usage=spent)
        return empty_extraction()

    backend = FakeBackend(responder)
    # Issue 26: the file is written without the failed chunks, which it names.
    doc = asyncio.run(summarize_analysis(analysis, backend, settings=settings, cache=None))
    assert [(m.chunk, m.error) for m in doc.missing] == [
        (1, "HTTP 503 from the endpoint"),
        (2, "answer still invalid"),
    ]
    assert sum("chunk 1 (" in w and "failed: HTTP 503" in w for w in doc.warnings) == 1
    # Usage: the n - 2 answered calls and what both failed chunks spent.
    assert doc.provenance.usage == Usage(calls=n - 2) + spent + spent

    def every_chunk_fails(request: ExtractRequest) -> ChunkExtraction:
        raise ExtractionError("HTTP 503 from the endpoint", status=503, retryable=True, usage=spent)

    with pytest.raises(ExtractionError) as info:
        asyncio.run(
            summarize_analysis(
                analysis, FakeBackend(every_chunk_fails), settings=settings, cache=None
            )
        )
    e = info.value
    assert e.path == analysis.source.path and str(e).startswith(
        f"{e.path}: {n} of {n} chunks failed"
    )
    assert (e.chunk, e.status, e.retryable) == (0, 503, True)  # the first failure's
    assert e.usage == Usage(calls=2 * n, prompt_tokens=300 * n, completion_tokens=40 * n)


def test_a_read_error_names_its_file_in_a_field_and_the_batch_line_leaves_it_out(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as info:
        read_source(empty)
    assert (info.value.path, info.value.message) == (str(empty), "the file is empty")
    assert str(info.value) == f"{empty}: the file is empty"
    assert one_line(info.value, str(empty)) == "the file is empty"
    assert one_line(info.value, "other.txt") == f"{empty}: the file is empty"
