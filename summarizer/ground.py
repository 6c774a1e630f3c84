"""Grounding: align a backend's quotes to the source and check its numbers.

In: `ExtractedFinding` / `ExtractedMetric` from a backend, the `Chunk` they came from and
the file's `CleanText`. Out: `schema.Finding` / `schema.Metric` with evidence offsets into
the source text, `verified`, and short warnings.

A quote is aligned exactly (chunk region, then the whole text), then ignoring whitespace,
character width and masked spans (a quote that skips a page marker still aligns), then by
the best fuzzy window in the region. Every number a finding states must be written in
its chunk, so an invented or guessed (redacted in the source) figure is flagged.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from summarizer.document import Chunk, CleanText
from summarizer.figures import canonical_number, find_metrics, is_redacted, numbers_in, parse_figure
from summarizer.schema import Evidence, ExtractedFinding, ExtractedMetric, Finding, Metric

#: Lowest rapidfuzz partial-ratio score at which a fuzzy window is accepted.
FUZZY_MIN_SCORE = 90.0
# Shorter quotes match by chance somewhere in a region, so they never align fuzzily.
_FUZZY_MIN_CHARS = 8

AlignMethod = Literal["exact", "normalized", "fuzzy"]

# Punctuation that NFKC leaves apart but writers (and models) use interchangeably.
_PUNCT = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "‘": "'",
        "’": "'",
        "—": "-",
        "–": "-",
        "―": "-",
        "〔": "(",
        "〕": ")",
        "【": "[",
        "】": "]",
    }
)


@dataclass(frozen=True)
class Alignment:
    """Where a quote sits in the source."""

    start: int
    end: int
    method: AlignMethod
    score: float


@dataclass(frozen=True)
class _Normalized:
    """A normalised text and, for each of its characters, the source offset it came from."""

    text: str
    index: tuple[int, ...]


def _norm_char(ch: str) -> str:
    if ch.isspace():
        return ""
    out = unicodedata.normalize("NFKC", ch).translate(_PUNCT).lower()
    return "".join(c for c in out if not c.isspace())


def _normalize(text: str, base: int = 0) -> _Normalized:
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        # ASCII letters and digits are already normal; the fast path keeps long texts cheap.
        if ch.isascii() and ch.isalnum():
            chars.append(ch.lower())
            index.append(base + i)
            continue
        if "\u4e00" <= ch <= "\u9fff":
            # Unified ideographs are their own NFKC form.
            chars.append(ch)
            index.append(base + i)
            continue
        for c in _norm_char(ch):
            chars.append(c)
            index.append(base + i)
    return _Normalized("".join(chars), tuple(index))


def normalize_quote(text: str) -> str:
    """Whitespace- and width-insensitive form of a text (NFKC, no spaces, unified punctuation)."""
    return _normalize(text).text


@lru_cache(maxsize=8)
def _normalized_view(clean: CleanText) -> _Normalized:
    # Masked characters are spaces in `view`, so they drop out with the whitespace.
    return _normalize(clean.view)


def _find_normalized(norm: _Normalized, needle: str, lo: int, hi: int) -> tuple[int, int] | None:
    """Source span of `needle` inside the normalised characters that come from [lo, hi)."""
    a = bisect.bisect_left(norm.index, lo)
    b = bisect.bisect_left(norm.index, hi)
    at = norm.text.find(needle, a, b)
    if at < 0:
        return None
    return norm.index[at], norm.index[at + len(needle) - 1] + 1


def align_quote(
    quote: str, clean: CleanText, region: tuple[int, int], near: int | None = None
) -> Alignment | None:
    """Locate `quote` in the source: exact, then normalised, then fuzzy (score ≥ 90) in the region.

    When the quote occurs several times exactly, the occurrence closest to `near` wins (a
    short heading quote sits next to its finding's longer quote, not in the report title).
    """
    text = clean.text
    lo, hi = max(0, region[0]), min(len(text), region[1])
    stripped = quote.strip()
    if not stripped:
        return None
    for a, b in ((lo, hi), (0, len(text))):
        at = text.find(stripped, a, b)
        if at >= 0:
            if near is not None:
                at = _closest(text, stripped, at, b, near)
            return Alignment(at, at + len(stripped), "exact", 100.0)
    needle = normalize_quote(stripped)
    if not needle:
        return None
    norm = _normalized_view(clean)
    for a, b in ((lo, hi), (0, len(text))):
        span = _find_normalized(norm, needle, a, b)
        if span is not None:
            return Alignment(span[0], span[1], "normalized", 100.0)
    if len(needle) < _FUZZY_MIN_CHARS:
        return None
    a = bisect.bisect_left(norm.index, lo)
    b = bisect.bisect_left(norm.index, hi)
    haystack = norm.text[a:b]
    if not haystack:
        return None
    res = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=FUZZY_MIN_SCORE)
    if res is None or res.dest_end <= res.dest_start:
        return None
    start = norm.index[a + res.dest_start]
    end = norm.index[a + res.dest_end - 1] + 1
    return Alignment(start, end, "fuzzy", round(res.score, 1))


def _closest(text: str, needle: str, first: int, end: int, near: int) -> int:
    """The occurrence of `needle` in text[first:end] whose start is closest to `near`."""
    best = first
    at = first
    while at >= 0:
        if abs(at - near) < abs(best - near):
            best = at
        if at > near:
            break
        at = text.find(needle, at + 1, end)
    return best


def _number_key(value: float) -> str:
    return canonical_number(repr(abs(value)))


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[:n] + "…"


def chunk_numbers(chunk: Chunk) -> frozenset[str]:
    """The numbers a chunk's findings may state: its text's and its breadcrumb's."""
    # Headings on the breadcrumb ("一、2023年工作总结") belong to the chunk's context too.
    return _numbers_of(chunk.text) | set(numbers_in(" ".join(chunk.path)))


@lru_cache(maxsize=32)
def _numbers_of(text: str) -> frozenset[str]:
    return frozenset(numbers_in(text))


def _redacted_in_chunk(chunk: Chunk) -> dict[str, bool]:
    """Metric name → whether every figure of that name in the chunk is redacted."""
    return _redacted_names(chunk.text)


@lru_cache(maxsize=32)
def _redacted_names(text: str) -> dict[str, bool]:
    # Every finding of a chunk asks about the same text: parse its figures once.
    seen: dict[str, bool] = {}
    for fm in find_metrics(text):
        name = fm.metric.name
        seen[name] = seen.get(name, True) and fm.metric.redacted
    return seen


def _same_name(a: str, b: str) -> bool:
    return a == b or (len(a) >= 2 and len(b) >= 2 and (a in b or b in a))


def _metric_problems(
    metric: ExtractedMetric, numbers: frozenset[str], redacted_names: dict[str, bool]
) -> list[str]:
    """What is wrong with one extracted metric against its chunk (empty when grounded)."""
    problems: list[str] = []
    for n in numbers_in(metric.raw):
        if n not in numbers:
            problems.append(f'number "{n}" in metric {metric.name} not found in the source chunk')
    if metric.change_pct is not None:
        n = _number_key(metric.change_pct)
        if n not in numbers:
            problems.append(f'change "{n}%" of metric {metric.name} not found in the source chunk')
    if not is_redacted(metric.raw) and numbers_in(metric.raw):
        if metric.name in redacted_names:
            guessed = redacted_names[metric.name]
        else:
            similar = [v for n, v in redacted_names.items() if _same_name(n, metric.name)]
            guessed = bool(similar) and all(similar)
        if guessed:
            problems.append(
                f'metric {metric.name} gives "{metric.raw}" but the source figure is redacted'
            )
    return problems


def to_metric(extracted: ExtractedMetric) -> Metric:
    """A `schema.Metric` with value, unit and redaction computed from the raw figure."""
    fig = parse_figure(extracted.raw)
    return Metric(
        name=extracted.name,
        raw=extracted.raw,
        value=fig.value,
        unit=fig.unit,
        change_pct=extracted.change_pct,
        kind=extracted.kind,
        redacted=fig.redacted,
    )


def ground_finding(
    extracted: ExtractedFinding, chunk: Chunk, clean: CleanText
) -> tuple[Finding, list[str]]:
    """Align the finding's quotes, check its numbers against the chunk; warnings name problems."""
    title = extracted.title
    warnings: list[str] = []
    ok = True
    evidence: list[Evidence] = []
    # The longest quote is the least ambiguous: align it first and anchor the others to it.
    aligned: dict[int, Alignment | None] = {}
    anchor: int | None = None
    for i in sorted(range(len(extracted.quotes)), key=lambda i: -len(extracted.quotes[i])):
        aligned[i] = align_quote(extracted.quotes[i], clean, (chunk.start, chunk.end), anchor)
        if anchor is None and aligned[i] is not None:
            anchor = aligned[i].start  # type: ignore[union-attr]
    for i, quote in enumerate(extracted.quotes):
        al = aligned[i]
        if al is None:
            evidence.append(Evidence(quote=quote, start=None, end=None))
            warnings.append(f"{title}: quote not found in the source: {_short(quote)}")
            ok = False
            continue
        if al.method == "fuzzy":
            warnings.append(
                f"{title}: quote matched approximately (score {al.score:g}): {_short(quote)}"
            )
        span = Evidence(quote=clean.text[al.start : al.end], start=al.start, end=al.end)
        if span not in evidence:
            evidence.append(span)
    if not evidence:
        warnings.append(f"{title}: no evidence quoted")
        ok = False

    numbers = chunk_numbers(chunk)
    for where, text in (("title", extracted.title), ("summary", extracted.summary)):
        for n in numbers_in(text):
            if n not in numbers:
                warnings.append(f'{title}: number "{n}" in {where} not found in the source chunk')
                ok = False
    redacted_names = _redacted_in_chunk(chunk) if extracted.metrics else {}
    for m in extracted.metrics:
        problems = _metric_problems(m, numbers, redacted_names)
        warnings.extend(f"{title}: {p}" for p in problems)
        ok = ok and not problems

    finding = Finding(
        title=extracted.title,
        summary=extracted.summary,
        topic=extracted.topic,
        metrics=[to_metric(m) for m in extracted.metrics],
        entities=list(dict.fromkeys(e for e in extracted.entities if e.strip())),
        evidence=evidence,
        verified=ok,
    )
    return finding, warnings


def ground_metrics(metrics: list[ExtractedMetric], chunk: Chunk) -> tuple[list[Metric], list[str]]:
    """Key metrics whose figures occur in the chunk; the others are dropped with a warning."""
    numbers = chunk_numbers(chunk)
    redacted_names = _redacted_in_chunk(chunk) if metrics else {}
    kept: list[Metric] = []
    warnings: list[str] = []
    for m in metrics:
        if not numbers_in(m.raw) and not is_redacted(m.raw):
            warnings.append(f'key metric {m.name} "{m.raw}" dropped: no figure')
            continue
        problems = _metric_problems(m, numbers, redacted_names)
        if problems:
            warnings.append(f'key metric {m.name} "{m.raw}" dropped: {problems[0]}')
            continue
        kept.append(to_metric(m))
    return kept, warnings


# A redacted name: an X / xx / * placeholder standing where a name's characters would be.
_REDACTED_NAME = re.compile(r"(?<![A-Za-z])[Xx]{1,4}(?![A-Za-z])|\*|＊|某")


def ground_organization(name: str | None, clean: CleanText) -> str | None:
    """The organisation name when it is written in the source and not redacted, else None."""
    if name is None:
        return None
    name = name.strip()
    if not name or _REDACTED_NAME.search(name):
        return None
    if name in clean.text:
        return name
    al = align_quote(name, clean, (0, len(clean.text)))
    if al is not None and al.method == "normalized":
        return clean.text[al.start : al.end]
    return None
