"""Grounding: align a backend's quotes to the source and check its numbers.

In: `ExtractedFinding` / `ExtractedMetric` from a backend, the `Chunk` they came from and
the file's `CleanText`. Out: `schema.Finding` / `schema.Metric` with evidence offsets into
the source text, `verified`, and short warnings.

A quote is aligned exactly (chunk region, then the whole text), then ignoring whitespace,
character width and masked spans (a quote that skips a page marker still aligns), then by
the best fuzzy window in the region; a quote written several times goes inside its own
item. Every figure a finding, key metric or overview states is checked by THE RULE below
(one rule for summarize, check and eval): each metric bound to a reading of the same figure
in the finding's own span (lexicon/binding.py), the title's and summary's numbers written
there with the direction the source gives them; a figure the source redacts stays redacted.
`to_metric` / `derive_metric` give a metric what its reading says (measure, signed change,
qualifier, period, offsets, evidence); `document_bindings` applies the same rule to a
written summary, for `check` to derive every metric again.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from summarizer.core.document import Chunk, CleanText, Report, Section
from summarizer.core.schema import (
    Evidence,
    ExtractedFinding,
    ExtractedMetric,
    Finding,
    Metric,
    MetricKind,
    Qualifier,
    SummaryDocument,
    finding_lists,
    findings_of,
)
from summarizer.lexicon.binding import (
    Binding,
    Reason,
    bind,
    describe,
    name_form,
    reading_numbers,
    subject_fit,
)
from summarizer.lexicon.figures import is_redacted, parse_figure
from summarizer.lexicon.numerals import (
    SENTENCE_END,
    Number,
    canonical,
    find_numbers,
    numbers_in,
)
from summarizer.lexicon.reading import (
    Reading,
    direction_of,
    find_metrics,
    kind_in_part,
    read_figures,
    read_source,
    read_verbatim,
)
from summarizer.lexicon.words import CHANGE_WORDS, FALL_VERBS, alternation, direction_word

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


class _Offsets:
    """The source offset of each normalised character, stored as runs: a run of normalised
    characters that come from consecutive source characters is one entry (prose breaks a
    run only where whitespace is dropped), so a 30 MB text needs kilobytes, not 4 bytes a
    character. Reads like a sequence of ints (`len`, `[i]`, and so `bisect`)."""

    __slots__ = ("_length", "_sources", "_starts")

    def __init__(self) -> None:
        self._starts: array[int] = array("q")  # normalised position where each run starts
        self._sources: array[int] = array("q")  # the source offset of that run's first one
        self._length = 0

    def add(self, source: int, count: int = 1) -> None:
        """`count` normalised characters from source offsets source, source + 1, ..."""
        if count <= 0:
            return
        n = len(self._starts)
        if not n or self._sources[n - 1] + (self._length - self._starts[n - 1]) != source:
            self._starts.append(self._length)
            self._sources.append(source)
        self._length += count

    def add_same(self, source: int, count: int) -> None:
        """`count` normalised characters all from one source character (NFKC expansions)."""
        for _ in range(count):
            n = len(self._starts)
            continues = n and self._sources[n - 1] + (self._length - self._starts[n - 1]) == source
            if not continues:
                self._starts.append(self._length)
                self._sources.append(source)
            self._length += 1

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, i: int) -> int:
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError(i)
        k = bisect.bisect_right(self._starts, i) - 1
        return int(self._sources[k] + (i - self._starts[k]))


@dataclass(frozen=True)
class _Normalized:
    """A normalised text and, for each of its characters, the source offset it came from."""

    text: str
    index: _Offsets


@lru_cache(maxsize=8192)
def _norm_char(ch: str) -> str:
    # Cached: a long text repeats the same few hundred punctuation marks and symbols.
    if ch.isspace():
        return ""
    out = unicodedata.normalize("NFKC", ch).translate(_PUNCT).lower()
    return "".join(c for c in out if not c.isspace())


# Runs of characters that are their own normal form (lower-cased): ASCII letters and digits,
# and unified ideographs. Taken a run at a time, not a character at a time: a list of one
# str per CJK character costs ~80 bytes each, most of a 30 MB file's peak memory.
_NORMAL_RUN = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]+")


def _normalize(text: str, base: int = 0) -> _Normalized:
    parts: list[str] = []
    blocks: list[str] = []  # parts joined a few thousand at a time: runs are short in prose
    index = _Offsets()
    pos = 0
    for m in _NORMAL_RUN.finditer(text):
        start, end = m.span()
        if start > pos:
            _normalize_chars(text, pos, start, base, parts, index)
        parts.append(m.group().lower())
        index.add(base + start, end - start)
        pos = end
        if len(parts) >= 4096:
            blocks.append("".join(parts))
            parts.clear()
    if pos < len(text):
        _normalize_chars(text, pos, len(text), base, parts, index)
    blocks.append("".join(parts))
    return _Normalized("".join(blocks), index)


def _normalize_chars(
    text: str, lo: int, hi: int, base: int, parts: list[str], index: _Offsets
) -> None:
    for i in range(lo, hi):
        out = _norm_char(text[i])
        if not out:
            continue
        parts.append(out)
        if len(out) == 1:
            index.add(base + i)
        else:
            index.add_same(base + i, len(out))


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


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[:n] + "…"


# ------------------------------------------------------------------ figures and their spans
#
# THE RULE (one place; summarize, check and eval all call `figure_issues`):
# - A finding's own span is the top-level item of its part that holds all its located
#   evidence ("(一)…" with its 一是/二是), else the part, else the region it came from
#   (its chunk in summarize, its report in check and eval).
# - Every number in its title and summary must be written in that span (or in the
#   headings above it: a year in "一、2023年工作总结"). A change written with a direction
#   (下降9.29%) must be written there with the same direction, or with none. A figure the
#   summary states with a name (规上工业总产值37.59亿元) must not conflict with what the
#   source writes it for.
# - Every metric is bound to a reading of the same figure in the span (lexicon/binding.py:
#   the name compatible with the reading's subject and measure, its change and direction
#   the reading's); a conflict is one typed `Reason`.
# - Key metrics follow the metric rule with their report as the span; the overview's
#   figures follow the summary rule with its report as the span (counts of the report's
#   own findings, "6项成绩", are the summary's numbers).
# - Numbers compare by value (numerals.py: 一百二十 = 120, 1,200 = 1200, 16.20 = 16.2);
#   masked cruft is left out of every haystack (a page number vouches for nothing, and one
#   inserted inside a figure does not split it).


@dataclass(frozen=True)
class Span:
    """Where a finding's figures must come from: its own span (and the evidence that fixed it)."""

    start: int
    end: int
    evidence: tuple[tuple[int, int], ...]
    headings: str = ""  # headings above the span, whose numbers (years) are context


_NAME_JUNK = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]")
_DIRECTION = re.compile(
    rf"(?P<verb>{alternation(CHANGE_WORDS)})" r"(?:了|达到|达|为|约|近|超)*\s*-?$"
)
_NEGATIVE = frozenset(FALL_VERBS)


def _pairs(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


@dataclass(frozen=True)
class _Written:
    """The numbers of a haystack text with their positions (offsets into the haystack)."""

    text: str
    numbers: tuple[Number, ...]
    sentence_starts: tuple[int, ...]
    keys: frozenset[str]


@lru_cache(maxsize=256)
def _written(text: str) -> _Written:
    nums = tuple(find_numbers(text))
    starts = tuple(m.end() for m in SENTENCE_END.finditer(text))
    return _Written(text, nums, starts, frozenset(canonical(n.value) for n in nums))


def _direction_before(text: str, pos: int) -> int:
    """+1 / -1 when a growth or decline verb stands right before `pos`, else 0."""
    m = _DIRECTION.search(text[max(0, pos - 10) : pos])
    if m is None:
        return 0
    return -1 if m.group("verb") in _NEGATIVE else 1


@dataclass(frozen=True)
class FigureIssue:
    """One figure that does not hold: which field states it, the figure, why (typed), and
    the sentence that says so (made here, at the edge, from the reason)."""

    field: str  # "title", "summary", "metrics.2", "key_metrics.0", "overview"
    figure: str  # the number or the raw figure
    message: str
    reason: Reason = "not_found"


@lru_cache(maxsize=256)
def span_readings(clean: CleanText, start: int, end: int) -> tuple[Reading, ...]:
    """The readings of a span of the source (masked spans left out; source offsets)."""
    return tuple(read_source(clean, start, end))


@lru_cache(maxsize=64)
def _text_readings(text: str) -> tuple[Reading, ...]:
    return tuple(read_figures(text))


def _key(value: float) -> str:
    return canonical(Decimal(repr(abs(value))))


def metric_binding(
    metric: ExtractedMetric | Metric,
    readings: Sequence[Reading],
    *,
    near: int | None = None,
    loose: bool = False,
) -> Binding:
    """The metric bound to a reading of its span by THE RULE (lexicon/binding.py)."""
    return bind(metric.name, metric.raw, readings, change=metric.change_pct, near=near, loose=loose)


def metric_issues(
    metric: ExtractedMetric | Metric,
    readings: Sequence[Reading],
    field: str,
    where: str = "its source span",
    *,
    near: int | None = None,
    source: tuple[CleanText, int, int] | None = None,
) -> tuple[Binding, list[FigureIssue]]:
    """The metric's binding and what is wrong with it (empty when bound). `source` (the
    text and span) gives a figure no pattern reads (X个BP) the offsets it is written at."""
    name = metric.name
    issues: list[FigureIssue] = []
    keys = reading_numbers(readings)
    for n in numbers_in(metric.raw)[1:]:
        if n not in keys:
            issues.append(
                FigureIssue(field, n, f'number "{n}" in metric {name} not found in {where}')
            )
    b = metric_binding(metric, readings, near=near)
    # No pattern reads a figure without digits ("超万亿元", "超万列"): it holds when written
    # verbatim in the span, like a redacted one.
    wordy = b.reason == "not_found" and not numbers_in(metric.raw)
    if (wordy or (b.ok and b.reading is None)) and source is not None:
        clean, lo, hi = source
        raw = metric.raw.strip()
        at = clean.text.find(raw, lo, hi) if raw else -1
        if at >= 0:
            b = Binding(read_verbatim(clean.text, at, at + len(raw)))
    if b.reason == "not_found":
        nums = numbers_in(metric.raw)
        n = nums[0] if nums else metric.raw
        issues.insert(
            0, FigureIssue(field, n, f'number "{n}" in metric {name} not found in {where}')
        )
    elif b.reason == "opposite_direction":
        said = direction_word(falls=b.figure is not None and b.figure.direction == "down")
        msg = f"change of metric {name} has the wrong direction: the source says {said}"
        issues.append(FigureIssue(field, metric.raw, msg, "opposite_direction"))
    elif b.reason is not None:
        msg = describe(b, metric.raw, f"metric {name}", where)
        issues.append(FigureIssue(field, metric.raw, msg, b.reason))
    return b, issues


def _text_issues(
    text: str, field: str, evidence: str, context: str = "", place: str = "its source span"
) -> list[FigureIssue]:
    """Numbers of a title, summary or overview absent from its evidence, or turned around."""
    w = _written(evidence)
    known = w.keys | set(numbers_in(context))
    out: list[FigureIssue] = []
    for n in find_numbers(text):
        key = canonical(n.value)
        if key not in known:
            out.append(FigureIssue(field, key, f'number "{key}" in {field} not found in {place}'))
            continue
        d = _direction_before(text, n.start)
        if d and key in w.keys:
            seen = [
                _direction_before(w.text, m.start) for m in w.numbers if canonical(m.value) == key
            ]
            if (seen and all(s == -d for s in seen)) or _turned(text, n.start, key, evidence):
                said = direction_word(falls=d >= 0)
                msg = f'"{key}%" in {field} has the wrong direction: the source says {said}'
                out.append(FigureIssue(field, key, msg, "opposite_direction"))
                continue
        subject = _another_change(text, n.start, key, evidence) if key in w.keys else None
        if subject is not None:
            msg = f'"{key}%" in {field} is not the change {place} writes for {subject}'
            out.append(FigureIssue(field, key, msg, "change_not_found"))
    return out


def _subject_changes(text: str, pos: int, evidence: str) -> tuple[Reading | None, list[Reading]]:
    """The change a sentence states at `pos` (its reading), and every change the evidence
    writes for the same subject and measure."""
    mine = next((x for x in _text_readings(text) if x.start <= pos < x.end and x.is_change), None)
    if mine is None or mine.direction is None or not mine.subject:
        return None, []
    return mine, [
        x
        for x in _text_readings(evidence)
        if x.is_change
        and x.direction is not None
        and x.measure == mine.measure
        and subject_fit(mine.subject, x.subject, x.context) == "same"
    ]


def _turned(text: str, pos: int, key: str, evidence: str) -> bool:
    """The change a sentence states at `pos` has the opposite direction of every change of
    the same number the evidence writes for the same subject ("地区生产总值下降5%左右" for
    地区生产总值增长5%左右, when 5% is also written for other indicators)."""
    mine, theirs = _subject_changes(text, pos, evidence)
    same = [x for x in theirs if key in reading_numbers((x,))]
    return mine is not None and bool(same) and all(x.direction != mine.direction for x in same)


def _another_change(text: str, pos: int, key: str, evidence: str) -> str | None:
    """The subject of the change a sentence states at `pos` when the evidence writes changes
    for that subject but none of this number ("地区生产总值增长6%左右" for 增长5%左右, when 6%
    is written for another indicator)."""
    mine, theirs = _subject_changes(text, pos, evidence)
    if mine is None or not theirs or any(key in reading_numbers((x,)) for x in theirs):
        return None
    return mine.subject


def _sections(reports: Sequence[Report]) -> list[tuple[Section, tuple[str, ...]]]:
    out: list[tuple[Section, tuple[str, ...]]] = []

    def walk(s: Section, path: tuple[str, ...]) -> None:
        out.append((s, path))
        for c in s.children:
            walk(c, (*path, s.number + s.title))

    for r in reports:
        for part in r.parts:
            walk(part, (r.title or "",))
    return out


def finding_span(
    evidence: Sequence[tuple[int, int]], reports: Sequence[Report], region: tuple[int, int]
) -> Span:
    """The finding's own source span: the top-level item of its part holding its evidence.

    A finding is one top-level item ("(一)…", "1.…"): its figures may come from any of the
    item's sub-items (一是/二是), not only from the one its quotes happen to be in. Evidence
    spread over several items, or in a part without items, gives the part.
    """
    ev = tuple(sorted(evidence))
    if not ev:
        return Span(region[0], region[1], ev)
    lo, hi = ev[0][0], max(b for _, b in ev)
    for r in reports:
        if not r.start <= lo < r.end:
            continue
        for part in r.parts:
            if not (part.start <= lo and hi <= part.end):
                continue
            heading = " ".join((r.title or "", part.number + part.title))
            for item in part.children:
                if item.start <= lo and hi <= item.end:
                    return Span(item.start, item.end, ev, f"{heading} {item.number}{item.title}")
            return Span(part.start, part.end, ev, heading)
        return Span(r.start, r.end, ev, r.title or "")
    return Span(region[0], region[1], ev)


def figure_issues(
    title: str,
    summary: str,
    metrics: Sequence[ExtractedMetric | Metric],
    span: Span,
    clean: CleanText,
) -> list[FigureIssue]:
    """Every problem with the figures a finding states, by THE RULE above."""
    return finding_figures(title, summary, metrics, span, clean)[1]


def finding_figures(
    title: str,
    summary: str,
    metrics: Sequence[ExtractedMetric | Metric],
    span: Span,
    clean: CleanText,
) -> tuple[list[Binding], list[FigureIssue]]:
    """The bindings of a finding's metrics and every problem with the figures it states."""
    # Masked cruft is left out, so a page marker inside a figure ("3\n11、00多亩") does not
    # split it and a page number cannot vouch for a figure.
    haystack = clean.analysed(span.start, span.end)
    readings = span_readings(clean, span.start, span.end)
    near = span.evidence[0][0] if span.evidence else None
    issues: list[FigureIssue] = []
    for where, text in (("title", title), ("summary", summary)):
        issues += _text_issues(text, where, haystack, span.headings)
        issues += _stated_figures(text, where, readings, "its source span")
    bindings: list[Binding] = []
    for i, m in enumerate(metrics):
        b, found = metric_issues(
            m, readings, f"metrics.{i}", near=near, source=(clean, span.start, span.end)
        )
        bindings.append(b)
        issues += found
    first: dict[str, FigureIssue] = {}
    for x in issues:
        first.setdefault(x.message, x)
    return bindings, list(first.values())


_COUNT_UNITS = frozenset({"项", "个", "条", "类", "方面"})


def _stated_figures(
    text: str,
    field: str,
    readings: Sequence[Reading],
    place: str,
    counts: set[str] | None = None,
) -> list[FigureIssue]:
    """Figures a sentence states with the name of what they measure, bound like metrics
    (loosely: only a conflict flags them, never a name in the writer's own words)."""
    out: list[FigureIssue] = []
    for fm in find_metrics(text):
        m = fm.metric
        if counts and m.unit in _COUNT_UNITS and m.value is not None and _key(m.value) in counts:
            continue
        if (
            m.redacted
            or m.value is None
            or m.unit in ("%", "个百分点", "百分点")
            or re.search(r"[^\u4e00-\u9fffA-Za-z]", m.name)
        ):
            continue  # changes are checked for direction; names with figures bind nothing
        b = bind(m.name, m.raw, readings, loose=True)
        if b.reason is not None and b.reason != "not_found":
            msg = f"{field}: " + describe(b, m.raw, m.name, place)
            out.append(FigureIssue(field, m.raw, msg, b.reason))
    return out


def overview_issues(
    overview: str, report_text: str, counts: Sequence[int] = ()
) -> list[FigureIssue]:
    """Figures of an overview absent from its report, turned around, or bound elsewhere.

    `counts` are the numbers of the report's own findings per kind: an overview may count
    them ("6项成绩、4个问题"); they are the summary's numbers, not the source's.
    """
    own = " ".join(f"{n}项" for n in counts)
    issues = _text_issues(overview, "overview", report_text, own, place="the report")
    issues += _stated_figures(
        overview, "overview", _text_readings(report_text), "the report", {str(n) for n in counts}
    )
    first: dict[str, FigureIssue] = {}
    for x in issues:
        first.setdefault(x.message, x)
    return list(first.values())


def overview_problems(overview: str, report_text: str, counts: Sequence[int] = ()) -> list[str]:
    """The messages of `overview_issues`."""
    return [x.message for x in overview_issues(overview, report_text, counts)]


@dataclass(frozen=True)
class DocumentIssue:
    """A figure of a written summary that its source does not bear out."""

    report: int
    path: tuple[str | int, ...]  # ("achievements", 2, "summary"), ("key_metrics", 0), ("overview",)
    label: str  # the finding's title, or "" for key metrics and the overview
    issue: FigureIssue


def _field_path(field: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in field.split("."))


def document_issues(
    doc: SummaryDocument, clean: CleanText, reports: Sequence[Report]
) -> list[DocumentIssue]:
    """Re-ground every figure a summary states (findings verified or not, their metrics, key
    metrics, overview) by THE RULE: what `check` and `eval` report, as `summarize` does."""
    return document_bindings(doc, clean, reports)[0]


MetricPath = tuple[int, tuple[str | int, ...]]


def document_bindings(
    doc: SummaryDocument, clean: CleanText, reports: Sequence[Report]
) -> tuple[list[DocumentIssue], dict[MetricPath, Binding]]:
    """`document_issues` and the binding of every metric (by report and path), for `check`
    to re-derive each metric's fields from the source."""
    out: list[DocumentIssue] = []
    bound: dict[MetricPath, Binding] = {}
    text = clean.text
    for r, rep in enumerate(doc.reports):
        mine = [x for x in reports if x.index == r]
        region = (mine[0].start, mine[0].end) if mine else (0, len(text))
        whole = clean.analysed(*region)
        readings = span_readings(clean, *region)
        for i, km in enumerate(rep.key_metrics):
            b, found = metric_issues(
                km, readings, f"key_metrics.{i}", "the report", source=(clean, *region)
            )
            bound[(r, ("key_metrics", i))] = b
            for x in found:
                out.append(DocumentIssue(r, ("key_metrics", i), "", x))
        for i, om in enumerate(rep.overview_figures):
            # Derived again by `check`; their figures are the overview's, checked below.
            stated = ExtractedMetric(name=om.name, raw=om.raw, change_pct=None, kind=om.kind)
            ob = bind(stated.name, stated.raw, readings, loose=True)
            bound[(r, ("overview_figures", i))] = ob if ob.ok else Binding(None)
        counts = [len(fs) for _, _, fs in finding_lists(rep)]
        for x in overview_issues(rep.overview, whole, counts):
            out.append(DocumentIssue(r, ("overview",), "", x))
        for _, _, fld, i, f in findings_of(rep):
            located = [
                (e.start, e.end)
                for e in f.evidence
                if e.start is not None and e.end is not None and text[e.start : e.end] == e.quote
            ]
            span = finding_span(located, mine, region)
            bindings, issues = finding_figures(f.title, f.summary, f.metrics, span, clean)
            for k, b in enumerate(bindings):
                bound[(r, (fld, i, "metrics", k))] = b
            for x in issues:
                out.append(DocumentIssue(r, (fld, i, *_field_path(x.field)), f.title, x))
    return out, bound


def overview_figures(
    overview: str, clean: CleanText, reports: Sequence[Report], index: int
) -> list[Metric]:
    """The figures an overview states, each with what the source figure it restates says
    (its reading, offsets and sentence), read from the overview by the one reading."""
    mine = [r for r in reports if r.index == index]
    region = (mine[0].start, mine[0].end) if mine else (0, len(clean.text))
    readings = span_readings(clean, *region)
    out: list[Metric] = []
    for fm in find_metrics(overview):
        m = fm.metric
        b = bind(m.name, m.raw, readings, loose=True)
        stated = ExtractedMetric(name=m.name, raw=m.raw, change_pct=None, kind=m.kind)
        out.append(to_metric(stated, b if b.ok else None, clean))
    return out


def to_metric(
    extracted: ExtractedMetric | Metric,
    binding: Binding | None = None,
    clean: CleanText | None = None,
    *,
    plan: bool = False,
) -> Metric:
    """A `schema.Metric`: value, unit and redaction from the raw figure; measure, change,
    direction, qualifier, period, subject, offsets and evidence from the reading it is bound
    to (the figure as the source writes it, not as the model names it)."""
    reading = binding.reading if binding is not None else None
    return derive_metric(extracted, reading, clean, plan=plan)


def derive_metric(
    m: ExtractedMetric | Metric,
    x: Reading | None,
    clean: CleanText | None = None,
    *,
    plan: bool = False,
) -> Metric:
    """The metric's derived fields, from its raw figure and the reading it is bound to: what
    `summarize` writes and what `check` derives again. A plan's figures are targets; others
    are targets when the source writes them as one (计划, 力争, 目标 ...)."""
    fig = parse_figure(m.raw)
    change = m.change_pct if m.change_pct is not None else fig.change
    value = fig.value
    unit = fig.unit
    if fig.redacted and m.change_pct is None:
        change = None
    fields: dict[str, object] = {}
    if x is not None:
        # The change is the source's: a growth's own signed number (never a level), or the
        # growth the source writes after a level.
        change = x.change
        if x.is_change:
            value = None
            unit = unit or x.unit
        evidence = None
        if clean is not None:
            s, e = x.sentence
            evidence = Evidence(quote=clean.text[s:e], start=s, end=e)
        fields = {
            "measure": x.measure,
            "direction": x.direction if x.direction is not None else direction_of(change),
            "qualifier": x.qualifier or _qualifier_of(fig.qualifier),
            "high": x.high if x.high is not None else fig.high,
            "period": x.period.text if x.period is not None else None,
            "base_year": x.base_year,
            "subject": x.subject or None,
            "start": x.start,
            "end": x.end,
            "evidence": evidence,
        }
    else:
        fields = {"direction": direction_of(change), "qualifier": _qualifier_of(fig.qualifier)}
        if fig.value is None and fig.change is not None and not fig.redacted:
            fields["measure"] = "growth"
    return Metric(
        name=m.name,
        raw=m.raw,
        value=value,
        unit=unit,
        change_pct=change,
        kind=_kind(m, x, clean, plan),
        redacted=fig.redacted,
        **fields,  # type: ignore[arg-type]
    )


def _kind(
    m: ExtractedMetric | Metric, x: Reading | None, clean: CleanText | None, plan: bool
) -> MetricKind:
    """Target or actual, from the reading and the finding's part (lexicon/reading.py)."""
    if x is None or clean is None:
        return "target" if plan else m.kind
    lead = clean.analysed(x.sentence[0], x.start)
    return kind_in_part(x.kind, lead, plan)


_QUALIFIER_OF: dict[str, Qualifier] = {
    "约": "about",
    "左右": "about",
    "近": "nearly",
    "超": "over",
    "超过": "over",
    "逾": "over",
    "突破": "over",
    "以上": "at_least",
    "以内": "at_most",
    "余": "plus",
    "多": "plus",
}


def _qualifier_of(word: str | None) -> Qualifier | None:
    return _QUALIFIER_OF.get(word) if word else None


def _occurrences(text: str, needle: str, lo: int, hi: int) -> list[int]:
    out: list[int] = []
    at = text.find(needle, lo, hi)
    while at >= 0 and len(out) < 50:
        out.append(at)
        at = text.find(needle, at + 1, hi)
    return out


def _innermost(sections: list[tuple[Section, tuple[str, ...]]], pos: int) -> Section | None:
    best: Section | None = None
    for sec, _ in sections:
        if sec.start <= pos < sec.end and (
            best is None or sec.end - sec.start < best.end - best.start
        ):
            best = sec
    return best


def _heading_score(
    sections: list[tuple[Section, tuple[str, ...]]], text: str, pos: int, label: set[str]
) -> int:
    """How many character pairs the heading of the section holding `pos` shares with a label."""
    sec = _innermost(sections, pos)
    if sec is None:
        return 0
    return len(_pairs(name_form(text[sec.start : sec.heading_end])) & label)


def _align_all(
    extracted: ExtractedFinding, chunk: Chunk, clean: CleanText, reports: Sequence[Report]
) -> dict[int, Alignment | None]:
    """Align every quote; a quote written several times goes inside its own item's span.

    Quotes written once fix the item (the smallest section holding them); a repeated one is
    placed in that item, else next to them. When every quote repeats, the occurrence whose
    section heading reads most like the finding's title and summary wins.
    """
    text = clean.text
    region = (chunk.start, chunk.end)
    aligned: dict[int, Alignment | None] = {}
    repeated: dict[int, list[int]] = {}
    for i, quote in enumerate(extracted.quotes):
        q = quote.strip()
        occ = _occurrences(text, q, chunk.start, chunk.end) if q else []
        if len(occ) > 1:
            repeated[i] = occ
        else:
            aligned[i] = align_quote(quote, clean, region)
    if not repeated:
        return aligned
    fixed = [(a.start, a.end) for a in aligned.values() if a is not None]
    sections = _sections(reports)
    for i, occ in repeated.items():
        n = len(extracted.quotes[i].strip())
        if fixed:
            span = finding_span(fixed, reports, region)
            inside = [o for o in occ if span.start <= o and o + n <= span.end]
            near = fixed[0][0]
            at = inside[0] if inside else min(occ, key=lambda o: abs(o - near))
        else:
            label = _pairs(name_form(extracted.title + extracted.summary))
            # max keeps the first of equal scores
            at = max(occ, key=lambda o: _heading_score(sections, text, o, label))
        aligned[i] = Alignment(at, at + n, "exact", 100.0)
    return aligned


def ground_finding(
    extracted: ExtractedFinding,
    chunk: Chunk,
    clean: CleanText,
    reports: Sequence[Report] = (),
) -> tuple[Finding, list[str]]:
    """Align the finding's quotes, check its figures by THE RULE; warnings name problems.

    `reports` are the file's section trees (the finding's own span is found there); without
    them the chunk is the span.
    """
    title = extracted.title
    warnings: list[str] = []
    ok = True
    evidence: list[Evidence] = []
    mine = [r for r in reports if r.index == chunk.report]
    aligned = _align_all(extracted, chunk, clean, mine)
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
        ev = Evidence(quote=clean.text[al.start : al.end], start=al.start, end=al.end)
        if ev not in evidence:
            evidence.append(ev)
    if not evidence:
        warnings.append(f"{title}: no evidence quoted")
        ok = False

    located = [(e.start, e.end) for e in evidence if e.start is not None and e.end is not None]
    span = finding_span(located, mine, (chunk.start, chunk.end))
    # The breadcrumb's headings ("一、2023年工作总结") are the finding's context too.
    span = replace(span, headings=" ".join((span.headings, *chunk.path)))
    bindings, issues = finding_figures(
        extracted.title, extracted.summary, extracted.metrics, span, clean
    )
    problems = [x.message for x in issues]
    warnings.extend(f"{title}: {p}" for p in problems)
    ok = ok and not problems

    finding = Finding(
        title=extracted.title,
        summary=extracted.summary,
        topic=extracted.topic,
        metrics=[
            to_metric(m, b, clean, plan=extracted.kind == "plan")
            for m, b in zip(extracted.metrics, bindings, strict=True)
        ],
        entities=list(dict.fromkeys(e for e in extracted.entities if e.strip())),
        evidence=evidence,
        verified=ok,
    )
    return finding, warnings


def report_text(clean: CleanText, reports: Sequence[Report], index: int) -> str:
    """The analysed text of one report (masked cruft left out), or of the whole file."""
    # Reports are numbered by position: look there first (a file may hold thousands).
    if 0 <= index < len(reports) and reports[index].index == index:
        r = reports[index]
        return clean.analysed(r.start, r.end)
    for r in reports:
        if r.index == index:
            return clean.analysed(r.start, r.end)
    return clean.analysed(0, len(clean.text))


def ground_metrics(
    metrics: list[ExtractedMetric],
    chunk: Chunk,
    clean: CleanText | None = None,
    reports: Sequence[Report] = (),
) -> tuple[list[Metric], list[str]]:
    """Key metrics bound in their report (or the chunk); the others are dropped with a warning."""
    source: tuple[CleanText, int, int] | None = None
    if clean is None:
        readings: Sequence[Reading] = _text_readings(chunk.text)
    else:
        # Reports are numbered by position (a file may hold thousands): look there first.
        i = chunk.report
        if 0 <= i < len(reports) and reports[i].index == i:
            mine = [reports[i]]
        else:
            mine = [r for r in reports if r.index == i]
        region = (mine[0].start, mine[0].end) if mine else (0, len(clean.text))
        readings = span_readings(clean, *region)
        source = (clean, *region)
    kept: list[Metric] = []
    warnings: list[str] = []
    for i, m in enumerate(metrics):
        if not numbers_in(m.raw) and not is_redacted(m.raw):
            warnings.append(f'key metric {m.name} "{m.raw}" dropped: no figure')
            continue
        b, issues = metric_issues(m, readings, f"key_metrics.{i}", "the report", source=source)
        if issues:
            warnings.append(f'key metric {m.name} "{m.raw}" dropped: {issues[0].message}')
            continue
        kept.append(to_metric(m, b, clean))
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
