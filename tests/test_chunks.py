"""Chunks: section-aligned, within the budget, covering the analysed text exactly once."""

from __future__ import annotations

import pytest
from conftest import seed_paths

from summarizer.core.config import Settings
from summarizer.pipeline import analyse


@pytest.mark.parametrize("budget", [6000, 600, 250])
@pytest.mark.parametrize("seed", seed_paths(), ids=lambda p: p.stem)
def test_chunks_tile_the_file_and_respect_the_budget(seed, budget: int) -> None:  # type: ignore[no-untyped-def]
    analysis = analyse(seed, Settings(chunk_tokens=budget))
    chunks = analysis.chunks
    text = analysis.clean.text
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.end == b.start
    assert "".join(c.text for c in chunks) == analysis.clean.analysed(0, len(text))
    for c in chunks:
        sentence_ends = "。！？!?；;\n"
        if c.tokens > budget:
            # Only a single sentence longer than the budget may exceed it.
            inner = c.text.rstrip(sentence_ends + "”’」』)）")
            assert not any(ch in sentence_ends for ch in inner.strip()), c.text[:80]


def test_whole_parts_share_a_chunk_while_they_fit() -> None:
    seed = next(p for p in seed_paths() if p.name.startswith("003"))
    analysis = analyse(seed)
    assert [c.report for c in analysis.chunks] == [0, 1, 2]  # one chunk per report
    assert [k for _, k in analysis.chunks[0].outline] == [
        "preamble",
        "achievements",
        "problems",
        "plans",
        "other",
    ]
    # With a smaller budget the parts still stay whole, just fewer per chunk.
    small = analyse(seed, Settings(chunk_tokens=1500))
    part_starts = {p.start for r in small.reports for p in r.parts if p.kind != "preamble"}
    sizes = {p.start: p.end for r in small.reports for p in r.parts}
    for c in small.chunks:
        for start in part_starts:
            if c.start < start < c.end:
                assert sizes[start] <= c.end, "a part that fits was cut"
    assert len(small.chunks) > 3


def test_small_budget_splits_at_sub_headings_with_breadcrumbs() -> None:
    analysis = analyse(
        next(p for p in seed_paths() if p.name.startswith("000")), Settings(chunk_tokens=600)
    )
    paths = [c.path for c in analysis.chunks]
    assert ("一、2021年工作总结", "(一)招商引资方面") in paths
    assert {c.kind for c in analysis.chunks} == {"preamble", "achievements", "plans"}


def test_budget_mode_cuts_where_exact_counting_cuts() -> None:
    """Estimates with exact checks near the budget give the chunks of exact counting."""
    for seed in seed_paths():
        for budget in (250, 600, 1500):
            settings = Settings(chunk_tokens=budget)
            exact = analyse(seed, settings, tokens="exact")
            budget_mode = analyse(seed, settings, tokens="budget")
            assert [(c.start, c.end) for c in exact.chunks] == [
                (c.start, c.end) for c in budget_mode.chunks
            ], (seed.name, budget)


@pytest.mark.slow
def test_budget_mode_loads_no_bpe_for_reports_well_under_the_budget() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from summarizer.pipeline import analyse; "
        f"analyse({str(seed_paths()[0])!r}, tokens='budget'); "
        "print('tiktoken' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr
