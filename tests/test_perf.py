"""Performance work that must not change results: the linear merge, report windows, the
chunker's galloping, cached-token fields and the prices they are billed at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import factories
import pytest

from summarizer.backends.openai_compat.transport import usage_from_dict
from summarizer.backends.pricing import estimate, rates_for, usd_for
from summarizer.core.config import Settings
from summarizer.core.schema import Evidence, Finding
from summarizer.grounding.merge import ADJACENT_CHARS, GroundedFinding, merge_findings
from summarizer.pipeline import analyse, report_windows

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize(
    ("usage", "cached"),
    [
        ({"prompt_tokens": 2000, "prompt_tokens_details": {"cached_tokens": 1536}}, 1536),
        ({"prompt_tokens": 2000, "prompt_cache_hit_tokens": 1600, "prompt_cache_miss_tokens": 400}, 1600),
        ({"prompt_tokens": 2000, "prompt_tokens_details": None}, 0),
        ({"prompt_tokens": 2000, "prompt_tokens_details": {"cached_tokens": "x"}}, 0),
        ({"prompt_tokens": 2000}, 0),
    ],
)  # fmt: skip
def test_cached_tokens_are_read_from_each_providers_field(
    usage: dict[str, Any], cached: int
) -> None:
    got = usage_from_dict({"usage": usage})
    assert (got.prompt_tokens, got.cached_tokens) == (2000, cached)


@pytest.mark.parametrize(
    ("model", "mode", "rates"),
    [
        ("gpt-4o-mini", "live", (0.15, 0.075, 0.60)),
        ("gpt-4o-mini", "batch", (0.075, 0.075, 0.30)),
        ("deepseek-chat", "live", (0.27, 0.07, 1.10)),
        ("deepseek-chat", "offpeak", (0.135, 0.035, 0.55)),
        ("deepseek-chat", "batch", (0.27, 0.07, 1.10)),  # no batch API: the live prices
        ("qwen-plus", "batch", (0.055, 0.055, 0.14)),
    ],
)  # fmt: skip
def test_rates_per_price_mode(model: str, mode: Any, rates: tuple[float, float, float]) -> None:
    r = rates_for(model, mode=mode)
    assert r is not None
    assert (r.input, r.cached_input, r.output) == pytest.approx(rates)


def test_cached_tokens_are_billed_at_the_cache_rate() -> None:
    full = usd_for("gpt-4o-mini", 1_000_000, 0)
    half_cached = usd_for("gpt-4o-mini", 1_000_000, 0, cached_tokens=500_000)
    assert (full, half_cached) == (0.15, 0.1125)
    assert usd_for("unknown-model", 1000, 1000, cached_tokens=10) is None


def test_estimate_counts_the_stable_prefix_from_the_second_call() -> None:
    est = estimate([3000, 3000, 3000], 0, "gpt-4o-mini", overhead=1800, stable=1600)
    assert est.cached_tokens == 2 * 1600
    assert est.usd_cache is not None and est.usd is not None and est.usd_cache < est.usd
    # Under the provider's minimum (OpenAI: 1,024 tokens) nothing is cached.
    assert estimate([3000, 3000], 0, "gpt-4o-mini", overhead=900, stable=800).cached_tokens == 0
    assert est.usd_batch is not None and est.usd_offpeak_cache is None


def _finding(title: str, start: int, end: int) -> Finding:
    evidence = [Evidence(quote="x" * (end - start), start=start, end=end)]
    return factories.finding(title, evidence, summary=title)


def _quadratic_merge(items: list[GroundedFinding]) -> list[Finding]:
    """The merge as it was written before (every kept finding compared with every new one)."""
    from summarizer.grounding.merge import _first_start, _merge_two, _same_item

    ordered = sorted(items, key=lambda g: (_first_start(g.finding), g.chunk_index))
    merged: list[Finding] = []
    for g in ordered:
        f = g.finding
        if f in merged:
            continue
        for i, kept in enumerate(merged):
            if _same_item(kept, f):
                merged[i] = _merge_two(kept, f)
                break
        else:
            merged.append(f)
    merged.sort(key=_first_start)
    return merged


def test_the_linear_merge_equals_the_pairwise_one() -> None:
    step = ADJACENT_CHARS // 3
    titles = ["招商引资", "项目建设", "招商引资工作", "营商环境", "项目建设"]
    items = [
        GroundedFinding("achievement", _finding(titles[i % 5], i * step, i * step + 40), i % 3)
        for i in range(60)
    ]
    items += [GroundedFinding("achievement", items[7].finding, 9)]  # an exact repeat
    assert merge_findings(items)["achievement"] == _quadratic_merge(items)


def test_report_windows_hold_whole_reports_and_every_chunk_once(tmp_path: Path) -> None:
    text = "".join(p.read_text(encoding="utf-8") + "\n\n" for p in sorted(SEEDS.glob("*.txt")))
    big = tmp_path / "three-times.txt"
    big.write_text(text * 3, encoding="utf-8")
    analysis = analyse(big, Settings(), tokens="estimate")
    windows = list(report_windows(analysis, 4))
    assert len(windows) > 1
    assert [c.index for w in windows for c in w.chunks] == [c.index for c in analysis.chunks]
    assert [r.index for w in windows for r in w.reports] == [r.index for r in analysis.reports]
    for w in windows:
        assert {c.report for c in w.chunks} <= {r.index for r in w.reports}
    assert list(report_windows(analysis, 10_000)) == [analysis]


def test_the_chunker_counts_a_part_of_short_lines_a_few_times_per_chunk() -> None:
    from summarizer.core.document import CleanText, SourceText
    from summarizer.text.chunks import make_chunks
    from summarizer.text.sections import build_sections
    from summarizer.text.tokens import estimate_tokens

    lines = [f"第{i}项工作已经完成。" for i in range(3000)]
    text = "经济开发区2023年工作总结\n一、工作成效\n" + "\n".join(lines) + "\n"
    source = SourceText(path="<test>", text=text, encoding="utf-8", format="txt", sha256="0" * 64)
    clean = CleanText.build(source, [])
    reports = build_sections(clean)
    counted: list[int] = []

    def exact(piece: str) -> int:
        counted.append(len(piece))
        return estimate_tokens(piece)

    chunks = make_chunks(clean, reports, budget=500, count=estimate_tokens, exact=exact)
    assert len(chunks) > 20
    assert "".join(c.text for c in chunks).count("项工作已经完成") == 3000
    # Before: one exact count of the growing group per line near the budget (thousands).
    assert len(counted) < 20 * len(chunks)


@pytest.mark.slow
def test_a_streamed_json_output_is_the_documents_own_dump(tmp_path: Path) -> None:
    """`-o FILE.json` writes each report as it is merged; the bytes are the whole
    document's `model_dump_json(indent=2)` (as on stdout), elapsed time aside."""
    import re
    import subprocess
    import sys

    text = "".join(p.read_text(encoding="utf-8") + "\n\n" for p in sorted(SEEDS.glob("*.txt")))
    big = tmp_path / "many.txt"
    big.write_text(text * 12, encoding="utf-8")  # over 64 chunks: several windows
    base = [sys.executable, "-m", "summarizer", "summarize", str(big), "--backend", "offline"]
    base += ["--no-cache", "-f", "json", "-q"]
    streamed = subprocess.run([*base, "-o", str(tmp_path / "out.json")], capture_output=True)
    assert streamed.returncode == 0, streamed.stderr
    whole = subprocess.run(base, capture_output=True, text=True, encoding="utf-8")
    assert whole.returncode == 0, whole.stderr
    elapsed = re.compile(r'"elapsed_s": [0-9.e-]+')
    written = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert elapsed.sub("", written) == elapsed.sub("", whole.stdout)
    from summarizer.core.schema import SummaryDocument

    assert len(SummaryDocument.model_validate_json(written).reports) > 64  # two windows


def _per_character(text: str, base: int) -> tuple[str, list[int]]:
    """The normalised view as it was built before: one offset per normalised character."""
    from summarizer.grounding.ground import _norm_char

    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if (ch.isascii() and ch.isalnum()) or "\u4e00" <= ch <= "\u9fff":
            chars.append(ch.lower())
            offsets.append(base + i)
            continue
        for c in _norm_char(ch):
            chars.append(c)
            offsets.append(base + i)
    return "".join(chars), offsets


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  \n ",
        "全年完成投资12.5亿元，同比增长8%。",
        "ＡＢＣ １２３ ㎡ ﬁ ½ 你好，\n世界！ x\t y",
        "一、招商引资\n（一）签约项目X个\n\n二、存在问题",
    ],
)
def test_the_normalised_views_offsets_are_the_per_character_ones(text: str) -> None:
    from summarizer.grounding.ground import _normalize

    norm = _normalize(text, 7)
    want_text, want = _per_character(text, 7)
    assert norm.text == want_text
    assert [norm.index[i] for i in range(len(norm.index))] == want
