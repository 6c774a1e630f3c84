"""The lean answer: what a model writes for a chunk, expanded into a `ChunkExtraction`.

In: a validated `ChunkAnswer` and the chunk's text. Out: the `ChunkExtraction` that
grounding and merge read, the same model the offline backend fills.

The model names and classifies figures and quotes them as written; code derives the rest
from the source, which it reads more reliably than a model writes it:
- a metric "规上工业总产值 184.7亿元" → name and raw figure; the change (同比增长16.2%), and
  whether it is a target, from the same figure in the chunk (`figures.find_metrics`), the
  occurrence nearest the finding's evidence; a plan's figures are targets;
- a quote written as its ends ("全年新签约…项目32个。") → the verbatim passage from the first
  place the head occurs to the nearest tail after it (at most 300 characters); when no such
  span exists it is kept as written, and grounding reports it like any quote it cannot find.
"""

from __future__ import annotations

import functools
import re

from summarizer.core.schema import (
    AnswerFinding,
    ChunkAnswer,
    ChunkExtraction,
    ExtractedFinding,
    ExtractedMetric,
    MetricKind,
)
from summarizer.lexicon.figures import FoundMetric, normalize_width
from summarizer.lexicon.reading import find_metrics

#: Bump when the expansion changes what an answer becomes: cached extractions are expanded
#: answers, so the version is part of the cache key.
EXPANSION_VERSION = 2
#: The longest passage an abbreviated quote may stand for.
MAX_QUOTE_SPAN = 300
_ELLIPSIS = re.compile(r"\s*(?:…+|\.{3,})\s*")
# The figure at the end of a "name figure" metric when the model left out the space.
_TRAILING_FIGURE = re.compile(
    r"(?:[-+]?(?:\d[\d,，.]*|[Xx]+(?:\.[Xx]+)?|\*+(?:\.\*+)?)[^\s\d]{0,6}(?:以上|左右|余)?)$"
)


def expand_answer(answer: ChunkAnswer, text: str) -> ChunkExtraction:
    """The chunk's extraction, with figures and quotes completed from its text."""
    return ChunkExtraction(
        organization=answer.organization,
        key_metrics=[expand_metric(m, text) for m in answer.key_metrics if m.strip()],
        findings=[_finding(f, text) for f in answer.findings],
        overview=answer.overview,
    )


def _finding(f: AnswerFinding, text: str) -> ExtractedFinding:
    quotes = [expand_quote(q, text) for q in f.quotes if q.strip()]
    near = next((p for p in (text.find(q) for q in quotes) if p >= 0), None)
    return ExtractedFinding(
        kind=f.kind,
        title=f.title,
        summary=f.summary,
        topic=f.topic,
        metrics=[expand_metric(m, text, kind=f.kind, near=near) for m in f.metrics if m.strip()],
        entities=f.entities,
        quotes=quotes,
    )


# A figure of a multiplier word only: "超万亿元", "近万家", "超万列".
_WORD_FIGURE = re.compile(r"(?:超过|超|近|逾|约|上)?[十百千万亿]")


def split_metric(written: str) -> tuple[str, str]:
    """("name", "figure") of a metric written as 'name figure' (the last space separates)."""
    text = written.strip()
    if " " in text:
        name, figure = text.rsplit(" ", 1)
        if any(ch.isdigit() or ch in "Xx*" for ch in figure) or _WORD_FIGURE.match(figure):
            return name.strip(), figure
    m = _TRAILING_FIGURE.search(text)
    if m is not None and m.start() > 0:
        return text[: m.start()].strip(), m.group(0)
    return text, text


def expand_metric(
    written: str, text: str, *, kind: str | None = None, near: int | None = None
) -> ExtractedMetric:
    """A metric with its change and target/actual taken from the figure in the chunk."""
    name, raw = split_metric(written)
    found = _same_figure(raw, text, name, near)
    change = found.metric.change_pct if found is not None else None
    metric_kind: MetricKind
    if kind == "plan":
        metric_kind = "target"
    elif found is not None:
        metric_kind = found.metric.kind
    else:
        metric_kind = "actual"
    return ExtractedMetric(name=name, raw=raw, change_pct=change, kind=metric_kind)


def _same_figure(raw: str, text: str, name: str, near: int | None) -> FoundMetric | None:
    wanted = normalize_width(raw).replace(" ", "")
    candidates = [fm for fm in _metrics_of(text) if normalize_width(fm.metric.raw) == wanted]
    if not candidates:
        return None
    named = [fm for fm in candidates if _overlap(fm.metric.name, name)]
    pool = named or candidates
    if near is None:
        return pool[0]
    return min(pool, key=lambda fm: abs(fm.start - near))


def _overlap(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a in b or b in a or len(set(a) & set(b)) >= 2)


@functools.lru_cache(maxsize=16)
def _metrics_of(text: str) -> tuple[FoundMetric, ...]:
    # Every metric of a chunk asks about the same text: parse its figures once.
    return tuple(find_metrics(text))


def expand_quote(quote: str, text: str) -> str:
    """The verbatim passage an abbreviated quote ("head…tail") stands for, else the quote."""
    parts = _ELLIPSIS.split(quote.strip())
    if len(parts) != 2 or not parts[0] or not parts[1] or quote.strip() in text:
        return quote
    head, tail = parts
    # The shortest span over every occurrence of the head: a head the report repeats (《纲要
    # （草案…) must not stretch the quote from its first occurrence across other items.
    best: tuple[int, int] | None = None
    start = text.find(head)
    while start >= 0:
        end = text.find(tail, start + len(head), start + MAX_QUOTE_SPAN)
        if end >= 0 and (best is None or end + len(tail) - start < best[1] - best[0]):
            best = (start, end + len(tail))
        start = text.find(head, start + 1)
    if best is not None:
        return text[best[0] : best[1]]
    return quote  # not found: grounding judges the quote as written
