"""Numbers as reports write them, and the sentence patterns every stage shares.

In: any text. Out: `Number`s (value as `Decimal`, offsets into the text passed in) for
Arabic, full-width and Chinese numerals (`184.7`, `１２．８`, `30,128`, `一百二十`, `两千`,
`百分之十五`, `三成`), and the canonical strings grounding compares (`numbers_in`).

This module is the one place that spells what a number, a unit, a redaction placeholder,
a clause end, a sentence end and a target word look like: figures, grounding, check, eval,
chunks, clean and the offline backend import these patterns instead of keeping copies.

The rules, in one place:
- an Arabic number is `\\d+(.\\d+)?` or strict thousands groups (`30,128`, never `2家,350`);
- a Chinese numeral counts as a number only when it is a figure: followed by a unit or a
  measure word (`十二个`, `一百二十亿元`, `两千家`), or written `百分之十五` / `三成`; a lone
  `一` (`一批`, `一个`: an article, not a count), ordinals (`第一`) and plan names
  (`十四五`, not a valid numeral) are not numbers;
- a trailing `万`/`亿` of a Chinese numeral is its unit's multiplier, as in Arabic
  (`一百二十亿元` is 120 `亿元`, like `120亿元`);
- digits glued to a redaction placeholder (`**00万元`, `XX.27%`, `1X.5`) are redacted,
  never a number.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from summarizer.lexicon.words import CLAUSE_END_MARK, SENTENCE_END_CHARS

# ----------------------------------------------------------------------- sentence patterns

#: Closing quotes and brackets that may follow a sentence end and still belong to it.
CLOSERS = "”’」』)）"
#: A sentence boundary inside a line, or a line break.
SENTENCE_END = re.compile(rf"[{SENTENCE_END_CHARS}\n]")
#: A sentence end with its closers, or a run of line breaks: where a long text may be cut.
SENTENCE_CUT = re.compile(rf"[{SENTENCE_END_CHARS}]+[{CLOSERS}]*|\n+")
#: Characters after which a line reads as finished (a page marker that follows is not glued).
LINE_FINISHED_CHARS = frozenset(SENTENCE_END_CHARS + "：:" + CLOSERS + '」』”"')
#: Clause boundaries: where a metric's name starts and stops.
CLAUSE_END = CLAUSE_END_MARK
#: Words that make a figure a target (a plan) rather than a result.
TARGET_WORDS = re.compile(r"计划|力争|目标|预计|争取|确保|将|预期|任务|有望|拟")
#: Target words strong enough to make the whole sentence a plan.
STRONG_TARGET_WORDS = re.compile(r"计划|力争|预计|争取|预期|有望")

# ------------------------------------------------------------------------------ numerals

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
# A full-width comma stays: it is a clause end, never a thousands separator.
_WIDTH_RE = re.compile("[" + "".join(_WIDTH_MAP) + "]")

#: An Arabic number: thousands separators only in their strict form, so "2家,350" stays apart.
ARABIC = r"\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?"
#: A redaction placeholder, possibly mixed with digits (X, xx.x, *, **00, XX.27, 1X.5).
PLACEHOLDER = (
    r"(?<![A-Za-z])(?:\d*[Xx]+[\dXx]*(?:\.[\dXx]+)?|\d+\.\d*[Xx][\dXx]*)(?![A-Za-z])"
    r"|\d*\*+[\d*]*(?:\.[\d*]+)?|\d+\.\d*\*[\d*]*"
)

_CN_DIGIT: dict[str, int] = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL_MAG: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "".join(_CN_DIGIT) + "十百千万亿"
#: A run of Chinese numeral characters (validated by `cn_value`), with an optional 点 decimal.
CHINESE = rf"[{''.join(_CN_DIGIT)}十][{_CN_CHARS}]*(?:点[{''.join(_CN_DIGIT)}]+)?"

#: Units recognised after a number; the alternation is ordered longest first.
UNITS: tuple[str, ...] = (
    "万亿美元",
    "亿美元",
    "万美元",
    "美元",
    "万欧元",
    "万亿元",
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
    "万㎡",
    "㎡",
    "平方公里",
    "平方千米",
    "亿立方米",
    "万立方米",
    "立方米",
    "万亩",
    "亩",
    "公顷",
    "公里",
    "千米",
    "米",
    "亿人次",
    "万人次",
    "人次",
    "万人",
    "人",
    "万户",
    "万家",
    "家次",
    "家",
    "个",
    "名",
    "位",
    "项",
    "户",
    "宗",
    "件",
    "起",
    "批次",
    "批",
    "次",
    "场",
    "亿吨",
    "万吨",
    "吨",
    "万亿斤",
    "亿斤",
    "万斤",
    "斤",
    "套",
    "本",
    "栋",
    "幢",
    "座",
    "条",
    "只",
    "台",
    "辆",
    "期",
    "所",
    "倍",
    "亿千瓦时",
    "万千瓦时",
    "千瓦时",
    "亿千瓦",
    "万千瓦",
    "千瓦",
    "兆瓦",
    "万标箱",
    "标箱",
    "万套",
    # counted in ten-thousands in government reports (61.4万个岗位, 8.1万张床位, 近70万辆)
    "万个",
    "万张",
    "张",
    "万辆",
    "万次",
    "万亿",
    "亿",
    "万",
)
UNIT_PATTERN = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))

# Units that are also the first character of common words ("*项目" is a redacted project
# name, "家居", "个人", "位于"): a figure needs its unit not to run on into such a word.
UNIT_GUARD = (
    r"(?<=项)(?!目)|(?<=家)(?!居|具|电|庭|纺)|(?<=个)(?!人|体|性|税)|(?<=名)(?!单|称|义)"
    r"|(?<=位)(?!于|置|居|列)|(?<=倍)(?!增)"
    r"|(?<=只)(?!有|要|是)|(?<=本)(?!地|土|年|次|级|市|区|届|身|质|科|部|着|领|轮)|(?<=[万亿])(?:(?![\u4e00-\u9fff])|(?=以上|以下|左右|余|多))"
    r"|(?<![项家个名位倍只本万亿])"
)

_CN_UNIT_AFTER = re.compile(rf"[ \t\u3000]?(?:(?:余|多)?(?:{UNIT_PATTERN})(?:{UNIT_GUARD})|成)")
# "成为", "成立", "成功"...: 成 after a numeral is a fraction only when no such word follows.
_CHENG_WORD = re.compile(r"成(?:为|立|功|果|本|交|长|绩|效|就|员|熟|型|品|套|片|都|批|规模)")
_CN_MULTIPLIER = re.compile(r"(?P<body>.+?)(?P<mult>万亿|亿|万)")
_ANY_NUMBER = re.compile(
    rf"(?P<red>{PLACEHOLDER})|(?P<ar>{ARABIC})|(?P<pct>百分之(?:{ARABIC}|[{''.join(_CN_DIGIT)}十百点]+))"
    rf"|(?P<cn>{CHINESE})"
)


@dataclass(frozen=True)
class Number:
    """A number written in a text: its span, as written, and its value.

    `unit` is what the numeral itself implies: "%" for 百分之十五 / 三成, the multiplier of a
    Chinese numeral that ends in 万/亿 (its span stops before it, like an Arabic number's),
    else "".
    """

    start: int
    end: int
    text: str
    value: Decimal
    unit: str = ""


def normalize_width(text: str) -> str:
    """Full-width digits and figure signs to ASCII, one character for one."""
    # A substitution only where needed: most reports have no full-width digits at all.
    if _WIDTH_RE.search(text) is None:
        return text
    return _WIDTH_RE.sub(lambda m: _WIDTH_MAP[m.group()], text)


def _small(s: str) -> int | None:
    """Value of a numeral below 10,000 (二千三百零五, 十二, 两千五), or None if malformed."""
    if not s:
        return 0
    if all(ch in _CN_DIGIT for ch in s):
        if len(s) == 1:
            return _CN_DIGIT[s]
        # Digit by digit (二〇二三) is positional; 两 never is.
        return None if "两" in s else int("".join(str(_CN_DIGIT[ch]) for ch in s))
    total = 0
    digit: int | None = None
    last_mag = 10_000
    right_after_mag = False  # 两千五 = 2500, but 两千零五 = 2005
    colloquial = False
    for ch in s:
        if ch in _CN_DIGIT:
            d = _CN_DIGIT[ch]
            if d == 0:
                right_after_mag = False
                continue
            if digit is not None:
                return None  # two digits in a row (二二十)
            digit, colloquial, right_after_mag = d, right_after_mag, False
            continue
        mag = _CN_SMALL_MAG[ch]
        if mag >= last_mag:
            return None
        if digit is None:
            if mag != 10:
                return None
            digit = 1  # 十二 = 12, 一百一十 written 一百十
        total += digit * mag
        digit, last_mag, right_after_mag = None, mag, True
    if digit:
        total += digit * last_mag // 10 if colloquial and last_mag >= 100 else digit
    return total


def _integer(s: str) -> int | None:
    """Value of an integer Chinese numeral with 万 and 亿 (一万二千, 三千万, 两亿零五百万)."""
    if "亿" in s:
        high, _, low = s.rpartition("亿")
        h = _integer(high) if high else None
        lo = _below(low, 100_000_000, _wan)
        return None if h is None or lo is None else h * 100_000_000 + lo
    return _wan(s)


def _wan(s: str) -> int | None:
    if "万" not in s:
        return _small(s)
    high, _, low = s.partition("万")
    h = _small(high) if high else None
    lo = _below(low, 10_000, _small)
    return None if h is None or lo is None else h * 10_000 + lo


def _below(low: str, unit: int, parse: Callable[[str], int | None]) -> int | None:
    """The part after 万/亿: 一万二 = 12000 (a bare digit is the next magnitude down)."""
    if len(low) == 1 and low in _CN_DIGIT and _CN_DIGIT[low]:
        return _CN_DIGIT[low] * unit // 10
    return parse(low.lstrip("零〇"))


def cn_value(s: str) -> Decimal | None:
    """Value of a Chinese numeral (一百二十, 两千, 一万二千, 三点五, 二〇二三), else None.

    Malformed runs (十四五, 二二十) are None: they are names, not numbers.
    """
    if not s or any(ch not in _CN_CHARS and ch != "点" for ch in s):
        return None
    whole, dot, frac = s.partition("点")
    if dot and (not frac or any(ch not in _CN_DIGIT or ch == "两" for ch in frac)):
        return None
    n = _integer(whole) if whole else None
    if n is None:
        return None
    if not dot:
        return Decimal(n)
    return Decimal(f"{n}.{''.join(str(_CN_DIGIT[ch]) for ch in frac)}")


def parse_number(text: str) -> Decimal | None:
    """Value of one number as written: 1,200 / １２．８ / 一百二十 / 百分之十五 (→ 15)."""
    t = normalize_width(text).strip()
    if t.startswith("百分之"):
        t = t[3:]
    if re.fullmatch(ARABIC, t):
        return Decimal(t.replace(",", ""))
    return cn_value(t)


def _chinese(text: str, m: re.Match[str]) -> Number | None:
    """The figure a Chinese numeral run makes, or None when it is a word, not a count."""
    raw = m.group()
    start = m.start()
    if start > 0 and text[start - 1] in "第" + _CN_CHARS:
        return None  # an ordinal, or the tail of a longer run
    # A trailing 万/亿 is the unit's multiplier, as in Arabic ("一百二十亿元" = 120 亿元),
    # unless the numeral has 万/亿 inside too (两亿零五百万 is one value).
    split = _CN_MULTIPLIER.fullmatch(raw)
    if split is not None and not re.search("[万亿]", split.group("body")):
        body, mult = split.group("body"), split.group("mult")
    else:
        body, mult = raw, ""
    value = cn_value(body)
    if value is None:
        return None
    if mult:
        return Number(start, start + len(body), body, value, mult)
    after = text[start + len(body) :]
    u = _CN_UNIT_AFTER.match(after)
    if u is None:
        return None
    if u.group().strip() == "成":
        if u.group() != "成" or _CHENG_WORD.match(after) or value >= 10:
            return None
        return Number(start, start + len(body) + 1, body + "成", value * 10, "%")
    if body == "一":
        return None  # 一个, 一批, 一家: an article more often than a count
    return Number(start, start + len(body), body, value)


def find_numbers(text: str) -> list[Number]:
    """Every number written in `text`, in order, with offsets into `text` (not placeholders)."""
    norm = normalize_width(text)
    out: list[Number] = []
    for m in _ANY_NUMBER.finditer(norm):
        if m.group("red") is not None:
            continue
        if m.group("ar") is not None:
            out.append(Number(m.start(), m.end(), m.group(), Decimal(m.group().replace(",", ""))))
        elif m.group("pct") is not None:
            v = parse_number(m.group())
            if v is not None:
                out.append(Number(m.start(), m.end(), m.group(), v, "%"))
        else:
            n = _chinese(norm, m)
            if n is not None:
                out.append(n)
    return out


def canonical(value: Decimal) -> str:
    """The canonical string of a value: 16.20 → 16.2, 1200 → 1200, -0 → 0."""
    s = format(value.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def canonical_number(num: str) -> str:
    """The canonical form of a written number: 1,200 → 1200, 16.20 → 16.2, 一百二十 → 120."""
    v = parse_number(num)
    if v is None:
        try:
            v = Decimal(normalize_width(num).replace(",", ""))
        except InvalidOperation:
            return num
    return canonical(v)


def numbers_in(text: str) -> list[str]:
    """The numbers written in `text`, canonical, unsigned, in order (placeholders are not numbers)."""
    return list(_numbers_in(text))


@functools.lru_cache(maxsize=4096)
def _numbers_in(text: str) -> tuple[str, ...]:
    # Cached: grounding asks for the numbers of the same metric raw and title again per span.
    return tuple(canonical(n.value) for n in find_numbers(text))
