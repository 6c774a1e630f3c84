"""Whole-pipeline golden files: canned answers (fake backend) and the offline backend.

Rewrite them only on purpose: `UPDATE_GOLDEN=1 pytest tests/test_golden.py`, then review the diff.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import SEEDS, seed_paths
from fake_backend import FakeBackend
from helpers import compare_golden

from summarizer.backends.extract import ExtractRequest
from summarizer.core.config import Settings
from summarizer.core.schema import (
    ChunkExtraction,
    ExtractedFinding,
    ExtractedMetric,
    SummaryDocument,
)
from summarizer.pipeline import analyse, summarize_analysis

GOLDEN = Path(__file__).parent / "data" / "golden"


def _stable(doc: SummaryDocument) -> dict:  # type: ignore[type-arg]
    data = doc.model_dump(mode="json")
    data["provenance"]["elapsed_s"] = 0.0
    data["provenance"]["tool_version"] = "x"
    data["source"]["path"] = Path(data["source"]["path"]).name
    return data


def _compare(name: str, data: dict) -> None:  # type: ignore[type-arg]
    compare_golden(GOLDEN / name, data)


def canned(request: ExtractRequest) -> ChunkExtraction:
    """One finding per chunk quoting its first sentence, with a figure when there is one."""
    text = request.chunk.text.strip()
    first = text.split("。")[0][:60]
    metrics = []
    if "184.7亿元" in text:
        metrics.append(
            ExtractedMetric(name="规上工业总产值", raw="184.7亿元", change_pct=16.2, kind="actual")
        )
    kind = {"problems": "problem", "plans": "plan", "other": "other"}.get(
        request.chunk.kind, "achievement"
    )
    return ChunkExtraction(
        organization=None,
        key_metrics=metrics,
        findings=[
            ExtractedFinding(
                kind=kind,
                title=first[:8],
                summary=first,
                topic="other",
                metrics=metrics,  # type: ignore[arg-type]
                entities=[],
                quotes=[first],
            )
        ],
    )


def test_golden_canned_answers_seed_004() -> None:
    settings = Settings(backend="offline")  # the backend object below is what answers
    analysis = analyse(SEEDS / "004_8aea4feb83059470.txt", settings)
    backend = FakeBackend(canned, overview_text="2018年开发区经济总量和质量双提升。")
    doc = asyncio.run(summarize_analysis(analysis, backend, settings=settings, cache=None))
    assert len(backend.calls) == len(analysis.chunks)
    _compare("004_8aea4feb83059470.fake.json", _stable(doc))


@pytest.mark.parametrize("seed", seed_paths(), ids=lambda p: p.stem)
def test_golden_offline(seed: Path) -> None:
    settings = Settings(backend="offline")
    from summarizer.pipeline import summarize_file

    doc = summarize_file(seed, settings=settings)
    _compare(f"{seed.stem}.offline.json", _stable(doc))
