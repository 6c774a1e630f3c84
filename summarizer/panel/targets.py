"""Targets and outcomes read from a report's own text, as a careful reader reads them.

In: the decoded source text of a report, the year it plans or reviews, the `Dictionary`.
Out: `Stated` figures of standard indicators with their offsets, through the project's one
figure reading (`lexicon.reading`).

- Targets: the paragraph that states the year's main targets (主要预期目标, 主要目标是) in the
  part that plans the year; never a five-year plan's targets (“十五五”, 到2030年).
- Outcomes: the part that reviews the year (the first top-level part, up to the second). A
  figure of a five-year stretch (年均, 累计, 过去五年, 从…提高到…) is never a year's outcome;
  paragraphs that review the five years are skipped as a whole. The first figure of the year
  wins: the review opens with the report's headline figures, items come after.

`track` uses these where the source file is there (checked by SHA-256) and falls back to the
outputs' metrics otherwise.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from summarizer.lexicon.reading import Reading, read_figures
from summarizer.lexicon.words import (
    COLONS,
    COMMA,
    COMMAS,
    FULL_STOPS,
    PRICE_RATE_NOUN,
    SENTENCE_END_CHARS,
    char_class,
    direction_word,
)
from summarizer.panel.dictionary import STRETCH, Dictionary, Indicator
from summarizer.panel.rows import Output

Measure = Literal["level", "growth", "points"]
Bound = Literal["at_least", "about", "at_most", "range"]

# A top-level heading: 一、…, on its own line and short.
_TOP_HEADING = re.compile(
    r"(?m)^[ \t　]*(?P<n>[一二三四五六七八九十]{1,2})、(?P<title>[^\n]{0,60})$"
)
# A target listed on a line of its own; （一）… lines are the year's tasks, not targets.
_LIST_LINE = re.compile(r"\s*(?:——|—)")
_REVIEW_HEADING = re.compile(r"回顾|成就|总结|主要工作|工作情况|过去")
_TARGET_HEAD = re.compile(r"主要预期目标|主要目标是|主要目标为|预期目标是|预期目标为")
# A five-year plan's targets: “十五五”时期的主要目标, 到2030年…, 今后五年; not a year's
# sentence that names the plan in passing (2025年是“十四五”规划收官之年，主要预期目标是…).
_FIVE_YEAR_TARGET = re.compile(r"十[四五]五”?(?:时期|期间)|到20\d\d年|今后五年|未来五年")
# A paragraph that reviews the five-year stretch, from its first words.
_FIVE_YEAR_CUE = re.compile(r"过去五年|五年来|五年间|五年里|十四五”?(?:时期|期间|以来)|这五年")
_YEAR_CUE = re.compile(r"(?:19|20)\d{2}年(?![底末]|以来)|过去一年|一年来|刚刚过去的")
_RANGE_JOIN = re.compile(r"^\s*[-—–~～至到]\s*$")
# A comparison with another place or year is not the figure itself (高于全国0.4个百分点).
_COMPARISON = re.compile(r"高于|低于|快于|慢于|超出|领先|居全国|全国第|排名")
# Figure words of the stretch, in the sentence before the figure.


# Where a figure's clause starts, and where a name's list item ends (、 too).
_CLAUSE_BOUNDS = COMMA + SENTENCE_END_CHARS + COLONS + "\n"
_NAME_BOUNDS = COMMAS + SENTENCE_END_CHARS + COLONS + "\n"


@dataclass(frozen=True)
class Stated:
    """One figure of a standard indicator as a report states it."""

    indicator: Indicator
    measure: Measure
    value: float  # a level in its unit as written; a growth/points change, signed
    unit: str | None
    bound: Bound | None
    high: float | None  # the upper end of a range
    raw: str  # the phrase: 增长5%左右, 5.2万亿元
    start: int  # the figure's offsets in the source
    end: int
    quote: str  # its clause
    quote_start: int
    scope: str | None = None  # the flagged statistical scope it is written under
    sentence: str = ""  # its whole sentence
    relative_to: str | None = (
        None  # 与经济增长同步: the indicator whose growth it must keep up with
    )


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    pos = start
    for line in text[start:end].split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def target_span(text: str) -> tuple[int, int] | None:
    """The paragraph stating the year's main targets (with the next line when the heading
    stands alone: 主要预期目标\\n是：…); None when the report has none."""
    best: tuple[int, int] | None = None
    for m in _TARGET_HEAD.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        before = text[max(start, m.start() - 30) : m.start()]
        sentence = re.split(char_class(FULL_STOPS), before)[-1]
        if _FIVE_YEAR_TARGET.search(sentence):
            continue  # “十五五”时期的主要目标: a five-year plan's
        if end - m.end() < 12:  # the heading alone: the targets follow on the next line
            nxt = text.find("\n", end + 1)
            end = len(text) if nxt < 0 else nxt
        while True:  # targets listed one a line: ——地区生产总值增长5%左右；
            nxt = text.find("\n", end + 1)
            line = text[end + 1 : len(text) if nxt < 0 else nxt]
            if not _LIST_LINE.match(line):
                break
            end = len(text) if nxt < 0 else nxt
        best = (start, end)
        if re.search(r"今年|\d{4}年", before) or "今年" in text[start : m.start()]:
            return best
    return best


def review_span(text: str) -> tuple[int, int] | None:
    """The part that reviews the year: the first top-level part when its heading says so
    (一、2025年工作回顾) up to the next; else the text before the first top-level heading or the
    target paragraph, when there is one; None when the review cannot be told from the plans."""
    heads = list(_TOP_HEADING.finditer(text))
    first = next((h for h in heads if h.group("n") == "一"), None)
    if first is not None and _REVIEW_HEADING.search(first.group("title")):
        second = next(
            (h for h in heads if h.start() > first.start() and h.group("n") == "二"), None
        )
        return first.end(), (second.start() if second else len(text))
    ends = [h.start() for h in heads[:1]]
    target = target_span(text)
    if target is not None:
        ends.append(target[0])
    return (0, min(ends)) if ends else None


# Targets stated as keeping pace with another series, not as a figure: (pattern, the
# indicator id of the subject, the indicator id it keeps pace with).
IN_STEP: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(
            r"(?:城乡)?居民(?:人均可支配)?收入增[长速](?:与|和|同)(?:经济|地区生产总值|国内生产总值)"
            r"增[长速](?:保持)?(?:基本)?同步"
        ),
        "disposable_income",
        "gdp",
    ),
)


def read_targets(text: str, d: Dictionary) -> list[Stated]:
    """The figures of the target paragraph, one per indicator and measure, in order, and the
    targets it states as keeping pace (居民收入增长和经济增长同步)."""
    span = target_span(text)
    if span is None:
        return []
    out = _stated(text, span[0], span[1], d, targets=True)
    for pattern, subject, other in IN_STEP:
        m = pattern.search(text, span[0], span[1])
        ind = d.indicators.get(subject)
        if m is None or ind is None or any(t.indicator.id == subject for t in out):
            continue
        out.append(
            Stated(
                indicator=ind, measure="growth", value=0.0, unit="%", bound="about", high=None,
                raw=m.group(), start=m.start(), end=m.end(), quote=m.group(),
                quote_start=m.start(), relative_to=other,
            )
        )  # fmt: skip
    return out


def states_in_step(text: str, indicator_id: str) -> re.Match[str] | None:
    """Where the review part says the series kept pace (居民收入增长和经济增长同步), if it does."""
    span = review_span(text)
    if span is None:
        return None
    for pattern, subject, _ in IN_STEP:
        if subject == indicator_id:
            m = pattern.search(text, span[0], span[1])
            if m is not None:
                return m
    return None


def read_outcomes(text: str, d: Dictionary) -> list[Stated]:
    """The year's figures of the review part (five-year paragraphs and figures left out)."""
    span = review_span(text)
    if span is None:
        return []
    start, end = span
    out: list[Stated] = []
    five = False
    for ps, pe in _paragraphs(text, start, end):
        head = text[ps : ps + 40]
        f = _FIVE_YEAR_CUE.search(head)
        y = _YEAR_CUE.search(head)
        if f is not None or y is not None:
            # The cue written first sets the paragraph's stretch: "2025年，…“十四五”…" is the year.
            five = y is None or (f is not None and f.start() < y.start())
        if five:
            continue
        out.extend(_stated(text, ps, pe, d, targets=False))
    return out


def mentions(text: str, ind: Indicator, d: Dictionary) -> bool:
    """Whether the review part names the indicator at all (for not reported vs dropped); a
    name inside another series (人均地区生产总值) is not a mention."""
    span = review_span(text)
    if span is None:
        return False
    part = text[span[0] : span[1]]
    for n in (ind.name, *ind.synonyms, *ind.scopes):
        if len(n) < 2:
            continue
        for m in re.finditer(re.escape(n), part):
            lo = max(part.rfind(c, 0, m.start()) for c in _NAME_BOUNDS) + 1
            hi = min((i for i in (part.find(c, m.end()) for c in _NAME_BOUNDS) if i >= 0),
                     default=len(part))  # fmt: skip
            if not d.excluded(ind, part[lo:hi], n):
                return True
    return False


def _stated(text: str, start: int, end: int, d: Dictionary, *, targets: bool) -> list[Stated]:
    readings = read_figures(text[start:end], start)
    out: list[Stated] = []
    seen: set[tuple[str, str]] = set()
    skip: set[int] = set()
    for i, r in enumerate(readings):
        if i in skip:
            continue
        s = _one(text, r, d, targets=targets)
        if s is None:
            continue
        # 5%—5.5%: the next figure right after a dash is the range's upper end.
        if i + 1 < len(readings) and _RANGE_JOIN.match(text[r.end : readings[i + 1].start]):
            nxt = readings[i + 1]
            high = nxt.change if nxt.change is not None else nxt.value
            if high is not None:
                skip.add(i + 1)
                raw = s.raw + text[r.end : nxt.end]
                s = Stated(**{**s.__dict__, "bound": "range", "high": abs(high), "raw": raw,
                              "end": nxt.end})  # fmt: skip
        key = (s.indicator.id, s.measure)
        if key in seen:
            continue  # the first figure of an indicator is the headline one
        seen.add(key)
        out.append(s)
    return out


_QUALIFIER_BOUND: dict[str, Bound] = {
    "about": "about",
    "at_least": "at_least",
    "over": "at_least",
    "at_most": "at_most",
    "nearly": "about",
    "plus": "at_least",
    "range": "range",
}


def _sentence_of(text: str, span: tuple[int, int]) -> str:
    """The sentence a figure stands in, with its full stop."""
    if span == (0, 0):
        return ""
    end = span[1] + (1 if text[span[1] : span[1] + 1] in SENTENCE_END_CHARS else 0)
    return text[span[0] : end].strip()


def _one(text: str, r: Reading, d: Dictionary, *, targets: bool) -> Stated | None:
    if r.redacted or (r.value is None and r.change is None):
        return None
    if not targets and (
        r.period is not None and r.period.kind in ("average", "cumulative", "span")
    ):
        return None
    if r.base_year is not None:
        return None
    clause_start = max(text.rfind(c, 0, r.start) for c in _CLAUSE_BOUNDS) + 1
    clause = text[clause_start : r.start]
    if not targets and (STRETCH.search(clause) or _COMPARISON.search(clause)):
        return None
    if _COMPARISON.search(r.subject):
        return None
    name = r.context or r.subject
    match = d.match(name, r.unit) or d.match(r.subject, r.unit)
    if match is None:
        return None
    ind = match.indicator
    measure: Measure
    if r.measure == "growth":
        measure = "growth"
        value = r.change if r.change is not None else r.value
    elif r.measure == "points":
        measure = "points"
        value = r.change if r.change is not None else r.value
    elif r.measure in ("level", "share", "count"):
        measure = "level"
        value = r.value
    else:
        return None  # per capita, rank, index
    if value is None:
        return None
    if ind.measures and measure not in ind.measures:
        return None
    if measure == "level" and ind.family != "share":
        u = d.unit(r.unit)
        if u is None or u.family != ind.family:
            return None
    qualifier = _QUALIFIER_BOUND.get(r.qualifier) if r.qualifier else None
    if targets and qualifier is None:
        # 控制在5%以内 and the like: the dictionary's upper-bound words anywhere in the clause.
        ceiling_words = [w for w, q in d.qualifiers.items() if q.bound == "at_most"]
        if any(w in clause + r.context for w in ceiling_words):
            qualifier = "at_most"
    verb = ""
    if measure == "growth":
        verb = direction_word(falls=value < 0)
        if PRICE_RATE_NOUN in name:
            verb = PRICE_RATE_NOUN
    after = text[r.end : r.end + 2]
    # The dictionary's two-character words after a figure (左右, 以上, 以内 …) belong to it.
    tail = next(
        (w for w, q in d.qualifiers.items() if q.where == "after" and len(w) > 1
         and after.startswith(w)),
        "",
    )  # fmt: skip
    raw = f"{verb}{r.raw}{tail}" if measure == "growth" else f"{r.raw}{tail}"
    return Stated(
        indicator=ind,
        measure=measure,
        value=float(value),
        unit=r.unit,
        bound=qualifier,
        high=r.high,
        raw=raw,
        start=r.start,
        end=r.end + len(tail),
        quote=text[clause_start : r.end + len(tail)].strip(),
        quote_start=clause_start,
        scope=match.scope,
        sentence=_sentence_of(text, r.sentence),
    )


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str


def source_file(out: Output) -> SourceFile | None:
    """The decoded source of an output, when the file is there with the same SHA-256."""
    return _read_source(out.doc.source.path, out.doc.source.sha256)


@lru_cache(maxsize=64)
def _read_source(path: str, sha256: str) -> SourceFile | None:
    from summarizer.core.config import Settings
    from summarizer.core.errors import SummarizerError
    from summarizer.text.bounded import read_input

    if not path or path == "<stdin>" or not os.path.isfile(path):
        return None
    try:
        src = read_input(path, Settings())
    except (SummarizerError, OSError):
        return None
    if src.sha256 != sha256:
        return None  # the file changed since it was summarized: its offsets do not hold
    return SourceFile(path, src.text)
