"""Figures written in report text: parse one, list the numbers of a text, find value+unit metrics.

In: strings (a figure as written, a passage, a chunk of the source). Out: `Figure`,
canonical number strings, and `FoundMetric`s (a `schema.Metric` plus its source offsets).

Everything is regex based and offset preserving: the width normalisation used before
matching maps one character to one character, so match positions are positions in the
text that was passed in.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from summarizer.schema import Metric

# One character to one character, so offsets survive the normalisation.
_WIDTH_MAP: dict[str, str] = {
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "．": ".",
    "％": "%",
    "－": "-",
    "＊": "*",
    "Ｘ": "X",
    "ｘ": "x",
    "﹪": "%",
}
_WIDTH_RE = re.compile("[" + "".join(_WIDTH_MAP) + "]")

#: Units recognised after a number; alternation is ordered longest first.
UNITS: tuple[str, ...] = (
    "亿美元",
    "万美元",
    "美元",
    "万欧元",
    "亿元",
    "万元",
    "千元",
    "元",
    "个百分点",
    "百分点",
    "%",
    "‰",
    "万平方米",
    "平方米",
    "平方公里",
    "平方千米",
    "万亩",
    "亩",
    "公顷",
    "公里",
    "千米",
    "米",
    "万人次",
    "人次",
    "万人",
    "人",
    "家次",
    "家",
    "个",
    "名",
    "项",
    "户",
    "宗",
    "件",
    "起",
    "批次",
    "批",
    "次",
    "场",
    "万吨",
    "吨",
    "套",
    "栋",
    "幢",
    "座",
    "条",
    "只",
    "台",
    "辆",
    "期",
    "所",
    "万千瓦",
    "千瓦",
    "兆瓦",
    "万套",
    "亿",
    "万",
)

# Units that are also the first character of common words ("*项目" is a redacted project
# name, "家居", "个人"): a figure needs its unit not to run on into such a word.
_UNIT_GUARD = (
    r"(?<=项)(?!目)|(?<=家)(?!居|具|电|庭|纺)|(?<=个)(?!人|体|性|税)|(?<=名)(?!单|称|义)"
    r"|(?<=只)(?!有|要|是)|(?<=[万亿])(?:(?![\u4e00-\u9fff])|(?=以上|以下|左右|余|多))"
    r"|(?<![项家个名只万亿])"
)

_UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
# A real number: thousands separators only in their strict form, so "2家,350" stays apart.
_NUM = r"\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?"
# Redaction placeholders: X / xx / xx.x / * / *.*; a lower-case x run must not be part of a word.
_RED = r"(?<![a-z])[Xx]+(?:\.[Xx]+)?(?![A-Za-z])|\*+(?:\.\*+)?"
_QUAL = r"(?:余|多)?"

# A figure: optional sign, number or placeholder, "余/多", unit. The look-behinds keep
# ranges ("3-5亿元"), decimals and Latin-glued OCR slips ("L5万吨") out.
_FIGURE = re.compile(
    # The leading look-ahead lets the engine skip quickly to candidate characters.
    rf"(?=[-0-9Xx*])(?<![0-9.~～/第])(?<![0-9]-)(?<![A-Za-z])"
    rf"(?P<neg>-)?(?:(?P<num>{_NUM})|(?P<red>{_RED}))"
    rf"(?P<qual>{_QUAL})(?P<unit>{_UNIT_RE})(?:{_UNIT_GUARD})"
)
_GROWTH = re.compile(
    r"\s*[，,]?\s*(?:其中)?(?:同比|环比|比上年|较上年|较去年同期|比去年同期|较去年|比去年)?"
    r"(?P<verb>增长|增加|提高|提升|上升|增速|增幅|下降|减少|回落|降低|下滑)了?"
    r"(?:达到|达|为)?\s*"
    rf"(?P<neg>-)?(?:(?P<num>{_NUM})|(?P<red>{_RED}))%"
)
_NEGATIVE_VERBS = frozenset({"下降", "减少", "回落", "降低", "下滑"})

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?")
_PARSE = re.compile(
    rf"(?P<neg>-)?(?:(?P<num>{_NUM})|(?P<red>[Xx]+(?:\.[Xx]+)?|\*+(?:\.\*+)?))(?P<rest>.*)$",
    re.S,
)
_REDACTED = re.compile(
    rf"(?<![A-Za-z])(?:[Xx]+(?:\.[Xx]+)?|\*+(?:\.\*+)?)(?![A-Za-z])"
    rf"\s*{_QUAL}\s*(?:{_UNIT_RE}|年|月|日|$)"
)

# Clause and sentence boundaries for metric names and target detection.
# Quotation marks are not clause ends: "新增“小巨人”企业12家" names one figure.
_CLAUSE_END = re.compile(r"[，,；;。：:、！!？?()（）\[\]【】\n]")
_SENTENCE_END = re.compile(r"[；;。！!？?\n]")
_TARGET_WORDS = re.compile(r"计划|力争|目标|预计|争取|确保|将|预期|任务|有望|拟")
# Enough on their own to make a whole sentence a plan ("目标任务" also appears in progress reports).
_STRONG_TARGET = re.compile(r"计划|力争|预计|争取|预期|有望")
_ACTUAL_WORDS = re.compile(r"已|完成任务|完成考核|实际")
# Leading words that are not part of a metric's name (time phrases, connectives, verbs).
_LEAD = re.compile(
    r"^(?:[0-9.]+(?:%o|虬)|[0-9]+[.、．]|[一二三四五六七八九十]+是|其中|另外|此外|同时|全年|今年以来|今年"
    r"|当年|本年|上半年|下半年|前三季度|[一二三四]季度|(?:截至|截止|至)?目前|(?:截至|截止|至)?"
    r"[0-9Xx*\-～~]+月(?:底|份|末)?|[0-9Xx*]+年度?|累计|共计|共有|拥有|现有|共|总计|合计|分别|园区"
    r"|开发区|全区|已经|已|了|预计|计划|力争|争取|确保|将|可|实现|完成|达到|达|为|占|单月)+"
)
_STRONG_VERB = re.compile(r"实现|完成|达到|累计")
_TRAIL = re.compile(
    r"(?:的|为|达|达到|约|近|超|超过|突破|是|有|有望|可|已|在|共|将|预计|同比增长|增长|增速|等"
    # A name cut before a paired value or a level reached ("分别", "提高到", "降至").
    r"|分别|分别为|分别达|至|提高到|提升到|提高至|提升至|增加到|增至|降至|降到|下降到|下降至|减少到)+$"
)
# A counted noun after the figure ("13家有色金属加工企业完成…") ends at a verb or connective.
_NOUN_AFTER = re.compile(
    r"(?:以上|以下|左右)?(?:的)?(?P<noun>.+?)(?=完成|实现|入选|发布|参加|开展|获得|签约|进行|正在|已|在|累计"
    r"|共|和|及|与|的|[0-9Xx*]|$)"
)
_NAME_MAX = 16  # "社会消费品零售总额" with its qualifier still fits


@dataclass(frozen=True)
class Figure:
    """A parsed figure: its number (None if redacted or absent), unit as written, redaction."""

    value: float | None
    unit: str | None
    redacted: bool


@dataclass(frozen=True)
class FoundMetric:
    """A metric found in a text, with its offsets in the source."""

    metric: Metric
    start: int
    end: int


def normalize_width(text: str) -> str:
    """Full-width digits and figure signs to ASCII, one character for one."""
    # A substitution only where needed: most reports have no full-width digits at all.
    if _WIDTH_RE.search(text) is None:
        return text
    return _WIDTH_RE.sub(lambda m: _WIDTH_MAP[m.group()], text)


def _to_float(num: str) -> float:
    return float(num.replace(",", ""))


def canonical_number(num: str) -> str:
    """The canonical form of a written number: 1,200 → 1200, 16.20 → 16.2, 05 → 5."""
    try:
        d = Decimal(normalize_width(num).replace(",", ""))
    except InvalidOperation:
        return num
    s = format(d.normalize(), "f")
    return "0" if s in ("-0", "0") else s


_APPROX = re.compile(r"^(?:约|近|超过|超|达|共|累计|逾)")
_MORE_LEAD = re.compile(r"^(?:余|多)")
_MORE_TAIL = re.compile(r"(?:以上|左右|以内|余)$")


def parse_figure(raw: str) -> Figure:
    """Parse a figure as written (184.7亿元, X亿元, -*%, 1,200万元) into value, unit, redaction."""
    text = normalize_width(raw).strip()
    text = _APPROX.sub("", text).strip()
    m = _PARSE.match(text)
    if m is None:
        return Figure(None, None, False)
    rest = m.group("rest").strip()
    rest = _MORE_LEAD.sub("", rest)
    rest = _MORE_TAIL.sub("", rest).strip()
    unit = rest or None
    if m.group("red") is not None:
        # "X新区" is a redacted name, not a figure: a placeholder must end the text or carry a unit.
        if unit is not None and not _REDACTED.match(text[m.start("red") :]):
            return Figure(None, None, False)
        return Figure(None, unit, True)
    value = _to_float(m.group("num"))
    if m.group("neg"):
        value = -value
    return Figure(value, unit, False)


def is_redacted(raw: str) -> bool:
    """True when the figure's number is a redaction placeholder (X, xx, xx.x, *)."""
    return _REDACTED.search(normalize_width(raw)) is not None


def numbers_in(text: str) -> list[str]:
    """The numbers written in `text`, canonical, unsigned, in order (placeholders are not numbers)."""
    return [canonical_number(m.group()) for m in _NUMBER.finditer(normalize_width(text))]


def _starts_before(bounds: list[int], pos: int) -> int:
    """Start of the span that holds `pos`, given the sorted boundary positions."""
    i = bisect.bisect_left(bounds, pos)
    return bounds[i - 1] + 1 if i else 0


def _clause_end(text: str, pos: int) -> int:
    m = _CLAUSE_END.search(text, pos, min(len(text), pos + 40))
    return m.start() if m else min(len(text), pos + 40)


def metric_name(prefix: str, after: str = "") -> str:
    """A short metric name from the words before a figure in its clause (or the noun after it)."""
    name = prefix.strip()
    # The name follows the last strong verb: "园区完成规上工业总产值" → 规上工业总产值.
    verbs = list(_STRONG_VERB.finditer(name))
    if verbs and verbs[-1].end() < len(name):
        name = name[verbs[-1].end() :]
    name = _LEAD.sub("", name).strip()
    listed = name.endswith("等")
    name = _TRAIL.sub("", name).strip()
    if len(name) < 2 or listed:
        # "其中13家有色金属加工企业", "*贡酒等16家企业": the counted noun names the figure.
        m = _NOUN_AFTER.match(after.strip())
        noun = m.group("noun").strip() if m else ""
        if len(noun) >= 2:
            name = noun
    if not name:
        name = _TRAIL.sub("", prefix.strip()).strip()
    if len(name) > _NAME_MAX:
        name = name[-_NAME_MAX:]
    return name


def _is_target(text: str, clause_start: int, sentence_start: int, pos: int) -> bool:
    clause = text[clause_start:pos]
    if _TARGET_WORDS.search(clause):
        # "完成任务数的*%" reports progress against a task; it is an actual figure.
        return not (_ACTUAL_WORDS.search(clause) and not _STRONG_TARGET.search(clause))
    if _ACTUAL_WORDS.search(clause):
        return False
    sentence = text[sentence_start:clause_start]
    return _STRONG_TARGET.search(sentence) is not None


def find_metrics(text: str, offset: int = 0, limit: int | None = None) -> list[FoundMetric]:
    """Every value+unit figure of `text` (redacted ones too), with offsets `offset + index`.

    `limit` stops after that many figures (the rest of the text is not parsed).
    """
    norm = normalize_width(text)
    found: list[FoundMetric] = []
    # Boundaries found once, so each figure's clause and sentence start is a bisection.
    clause_bounds = [m.start() for m in _CLAUSE_END.finditer(norm)]
    sentence_bounds = [m.start() for m in _SENTENCE_END.finditer(norm)]
    pos = 0
    while True:
        m = _FIGURE.search(norm, pos)
        if m is None:
            break
        start, end = m.start(), m.end()
        pos = end
        redacted = m.group("red") is not None
        value: float | None = None
        if not redacted:
            value = _to_float(m.group("num"))
            if m.group("neg"):
                value = -value
        change: float | None = None
        g = _GROWTH.match(norm, end)
        if g is not None and m.group("unit") not in ("%", "个百分点", "百分点"):
            if g.group("num") is not None:
                change = _to_float(g.group("num"))
                negative = bool(g.group("neg")) != (g.group("verb") in _NEGATIVE_VERBS)
                change = -change if negative else change
            # The growth figure belongs to this metric, so it is not reported on its own.
            pos = g.end()
        cstart = _starts_before(clause_bounds, start)
        sstart = _starts_before(sentence_bounds, cstart)
        after = norm[end : _clause_end(norm, end)]
        name = metric_name(norm[cstart:start], after)
        if not name:
            # A bare figure with no words in its clause measures nothing we could name.
            continue
        metric = Metric(
            name=name,
            raw=text[start:end],
            value=value,
            unit=m.group("unit"),
            change_pct=change,
            kind="target" if _is_target(norm, cstart, sstart, start) else "actual",
            redacted=redacted,
        )
        found.append(FoundMetric(metric, offset + start, offset + end))
        if limit is not None and len(found) >= limit:
            break
    return found
