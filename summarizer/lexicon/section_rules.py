"""The genre's rules for headings and parts, as named tables (read by `sections`).

Nothing here walks a text: each table is data (a name, a pattern, what it means), so a
new shape of the genre is one row here and one row in tests/test_section_cases.py.

- `NUMBERED_HEADINGS`: numbering shapes and their levels (一、 > (一) > 1. > (1) > 一是/一要).
- `HEADING_KIND_RULES`: the part kind a part heading names, with a confidence.
- `BODY_KIND_CUES`: wording inside a part that says what kind it is when its heading does not
  ("下半年，要……", "我们将……" → plans; "短板", "不强" → problems).
- `INLINE_PART_LEADS`: sentences that open a part inside a paragraph
  ("在肯定成绩的同时，我们也清醒看到……").
- `TRADITIONAL`: a one-to-one map of the traditional characters of the genre's part words, so
  `存在的問題` reads as `存在的问题` in the analysed view (offsets unchanged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.core.document import PartKind
from summarizer.lexicon.numerals import parse_number
from summarizer.lexicon.words import BOUNDARY_CHARS, SENTENCE_END_CHARS, HeadingLevel

CN_NUMERALS = "一二三四五六七八九十"
#: Characters after which a heading may start mid-line (the previous sentence ended).
BOUNDARY = BOUNDARY_CHARS


def cn_number(s: str) -> int:
    """Value of a heading's numeral (一, 十二, 二十三, 一百, 3), through the one parser; 0 if none."""
    value = parse_number(s)
    return int(value) if value is not None else 0


# ----------------------------------------------------------------------------- heading shapes


@dataclass(frozen=True)
class HeadingShape:
    """A numbering shape: group "n" of `pattern` is the number."""

    name: str
    level: int
    pattern: re.Pattern[str]


_CN = CN_NUMERALS
NUMBERED_HEADINGS: tuple[HeadingShape, ...] = (
    HeadingShape(
        "chinese numeral and comma (一、)",
        HeadingLevel.PART,
        re.compile(rf"(?P<n>[{_CN}]{{1,3}})\s*[、.．]"),
    ),
    HeadingShape(
        "chinese numeral in parentheses ((一))",
        HeadingLevel.SECTION,
        re.compile(rf"[(（]\s*(?P<n>[{_CN}]{{1,3}})\s*[)）]\s*[、.．]?"),
    ),
    HeadingShape(
        "arabic numeral and stop (1. 1、)",
        HeadingLevel.ITEM,
        re.compile(r"(?P<n>[0-9０-９]{1,2})\s*(?:[、．]|\.(?![0-9０-９]))"),
    ),
    HeadingShape(
        "arabic numeral in parentheses ((1))",
        HeadingLevel.SUBITEM,
        re.compile(r"[(（]\s*(?P<n>[0-9０-９]{1,2})\s*[)）]"),
    ),
    HeadingShape(
        "inline run (一是 一要 一抓)",
        HeadingLevel.ENUMERATION,
        re.compile(rf"(?P<n>[{_CN}]{{1,2}})(?:是|要|抓)(?=[\u4e00-\u9fff“\"《])"),
    ),
)

#: A dash bullet ("——坚持创新驱动……") at a line start or after a finished sentence: one item
#: of an unnumbered run. The pattern finds the dash; `sections` checks what stands before it.
DASH_BULLET = re.compile(r"(?:——|--|—(?!—))(?=[\u4e00-\u9fff“\"《])")
DASH_BULLET_AFTER = "\n" + SENTENCE_END_CHARS

#: Markdown heading marks at a line start; the analysed view blanks them.
MARKDOWN_MARK = re.compile(r"(?m)^[ \t　]*(#{1,6})(?=[ \t　]*\S)")

# ----------------------------------------------------------------------------- part words

#: Words that end a part heading: any of them makes a short line a part heading.
PART_KEYWORDS = (
    "完成情况|工作情况|开展情况|进展情况|主要工作|工作总结|总结|成绩|成效|回顾|主要做法|"
    "存在的问题|存在问题|困难和问题|问题和不足|主要问题|问题|不足|短板|困难|差距|挑战|"
    "工作思路|工作计划|工作打算|工作安排|安排和打算|工作重点|重点工作|工作要点|思路|计划|打算|"
    "安排|目标任务|目标|措施|举措|设想|总体要求|政策取向|工作任务|主要任务|"
    "意见和建议|意见建议|建议|请求|诉求"
)
#: A title window that starts like a part heading ("2023年工作完成情况…").
PART_TITLE = re.compile(rf".{{0,30}}?(?:{PART_KEYWORDS})")
#: An unnumbered part heading on a line of its own ("2019年工作思路", "“十四五”时期工作回顾").
PART_LINE = re.compile(
    rf"^[ \t　]*(?P<t>(?:(?:\d{{4}}|[xX*]{{2,4}}|今|明|下一?|新的一)年度?|下一步|下步|今后|下半年)?"
    rf"[^。，,；;：:\n]{{0,16}}?(?:{PART_KEYWORDS}))[ \t　:：]*$",
    re.MULTILINE,
)
#: A report title ("经济开发区2023年工作总结及2024年工作安排").
REPORT_TITLE = re.compile(
    r"(?:[\u4e00-\u9fffA-Za-z*（）()]{0,24}?)(?:\d{4}|[xX*]{2,4})年度?[\u4e00-\u9fff]{0,14}?"
    r"工作总结(?:(?:[及和与暨、]|和明年|及明年)[\u4e00-\u9fff\d]{0,14}?"
    r"(?:思路|计划|安排|打算|要点|重点|计戈)[\u4e00-\u9fffA-Z]{0,6}?(?=[\u4e00-\u9fff\d.]|$|[\s(（]))?"
)
#: A line that is numbered like a heading (used to tell a title line from a heading line).
NUMBERED_LINE = re.compile(
    rf"^\s*(?:[{_CN}]{{1,3}}\s*[、.．]|[(（]\s*[{_CN}]{{1,3}}\s*[)）]|\d{{1,2}}\s*[、.．])"
)
#: A share site's masked banner naming the title ("小编为大家整理的…,供大家参考").
BANNER_TITLE = re.compile(r"整理的(?P<t>.{4,60}?)(?:[(（][^)）]{0,8}[)）])?[,，]\s*供大家参考")


@dataclass(frozen=True)
class KindRule:
    """A part heading matching `pattern` names part kind `kind`, with `confidence`."""

    name: str
    kind: PartKind
    pattern: re.Pattern[str]
    confidence: float


#: Tried in order; the first match names the kind. Requests to higher government come first
#: ("对省政府工作的意见和建议" also says 工作), problems before the review words
#: ("存在的问题和不足"), the review before plans ("重点工作任务完成情况" is a review).
HEADING_KIND_RULES: tuple[KindRule, ...] = (
    KindRule(
        "requests (意见和建议)",
        "other",
        re.compile(r"意见|建议|请求|诉求|需要.{0,6}(支持|帮助|协调)"),
        0.9,
    ),
    KindRule(
        "problems (问题 不足 短板)",
        "problems",
        re.compile(r"问题|不足|短板|困难|差距|薄弱|瓶颈|挑战"),
        0.95,
    ),
    KindRule(
        "government's own work (政府自身建设 政府治理)",
        "plans",
        re.compile(r"政府自身建设|政府(?:治理|建设)|服务型政府"),
        0.85,
    ),
    KindRule(
        "the past year or term (过去一年 过去五年 本届政府)",
        "achievements",
        re.compile(r"过去(?:一|五)年|去年|这五年|本届政府|发展成就|实施情况"),
        0.85,
    ),
    KindRule(
        "review (完成情况 总结 回顾)",
        "achievements",
        re.compile(r"完成情况|工作情况|开展情况|进展|总结|成绩|成效|回顾|主要做法|主要工作"),
        0.9,
    ),
    KindRule(
        "this year or the next plan period (今年 新的一年 规划纲要)",
        "plans",
        re.compile(r"今年|明年|新的一年|来年|规划纲要|规划建议|五年规划|今后五年|未来五年"),
        0.85,
    ),
    KindRule(
        "plans (思路 计划 安排 目标 政府工作任务)",
        "plans",
        re.compile(
            r"思路|计划|打算|安排|重点|要点|目标|措施|举措|设想|展望|下一步|下步|明年|计戈|"
            r"总体要求|政策取向|工作任务|主要任务"
        ),
        0.9,
    ),
)

# ----------------------------------------------------------------------------- part wording


@dataclass(frozen=True)
class WordingCue:
    """Wording inside a part that points at a part kind; `weight` per occurrence."""

    name: str
    kind: PartKind
    pattern: re.Pattern[str]
    weight: float


BODY_KIND_CUES: tuple[WordingCue, ...] = (
    WordingCue(
        "plan lead (下半年，要 / 我们将 / 重点抓好以下)",
        "plans",
        re.compile(
            r"(?:^|[。；;\n])\s*(?:下半年|下一步|明年|来年|新的一年|今后|(?:19|20)\d{2}年)?[,，]?\s*"
            r"(?:我们|全区|园区|开发区|我区|管委会)?(?:将|要|必须|需要)(?:着力|重点|全力|继续|进一步|坚持|加快|围绕|聚焦|抓好|以)"
        ),
        2.0,
    ),
    WordingCue(
        "plan phrase (重点抓好以下 主要预期目标)",
        "plans",
        re.compile(r"重点抓好|主要预期目标|预期目标是|力争|确保|争取"),
        1.0,
    ),
    WordingCue(
        "future marker (将 要 加快 推动)",
        "plans",
        re.compile(r"[。；;\n]\s*(?:要|将|加快|推动|坚持|着力|持续|深入)"),
        0.4,
    ),
    WordingCue(
        "problem words (短板 不强 偏少 制约)",
        "problems",
        re.compile(
            r"问题|不足|短板|不强|不高|不够|不长|不优|不多|偏少|偏小|偏弱|偏低|较弱|乏力|滞后|制约|瓶颈|"
            r"薄弱|困难|压力|差距|欠缺|缺乏|有限|有待|趋紧"
        ),
        1.0,
    ),
    WordingCue(
        "result words (实现 完成 同比增长 获批)",
        "achievements",
        re.compile(r"实现|完成|同比|增长|累计|达到|已|获批|获评|建成|落地|签约|入选|荣获|突破"),
        0.6,
    ),
)


@dataclass(frozen=True)
class InlineLead:
    """A sentence opening a part inside a paragraph; the part runs to the next part."""

    name: str
    kind: PartKind
    pattern: re.Pattern[str]
    confidence: float
    mid_sentence: bool = False  # may stand after a clause of its sentence ("……，我们也清醒看到")


INLINE_PART_LEADS: tuple[InlineLead, ...] = (
    InlineLead(
        "problems after the review (在取得/看到/肯定这些成绩的同时……问题)",
        "problems",
        re.compile(
            r"(?:在(?:取得|肯定|看到|总结)(?:这些|上述)?成绩的同时|总结成绩的同时|成绩的同时)"
            r"[^。]{0,40}?(?:困难和问题|问题和不足|不足和问题|问题与不足|困难与问题|困难|不足|短板|问题|差距|挑战)"
        ),
        0.85,
    ),
    InlineLead(
        "problems after a weak turn that says they exist (同时/但……存在……问题)",
        "problems",
        # "同时要坚持底线思维，做好应对各种风险挑战的充分准备" names no problem it has: the
        # weak connectives need 存在/面临/还有 before the problem word.
        re.compile(
            r"(?:与此同时|同时|但是|但|然而|当然|不过)[^。]{0,24}?(?:存在|面临|还有|仍有|也有|依然|仍然)"
            r"[^。]{0,20}?(?:困难和问题|问题和不足|不足和问题|问题与不足|困难与问题|困难|不足|短板|问题|差距|挑战)"
        ),
        0.85,
    ),
    InlineLead(
        "problems acknowledged mid-sentence (我们也认识到……老问题、新挑战)",
        "problems",
        re.compile(
            r"我们(?:也|还)(?:清醒)?(?:地)?(?:看到|认识到)[^。]{0,30}?(?:问题|挑战|不足|困难|短板)"
        ),
        0.85,
        mid_sentence=True,
    ),
    InlineLead(
        "plans opened by the year's targets (今年经济社会发展主要预期目标是)",
        "plans",
        re.compile(
            r"(?:今年|(?:19|20)\d{2}年)[^。\n]{0,12}?(?:主要预期目标|发展主要目标|预期目标)(?:是|为|：|:)"
        ),
        0.85,
    ),
    InlineLead(
        "plans opened by the year's tasks (今年要重点抓好以下十个方面工作)",
        "plans",
        re.compile(
            r"(?:今年|(?:19|20)\d{2}年|新的一年)?[,，]?(?:我们)?(?:要|将)?(?:重点)?(?:抓好|做好|做到)"
            r"(?:以下|下列|下面)?[一二三四五六七八九十几]{0,2}(?:个)?方面(?:重点)?工作"
        ),
        0.85,
    ),
    InlineLead(
        "problems seen clearly (我们也清醒看到 清醒认识到)",
        "problems",
        # Anchored on the literal 清醒 (fast to scan for); the sentence start is found after.
        re.compile(r"清醒(?:地)?(?:看到|认识到)"),
        0.85,
        mid_sentence=True,
    ),
)

#: A part heading naming a past plan period's results and the next period's goals
#: ("“十四五”时期发展成就和“十五五”时期主要目标任务"); group "later" is the later period as
#: a paragraph opens with it.
PERIOD_PAIR_HEADING = re.compile(
    r"“十[一二三四五六七八九]五”[^“”]{0,8}?(?:成就|成绩|回顾|成效)[^“”]{0,4}?[和及与、]"
    r"(?P<later>“十[一二三四五六七八九]五”)"
)

#: A five-year period a heading names ("“十四五”时期"): group 1 is its numeral (十四).
HEADING_PERIOD = re.compile(r"“?(十[一二三四五六七八九])五”?(?:时期|规划|期间|以来)")

#: The report year a plan heading names when it is later than the review ("2026年主要工作").
HEADING_YEAR = re.compile(r"(?<![0-9])((?:19|20)\d{2})\s*年")

# ----------------------------------------------------------------------------- characters

#: Traditional characters of the part words and their simplified forms, one for one.
_TRADITIONAL_PAIRS = (
    "問问 題题 難难 總总 結结 劃划 計计 績绩 點点 標标 舉举 設设 議议 見见 顧顾 與与 況况 務务 "
    "開开 發发 區区 園园 進进 項项 業业 產产 經经 濟济 內内 實实 現现 較较 認认 識识 達达 "
    "規规 劃划 對对 應应 們们 這这 為为 將将 續续 進进 強强 優优 環环 嚴严"
)
_PAIRS = [pair for pair in _TRADITIONAL_PAIRS.split() if pair[0] != pair[1]]
TRADITIONAL = str.maketrans({pair[0]: pair[1] for pair in _PAIRS})
#: Any of those characters: most texts have none, and then the map is skipped.
TRADITIONAL_CHARS = re.compile("[" + "".join(pair[0] for pair in _PAIRS) + "]")

#: Wording that names problems the report has (a check: a summary without problems while the
#: text says these is worth a look). Stronger than the part cues: an intro that announces them.
PROBLEM_CUES = re.compile(
    r"清醒(?:地)?(?:看到|认识到)|成绩的同时|我们(?:也|还)(?:看到|认识到)[^。]{0,30}?(?:问题|挑战|不足|短板)"
    r"|(?:存在|面临)(?:的)?(?:一些|不少|许多)?(?:主要)?(?:困难和问题|问题和不足|困难和挑战|问题|不足|短板)"
)
