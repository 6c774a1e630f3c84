"""The library's public surface, tested like httpx tests its exports: the names in
`summarizer.__all__`, where they come from, that they are typed (no Any), and that
`summarize_file` works with and without a running event loop."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import subprocess
import sys
import typing
from pathlib import Path

import pydantic
import pytest
from conftest import SEEDS

import summarizer

EXPECTED = {
    "__version__",
    "summarize_file",
    "summarize_file_async",
    "analyse",
    "Analysis",
    "Settings",
    "BackendSettings",
    "ChunkingSettings",
    "RunSettings",
    "SummarizerError",
    "InputError",
    "ConfigError",
    "BackendError",
    "ExtractionError",
    "EndpointUnreachable",
    "CacheError",
    "ValidationError",
    "SummaryDocument",
    "ReportSummary",
    "Finding",
    "Evidence",
    "Metric",
    "Source",
    "Provenance",
    "Usage",
    # the panel (summarizer.panel) and zone identity
    "Zone",
    "build_panel",
    "compare",
    "track",
    "export",
    "search",
    "load_dictionary",
    "Panel",
    "Comparison",
    "Tracked",
    "Dictionary",
    "Hit",
    "zone_name",
    "load_zone_rules",
}
SEED = SEEDS / "004_8aea4feb83059470.txt"


def test_all_is_the_public_surface() -> None:
    # A name added or removed is a visible change of the contract.
    assert set(summarizer.__all__) == EXPECTED
    assert summarizer.__all__ == sorted(summarizer.__all__)
    assert len(summarizer.__all__) == len(set(summarizer.__all__))


@pytest.mark.parametrize("name", sorted(EXPECTED - {"__version__"}))
def test_exported_members_resolve_from_our_modules(name: str) -> None:
    member = getattr(summarizer, name)
    assert member.__module__.startswith("summarizer."), (name, member.__module__)
    assert name in dir(summarizer)
    # `from summarizer import X` gives the object the defining module holds.
    module = sys.modules[member.__module__]
    assert getattr(module, name) is member


def test_errors_share_one_base() -> None:
    errors = [getattr(summarizer, n) for n in EXPECTED if n.endswith("Error")]
    assert all(issubclass(e, summarizer.SummarizerError) for e in errors)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        summarizer.nope  # noqa: B018


@pytest.mark.slow
def test_import_stays_light() -> None:
    code = "import sys, summarizer; print(sorted(m for m in ('openai','pydantic','rich','tiktoken') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_py_typed_ships() -> None:
    assert (Path(summarizer.__file__).parent / "py.typed").is_file()


def _mentions_any(annotation: object) -> bool:
    if annotation is typing.Any:
        return True
    return any(_mentions_any(a) for a in typing.get_args(annotation))


def _hints(obj: object) -> dict[str, object]:
    if isinstance(obj, type) and issubclass(obj, pydantic.BaseModel):
        return {k: f.annotation for k, f in obj.model_fields.items()}
    if dataclasses.is_dataclass(obj) and isinstance(obj, type):
        return typing.get_type_hints(obj)
    if callable(obj) and not isinstance(obj, type):
        return typing.get_type_hints(obj)
    return {}


# Panel rows are the exported columns as dicts (typed by rows.COLUMNS, one type per column).
@pytest.mark.parametrize("name", sorted(EXPECTED - {"__version__", "Panel"}))
def test_no_any_at_the_public_seams(name: str) -> None:
    hints = _hints(getattr(summarizer, name))
    assert not [k for k, v in hints.items() if _mentions_any(v)], hints


def test_the_functions_are_typed() -> None:
    for name in ("summarize_file", "summarize_file_async", "analyse"):
        sig = inspect.signature(getattr(summarizer, name))
        hints = typing.get_type_hints(getattr(summarizer, name))
        assert set(hints) == set(sig.parameters) | {"return"}, name
    assert inspect.iscoroutinefunction(summarizer.summarize_file_async)


def test_summarize_file_with_and_without_a_running_loop() -> None:
    settings = summarizer.Settings(backend="offline")
    plain = summarizer.summarize_file(SEED, settings=settings)
    assert isinstance(plain, summarizer.SummaryDocument)

    async def inside() -> tuple[summarizer.SummaryDocument, summarizer.SummaryDocument]:
        # As in a notebook: a loop is running, and the sync call must not fail.
        sync_doc = summarizer.summarize_file(SEED, settings=settings)
        async_doc = await summarizer.summarize_file_async(SEED, settings=settings)
        return sync_doc, async_doc

    sync_doc, async_doc = asyncio.run(inside())
    assert plain.reports == sync_doc.reports == async_doc.reports
    assert plain.reports[0].achievements


def test_errors_reach_the_caller() -> None:
    with pytest.raises(summarizer.InputError, match="no such file"):
        summarizer.summarize_file("missing.txt", settings=summarizer.Settings(backend="offline"))
    with pytest.raises(summarizer.ConfigError, match="concurrency"):
        summarizer.Settings().replace(concurrency=0)


def test_the_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Use it as a library") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    here = os.getcwd()
    os.chdir(Path(__file__).resolve().parent.parent)
    try:
        exec(compile(code.group(1), "README.md", "exec"), {})
    finally:
        os.chdir(here)
    out = capsys.readouterr().out
    assert "cannot read: missing.txt: no such file" in out
    assert "←" in out
