"""Figures written in report text: parse one, list the numbers of a text, find value+unit metrics.

In: strings (a figure as written, a passage, a chunk of the source). Out: `Figure`,
canonical number strings, and `FoundMetric`s (a `schema.Metric` plus its source offsets).

Everything is regex based and offset preserving: the width normalisation used before
matching maps one character to one character, so match positions are positions in the
text that was passed in.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from summarizer.core.schema import Metric
from summarizer.lexicon.numerals import (
    ARABIC,
    CHINESE,
    PLACEHOLDER,
    SENTENCE_END,
    STRONG_TARGET_WORDS,
    TARGET_WORDS,
    UNIT_GUARD,
    UNIT_PATTERN,
    UNITS,
    canonical_number,
    cn_value,
    normalize_width,
    numbers_in,
    parse_number,
)
from summarizer.lexicon.words import (
    BRACKETS,
    CHANGE_WORDS,
    COLONS,
    COMMAS,
    FALL_VERBS,
    SENTENCE_END_CHARS,
    alternation,
    char_class,
)

__all__ = [
    "UNITS",
    "Figure",
    "FoundMetric",
    "canonical_number",
    "is_redacted",
    "metric_name",
    "normalize_width",
    "numbers_in",
    "parse_figure",
]

_QUAL = r"(?:余|多)?"
_GAP = r"[ \t\u3000]?"  # PDF text often puts a space between a number and its unit
_PCT_WORDS = rf"百分之(?:{ARABIC}|[〇零一二两三四五六七八九十百点]+)"
_CN_FIRST = "〇零一二两三四五六七八九十"
# A Chinese numeral that can be a reported figure: one with a magnitude (十二, 一百二十亿,
# 一万) or a decimal, or a digit before 成. Lone digits (三个, 一批) are words of the text.
_CN_FIGURE = (
    r"[一二两三四五六七八九](?=成)"
    r"|[〇零一二两三四五六七八九]*[十百千万亿][〇零一二两三四五六七八九十百千万亿]*"
    r"(?:点[〇零一二三四五六七八九]+)?"
    r"|[〇零一二两三四五六七八九]+点[〇零一二三四五六七八九]+"
)

# A figure: optional sign, number (Arabic, Chinese, 百分之…) or placeholder, "余/多", unit;
# or a ranking 第13位. The look-behinds keep ranges ("3-5亿元"), decimals, ordinals and
# Latin-glued OCR slips ("L5万吨") out.
_FIGURE = re.compile(
    # The leading look-ahead lets the engine skip quickly to candidate characters.
    rf"(?=[-0-9Xx*第百{_CN_FIRST}])"
    rf"(?:(?P<rank>第)(?=[0-9{_CN_FIRST}])|(?<![0-9.~～/第])(?<![0-9]-)(?<![A-Za-z])(?P<neg>-)?)"
    rf"(?:(?P<red>{PLACEHOLDER})|(?P<num>{ARABIC})|(?P<pct>{_PCT_WORDS})|(?P<cn>{_CN_FIGURE}))"
    rf"{_GAP}(?P<qual>{_QUAL})(?P<unit>{UNIT_PATTERN}|(?<=[{_CN_FIRST}])成)(?:{UNIT_GUARD})"
    rf"|(?<![0-9.~～/第])(?P<pct2>{_PCT_WORDS})"
)
_GROWTH = re.compile(
    # "…6496.8亿元、增长24.9%": a growth after a level, after a comma or a 、.
    r"\s*[，,、]?\s*(?:其中)?(?:同比|环比|比上年|较上年|较去年同期|比去年同期|较去年|比去年)?"
    rf"(?P<verb>{alternation(CHANGE_WORDS)})了?"
    r"(?:达到|达|为)?\s*"
    rf"(?:(?P<neg>-)?(?:(?P<red>{PLACEHOLDER})|(?P<num>{ARABIC}))%|(?P<pct>{_PCT_WORDS}))"
)
#: Verbs that make a change negative (下降 5% is -5).
NEGATIVE_VERBS = frozenset(FALL_VERBS)

_PARSE = re.compile(
    rf"(?P<rank>第)?(?P<neg>-)?(?:(?P<red>{PLACEHOLDER})|(?P<num>{ARABIC})|(?P<pct>{_PCT_WORDS})"
    rf"|(?P<cn>{CHINESE}))(?P<rest>.*)$",
    re.S,
)
_REDACTED = re.compile(rf"(?:{PLACEHOLDER})\s*{_QUAL}\s*(?:{UNIT_PATTERN}|年|月|日|$)")

# Clause and sentence boundaries for metric names and target detection.
# Quotation marks are not clause ends for naming: "新增“小巨人”企业12家" names one figure.
_CLAUSE_END = re.compile(char_class(COMMAS + SENTENCE_END_CHARS + COLONS + BRACKETS + "\n"))
_SENTENCE_END = SENTENCE_END
_TARGET_WORDS = TARGET_WORDS
# Enough on their own to make a whole sentence a plan ("目标任务" also appears in progress reports).
_STRONG_TARGET = STRONG_TARGET_WORDS
_ACTUAL_WORDS = re.compile(r"已|完成任务|完成考核|实际")
# Leading words that are not part of a metric's name (time phrases, connectives, verbs).
_LEAD = re.compile(
    r"^(?:[0-9.]+(?:%o|虬)|[0-9]+[.、．]|[一二三四五六七八九十]+是|其中|另外|此外|同时|全年|今年以来|今年"
    r"|当年|本年|上半年|下半年|前三季度|[一二三四]季度|(?:截至|截止|至)?目前|(?:截至|截止|至)?"
    r"[0-9Xx*\-～~]+月(?:底|份|末)?|[0-9Xx*]+年度?|累计|共计|共有|拥有|现有|共|总计|合计|分别|园区"
    r"|开发区|全区|我园区|本园区|我区|我县|我市|已经|已|了|预计|计划|力争|争取|确保|将|可|实现|完成|达到|达|为|占|单月)+"
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
_BASE_YEAR_CUT = re.compile(r"(?:由|从|比|较)(?:19|20)\d{2}年")
_NAME_MAX = 16  # "社会消费品零售总额" with its qualifier still fits


@dataclass(frozen=True)
class Figure:
    """A parsed figure: its number (None if redacted or absent), unit as written, redaction.

    `change` is a change in percent written with it (同比增长16.2% → 16.2, 下降 → negative);
    `high` the upper end of a range (3-5亿元: value 3, high 5); `qualifier` a word that
    makes it approximate or a bound (约, 超, 左右, 以上, 余).
    """

    value: float | None
    unit: str | None
    redacted: bool
    change: float | None = None
    high: float | None = None
    qualifier: str | None = None


@dataclass(frozen=True)
class FoundMetric:
    """A metric found in a text, with its offsets in the source."""

    metric: Metric
    start: int
    end: int


def _to_float(num: str) -> float:
    return float(num.replace(",", ""))


@dataclass(frozen=True)
class _Parsed:
    value: float | None
    unit: str
    redacted: bool


def _number_of(m: re.Match[str], unit: str, text: str) -> _Parsed | None:
    """Value and unit of a figure match (None when the match is a word, not a figure)."""
    neg = bool(m.groupdict().get("neg"))
    if m.group("red") is not None:
        return _Parsed(None, unit, True)
    if m.group("num") is not None:
        v = _to_float(m.group("num"))
        return _Parsed(-v if neg else v, unit, False)
    pct = m.group("pct") or (m.groupdict().get("pct2"))
    if pct is not None:
        d = parse_number(pct)
        return None if d is None else _Parsed(float(d), "%", False)
    cn = m.group("cn")
    start = m.start("cn")
    if start > 0 and text[start - 1] in "〇零一二两三四五六七八九十百千万亿":
        return None  # the tail of a longer run
    # A trailing 万/亿 is the unit's multiplier, as in Arabic ("一百二十亿元" = 120 亿元).
    body = cn.rstrip("万亿")
    if body and body != cn and "万" not in body and "亿" not in body and "点" not in cn:
        unit = cn[len(body) :] + unit
    else:
        body = cn
    d = cn_value(body)
    if d is None:
        return None
    if unit == "成":
        return None if d >= 10 else _Parsed(float(d) * 10, "%", False)
    return _Parsed(-float(d) if neg else float(d), unit, False)


_APPROX = re.compile(r"^(?:约|近|超过|超|达|共|累计|逾|高达|突破)")
_MORE_LEAD = re.compile(r"^(?:余|多)")
_MORE_TAIL = re.compile(r"(?:以上|左右|以内|余|多)$")
# A range's upper end; the lower end may repeat a percent unit ("4.5%-5%", "4.5%—5%").
_RANGE = re.compile(rf"^\s*(?:%|‰)?\s*[-~～—–至到]\s*(?P<hi>{ARABIC}|{CHINESE})")
_CHANGE_FIRST = re.compile(r"^(?:同比|环比|比上年|较上年)?(?P<verb>增长|提高|上升|下降|减少|回落)")


# Pure and called per metric and reading (thousands per file): cached.
@functools.lru_cache(maxsize=8192)
def parse_figure(raw: str) -> Figure:
    """Parse a figure as written into value, unit, change and redaction.

    184.7亿元 / X亿元 / -*% / 1,200万元 / 一百二十亿元 / 百分之十五 / 3-5亿元 / 5%左右 /
    第13位 / 184.7亿元,同比增长16.2% (change 16.2) / 下降9.29% (a change only: -9.29).
    Digits glued to a placeholder (**00万元, XX.27%) are redacted, never a value.
    """
    text = normalize_width(raw).strip()
    lead = _APPROX.match(text)
    qualifier = lead.group() if lead else None
    text = text[lead.end() :].strip() if lead else text
    if _CHANGE_FIRST.match(text) is not None:
        g = _GROWTH.match(text)
        if g is not None:
            # A change only ("下降9.29%"): the figure says how much something moved.
            red = g.group("red") is not None
            return Figure(None, None, red, _growth_value(g), None, qualifier)
    m = _PARSE.match(text)
    if m is None:
        return Figure(None, None, False, qualifier=qualifier)
    rest = m.group("rest")
    high: float | None = None
    r = _RANGE.match(rest)
    if r is not None:
        hi = parse_number(r.group("hi"))
        high = float(hi) if hi is not None else None
        rest = rest[r.end() :]
    change: float | None = None
    g = _GROWTH.search(rest)
    if g is not None:
        change = _growth_value(g)
        rest = rest[: g.start()]
    rest = rest.strip().rstrip("，,；;。").strip()
    more = _MORE_LEAD.match(rest) or _MORE_TAIL.search(rest)
    if more is not None:
        qualifier = qualifier or more.group()
    rest = _MORE_TAIL.sub("", _MORE_LEAD.sub("", rest)).strip()
    if m.group("red") is not None:
        # "X新区" is a redacted name, not a figure: a placeholder must end the text or carry a unit.
        if rest and not _REDACTED.match(text[m.start("red") :]):
            return Figure(None, None, False)
        return Figure(None, rest or None, True, change, None, qualifier)
    parsed = _number_of(m, rest, text)
    if parsed is None:
        return Figure(None, None, False)
    if m.group("rank") and parsed.unit not in ("位", "名"):
        return Figure(None, None, False)
    return Figure(parsed.value, parsed.unit or None, False, change, high, qualifier)


def _growth_value(g: re.Match[str]) -> float | None:
    """The signed change of a growth match (下降 5% → -5); None when redacted."""
    if g.group("red") is not None:
        return None
    if g.group("num") is not None:
        v = _to_float(g.group("num"))
    else:
        d = parse_number(g.group("pct"))
        if d is None:
            return None
        v = float(d)
    negative = bool(g.group("neg")) != (g.group("verb") in NEGATIVE_VERBS)
    return -v if negative else v


def is_redacted(raw: str) -> bool:
    """True when the figure's number is a redaction placeholder (X, xx, xx.x, *, **00, XX.27)."""
    return _REDACTED.search(normalize_width(raw)) is not None


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
    # "产值由2020年的50亿元提高到86.4亿元": the name is what stands before the base year.
    base = _BASE_YEAR_CUT.split(name, maxsplit=1)[0]
    if len(base) >= 2 and base != name:
        name = base
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


def _figure_match(norm: str, m: re.Match[str]) -> _Parsed | None:
    """Value, unit and redaction of a `_FIGURE` match, or None when it is no figure."""
    if m.group("pct2") is not None:
        d = parse_number(m.group("pct2"))
        return None if d is None else _Parsed(float(d), "%", False)
    unit = m.group("unit")
    if m.group("cn") is not None:
        parsed = _number_of(m, unit, norm)
        # Small Chinese counts (三个区块, 一批) are words of the text, not figures to report.
        if parsed is None or (parsed.unit == unit and unit != "成" and (parsed.value or 0) < 10):
            return None
    else:
        parsed = _number_of(m, unit, norm)
    if parsed is not None and m.group("rank") and parsed.unit not in ("位", "名"):
        return None
    return parsed


# A list of subjects before 分别 ("规上工业增加值、工业投资分别增长8.5%、9.5%").
_PAIRED_SUBJECTS = re.compile(r"(?P<subjects>[^，,；;。：:]+?)分别[^，,；;。：:、]{0,8}$")
_PAIR_SPLIT = re.compile(r"、|和|及|与")


def _name_before_paren(norm: str, cstart: int, clause_bounds: list[int]) -> str:
    """A figure right after a parenthesis is named by the clause before the parenthesis."""
    i = cstart - 1
    if i < 0 or norm[i] not in "(（)）":
        return ""
    if norm[i] in ")）":
        opening = max(norm.rfind("(", 0, i), norm.rfind("（", 0, i))
        if opening < 0 or i - opening > 30:
            return ""
        i = opening
    start = _starts_before(clause_bounds, i)
    return metric_name(norm[start:i])
