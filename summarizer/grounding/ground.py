"""Grounding: align a backend's quotes to the source and check its numbers.

In: `ExtractedFinding` / `ExtractedMetric` from a backend, the `Chunk` they came from and
the file's `CleanText`. Out: `schema.Finding` / `schema.Metric` with evidence offsets into
the source text, `verified`, and short warnings.

A quote is aligned exactly (chunk region, then the whole text), then ignoring whitespace,
character width and masked spans (a quote that skips a page marker still aligns), then by
the best fuzzy window in the region; a quote written several times goes inside its own
item. Every figure a finding, key metric or overview states is checked by THE RULE below
(one rule for summarize, check and eval): written in the finding's own span, next to the
name of what it measures, with the direction the source gives it; a figure the source
redacts stays redacted. `document_issues` applies the same rule to a written summary.
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
    SummaryDocument,
    finding_lists,
    findings_of,
)
from summarizer.lexicon.figures import find_metrics, is_redacted, parse_figure
from summarizer.lexicon.numerals import (
    CLAUSE_END,
    SENTENCE_END,
    Number,
    canonical,
    find_numbers,
    numbers_in,
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


@dataclass(frozen=True)
class _Normalized:
    """A normalised text and, for each of its characters, the source offset it came from."""

    text: str
    index: array[int]  # an array, not a tuple: 4 bytes an entry instead of about 36


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
    index: array[int] = array("i")  # 4 bytes an offset: texts stay under 2**31 characters
    pos = 0
    for m in _NORMAL_RUN.finditer(text):
        start, end = m.span()
        if start > pos:
            _normalize_chars(text, pos, start, base, parts, index)
        parts.append(m.group().lower())
        index.extend(range(base + start, base + end))
        pos = end
    if pos < len(text):
        _normalize_chars(text, pos, len(text), base, parts, index)
    return _Normalized("".join(parts), index)


def _normalize_chars(
    text: str, lo: int, hi: int, base: int, parts: list[str], index: array[int]
) -> None:
    for i in range(lo, hi):
        for c in _norm_char(text[i]):
            parts.append(c)
            index.append(base + i)


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
#   summary states with a name (规上工业总产值37.59亿元) must have that name in the
#   source sentence that holds the figure.
# - Every metric's figure must occur in the span next to its name: the words of its clause
#   before it (the clause before too when this one holds only connectives, the whole list
#   before 分别) or the counted noun after it contain the name, its last four characters,
#   or share at least half its character pairs (synonyms such as 规上/规模以上 unified,
#   bracketed notes dropped); or the source's clause is the end of the name. Its
#   change_pct must follow that figure in the same sentence, its verb with the same sign
#   (增长/提高/上升 +, 下降/减少/回落 -). A value for a figure the span has only
#   redacted is a guess.
# - Key metrics follow the metric rule with their report as the span; the overview's
#   figures follow the summary rule with its report as the span (counts of the report's
#   own findings, "6项成绩", are the summary's numbers).
# - Numbers compare by value (numbers.py: 一百二十 = 120, 1,200 = 1200, 16.20 = 16.2);
#   masked cruft is left out of every haystack (a page number vouches for nothing, and one
#   inserted inside a figure does not split it).


@dataclass(frozen=True)
class Span:
    """Where a finding's figures must come from: its own span (and the evidence that fixed it)."""

    start: int
    end: int
    evidence: tuple[tuple[int, int], ...]
    headings: str = ""  # headings above the span, whose numbers (years) are context


#: Words an indicator is written with in different reports; each pair maps to one form.
NAME_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("规模以上", "规上"),
    ("限额以上", "限上"),
    ("固定资产投资", "固投"),
    ("社会消费品零售总额", "社零额"),
    ("高新技术企业", "高企"),
    ("一般公共预算收入", "一般预算收入"),
    ("地方一般预算收入", "一般预算收入"),
    ("实际利用外资", "实际外资"),
    ("实到外资", "实际外资"),
    ("进出口总额", "进出口"),
    ("外贸进出口", "进出口"),
    ("主营业务收入", "营业收入"),
    ("营收", "营业收入"),
)
_NAME_JUNK = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]")
_NAME_LEAD = re.compile(r"^(?:全年|全区|园区|开发区|累计|共|新增|实现|完成|其中)+")
_DIRECTION = re.compile(
    rf"(?P<verb>{alternation(CHANGE_WORDS)})" r"(?:了|达到|达|为|约|近|超)*\s*-?$"
)
_NEGATIVE = frozenset(FALL_VERBS)
_WINDOW = 40  # characters before a figure that may hold its name


_BRACKETED = re.compile(r"[(（][^()（）]{0,12}[)）]")


def name_form(name: str) -> str:
    """A name with synonyms unified, bracketed notes, punctuation and leading verbs dropped."""
    out = _NAME_JUNK.sub("", _BRACKETED.sub("", name))
    for long, short in NAME_SYNONYMS:
        out = out.replace(long, short)
    return _NAME_LEAD.sub("", out) or out


def _pairs(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


def name_bound(name: str, window: str) -> bool:
    """True when `window` (the words around a figure) names what `name` names."""
    n = name_form(name)
    if not n:
        return True
    before, _, after = window.partition(" ")
    w = name_form(window)
    # Names end in their head noun: "环保管家检查企业" is bound by "检查企业101家", and a
    # model's longer name by the source's short one ("…建设项目,总投资38.1亿元").
    core = re.sub(r"[0-9.]+", "", name_form(before))
    if n in w or (len(n) > 4 and n[-4:] in w) or (len(core) >= 2 and n.endswith(core)):
        return True
    pairs = _pairs(n)
    return len(pairs & _pairs(w)) * 2 >= len(pairs)


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


def _sentence_bounds(w: _Written, a: int, b: int) -> tuple[int, int]:
    i = bisect.bisect_right(w.sentence_starts, a)
    start = w.sentence_starts[i - 1] if i else 0
    j = bisect.bisect_right(w.sentence_starts, b)
    end = w.sentence_starts[j] - 1 if j < len(w.sentence_starts) else len(w.text)
    return start, end


_CONNECTIVE = re.compile(
    r"^(?:由原来的|由|从|增加至|增加到|增至|提高到|提高至|达到|达|为|共|约|近|超|其中|分别|同比|比上年)+$"
)


def _window(w: _Written, k: int) -> str:
    """The words that may name the k-th number: its clause up to it (the one before too when
    it holds only connectives, the whole list before 分别), and the rest of its clause."""
    n = w.numbers[k]
    s_start, _ = _sentence_bounds(w, n.start, n.start)
    floor = max(s_start, n.start - _WINDOW)
    lo = n.start
    for _ in range(3):
        c = _last_name_end(w.text, floor, lo - 1 if lo < n.start else lo)
        lo = c + 1 if c >= 0 else floor
        words = _NAME_JUNK.sub("", w.text[lo : n.start])
        words = re.sub(r"[0-9.]+|[亿万元个家%]", "", words)
        if lo <= floor or (len(words) >= 2 and not _CONNECTIVE.match(words)):
            break
    if "分别" in w.text[lo : n.start]:
        lo = floor
    clause = CLAUSE_END.search(w.text, n.end, n.end + 20)
    hi = clause.start() if clause else min(len(w.text), n.end + 20)
    return w.text[lo : n.start] + " " + w.text[n.end : hi]


# Where a name stops, looking back from its figure: quotes and brackets are part of names
# ("“财园信贷通”", "出让（含腾笼换鸟）土地"); list commas are not ("下升上11家、小升规28家").
_NAME_STOP = frozenset("，,；;。：:、！!？?\n")


def _last_name_end(text: str, lo: int, hi: int) -> int:
    """Position of the last name boundary in text[lo:hi], or -1."""
    for i in range(hi - 1, lo - 1, -1):
        if text[i] in _NAME_STOP:
            return i
    return -1


def _sentence_of(w: _Written, k: int) -> str:
    n = w.numbers[k]
    s_start, s_end = _sentence_bounds(w, n.start, n.end)
    return w.text[s_start:s_end]


def _change_window(w: _Written, k: int) -> str:
    """The words before a change: its figure and the figure's name come first."""
    n = w.numbers[k]
    s_start, _ = _sentence_bounds(w, n.start, n.start)
    return w.text[max(s_start, n.start - _WINDOW) : n.start] + " "


def _direction_before(text: str, pos: int) -> int:
    """+1 / -1 when a growth or decline verb stands right before `pos`, else 0."""
    m = _DIRECTION.search(text[max(0, pos - 10) : pos])
    if m is None:
        return 0
    return -1 if m.group("verb") in _NEGATIVE else 1


def _changes_after(w: _Written, k: int) -> list[tuple[str, int]]:
    """Signed changes written after the k-th number in its sentence: (abs key, direction)."""
    n = w.numbers[k]
    _, s_end = _sentence_bounds(w, n.end, n.end)
    out: list[tuple[str, int]] = []
    for m in w.numbers[k + 1 :]:
        if m.start >= s_end:
            break
        neg = m.start > 0 and w.text[m.start - 1] == "-"
        d = _direction_before(w.text, m.start - (1 if neg else 0))
        out.append((canonical(m.value), -d if neg else d))
    return out


def _key(value: float) -> str:
    return canonical(Decimal(repr(abs(value))))


def metric_problems(
    metric: ExtractedMetric | Metric,
    haystack: str,
    where: str = "its source span",
    *,
    loose: bool = False,
) -> list[str]:
    """What is wrong with one metric against the text it must come from (empty when bound).

    `loose` binds a figure to its name anywhere in the figure's sentence: for figures a
    summary or overview states, whose names are read from a model's own wording.
    """
    w = _written(haystack)
    window = _sentence_of if loose else _window
    name = metric.name
    problems: list[str] = []
    fig = parse_figure(metric.raw)
    raw_numbers = numbers_in(metric.raw)
    change = metric.change_pct if metric.change_pct is not None else fig.change
    if fig.value is None and fig.change is not None and not fig.redacted:
        # A change on its own ("下降9.29%"): the change is the figure to bind.
        raw_numbers = []
    for n in raw_numbers[1:]:
        if n not in w.keys:
            problems.append(f'number "{n}" in metric {name} not found in {where}')
    bound: list[int] = []
    if raw_numbers:
        first = raw_numbers[0]
        at = [k for k, n in enumerate(w.numbers) if canonical(n.value) == first]
        if not at:
            problems.insert(0, f'number "{first}" in metric {name} not found in {where}')
        else:
            bound = [k for k in at if name_bound(name, window(w, k))]
            if not bound:
                problems.insert(0, f'figure "{metric.raw}" is not next to {name} in {where}')
    if change is not None:
        c = _key(change)
        sign = -1 if change < 0 else 1
        if bound:
            seen = [d for k in bound for n, d in _changes_after(w, k) if n == c]
        elif raw_numbers:
            seen = [] if problems else [0]
        else:
            # A change without a value: bound to the name like a figure.
            at = [k for k, n in enumerate(w.numbers) if canonical(n.value) == c]
            near = [k for k in at if name_bound(name, _change_window(w, k))]
            seen = [_direction_before(w.text, w.numbers[k].start) for k in near]
            if not at:
                seen = []
        if not seen and not problems:
            problems.append(f'change "{c}%" of metric {name} not found next to its figure')
        elif seen and all(d == -sign for d in seen):
            said = direction_word(falls=sign >= 0)
            problems.append(
                f"change of metric {name} has the wrong direction: the source says {said}"
            )
    if not fig.redacted and raw_numbers:
        redacted = _redacted_names(haystack)
        if name in redacted:
            guessed = redacted[name]
        else:
            similar = [v for n, v in redacted.items() if _same_name(n, name)]
            guessed = bool(similar) and all(similar)
        if guessed:
            problems.append(f'metric {name} gives "{metric.raw}" but the source figure is redacted')
    return problems


def text_problems(
    text: str, where: str, evidence: str, context: str = "", place: str = "its source span"
) -> list[str]:
    """Numbers of a title, summary or overview absent from its evidence, or turned around."""
    w = _written(evidence)
    known = w.keys | set(numbers_in(context))
    problems: list[str] = []
    for n in find_numbers(text):
        key = canonical(n.value)
        if key not in known:
            problems.append(f'number "{key}" in {where} not found in {place}')
            continue
        d = _direction_before(text, n.start)
        if d and key in w.keys:
            seen = [
                _direction_before(w.text, m.start) for m in w.numbers if canonical(m.value) == key
            ]
            if seen and all(s == -d for s in seen):
                said = direction_word(falls=d >= 0)
                problems.append(
                    f'"{key}%" in {where} has the wrong direction: the source says {said}'
                )
    return problems


@lru_cache(maxsize=64)
def _redacted_names(text: str) -> dict[str, bool]:
    """Metric name → whether every figure of that name in the text is redacted."""
    seen: dict[str, bool] = {}
    for fm in find_metrics(text):
        name = fm.metric.name
        seen[name] = seen.get(name, True) and fm.metric.redacted
    return seen


def _same_name(a: str, b: str) -> bool:
    return a == b or (len(a) >= 2 and len(b) >= 2 and (a in b or b in a))


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


@dataclass(frozen=True)
class FigureIssue:
    """One figure that does not hold: which field states it, the figure, and why."""

    field: str  # "title", "summary", "metrics.2", "key_metrics.0", "overview"
    figure: str  # the number or the raw figure
    message: str


_QUOTED = re.compile(r'"([^"]+)"')


def _issues(field: str, messages: list[str], default: str) -> list[FigureIssue]:
    out: list[FigureIssue] = []
    for msg in messages:
        m = _QUOTED.search(msg)
        out.append(FigureIssue(field, m.group(1).rstrip("%") if m else default, msg))
    return out


def figure_issues(
    title: str,
    summary: str,
    metrics: Sequence[ExtractedMetric | Metric],
    span: Span,
    clean: CleanText,
) -> list[FigureIssue]:
    """Every problem with the figures a finding states, by THE RULE above."""
    # Masked cruft is left out, so a page marker inside a figure ("3\n11、00多亩") does not
    # split it and a page number cannot vouch for a figure.
    haystack = clean.analysed(span.start, span.end)
    issues: list[FigureIssue] = []
    for where, text in (("title", title), ("summary", summary)):
        found = text_problems(text, where, haystack, span.headings)
        found += _stated_figures(text, where, haystack, "its source span")
        issues.extend(_issues(where, found, ""))
    for i, m in enumerate(metrics):
        issues.extend(_issues(f"metrics.{i}", metric_problems(m, haystack), m.raw))
    first: dict[str, FigureIssue] = {}
    for x in issues:
        first.setdefault(x.message, x)
    return list(first.values())


_COUNT_UNITS = frozenset({"项", "个", "条", "类", "方面"})


def _stated_figures(
    text: str, where: str, haystack: str, place: str, counts: set[str] | None = None
) -> list[str]:
    """Figures a sentence states with the name of what they measure, bound like metrics."""
    out: list[str] = []
    for fm in find_metrics(text):
        m = fm.metric
        if counts and m.unit in _COUNT_UNITS and m.value is not None and _key(m.value) in counts:
            continue
        if (
            m.redacted
            or m.unit in ("%", "个百分点", "百分点")
            or _NAME_JUNK.sub("", m.name) != m.name
        ):
            continue  # changes are checked for direction; names with figures bind nothing
        out.extend(
            f"{where}: {p}"
            for p in metric_problems(m, haystack, place, loose=True)
            if "is not next to" in p
        )
    return out


def overview_problems(overview: str, report_text: str, counts: Sequence[int] = ()) -> list[str]:
    """Figures of an overview absent from its report, turned around, or bound elsewhere.

    `counts` are the numbers of the report's own findings per kind: an overview may count
    them ("6项成绩、4个问题"); they are the summary's numbers, not the source's.
    """
    own = " ".join(f"{n}项" for n in counts)
    problems = text_problems(overview, "overview", report_text, own, place="the report")
    problems.extend(
        _stated_figures(overview, "overview", report_text, "the report", {str(n) for n in counts})
    )
    return list(dict.fromkeys(problems))


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
    out: list[DocumentIssue] = []
    text = clean.text
    for r, rep in enumerate(doc.reports):
        mine = [x for x in reports if x.index == r]
        region = (mine[0].start, mine[0].end) if mine else (0, len(text))
        whole = clean.analysed(*region)
        for i, km in enumerate(rep.key_metrics):
            for msg in metric_problems(km, whole, "the report"):
                out.append(DocumentIssue(r, ("key_metrics", i), "", _issues("", [msg], km.raw)[0]))
        counts = [len(fs) for _, _, fs in finding_lists(rep)]
        for x in _issues("overview", overview_problems(rep.overview, whole, counts), ""):
            out.append(DocumentIssue(r, ("overview",), "", x))
        for _, _, fld, i, f in findings_of(rep):
            located = [
                (e.start, e.end)
                for e in f.evidence
                if e.start is not None and e.end is not None and text[e.start : e.end] == e.quote
            ]
            span = finding_span(located, mine, region)
            for x in figure_issues(f.title, f.summary, f.metrics, span, clean):
                out.append(DocumentIssue(r, (fld, i, *_field_path(x.field)), f.title, x))
    return out


def to_metric(extracted: ExtractedMetric) -> Metric:
    """A `schema.Metric` with value, unit and redaction computed from the raw figure."""
    fig = parse_figure(extracted.raw)
    change = extracted.change_pct if extracted.change_pct is not None else fig.change
    return Metric(
        name=extracted.name,
        raw=extracted.raw,
        value=fig.value,
        unit=fig.unit,
        change_pct=None if fig.redacted and extracted.change_pct is None else change,
        kind=extracted.kind,
        redacted=fig.redacted,
    )


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
    problems = [
        x.message
        for x in figure_issues(extracted.title, extracted.summary, extracted.metrics, span, clean)
    ]
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
    haystack = report_text(clean, reports, chunk.report) if clean is not None else chunk.text
    kept: list[Metric] = []
    warnings: list[str] = []
    for m in metrics:
        if not numbers_in(m.raw) and not is_redacted(m.raw):
            warnings.append(f'key metric {m.name} "{m.raw}" dropped: no figure')
            continue
        problems = metric_problems(m, haystack, "the report")
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
