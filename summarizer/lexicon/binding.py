"""Binding a model's metric ("name figure") to a reading of the same figure in the source.

In: the metric's name and figure as the model wrote them, and the `Reading`s of the span it
must come from (lexicon/reading.py). Out: a `Binding`: the reading it is bound to, or the one
typed `Reason` it conflicts with the text. Grounding (summarize, check, eval) and the panel
call `bind`; messages are made from reasons only at the edges (`describe`).

THE RULE, once:
- the figure must be written in the span (same number, compatible unit; a redacted figure
  stays redacted: a number for a figure the span writes only redacted is a guess);
- its name must be compatible with the reading's subject and measure. Accepted: the same
  indicator (synonyms unified: 规上 = 规模以上 ...), a shorter or longer phrase of it
  (工业总产值 for 规上工业总产值, 营业收入 for 有色金属加工企业营业收入), a head noun both share
  without clashing modifiers, the words around the figure; `增速/增长/增幅/降幅` in the name
  ask for the growth measure, `占比/比重/率` for a share, `人均` for a per-capita value;
- flagged only with a specific reason when the name conflicts: another indicator (海洋生产总值
  for 地区生产总值; a headline indicator whose name the subject does not carry; a name that
  fits another figure of the span much better), level vs growth, per-capita vs total, share vs
  amount, the opposite direction, another period, another unit, a change not written with it.
- a name with no evidence either way (可用土地 for 能用的地只有300多亩) is accepted: a model
  names what it measures in its own words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from summarizer.lexicon.figures import parse_figure
from summarizer.lexicon.numerals import canonical, normalize_width, numbers_in
from summarizer.lexicon.reading import Period, Reading, measure_of_name, period_of

__all__ = [
    "HEADLINE_INDICATORS",
    "NAME_SYNONYMS",
    "REASON_TEXT",
    "Binding",
    "Reason",
    "bind",
    "describe",
    "headline_indicator",
    "judge",
    "reading_numbers",
    "subject_fit",
    "name_form",
]

#: Why a figure does not hold. Rendered to a sentence only at the edges (`describe`).
Reason = Literal[
    "not_found",
    "another_indicator",
    "level_vs_growth",
    "per_capita_vs_total",
    "share_vs_amount",
    "opposite_direction",
    "another_period",
    "another_unit",
    "change_not_found",
    "redacted_guess",
]
REASON_TEXT: dict[Reason, str] = {
    "not_found": "is not written in",
    "another_indicator": "is another indicator's figure in",
    "level_vs_growth": "is a level, not a growth, in",
    "per_capita_vs_total": "mixes a per-capita value and a total in",
    "share_vs_amount": "is a share, not an amount, in",
    "opposite_direction": "has the opposite direction in",
    "another_period": "is another period's figure in",
    "another_unit": "has another unit in",
    "change_not_found": "has a change not written with it in",
    "redacted_guess": "gives a number the source redacts in",
}

#: Words an indicator is written with in different reports; each pair maps to one form.
NAME_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("规模以上", "规上"),
    ("规模", "规上"),
    ("限额以上", "限上"),
    ("固定资产投资", "固投"),
    ("社会消费品零售总额", "社零额"),
    ("高新技术企业", "高企"),
    ("一般公共预算收入", "一般预算收入"),
    ("地方一般预算收入", "一般预算收入"),
    ("公共财政预算收入", "一般预算收入"),
    ("gdp", "地区生产总值"),
    ("国内生产总值", "地区生产总值"),
    ("实际利用外资", "实际外资"),
    ("实到外资", "实际外资"),
    ("进出口总额", "进出口"),
    ("外贸进出口", "进出口"),
    ("主营业务收入", "营业收入"),
    ("营收", "营业收入"),
    ("产值", "总产值"),
    ("总总产值", "总产值"),
)

#: Headline indicators (the cells of `compare`): a name that is one of them binds only a
#: reading whose subject is that indicator too. (form, its other forms)
HEADLINE_INDICATORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("地区生产总值", ("地区生产总值", "经济总量", "生产总值")),
    ("一般预算收入", ("一般预算收入",)),
    ("财政总收入", ("财政总收入", "财政收入")),
    ("固投", ("固投",)),
    ("社零额", ("社零额", "社会消费品零售")),
    ("规上工业增加值", ("规上工业增加值", "工业增加值")),
    ("规上工业总产值", ("规上工业总产值", "工业总产值")),
    ("进出口", ("进出口",)),
    ("实际外资", ("实际外资", "利用外资")),
    ("税收收入", ("税收收入", "税收")),
)

_JUNK = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]")
_BRACKETED = re.compile(r"[(（][^()（）]{0,12}[)）]")
_LEAD = re.compile(
    r"^(?:全年|全区|全市|全省|全县|园区|开发区|经开区|累计|共|新增|实现|完成|其中|同比)+"
)
_MEASURE_WORDS = re.compile(
    r"(?:同比|比上年|较上年)?(?:增长率|增速|增幅|降幅|涨幅|增长|下降|减少|提高|提升|上升|回落|降低)$"
)
_PERIOD_WORDS = re.compile(
    r"(?:1|一)\s*[-—–~～至到]\s*(?:1[0-2]|[1-9]|十[一二]?|[二三四五六七八九])\s*月(?:份|末|底)?"
    r"|上半年|下半年|前三季度|[一二三四1-4]季度|全年|年均|年平均|\d{4}年"
)
#: Verbs and generic words that do not make a modifier another indicator ("开展突击检查" is
#: 环保管家突击检查, "加快推进总投资" is 艇湖片区市政配套工程总投资).
_GENERIC = re.compile(
    r"开展|完成|实现|新增|累计|组织|加快|推进|发现|解决|帮助|引进|新建|建成|实施|进行|开工|落实"
    r"|争取|力争|确保|达到|共计|其中|全部|各类|当年|本年|全年|已|总|全|共|约|的"
)
_SHARE_NAME = re.compile(r"占|比重|占比|比例|份额|率")
_PERCENT = frozenset({"%", "个百分点", "百分点", "‰", "倍"})
#: A change verb right before a figure: the figure itself is the change ("增长996亿元").
_VERB_BEFORE_FIGURE = re.compile(
    r"(?:增长|增加|下降|减少|提高|提升|上升|回落|降低|新增|净增)(?:了|到|至)?(?:达到|达|为)?$"
)


# Pure and called per metric and reading (thousands per file): cached.
@functools.lru_cache(maxsize=8192)
def name_form(name: str) -> str:
    """A name with synonyms unified, notes, punctuation, lead words and measure words dropped."""
    out = _JUNK.sub("", _BRACKETED.sub("", normalize_width(name))).lower()
    out = _PERIOD_WORDS.sub("", out)
    for long, short in NAME_SYNONYMS:
        out = out.replace(long, short)
    out = _LEAD.sub("", out) or out
    return _MEASURE_WORDS.sub("", out) or out


def headline_indicator(form: str) -> str | None:
    """The headline indicator a name form names (the longest form written in it), or None."""
    best: tuple[int, str] | None = None
    for key, forms in HEADLINE_INDICATORS:
        for f in forms:
            if f in form and (best is None or len(f) > best[0]):
                best = (len(f), key)
    return best[1] if best else None


@functools.lru_cache(maxsize=4096)
def _pairs(s: str) -> frozenset[str]:
    # Cached: the same names and subjects are compared again for every span.
    return frozenset({s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s})


def _overlap(a: str, b: str) -> float:
    """The share of `a`'s character pairs that `b` holds."""
    if not a or not b:
        return 0.0
    pa = _pairs(a)
    return len(pa & _pairs(b)) / len(pa)


def _suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


SubjectFit = Literal["same", "near", "none", "clash"]


# Pure and called per metric and reading (thousands per file): cached.
@functools.lru_cache(maxsize=8192)
def subject_fit(name: str, subject: str, context: str = "") -> SubjectFit:
    """How a model's name fits the subject a reading gives its figure.

    same: one holds the other, or they share a head noun without clashing modifiers; near:
    they share at least half the name's character pairs (or the words around the figure
    do); clash: another indicator (海洋生产总值 for 地区生产总值, a headline indicator the
    subject does not carry); none: no evidence either way.
    """
    n, s = name_form(name), name_form(subject)
    ctx = name_form(context.replace(" ", ""))
    if not n:
        return "same"
    if s and len(s) >= 2 and (n in s or n.endswith(s)):
        return "same"
    head = _suffix(n, s)
    if head >= 2:
        mn, ms = _GENERIC.sub("", n[:-head]), _GENERIC.sub("", s[:-head])
        if len(mn) >= 2 and len(ms) >= 2 and mn not in s and ms not in n:
            if _overlap(mn, ms) < 0.5 and mn not in ctx:
                return "clash"  # 海洋生产总值 for 地区生产总值
        return "same"
    wanted = headline_indicator(n)
    if wanted is not None and headline_indicator(s) != wanted and headline_indicator(ctx) != wanted:
        return "clash"
    if len(n) >= 2 and n in ctx:
        return "same"
    if (s and len(s) >= 2 and s in n) or max(_overlap(n, s), _overlap(n, ctx)) >= 0.5:
        return "near"  # "有色金属加工企业" in "有色金属加工企业营业收入占比": a part of the name
    return "none"


def _fit_score(name: str, x: Reading) -> float:
    n = name_form(name)
    return max(
        _overlap(n, name_form(x.subject)),
        _overlap(n, name_form(x.context)),
        _overlap(n, name_form(x.lead)),
    )


def _unit_family(unit: str | None) -> str | None:
    if not unit:
        return None
    # A unit per something ("58万元/人", "元/平方米") is of the family of its numerator: the
    # reading's unit patterns stop at the slash.
    # A note in brackets is no unit ("7.4万套（间）" is in 万套).
    u = _BRACKETED.sub("", normalize_width(unit)).strip()
    u = u.split("/", 1)[0] or u
    return u[:-1] if len(u) > 1 and u.endswith("元") else u


def _claimed_direction(name: str, raw: str) -> Literal["up", "down"] | None:
    _, direction = measure_of_name(name, "%")
    text = normalize_width(raw).strip()
    if text.startswith("-") or re.match(r"^(?:同比)?(?:下降|减少|回落|降低|下滑)", text):
        return "down"
    if re.match(r"^(?:同比)?(?:增长|提高|上升|增加)", text):
        return "up"
    return direction


#: (name head, unit families a figure of it may be stated in): "清理僵尸企业 175.8亩" or
#: "兑现奖励资金 44户" states a figure of another thing. Families: UNIT_FAMILIES.
HEAD_UNITS: tuple[tuple[str, frozenset[str]], ...] = (
    (r"(?:企业|公司|单位|主体)$", frozenset({"count"})),
    (
        r"(?:投资|资金|收入|总额|金额|税收|税金|融资|贷款|销售额|营收|利润|出让金|经费|补贴|奖励)$",
        frozenset({"money"}),
    ),
    (r"(?:用地|土地|面积)$", frozenset({"area", "count"})),
    (r"(?:产能|产量)$", frozenset({"mass", "volume", "count", "power"})),
)
UNIT_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        "元 万元 亿元 千元 万亿元 美元 万美元 亿美元 万欧元 亿 万 万亿".split(), "money"
    ),
    **dict.fromkeys("亩 万亩 公顷 平方米 万平方米 平方公里 平方千米 ㎡ 万㎡".split(), "area"),
    **dict.fromkeys("吨 万吨 亿吨 斤 万斤 亿斤 万亿斤".split(), "mass"),
    **dict.fromkeys("立方米 万立方米 亿立方米".split(), "volume"),
    **dict.fromkeys("千瓦 万千瓦 亿千瓦 兆瓦 千瓦时 万千瓦时 亿千瓦时".split(), "power"),
    **dict.fromkeys(
        "家 家次 个 名 位 项 户 宗 件 起 批 批次 次 场 套 万套 栋 幢 座 条 只 台 辆 期 所 本 "
        "人 人次 万人 万户 万家 万人次 亿人次 万个 万张 张 万辆 万次".split(),
        "count",
    ),
    **dict.fromkeys(["%", "个百分点", "百分点", "‰"], "percent"),
}
_HEADS = [(re.compile(p), families) for p, families in HEAD_UNITS]


def _head_unit_conflict(name: str, unit: str | None) -> bool:
    """The name's head noun is stated in other units than the figure's (企业 in 亩)."""
    family = UNIT_FAMILIES.get(unit or "")
    if family is None or family == "percent":
        return False
    n = name_form(name)
    for rx, families in _HEADS:
        if rx.search(n):
            return family not in families
    return False


def judge(
    name: str, raw: str, x: Reading, change: float | None = None, *, loose: bool = False
) -> Reason | SubjectFit:
    """The one rule for one reading: a `Reason` it conflicts, else how the subject fits.
    `loose`: a name read from a sentence's own words (a summary's), not written as a name:
    its head noun says nothing of the unit."""
    fig = parse_figure(raw)
    unit = fig.unit if fig.unit is not None else ("%" if fig.change is not None else None)
    a, b = _unit_family(unit), _unit_family(x.unit)
    if a and b and a != b and not (x.is_change and a == "%"):
        return "another_unit"
    n, s = name_form(name), name_form(x.subject)
    ctx_before = x.context.partition(" ")[0]
    if ("人均" in n) != ("人均" in s or "人均" in ctx_before):
        return "per_capita_vs_total"
    name_measure, _ = measure_of_name(name, unit)
    share_name = name_measure == "share" or _SHARE_NAME.search(n) is not None
    if x.measure == "share" and not share_name and "占" in x.subject:
        numerator = x.subject.split("占", 1)[0]
        if not numerator or subject_fit(name, numerator) not in ("same", "near"):
            return "share_vs_amount"
    if name_measure == "share" and x.measure in ("level", "count") and x.unit not in ("%",):
        return "share_vs_amount"
    fit = subject_fit(name, x.subject, x.context)
    if fit == "clash":
        return "another_indicator"
    # A name whose head is stated in other units, on a figure whose own words it does not
    # share ("清理僵尸企业 175.8亩"); "纳税1亿元以上工业企业" read as 纳税工业企业 shares them.
    if not loose and fit == "none" and _head_unit_conflict(name, unit):
        return "another_unit"
    if name_measure in ("growth", "points") and not x.is_change:
        return "level_vs_growth"
    if (
        name_measure is None
        and _MEASURE_WORDS.search(_JUNK.sub("", normalize_width(name)))
        and unit not in _PERCENT
        and not x.is_change
        and x.change is not None
        and not _VERB_BEFORE_FIGURE.search(x.context.partition(" ")[0])
    ):
        # "技术合同成交额增长 6496.8亿元" where the source writes 成交额6496.8亿元、增长24.9%:
        # the name asks for the growth written with the level, not the level.
        return "level_vs_growth"
    claimed = _claimed_direction(name, raw)
    if claimed is not None and x.direction is not None and x.is_change and claimed != x.direction:
        return "opposite_direction"
    if change is not None:
        said = x.change
        if said is None:
            return "change_not_found"
        if _key(abs(change)) != _key(abs(said)):
            return "change_not_found"
        if (change < 0) != (said < 0) and change != 0:
            return "opposite_direction"
    named = period_of(name)
    if named is not None and x.period is not None and not _same_period(named, x.period):
        return "another_period"
    if named is not None and named.kind == "average" and x.period is None and x.is_change:
        # "年均增长 5.3%" for a growth whose sentence names no period: one year's growth.
        return "another_period"
    return fit


def _same_period(a: Period, b: Period) -> bool:
    if a.kind != b.kind:
        return a.kind in ("year", "cumulative") and b.kind in ("year", "cumulative")
    if a.kind == "months":
        return numbers_in(a.text) == numbers_in(b.text)
    return True


def _key(value: float) -> str:
    return canonical(Decimal(repr(abs(value))))


@dataclass(frozen=True)
class Binding:
    """A metric bound to a reading, or the reason it is not: `figure` is the source's reading
    of the same figure (what the source writes it for), `rival` the reading the name fits
    instead (a swapped figure, or the redacted figure a number was guessed for)."""

    reading: Reading | None
    reason: Reason | None = None
    figure: Reading | None = None
    rival: Reading | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _figure_keys(raw: str) -> tuple[str | None, bool]:
    """The canonical number a figure states (its change when it states only one), redacted."""
    fig = parse_figure(raw)
    if fig.redacted:
        return None, True
    if fig.value is not None:
        return _key(fig.value), False
    if fig.change is not None:
        return _key(fig.change), False
    nums = numbers_in(raw)
    return (nums[0] if nums else None), False


def _reading_key(x: Reading) -> str | None:
    if x.redacted:
        return None
    if x.value is not None:
        return x.key
    return _key(x.change) if x.change is not None else None


def _unit_written(x: Reading, unit: str | None) -> bool:
    """A bare number (no unit the figure patterns know) binds a figure only when the
    figure's unit is written right after it ("150万奖励资金" for 150万, "三场" for 三场)."""
    if not x.bare or not unit:
        return True
    after = x.context.partition(" ")[2]
    # "1100多万学生" is 1100多万: 余/多 may stand between the number and its multiplier.
    return after.lstrip("余多").startswith(unit) or (x.unit or "") == unit


def reading_numbers(readings: Sequence[Reading]) -> frozenset[str]:
    """Every number the readings state (a range's both ends)."""
    keys = {_reading_key(x) for x in readings}
    keys |= {_key(x.high) for x in readings if x.high is not None}
    return frozenset(k for k in keys if k is not None)


#: How much better another figure of the span must fit a name before the name is taken as
#: that figure's (a swapped figure), when the name fits its own figure only weakly.
_BETTER = 0.25


def bind(
    name: str,
    raw: str,
    readings: Sequence[Reading],
    *,
    change: float | None = None,
    near: int | None = None,
    loose: bool = False,
) -> Binding:
    """Bind a metric ("name figure", with its change if it states one) to the span's readings.

    `loose` is for figures a summary or overview states: only a hard conflict (another
    indicator, measure, direction, period) flags them, never a weak name.
    """
    key, redacted = _figure_keys(raw)
    if redacted:
        # A figure written redacted states no number to check; it binds the span's redacted
        # figure its name fits, when there is one.
        unit = _unit_family(parse_figure(raw).unit)
        same = [x for x in readings if x.redacted and (not unit or _unit_family(x.unit) == unit)]
        if not same:
            return Binding(None)
        fits = [(judge(name, raw, x), x) for x in same]
        good = [x for v, x in fits if v in ("same", "near")]
        pool = good or [x for v, x in fits if v == "none"] or same
        return Binding(_nearest(pool, near))
    if key is None:
        return Binding(None, "not_found")
    unit = parse_figure(raw).unit
    same = [x for x in readings if _reading_key(x) == key and _unit_written(x, unit)]
    if not same:
        guessed = [x for x in readings if x.redacted and subject_fit(name, x.subject) == "same"]
        if guessed and not loose:
            return Binding(None, "redacted_guess", rival=guessed[0])
        return Binding(None, "not_found")
    verdicts = [(judge(name, raw, x, change, loose=loose), x) for x in same]
    hits = [x for v, x in verdicts if v == "same"]
    if hits:
        rival = None if loose else _rival(name, raw, key, hits, readings, plainly=True)
        if rival is not None:
            return Binding(None, "another_indicator", hits[0], rival)
        return Binding(_nearest(hits, near))
    mine = [
        x for v, x in verdicts if v == "another_unit" and subject_fit(name, x.subject) == "same"
    ]
    if mine and not loose:
        # The name's own figure is the same number in another unit ("新增公园 100公里" when
        # the source writes 新增公园100座、新建绿道100公里): a swapped unit.
        return Binding(None, "another_unit", mine[0])
    if loose:
        weak = [x for v, x in verdicts if v in ("near", "none")]
    else:
        near_hits = [x for v, x in verdicts if v == "near"]
        if near_hits and _rival(name, raw, key, near_hits, readings) is None:
            return Binding(_nearest(near_hits, near))
        weak = near_hits or [x for v, x in verdicts if v == "none"]
    if weak:
        rival = None if loose else _rival(name, raw, key, weak, readings)
        if rival is not None:
            return Binding(None, "another_indicator", weak[0], rival)
        return Binding(_nearest(weak, near))
    reason, x = verdicts[0]
    assert reason not in ("same", "near", "none")
    return Binding(None, reason, x)  # type: ignore[arg-type]


def _rival(
    name: str,
    raw: str,
    key: str,
    weak: Sequence[Reading],
    readings: Sequence[Reading],
    *,
    plainly: bool = False,
) -> Reading | None:
    """Another figure of the span that the name plainly names while its own figure's words
    do not: the figure was swapped."""
    mine = max(_fit_score(name, x) for x in weak)
    # Redacted figures count: "营业收入 8.78亿元" when the source writes 营业收入*亿元 and
    # 8.78亿元 for 应交增值税. Any unit: a swapped figure brings its own.
    # A figure of the same subject is no rival: the base it moved from (由原来的12个), or the
    # level a growth is written after.
    own = {name_form(x.subject) for x in weak}
    others = [
        x
        for x in readings
        if _reading_key(x) != key and not x.bare and name_form(x.subject) not in own
    ]
    family = _family(parse_figure(raw).unit)
    for rival in sorted(others, key=lambda x: -_fit_score(name, x)):
        if _fit_score(name, rival) < mine + _BETTER:
            break
        fit = subject_fit(name, rival.subject, rival.context)
        # A rival in another unit must be plainly the name's ("清理僵尸企业 175.8亩" when
        # the source writes 清理僵尸企业6家); a near one must be in the figure's unit; when
        # the figure's own words fit the name too, only a plain rival in its unit counts.
        same_unit = _family(rival.unit) == family
        if plainly:
            # Its subject itself, not words around it, must be the name.
            if same_unit and subject_fit(name, rival.subject) == "same":
                return rival
        elif fit == "same" or (fit == "near" and same_unit):
            return rival
    return None


def _family(unit: str | None) -> str | None:
    u = _unit_family(unit)
    return UNIT_FAMILIES.get(unit or "", u)


def _nearest(pool: Sequence[Reading], near: int | None) -> Reading:
    if near is None:
        return pool[0]
    return min(pool, key=lambda x: abs(x.start - near))


def describe(b: Binding, figure: str, label: str, where: str) -> str:
    """The sentence a refused binding is rendered to: 'figure "6%" in metric 地区生产总值 is
    another indicator's figure in its source span (the source writes it for 海洋生产总值)'."""
    assert b.reason is not None
    text = f'figure "{figure}" in {label} {REASON_TEXT[b.reason]} {where}'
    if b.figure is not None and b.figure.subject:
        text += f" (the source writes it for {b.figure.subject})"
    elif b.rival is not None and b.rival.subject:
        text += f" (the source writes {b.rival.subject} {b.rival.raw})"
    return text
