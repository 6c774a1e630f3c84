"""The one reading of a text's figures: what each figure measures, as the text says it.

In: a text (a source span, a chunk, a finding's summary) and optionally the source offset of
each of its characters. Out: `Reading`s, one per figure written, in order. Grounding, the
offline backend, the lean answer's expansion, key metrics, the overview check, `check`,
`export`, `compare` and `track` read figures through this module; none re-parses them.

API (all pure, no I/O):

- `read_figures(text, offset=0, positions=None) -> list[Reading]`: every figure of `text`.
  Offsets are `offset + index`, or `positions[index]` when the text was cut out of a larger
  one with gaps (the analysed text of a span with its masked page markers removed:
  `read_source`), so `start`/`end` are always offsets of the figure in the source.
- `read_source(clean, start, end) -> list[Reading]`: the figures of a span of a `CleanText`,
  read with masked spans left out (a page marker inside `3\\n11、00多亩` does not split
  `300多亩`), offsets in the source.
- `find_metrics(text, offset=0, limit=None) -> list[FoundMetric]`: the readings as
  `schema.Metric`s with their offsets (a level carries the growth written after it; a growth
  written alone is a metric of measure growth).
- `Reading` fields: `start`/`end`/`raw` (the figure as written), `value`/`high` (a range's
  upper end)/`unit`/`redacted`, `measure` (`Measure`), `change` (the signed change in % or
  points stated for the subject: a growth's own value, or the growth written after a level),
  `direction` ("up"/"down"/None; for a "to" figure such as `降低至13.6%` the way it moved),
  `to` (True for 提高到/降低至: the figure is the new level, not the change), `qualifier`
  (`Qualifier`), `period` (`Period` or None), `kind` (actual/target), `subject` (the
  indicator phrase it belongs to, through 分别 lists, 、 series, 其中 and a level's growth),
  `context` (the words around it that may name it), `base_year` (由2020年的… : the figure is
  the base year's, not a result), `sentence` (start and end of its sentence), `lead` (the
  words since the figure before it in its sentence), `bare` (a number no figure pattern
  reads, 150万奖励资金: read after the others so every number has a reading).
- `read_verbatim(text, start, end)`: a figure found verbatim that no pattern reads (X个BP).
- `kind_in_part(kind, lead, plan)`: target or actual of a figure in its part (a plan's
  figures are targets unless already done; 预计 in a review is an expected result).
- `measure_of_name(name, unit)`, `period_of(text)`, `direction_of(change)`: what a model's
  metric name says it measures, the period a text names, the direction of a signed change.
- Binding a model's metric to a reading is lexicon/binding.py.

The rules are the tables below (`MEASURE_RULES`, `QUALIFIER_WORDS`, `PERIOD_RULES`,
`TO_VERBS`, `LIST_HEADS`, `RATES_NOT_SHARES`, `SERIES_VERBS`, `DURATION_WORDS`), each
tested by a case table in tests/test_reading.py.
"""

from __future__ import annotations

import bisect
import functools
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from summarizer.core.schema import Direction, Measure, Metric, MetricKind, Qualifier
from summarizer.lexicon.figures import (
    _CLAUSE_END,
    _FIGURE,
    _GROWTH,
    _PAIR_SPLIT,
    _PAIRED_SUBJECTS,
    _SENTENCE_END,
    FoundMetric,
    _clause_end,
    _figure_match,
    _growth_value,
    _is_target,
    _name_before_paren,
    _starts_before,
    metric_name,
)
from summarizer.lexicon.numerals import (
    ARABIC,
    UNIT_PATTERN,
    canonical,
    find_numbers,
    normalize_width,
)
from summarizer.lexicon.words import (
    DOWN_VERBS,
    FALL_RATE_NOUNS,
    FALL_VERBS,
    RATE_NOUNS,
    RISE_VERBS,
    UP_VERBS,
    alternation,
)

if TYPE_CHECKING:
    from summarizer.core.document import CleanText

__all__ = [
    "DOWN_VERBS",
    "LIST_HEADS",
    "MEASURE_RULES",
    "PERIOD_RULES",
    "QUALIFIER_WORDS",
    "UP_VERBS",
    "Direction",
    "Measure",
    "Period",
    "PeriodKind",
    "Qualifier",
    "Reading",
    "find_metrics",
    "kind_in_part",
    "measure_of_name",
    "direction_of",
    "period_of",
    "read_figures",
    "read_source",
    "read_verbatim",
]

# Measure, Direction and Qualifier are the output's types (core/schema.py): what a figure
# measures; up/down; 约/左右 about, 以上/不低于 at_least, 超/超过/逾 over, 近 nearly,
# 以内/以下/不超过 at_most, 余/多 plus (300多亩), a range 3-5个.
PeriodKind = Literal["year", "months", "half", "quarter", "average", "cumulative", "span"]

# ------------------------------------------------------------------------------ the tables

#: Verbs of a rise and of a fall; a change after a fall is negative (下降5% is -5).
#: (The lists live in words.py, with every other direction word of the genre.)
#: Rate nouns: a % after them is a growth rate of the subject, whatever its sign.
_DOWN_RATES = FALL_RATE_NOUNS
#: A verb followed by one of these states the new level, not the change (降低至13.6%).
TO_VERBS: tuple[str, ...] = ("至", "到")

#: (name pattern, measure): the first row whose pattern the subject matches decides, after
#: growth and rank, which the verb and the figure's shape decide.
MEASURE_RULES: tuple[tuple[str, Measure], ...] = (
    (r"人均", "per_capita"),
    (r"指数$", "index"),
    (r"占.{0,16}(?:比重|比例|份额)|比重$|占比|比例$|份额$|率$|覆盖面$", "share"),
)
#: Units of things counted: a figure in one is a count.
COUNT_UNITS = frozenset(
    "家 家次 个 名 位 项 户 宗 件 起 批 批次 次 场 套 栋 幢 座 条 只 台 辆 期 所 人 人次 万人 万户 "
    "万家 万人次 亿人次 万套 万个 万张 张 万辆 万次".split()
)

#: (word, where it stands, qualifier). Longest words first within a position.
QUALIFIER_WORDS: tuple[tuple[str, Literal["before", "after"], Qualifier], ...] = (
    ("不低于", "before", "at_least"),
    ("不少于", "before", "at_least"),
    ("不超过", "before", "at_most"),
    ("不高于", "before", "at_most"),
    ("超过", "before", "over"),
    ("突破", "before", "over"),
    ("约", "before", "about"),
    ("近", "before", "nearly"),
    ("接近", "before", "nearly"),
    ("超", "before", "over"),
    ("逾", "before", "over"),
    ("以上", "after", "at_least"),
    ("左右", "after", "about"),
    ("上下", "after", "about"),
    ("以内", "after", "at_most"),
    ("以下", "after", "at_most"),
    # 余/多 between a number and its unit (3250余人, 300多亩) are read with the figure: plus.
)

#: (pattern, kind): the period a figure covers, the nearest phrase before it in its sentence
#: (a `；` list shares the period written at its head: "1-9月,实现…；…").
PERIOD_RULES: tuple[tuple[str, PeriodKind], ...] = (
    (
        r"(?:1|一)\s*[-—–~～至到]\s*(?:1[0-2]|[1-9]|十[一二]?|[二三四五六七八九])\s*月(?:份|末|底)?",
        "months",
    ),
    (r"前三季度|前两个季度", "months"),
    (r"(?:截至|截止|至)\s*(?:1[0-2]|[1-9]|十[一二]?|[二三四五六七八九])月(?:底|末|份)?", "months"),
    (r"上半年|下半年", "half"),
    (r"(?:第?[一二三四]|[1-4])季度", "quarter"),
    # 年均浓度 (PM2.5), 年均气温 are indicators measured as a year's mean, not a period.
    (r"(?:年均|年平均|平均每年)(?!浓度|气温|降水|值)", "average"),
    (r"(?:过去|近|前)[五5]年|[“\"]?十[二三四五]五[”\"]?(?:期间|时期|以来)?|五年来|五年间", "span"),
    (r"累计", "cumulative"),
    (r"全年|本年|当年|年度", "year"),
)
_PERIODS = [(re.compile(p), k) for p, k in PERIOD_RULES]
# Period words at either end of a name are the period, not the subject ("地区生产总值年均").
_PERIOD_EDGE = re.compile(r"^(?:年均|年平均|平均每年|累计)|(?:年均|年平均|平均每年|累计)$")
_MEASURES = [(re.compile(p), m) for p, m in MEASURE_RULES]

#: Head nouns a 分别 list shares: "原煤、原油、天然气产量分别达到…" is 原煤产量, 原油产量, 天然气产量.
LIST_HEADS: tuple[str, ...] = (
    "产量",
    "产值",
    "总产值",
    "增加值",
    "收入",
    "营业收入",
    "投资",
    "总额",
    "销售额",
    "面积",
    "数量",
    "比重",
    "增速",
    "规模",
    "人数",
)

_UP = "|".join(sorted(UP_VERBS, key=len, reverse=True))
_DOWN = "|".join(sorted(DOWN_VERBS, key=len, reverse=True))
_RATE = "|".join(RATE_NOUNS)
# The words right before a figure that say it moved: "同比增长", "下降了", "降低至", "增速为".
_VERB_BEFORE = re.compile(
    rf"(?:(?P<rate>{_RATE})|(?P<verb>{_UP}|{_DOWN}))(?P<to>{'|'.join(TO_VERBS)})?了?"
    r"(?:达到|达|为|约|近|超过|超|逾)?\s*-?$"
)
_BEFORE_QUAL = re.compile(
    "(?:" + "|".join(w for w, pos, _ in QUALIFIER_WORDS if pos == "before") + r")(?:了)?\s*$"
)
_AFTER_QUAL = re.compile(
    "(?:" + "|".join(w for w, pos, _ in QUALIFIER_WORDS if pos == "after") + ")"
)
_QUAL_OF = {w: q for w, _, q in QUALIFIER_WORDS}
_BASE_YEAR = re.compile(r"(?:由|从|比|较)\s*(?P<year>(?:19|20)\d{2})年(?:的|末|底)?\s*$")
# A range; its lower end may repeat a percent unit ("4.5%-5%" is one figure, not 4.5% and -5%).
_RANGE = re.compile(
    rf"(?<![0-9.])(?P<lo>{ARABIC})\s*(?P<lounit>%|‰)?\s*[-~～—–至到]\s*(?P<hi>{ARABIC})\s*"
    rf"(?P<unit>(?(lounit)(?P=lounit)|(?:{UNIT_PATTERN})))"
)
_PCT_UNITS = frozenset({"%", "个百分点", "百分点", "‰"})
_POINT_UNITS = frozenset({"个百分点", "百分点"})


@dataclass(frozen=True)
class Period:
    """The period a figure covers: its kind and the words that say it (1-9月, 上半年)."""

    kind: PeriodKind
    text: str


@functools.lru_cache(maxsize=4096)
def _value_key(value: float) -> str:
    # Cached: binding asks every reading of every span for its key, again and again.
    return canonical(Decimal(repr(abs(value))))


@dataclass(frozen=True)
class Reading:
    """One figure of a text with what it measures (see the module docstring)."""

    start: int
    end: int
    raw: str
    value: float | None
    unit: str | None
    redacted: bool
    measure: Measure
    subject: str
    kind: Literal["actual", "target"] = "actual"
    change: float | None = None
    direction: Direction | None = None
    to: bool = False
    qualifier: Qualifier | None = None
    high: float | None = None
    period: Period | None = None
    base_year: int | None = None
    context: str = ""
    # The words since the figure before it in its sentence (or the sentence's start): what
    # names this figure and no other ("铝基二路已完成总工程量的50%").
    lead: str = ""
    sentence: tuple[int, int] = (0, 0)
    # The index (in the same reading list) of the level this growth is written after.
    level_of: int | None = None
    # A number the figure patterns do not read (150万奖励资金, 三场): read bare, after all
    # the others, so that every number of the text has a reading; find_metrics skips them.
    bare: bool = False

    @property
    def key(self) -> str | None:
        """The canonical unsigned number of the figure (None when redacted)."""
        if self.value is None:
            return None
        return _value_key(self.value)

    @property
    def is_change(self) -> bool:
        return self.measure in ("growth", "points")


# ------------------------------------------------------------------------------ the reading


def _qualifier_before(norm: str, start: int) -> tuple[Qualifier | None, int]:
    m = _BEFORE_QUAL.search(norm, max(0, start - 4), start)
    if m is None:
        return None, start
    word = m.group().rstrip("了 \t")
    return _QUAL_OF[word], m.start()


def _qualifier_after(norm: str, end: int) -> Qualifier | None:
    m = _AFTER_QUAL.match(norm, end)
    return _QUAL_OF[m.group()] if m else None


def _period_before(norm: str, lo: int, pos: int) -> Period | None:
    best: tuple[int, Period] | None = None
    for rx, kind in _PERIODS:
        for m in rx.finditer(norm, lo, pos):
            if best is None or m.start() > best[0]:
                best = (m.start(), Period(kind, m.group().strip()))
    return best[1] if best else None


def direction_of(change: float | None) -> Direction | None:
    """The direction of a signed change: up, down, or None (no change, or none stated)."""
    if not change:
        return None
    return "down" if change < 0 else "up"


def period_of(text: str) -> Period | None:
    """The last period phrase written in a text (a metric's name: "1-9月营业收入"), or None."""
    return _period_before(normalize_width(text), 0, len(text))


def measure_of_subject(subject: str, unit: str | None) -> Measure:
    """The measure of a level figure from its subject and unit (MEASURE_RULES, COUNT_UNITS)."""
    for rx, measure in _MEASURES:
        if rx.search(subject):
            if measure == "share" and unit not in _PCT_UNITS:
                continue  # "完成率" with 亿元 is no share
            return measure
    if unit in COUNT_UNITS:
        return "count"
    return "level"


#: Names ending in 率 that are no share: a productivity is an amount per worker (58万元/人).
RATES_NOT_SHARES: tuple[str, ...] = ("效率", "生产率")
_TARGET_TAIL = re.compile(r"(?:预期)?(?:目标|指标)(?:值)?$")
_AVERAGE_GROWTH = re.compile(rf"(?:年均|年平均|平均每年)(?:{alternation(RISE_VERBS)})")
_SHARE_NAME = re.compile(
    r"占比|比重|比例|份额|" + "".join(f"(?<!{w[:-1]})" for w in RATES_NOT_SHARES) + "率$"
)
_NAME_GROWTH = re.compile(rf"(?:{_RATE}|{alternation(RISE_VERBS)}|同比)$")
_NAME_DOWN = re.compile(rf"(?:{'|'.join(_DOWN_RATES)}|{alternation(FALL_VERBS)})")


# Pure and called per metric and reading (thousands per file): cached.
@functools.lru_cache(maxsize=8192)
def measure_of_name(name: str, unit: str | None) -> tuple[Measure | None, Direction | None]:
    """What a model's metric name says it measures, and the direction it names (降幅 down).

    None when the name does not say (a bare indicator name with a % may be either).
    """
    # "城镇调查失业率目标": a target of the indicator measures what the indicator does.
    name = _TARGET_TAIL.sub("", name) or name
    down = _NAME_DOWN.search(name) is not None
    direction: Direction | None = "down" if down else None
    if unit in _POINT_UNITS:
        return "points", direction
    if _SHARE_NAME.search(name):
        return "share", direction  # 占比/比重/率 name a share, whatever the figure is
    # "年均增长" names a rate per year whatever the figure (no 年均增长14.2万亿元).
    rate = re.search(_RATE, name) is not None or _AVERAGE_GROWTH.search(name) is not None
    if _NAME_GROWTH.search(name) or down or rate:
        # 增速/降幅 name a growth whatever the figure; a verb only with a % ("新增" is no growth).
        if unit in _PCT_UNITS or unit == "倍" or rate:
            if not re.search(_RATE, name) and not down:
                direction = "up"
            return "growth", direction
    measure = measure_of_subject(name, unit)
    if measure in ("count", "level"):
        return None, direction
    return measure, direction


_VERB_TAIL = re.compile(r"(?:完成|实现|达到|达)$")


# "建党支部由原来的12个增加至17个": the subject is what stands before the base value.
_BASE_CUT = re.compile(
    r"(?:由|从)(?:原来的|原来|原|去年的|上年的|(?:19|20)\d{2}年的?)?(?=[0-9Xx*])"
)


_BASE_TAIL = re.compile(r"(?:由|从)(?:原来的?|原|去年的?|上年的?)?$")


#: Verbs a subject may end in before a milestone figure ("迈上4个万亿元台阶"): the figures
#: after it, in the same sentence, are of what stands before the verb.
SERIES_VERBS: tuple[str, ...] = ("连续迈上", "迈上", "跨上", "跃上", "站上", "连续突破", "突破")
_SERIES_VERB_END = re.compile(f"(?:{'|'.join(SERIES_VERBS)})$")
_ONLY_VERB = re.compile(
    rf"^(?:{_UP}|{_DOWN}|{_RATE}|达到|达|为|年均|年平均|同比|比上年|较上年|了)*$"
)


_TO_ONLY = re.compile(rf"(?:{_UP}|{_DOWN})(?:{'|'.join(TO_VERBS)})$")
_LIST_END = re.compile(r"[，,；;。：:\n]")


def _listed_levels(norm: str, before: list[Reading], sstart: int, start: int) -> list[str]:
    """The subjects of the last levels of the sentence before a 分别 clause that names
    nothing, one per value the clause lists (empty when there are fewer levels)."""
    end = _LIST_END.search(norm, start)
    values = norm[start : end.start() if end else len(norm)].count("、") + 1
    levels = [x for x in before if x.sentence[0] == sstart and not x.bare and not x.is_change]
    if values < 2 or len(levels) < values:
        return []
    return [x.subject for x in levels[-values:]]


def _no_subject(name: str) -> bool:
    """A name of only verbs and period words (达, 年均增长): the clause names nothing."""
    return _ONLY_VERB.match(name.strip()) is not None


def _tidy(name: str) -> str:
    """A subject without period words at its ends, a verb at its end (规上工业增加值完成) or
    the base value it moved from (建党支部由原来的12个)."""
    name = _PERIOD_EDGE.sub("", name) or name
    cut = _BASE_TAIL.sub("", _BASE_CUT.split(name, maxsplit=1)[0])
    if len(cut) >= 2:
        name = cut
    cut = _VERB_TAIL.sub("", name)
    return cut if len(cut) >= 2 else name


def _list_subjects(listed: str) -> list[str]:
    """The subjects of a 分别 list, with the head noun the last one carries given to all."""
    subjects = [metric_name(t) for t in _PAIR_SPLIT.split(listed) if t.strip()]
    subjects = [s for s in subjects if s]
    if len(subjects) >= 2:
        last = subjects[-1]
        head = next((h for h in sorted(LIST_HEADS, key=len, reverse=True) if last.endswith(h)), "")
        heads = tuple(LIST_HEADS)
        if head and len(last) > len(head):
            # Only bare modifiers take the head: "规上工业增加值、工业投资" stay as written.
            subjects = [s if s.endswith(heads) else s + head for s in subjects[:-1]] + [last]
    return subjects


@dataclass
class _Scan:
    norm: str
    clause_bounds: list[int]
    sentence_bounds: list[int]
    stop_bounds: list[int]  # 。 and line breaks: the scope of a period phrase
    # Every period phrase of the text once, by end: (end, start, period).
    periods: list[tuple[int, int, Period]]
    period_ends: list[int]


# Compiled once: these run for every figure of every span grounding reads.
_NOT_WORD = re.compile(r"[^\u4e00-\u9fffA-Za-z]")
_STOP = re.compile(r"[。！？!?\n]")
_RATE_END = re.compile(f"(?:{_RATE})$")
_SHARE = re.compile(r"占.{0,16}(?:比重|比例)|占比|比重")
_COMPARE_WORDS = re.compile(
    r"同比|环比|[比较](?:上年|去年)(?:同期)?|同期|其中|分别|年均|年平均|累计|全年"
)
_VERB_WORDS = re.compile(rf"{_UP}|{_DOWN}|{_RATE}|了|达到|达|为|约|近|超")
_VERB_END = re.compile(rf"(?:同比|比上年|较上年)?(?:{_UP}|{_DOWN}|{_RATE})(?:至|到)?$")


def _context(norm: str, cstart: int, start: int, end: int) -> str:
    """The words that may name a figure: its clause before it (the clause before that too
    when this one holds only connectives), and the rest of its clause after it."""
    lo = cstart
    words = _NOT_WORD.sub("", norm[lo:start])
    if len(words) < 2 and lo > 0:
        prev = max(norm.rfind(c, max(0, lo - 40), lo - 1) for c in "，,；;。：:、\n")
        lo = prev + 1 if prev >= 0 else max(0, lo - 40)
    after = norm[end : _clause_end(norm, end)]
    return norm[lo:start].strip() + " " + after.strip()


def read_figures(
    text: str,
    offset: int = 0,
    positions: Sequence[int] | None = None,
    limit: int | None = None,
    *,
    bare: bool = True,
) -> list[Reading]:
    """Every figure of `text`, read (see the module docstring). `limit` stops after that many;
    `bare=False` leaves out the numbers no figure pattern reads."""
    norm = normalize_width(text)
    scan = _Scan(
        norm,
        [m.start() for m in _CLAUSE_END.finditer(norm)],
        [m.start() for m in _SENTENCE_END.finditer(norm)],
        [m.start() for m in _STOP.finditer(norm)],
        *_periods_of(norm),
    )
    out: list[Reading] = []
    ranges = list(_RANGE.finditer(norm))
    next_range = 0
    pos = 0
    paired: list[str] = []
    pair_verb: re.Match[str] | None = None
    of_levels = False  # the 分别 list is of the levels before it (`_listed_levels`)
    pair_subjects: list[str] = []  # the whole 分别 list, for its "to" values
    while limit is None or len(out) < limit:
        m = _FIGURE.search(norm, pos)
        while next_range < len(ranges) and ranges[next_range].start() < pos:
            next_range += 1
        r = ranges[next_range] if next_range < len(ranges) else None
        # A range starting where a figure starts is the one figure ("4.5%-5%").
        if r is not None and r.start() > (m.start() if m else len(norm)):
            r = None
        if r is not None:
            reading = _range_reading(scan, r)
            if reading is not None:
                out.append(reading)
            pos = r.end()
            continue
        if m is None:
            break
        start, end = m.start(), m.end()
        pos = end
        parsed = _figure_match(norm, m)
        if parsed is None:
            pos = start + 1
            continue
        cstart = _starts_before(scan.clause_bounds, start)
        sstart = _starts_before(scan.sentence_bounds, cstart)
        after = norm[end : _clause_end(norm, end)]
        prefix = norm[cstart:start]
        pair = _PAIRED_SUBJECTS.search(norm[sstart:start]) if "分别" in prefix else None
        verb = _VERB_BEFORE.search(norm, max(0, start - 8), start)
        listed = (
            _listed_levels(norm, out, sstart, start)
            if pair is None and "分别" in prefix and not _has_words(prefix.split("分别")[0])
            else []
        )
        if listed:
            # "国内游客4.16亿人次、入境游客936万人次，分别增长6.7%、39.6%": a 分别 clause that
            # names nothing is of the levels listed just before it, in order.
            name, paired, pair_verb = listed[0], listed[1:], verb
            pair_subjects = []
            of_levels = True
        elif pair is not None:
            of_levels = False
            subjects = _list_subjects(pair.group("subjects"))
            paired, pair_subjects = subjects[1:], subjects
            name = subjects[0] if subjects else ""
            pair_verb = verb
        elif (
            pair_subjects
            and out
            and out[-1].sentence[0] == sstart
            and _TO_ONLY.match(norm, out[-1].end, start) is not None
        ):
            # "A、B分别从771家、481家增加到1076家、636家": the list starts again at the "to"
            # values.
            name, paired = pair_subjects[0], pair_subjects[1:]
        elif paired and not prefix.strip() and cstart > 0 and norm[cstart - 1] in "、和及与":
            # The next value of a 分别 list ("分别增长8.5%、9.5%"): its subject and its verb.
            name = paired.pop(0)
            verb = pair_verb
        else:
            paired, of_levels, pair_subjects = [], False, []
            name = metric_name(prefix, after) or _name_before_paren(
                norm, cstart, scan.clause_bounds
            )
            if _no_subject(name) and not _no_subject(prefix) and "累计" in prefix:
                # "PM2.5年均浓度累计下降17%": 累计 is the period here, not the verb a name
                # follows ("累计完成投资").
                name = metric_name(prefix.replace("累计", ""), after) or name
            if (
                out
                and not out[-1].bare
                and out[-1].sentence[0] == sstart
                and _no_subject(prefix)
                and _no_subject(name)
            ):
                # A clause of only a verb continues the subject of the figure before it in its
                # sentence: "地区生产总值迈上4个万亿元台阶、达14.2万亿元、年均增长5.7%".
                name = _SERIES_VERB_END.sub("", out[-1].subject) + name
        name = _tidy(name)
        unit = parsed.unit or None
        reading = _level_or_change(
            scan,
            m,
            start,
            end,
            cstart,
            sstart,
            name,
            verb,
            parsed.value,
            unit,
            parsed.redacted,
            out,
        )
        if reading is None:
            continue
        if of_levels and reading.subject != name:
            _set(reading, subject=name, level_of=None)  # not the last level's: its own
        out.append(reading)
        # A growth written right after a level ("…*亿元,同比增长6.16%") is its own reading,
        # of the same subject; the level carries it as its change.
        g = _GROWTH.match(norm, end)
        if g is not None and not reading.is_change and unit not in _PCT_UNITS:
            grown = _growth_after(scan, g, reading, len(out) - 1)
            out[-1] = replace(reading, change=grown.change)
            out.append(grown)
            pos = g.end()
    if bare and limit is None:
        out.extend(_bare(scan, out))
    _with_leads(norm, out)
    if positions is not None or offset:
        for x in out:
            _moved(x, offset, positions)
    return out


def _set(x: Reading, **fields: object) -> None:
    """Set fields of a reading this call made and nobody else holds yet: the same value
    `replace` would give, without copying every field (the hot path of grounding)."""
    for k, v in fields.items():
        object.__setattr__(x, k, v)


def _with_leads(norm: str, read: list[Reading]) -> None:
    """Each (fresh) reading given the words between the figure before it (same sentence)
    and it."""
    ends: dict[int, int] = {}
    last_end, last_sentence = 0, -1
    for i in sorted(range(len(read)), key=lambda k: read[k].start):
        x = read[i]
        lo = x.sentence[0] if x.sentence[0] != last_sentence else max(x.sentence[0], last_end)
        ends[i] = lo
        last_end, last_sentence = x.end, x.sentence[0]
    for i, x in enumerate(read):
        _set(x, lead=norm[ends[i] : x.start])


_YEAR_AFTER = re.compile(r"\s*(?:[-—–~～至到]\s*\d{1,2}\s*)?(?:年|月|日|号|届|期|季度)")
#: Words before "N年" that make it a length of time, a figure (历时12年, 延长30年), not a date.
DURATION_WORDS: tuple[str, ...] = (
    "历时",
    "用时",
    "耗时",
    "长达",
    "连续",
    "延长",
    "为期",
    "时隔",
    "提前",
    "缩短",
    "累计",
)
_DURATION_BEFORE = re.compile(rf"(?:{'|'.join(DURATION_WORDS)})(?:了)?\s*$")
_YEARS = re.compile(r"(?:多|余)?年")


def _bare(scan: _Scan, read: list[Reading]) -> list[Reading]:
    """Readings of the numbers no figure pattern read (no unit we know, or a small Chinese
    count such as 三场): value, the words before them as subject, nothing more."""
    norm = scan.norm
    covered = sorted((x.start, x.end) for x in read)
    starts = [a for a, _ in covered]
    out: list[Reading] = []
    for n in find_numbers(norm):
        i = bisect.bisect_right(starts, n.start) - 1
        if i >= 0 and covered[i][0] <= n.start < covered[i][1]:
            continue
        unit = n.unit or None
        end = n.end
        if _YEAR_AFTER.match(norm, n.end):
            years = _YEARS.match(norm, n.end)
            if years is None or not _DURATION_BEFORE.search(norm, max(0, n.start - 4), n.start):
                continue  # dates and periods are context, not figures
            unit, end = "年", years.end()
        cstart = _starts_before(scan.clause_bounds, n.start)
        sstart = _starts_before(scan.sentence_bounds, cstart)
        name = metric_name(norm[cstart : n.start], norm[end : _clause_end(norm, end)])
        out.append(
            Reading(
                start=n.start,
                end=end,
                raw=norm[n.start : end],
                value=float(n.value),
                unit=unit,
                redacted=False,
                measure="level",
                subject=name,
                kind="target" if _is_target(norm, cstart, sstart, n.start) else "actual",
                period=_period(scan, n.start),
                context=_context(norm, cstart, n.start, end),
                sentence=_sentence(scan, n.start, end),
                bare=True,
            )
        )
    return out


def _moved(x: Reading, offset: int, positions: Sequence[int] | None) -> None:
    """A fresh reading moved to source offsets (in place: see `_set`)."""

    def at(i: int) -> int:
        if positions is None:
            return offset + i
        return positions[i] if i < len(positions) else (positions[-1] + 1 if positions else i)

    def end_at(i: int) -> int:
        if positions is None:
            return offset + i
        return positions[i - 1] + 1 if 0 < i <= len(positions) else at(i)

    _set(
        x,
        start=at(x.start),
        end=end_at(x.end),
        sentence=(at(x.sentence[0]), end_at(x.sentence[1])),
    )


def _sentence(scan: _Scan, start: int, end: int) -> tuple[int, int]:
    s = _starts_before(scan.sentence_bounds, start)
    i = bisect.bisect_left(scan.sentence_bounds, end)
    e = scan.sentence_bounds[i] if i < len(scan.sentence_bounds) else len(scan.norm)
    return s, e


def _periods_of(norm: str) -> tuple[list[tuple[int, int, Period]], list[int]]:
    found = sorted(
        (m.end(), m.start(), Period(kind, m.group().strip()))
        for rx, kind in _PERIODS
        for m in rx.finditer(norm)
    )
    return found, [e for e, _, _ in found]


def _period(scan: _Scan, start: int) -> Period | None:
    """The nearest period phrase before `start` in its scope (since the last 。 or line)."""
    lo = _starts_before(scan.stop_bounds, start)
    i = bisect.bisect_right(scan.period_ends, start)
    best: tuple[int, Period] | None = None
    while i > 0:
        i -= 1
        end, begin, period = scan.periods[i]
        if begin < lo:
            if end <= lo:
                break
            continue
        if best is None or begin > best[0]:
            best = (begin, period)
    return best[1] if best else None


def _level_or_change(
    scan: _Scan,
    m: re.Match[str],
    start: int,
    end: int,
    cstart: int,
    sstart: int,
    name: str,
    verb: re.Match[str] | None,
    value: float | None,
    unit: str | None,
    redacted: bool,
    before: list[Reading],
) -> Reading | None:
    norm = scan.norm
    before_qual, qstart = _qualifier_before(norm, start)
    qualifier = "plus" if m.groupdict().get("qual") else _qualifier_after(norm, end) or before_qual
    base = _BASE_YEAR.search(norm, max(0, qstart - 10), qstart)
    direction: Direction | None = None
    change: float | None = None
    to = False
    measure: Measure
    level_of: int | None = None
    subject = name
    shown = value
    if m.group("rank") is not None:
        measure = "rank"
    elif verb is not None and verb.group("to") and verb.group("verb"):
        # 提高到/降低至: the figure is the new level; the verb only says which way it went.
        to = True
        direction = "down" if verb.group("verb") in DOWN_VERBS else "up"
        subject = _strip_verb(name)
        measure = measure_of_subject(subject + _share_words(norm, cstart, start), unit)
    elif verb is not None and (unit in _PCT_UNITS or unit == "倍"):
        measure = "points" if unit in _POINT_UNITS else "growth"
        down = (verb.group("verb") in DOWN_VERBS) or (verb.group("rate") in _DOWN_RATES)
        neg = m.groupdict().get("neg") is not None
        if value is not None:
            change = -abs(value) if down != neg else abs(value)
        if change is not None:
            direction = direction_of(change)
        elif verb.group("verb") is not None or down:
            direction = "down" if down != neg else "up"
        shown = None
        subject = _strip_verb(name)
        # "…8.78亿元,比上年同期下降28.38%": a growth whose clause names nothing else is
        # the growth of the level written just before it.
        level_of = _level_before(before, scan, cstart, sstart)
        if level_of is not None and not _has_words(norm[cstart:start]):
            subject = before[level_of].subject
    elif unit in _PCT_UNITS and _RATE_END.search(name):
        measure = "growth"
        subject = _RATE_END.sub("", name) or name
        if value is not None:
            change = -abs(value) if name.endswith(tuple(_DOWN_RATES)) else value
            direction = direction_of(change)
        shown = None
    else:
        measure = measure_of_subject(name + _share_words(norm, cstart, start), unit)
    if not subject:
        return None
    return Reading(
        start=start,
        end=end,
        raw=norm[start:end],
        value=shown,
        unit=unit,
        redacted=redacted,
        measure=measure,
        subject=subject,
        kind="target" if _is_target(norm, cstart, sstart, start) else "actual",
        change=change,
        direction=direction,
        to=to,
        qualifier=qualifier,
        period=_period(scan, start),
        base_year=int(base.group("year")) if base else None,
        context=_context(norm, cstart, start, end),
        sentence=_sentence(scan, start, end),
        level_of=level_of,
    )


def _share_words(norm: str, cstart: int, start: int) -> str:
    """占…比重 written in the clause before a figure whose name lost it ("占比为", "比重达")."""
    clause = norm[cstart:start]
    return " 占比" if _SHARE.search(clause) else ""


def _has_words(s: str) -> bool:
    s = _COMPARE_WORDS.sub("", s)
    s = _VERB_WORDS.sub("", s)
    return len(_NOT_WORD.sub("", s)) >= 2


def _strip_verb(name: str) -> str:
    return _VERB_END.sub("", name) or name


def _level_before(before: list[Reading], scan: _Scan, cstart: int, sstart: int) -> int | None:
    """The level reading written in the clause just before (same sentence), if any."""
    if not before:
        return None
    last = before[-1]
    prev_clause = _starts_before(scan.clause_bounds, max(0, cstart - 1))
    if last.is_change or last.start < max(sstart, prev_clause) - 1:
        return None
    return len(before) - 1


def _growth_after(scan: _Scan, g: re.Match[str], level: Reading, index: int) -> Reading:
    """The growth written right after a level, as its own reading of the same subject."""
    norm = scan.norm
    a = next(k for k in ("red", "num", "pct") if g.group(k) is not None)
    start = g.start("neg") if g.group("neg") else g.start(a)
    end = g.end()
    change = _growth_value(g)
    down = g.group("verb") in DOWN_VERBS
    direction: Direction | None = None
    if change is not None:
        direction = direction_of(change)
    elif g.group("neg") is None:
        direction = "down" if down else "up"
    unit = "%"
    return Reading(
        start=start,
        end=end,
        raw=norm[start:end],
        value=None,
        unit=unit,
        redacted=g.group("red") is not None,
        measure="growth",
        subject=level.subject,
        kind=level.kind,
        change=change,
        direction=direction,
        qualifier=_qualifier_after(norm, end),
        period=level.period,
        context=level.context,
        sentence=_sentence(scan, start, end),
        level_of=index,
    )


def _range_reading(scan: _Scan, r: re.Match[str]) -> Reading | None:
    norm = scan.norm
    start, end = r.start(), r.end()
    cstart = _starts_before(scan.clause_bounds, start)
    sstart = _starts_before(scan.sentence_bounds, cstart)
    after = norm[end : _clause_end(norm, end)]
    name = metric_name(norm[cstart:start], after)
    if not name:
        return None
    unit = r.group("unit")
    lo = float(r.group("lo").replace(",", ""))
    value: float | None = lo
    change: float | None = None
    measure = measure_of_subject(name, unit)
    verb = _VERB_BEFORE.search(norm, max(0, start - 8), start)
    if unit in _PCT_UNITS and (
        (verb is not None and not verb.group("to")) or _RATE_END.search(name)
    ):
        # A growth range ("年均增速4.5%-5%", "增长5%—6%"): the change is its lower end.
        measure = "points" if unit in _POINT_UNITS else "growth"
        value, change = None, lo
        name = _strip_verb(_RATE_END.sub("", name) or name)
    return Reading(
        start=start,
        end=end,
        raw=norm[start:end],
        value=value,
        change=change,
        direction=direction_of(change),
        unit=unit,
        redacted=False,
        measure=measure,
        subject=name,
        kind="target" if _is_target(norm, cstart, sstart, start) else "actual",
        qualifier="range",
        high=float(r.group("hi").replace(",", "")),
        period=_period(scan, start),
        context=_context(norm, cstart, start, end),
        sentence=_sentence(scan, start, end),
    )


def read_source(clean: CleanText, start: int, end: int) -> list[Reading]:
    """The figures of [start, end) of a source, masked spans left out, source offsets."""
    # Source offsets in an array: a list holds one int object per character.
    positions: array[int] = array("i")
    parts: list[str] = []
    text = clean.analysis_text
    for a, b in clean.segments(start, end):
        parts.append(text[a:b])
        positions.extend(range(a, b))
    return read_figures("".join(parts), positions=positions)


def read_verbatim(text: str, start: int, end: int) -> Reading:
    """A figure no pattern reads (X个BP, x亿多元) found verbatim at [start, end) of a source:
    its value, unit and redaction as written, its sentence; no subject or measure beyond."""
    from summarizer.lexicon.figures import parse_figure

    raw = text[start:end]
    fig = parse_figure(raw)
    s = max(text.rfind(c, 0, start) for c in "。！？!?；;\n") + 1
    stops = [i for i in (text.find(c, end) for c in "。！？!?；;\n") if i >= 0]
    return Reading(
        start=start,
        end=end,
        raw=raw,
        value=fig.value,
        unit=fig.unit,
        redacted=fig.redacted,
        measure=measure_of_subject("", fig.unit),
        subject="",
        qualifier=None,
        sentence=(s, min(stops) if stops else len(text)),
        bare=True,
    )


# ------------------------------------------------------------------------------ target or actual

#: In a plan part, a figure is a target unless its sentence says it is already done.
ACTUAL_IN_PLAN = re.compile(r"已|去年|上年|上一年|过去")
#: In a review part, a figure is a target only when a plan word says so ("预计全年完成产值
#: 50亿元" in a year-end review is an expected result).
PLAN_WORDS = re.compile(r"计划|力争|目标|争取|确保|将")


def kind_in_part(kind: MetricKind, lead: str, plan: bool) -> MetricKind:
    """A figure's target or actual in its part: `kind` as its sentence reads, `lead` the
    words of its sentence before it, `plan` whether its part (or finding) is a plan."""
    if plan:
        return "actual" if ACTUAL_IN_PLAN.search(lead) else "target"
    if kind == "target" and not PLAN_WORDS.search(lead):
        return "actual"
    return kind


# ------------------------------------------------------------------------------ as metrics


def as_metric(x: Reading, raw: str | None = None) -> Metric:
    """A reading as the `schema.Metric` the offline backend and find_metrics give."""
    return Metric(
        name=x.subject,
        raw=x.raw if raw is None else raw,
        value=x.value,
        unit=x.unit,
        change_pct=x.change,
        kind=x.kind,
        redacted=x.redacted,
    )


def find_metrics(text: str, offset: int = 0, limit: int | None = None) -> list[FoundMetric]:
    """Every figure of `text` as a metric with offsets `offset + index` (redacted ones too).

    A growth written after a level is the level's change, not a metric of its own; a range
    is left out; a growth written alone ("规上工业增加值增长4.3%") is a metric whose value is its change.
    """
    found: list[FoundMetric] = []
    original = text
    for x in read_figures(text, limit=limit, bare=False):
        if x.bare or (x.level_of is not None and x.measure == "growth"):
            continue
        if not x.subject or x.qualifier == "range":
            continue  # a range ("3-5亿元项目") is a class of things, not a result to list
        found.append(
            FoundMetric(as_metric(x, original[x.start : x.end]), offset + x.start, offset + x.end)
        )
    return found
