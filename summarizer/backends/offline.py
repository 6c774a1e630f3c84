"""The offline backend: a rule-based summarizer over the section tree.

In: an `ExtractRequest` (chunk + its report's sections). Out: a `ChunkExtraction`, the same
model the LLM fills, so grounding, merge and rendering are shared. No network, no key,
deterministic, milliseconds.

Items of a part: its second-level headings ((一)/1./(1)); a heading that only groups
sub-headings ("(三)重点工作") gives way to its children; a part without headings uses its
一是/二是 enumeration, else its paragraphs. Each item becomes one finding: title from the
heading (numbering stripped) or the item's first clause, summary = the first sentence,
evidence = the heading and the first sentence, verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from summarizer.backends.base import Backend, ExtractRequest, ExtractResult
from summarizer.core.config import Settings
from summarizer.core.document import PART_FINDING_KIND, CleanText, Section
from summarizer.core.schema import ChunkExtraction, ExtractedFinding, ExtractedMetric, Metric, Usage
from summarizer.lexicon.names import analyst_name
from summarizer.lexicon.numerals import TARGET_WORDS
from summarizer.lexicon.reading import find_metrics, kind_in_part
from summarizer.lexicon.topics import topic_for
from summarizer.lexicon.words import (
    COLONS,
    COMMA,
    COMMAS,
    EXCLAMATIONS,
    FULL_STOPS,
    PERIOD,
    QUESTION_MARKS,
    RISE_WORD,
    SEMICOLONS,
    SENTENCE_END_CHARS,
    SENTENCE_STOP,
    HeadingLevel,
    char_class,
    not_in,
)

_SENTENCE = re.compile(f"{not_in(SENTENCE_END_CHARS + chr(10))}*{char_class(SENTENCE_END_CHARS)}?")
_CLAUSE_CUT = re.compile(char_class(COMMAS + COLONS))
_ENTITY_SUFFIX = re.compile(
    r"集团|公司|股份|科技|电子|电器|新材料|新材|实业|药业|生物|智能|工业城|产业园|科创中心|小镇"
)
_NAME_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,12}$")
MAX_SUMMARY = 90
MAX_METRICS = 6  # per finding: the figures of its opening sentences, not every figure


@dataclass(frozen=True)
class _Item:
    start: int  # where the item starts in the source (its numbering)
    title_start: int
    title_end: int
    body_start: int
    end: int
    title: str


class OfflineBackend(Backend):
    """The rules: never cached (milliseconds of work: caching would cost more than it
    saves), no overview of its own (the caller composes one from the findings)."""

    name = "offline"
    calls_model = False

    @classmethod
    def create(cls, settings: Settings) -> OfflineBackend:
        return cls()

    async def extract(self, request: ExtractRequest) -> ExtractResult:
        return ExtractResult(extract_offline(request), Usage())


def create(settings: Settings) -> OfflineBackend:
    return OfflineBackend()


def extract_offline(request: ExtractRequest) -> ChunkExtraction:
    """Findings and headline figures for the items that start inside the chunk."""
    chunk, report, clean = request.chunk, request.report, request.clean
    assert report is not None and clean is not None, "the offline backend reads the section tree"
    findings: list[ExtractedFinding] = []
    key_metrics: list[ExtractedMetric] = []
    for part in report.parts:
        if part.end <= chunk.start or part.start >= chunk.end:
            continue
        if part.kind == "preamble":
            if chunk.start <= part.start < chunk.end:
                key_metrics.extend(_metrics(clean, part.start, part.end, headline=True, limit=10))
            continue
        kind = PART_FINDING_KIND[part.kind]
        items = part_items(part, clean)
        if part.kind == "achievements" and chunk.start <= part.start < chunk.end:
            lead_end = items[0].start if items else part.end
            key_metrics.extend(_metrics(clean, part.heading_end, lead_end, headline=True, limit=10))
        if part.kind == "plans":
            lead = _target_lead(part, items, clean)
            if lead is not None and chunk.start <= lead.start < chunk.end:
                findings.append(_finding(lead, kind, clean, part.kind))
        for item in items:
            if chunk.start <= item.start < chunk.end:
                findings.append(_finding(item, kind, clean, part.kind))
    return ChunkExtraction(organization=None, key_metrics=key_metrics[:10], findings=findings)


def part_items(part: Section, clean: CleanText) -> list[_Item]:
    """The top-level items of a part, in source order."""
    heads = [c for c in part.children if c.level < HeadingLevel.ENUMERATION]
    if heads:
        out: list[_Item] = []
        for h in heads:
            subs = [c for c in h.children if c.level < HeadingLevel.ENUMERATION]
            lead = clean.analysed(h.heading_end, subs[0].start).strip() if subs else ""
            if len(subs) >= 2 and len(lead) < 20:
                out.extend(_from_section(s) for s in subs)
            else:
                out.append(_from_section(h))
        return _lead_items(part, heads[0].start, clean) + _with_trailing(out, part, clean)
    enumerated = [c for c in part.children if c.level == HeadingLevel.ENUMERATION]
    if len(enumerated) >= 2:
        return _with_trailing([_from_section(c) for c in enumerated], part, clean)
    if part.kind == "problems":
        clauses = _clause_items(part, clean)
        if clauses:
            return clauses
    return _paragraph_items(part, clean)


#: A paragraph that opens with a short sentence naming its subject ("综合实力稳步提升。……").
_LEAD_SENTENCE = re.compile(r"^[\u4e00-\u9fff“”]{4,12}。")
#: Lead-sentence paragraphs before a part's first heading that make items of their own.
_LEAD_RUN = 3


def _lead_items(part: Section, first_heading: int, clean: CleanText) -> list[_Item]:
    """Paragraphs before a part's first heading that open with a short lead sentence, when
    three or more do (a review of the five years before the year's numbered items:
    "综合实力稳步提升。……", "产业转型提质增效。……"): one item each."""
    text = clean.text
    found = []
    for m in re.finditer(r"[^\n]+", text[part.heading_end : first_heading]):
        a = part.heading_end + m.start()
        para = m.group(0).lstrip(" \t　")
        lead = _LEAD_SENTENCE.match(para)
        if lead:
            at = a + len(m.group(0)) - len(para)
            found.append(
                _Item(
                    at,
                    at,
                    at + lead.end() - 1,
                    at + lead.end(),
                    a + len(m.group(0)),
                    lead.group(0)[:-1],
                )
            )
    return found if len(found) >= _LEAD_RUN else []


#: A paragraph after a part's last item that is an item of its own: the government's own
#: work ("一年来，我们切实加强政府自身建设……", "必须把政府自身建设得更加坚强有力").
_OWN_WORK = re.compile(
    rf"^{not_in(PERIOD + QUESTION_MARKS)}{{0,40}}?(?:(?:政府)?自身建设|对政府工作提出了?(?:新的)?更高要求|履行政府职能|"
    r"中央八项规定精神学习教育)"
)
#: Paragraphs opening with the same period phrase, two or more after the last item: the
#: five-year review of a report that also reviews the year ("五年来，……").
_PERIOD_OPENING = re.compile(r"^(?:五年来|这五年|过去五年|“十[一二三四五六七八九]五”以来)[，,]")
#: One paragraph on the five years past after a review's last item ("2025年是“十四五”收官
#: 之年。过去5年，……", "各位代表！……五年来，……"): the five-year review, one item.
_FIVE_YEARS = re.compile(r"^.{0,50}?(?:过去(?:5|五)年|五年来|这五年)[，,]")
#: A paragraph after the last item that closes it: an address to the delegates.
_CLOSING = re.compile(rf"^各位代表{char_class(EXCLAMATIONS + COMMA)}")


def _with_trailing(items: list[_Item], part: Section, clean: CleanText) -> list[_Item]:
    """`items` plus the paragraphs after the last item that are items of their own (the
    government's own work, a run of "五年来，" paragraphs); the last item then ends where the
    first of them, or an address to the delegates, begins."""
    if not items:
        return items
    text = clean.text
    last = items[-1]
    first_break = text.find("\n", last.start, part.end)
    if first_break < 0:
        return items
    paragraphs = [
        (first_break + m.start(), first_break + m.end())
        for m in re.finditer(r"[^\n]+", text[first_break : part.end])
    ]
    stripped = [(a, b, text[a:b].strip(" \t　")) for a, b in paragraphs]
    openings = [m.group(0) for _, _, p in stripped if (m := _PERIOD_OPENING.match(p))]
    extra: list[_Item] = []
    cut = None
    for a, b, para in stripped:
        lead = a + len(text[a:b]) - len(text[a:b].lstrip(" \t　"))
        own = _OWN_WORK.match(para)
        period = _PERIOD_OPENING.match(para)
        five_years = part.kind == "achievements" and not period and _FIVE_YEARS.match(para)
        if own or (period and openings.count(period.group(0)) >= 2) or five_years:
            if own:
                title = "政府自身建设"
            elif period:
                title = _CLAUSE_CUT.split(para[period.end() :], maxsplit=1)[0][:24]
            else:
                title = "五年成就"
            extra.append(_Item(lead, lead, lead, lead, b, title))
            cut = lead if cut is None else cut
        elif _CLOSING.match(para) and cut is None:
            cut = lead
    if cut is not None:
        items = [*items[:-1], replace(last, end=min(last.end, cut))]
    return items + extra


_PROBLEM_INTRO = re.compile(r"存在|问题|不足|困难|挑战|短板|差距")
#: "……主要是：" / "主要表现在：": the words before the list of problems.
_LIST_LEAD = re.compile(
    rf"^{not_in(PERIOD + SEMICOLONS)}{{0,30}}?(?:主要是|主要有|主要表现(?:在|为)|具体表现(?:在|为)|表现在)"
    rf"{char_class(COLONS)}"
)


def _clause_items(part: Section, clean: CleanText) -> list[_Item]:
    """Problems listed in running text, one item each.

    After an intro sentence ("我们也清醒认识到……存在一些不足。") and a lead ("主要是："):
    the sentences up to a closing resolution ("我们要直面这些问题……"), each cut at `；`
    ("从需求看，……；从产业看，……" is two); a single listing sentence without `；` is cut at
    its commas when it has three or more ("主要是：A，B，C，D，E。"), an intro clause left
    out ("园区发展仍存在不少问题，经济总量偏小，……")."""
    text = clean.text
    start = part.heading_end
    while start < part.end and text[start] in " \t\n　":
        start += 1
    para_end = text.find("\n", start, part.end)
    para_end = part.end if para_end < 0 else para_end
    sentences = [(m.start(), m.group(0)) for m in _LIST_SENTENCE.finditer(text, start, para_end)]
    while sentences and _is_intro(sentences[0][1]):
        sentences = sentences[1:]
    listed: list[tuple[int, str]] = []
    led = False  # the first listed sentence follows a lead (主要是：, ，主要是)
    for k, (at, sentence) in enumerate(sentences):
        lead = _LIST_LEAD.match(sentence) or _LIST_LEAD_BARE.match(sentence)
        if lead:
            at, sentence = at + lead.end(), sentence[lead.end() :]
            led = led or not listed
        if _RESOLUTION.match(sentence) or (
            k
            and not lead
            and not _PROBLEM_INTRO.search(sentence)
            and not _PROBLEM_WORDS.search(sentence)
            and not _ASPECT.match(sentence)
            # "一些地方基层财力比较紧张。": a short sentence in the run is one more problem.
            and len(sentence.strip()) > _SHORT_PROBLEM
        ):
            break
        listed.append((at, sentence))
    pieces: list[tuple[int, str]] = []
    if len(listed) >= 2 or any(c in s for _, s in listed for c in "；;"):
        for k, (at, sentence) in enumerate(listed):
            cut = "；;"
            # "……矛盾和问题：A较多，B不足，C困难，D较大。E亟待提高。": the sentence right
            # after the colon lists its problems with commas when it has no ；.
            if k == 0 and (led or _after_colon(text, at)) and not any(c in sentence for c in cut):
                if len(_split_keep(sentence, "，,")) >= _COMMA_LIST:
                    cut = "，,"
            pieces.extend((at + off, piece) for off, piece in _split_keep(sentence, cut))
    elif listed:
        at, sentence = listed[0]
        commas = _split_keep(sentence, "，,")
        first = commas[0][1] if commas else ""
        if commas and _PROBLEM_INTRO.search(first) and len(first) <= 24 and len(commas) >= 4:
            commas = commas[1:]
        if len(commas) >= 3:
            pieces = [(at + off, piece) for off, piece in commas]
    out = []
    for a0, clause in pieces:
        body = clause.strip(" \t\n　，,；;。")
        if len(body) < 4:
            continue
        a = a0 + (len(clause) - len(clause.lstrip(" \t\n　")))
        title = _CLAUSE_CUT.split(body, maxsplit=1)[0][:24]
        out.append(_Item(a, a, a, a, a0 + len(clause), title))
    return out if len(out) >= 2 else []


#: Comma clauses a sentence right after a colon needs to be read as a list of problems.
_COMMA_LIST = 4


def _after_colon(text: str, at: int) -> bool:
    """Whether position `at` follows a colon (spaces aside): a list starts there."""
    j = at - 1
    while j >= 0 and text[j] in " \t\n　":
        j -= 1
    return j >= 0 and text[j] in ":："


_LIST_SENTENCE = re.compile(f"{not_in(FULL_STOPS)}+{char_class(FULL_STOPS)}?")
_RESOLUTION = re.compile(
    r"\s*(?:(?:我们|对此|对这些问题|针对这些问题|对于这些问题)[^。]{0,12}?"
    r"(?:一定|将|要|必须|会|高度重视)|(?:这些|上述|以上)[^。]{0,20}?问题)"
)
#: "……老问题、新挑战仍然不少，主要是A，B，C。": the list's lead without a colon.
_LIST_LEAD_BARE = re.compile(
    rf"^{not_in(PERIOD + SEMICOLONS)}{{0,40}}?{char_class(COMMA)}"
    r"(?:主要是|主要有|主要表现(?:在|为))(?!因为|由于)"
)
#: "从需求看，……" / "从产业看，……": one aspect of a problem list per sentence.
_ASPECT = re.compile(
    rf"\s*(?:从{not_in(COMMA + PERIOD)}{{1,8}}(?:看|来看|上看)|[一二三四五六七八九十]是)"
)
_SHORT_PROBLEM = 24
_PROBLEM_WORDS = re.compile(
    r"不足|不强|不高|不够|不优|偏少|偏小|偏弱|较弱|乏力|滞后|制约|瓶颈|薄弱|困难|压力|欠缺|缺乏|有待|突出|较大|加深|下行|"
    r"仍需|还需|尚需|亟待|亟需|还要|堵点|艰巨|弱项|不牢|较重|偏慢|不及|风险|隐患|承压|短板|不平衡|不充分|"
    r"紧张|任重道远|不容忽视|硬骨头|多发|频发|偏弱|过剩|不到位"
)


def _is_intro(sentence: str) -> bool:
    """A sentence that announces problems without listing them ("……面临的困难和挑战。")."""
    return (
        len(sentence) <= 48
        and ";" not in sentence
        and "；" not in sentence
        and bool(
            re.search(
                r"(?:困难|挑战|问题|不足|短板)(?:和|与)?(?:困难|挑战|问题|不足)?"
                rf"{char_class(PERIOD + COLONS)}?\s*$",
                sentence,
            )
        )
    )


def _split_keep(sentence: str, marks: str) -> list[tuple[int, str]]:
    """`sentence` cut after each of `marks`, as (offset, piece) pairs."""
    out = []
    pos = 0
    for i, c in enumerate(sentence):
        if c in marks:
            out.append((pos, sentence[pos : i + 1]))
            pos = i + 1
    if sentence[pos:].strip():
        out.append((pos, sentence[pos:]))
    return out


def _from_section(s: Section) -> _Item:
    title_start = s.start + len(s.number) if s.number else s.start
    # An enumerated item ("一是经济总量偏小,与…差距。") is one sentence: its summary starts
    # with its title rather than after it.
    body_start = title_start if s.level == HeadingLevel.ENUMERATION else s.heading_end
    return _Item(s.start, title_start, s.heading_end, body_start, s.end, s.title)


def _paragraph_items(part: Section, clean: CleanText) -> list[_Item]:
    out = []
    text = clean.text
    pos = part.heading_end
    for m in re.finditer(r"[^\n]+", text[pos : part.end]):
        a, b = pos + m.start(), pos + m.end()
        body = clean.analysed(a, b).strip()
        if len(body) < 15:
            continue
        first = _first_sentence(clean, a, b)
        if first is None:
            continue
        title = _CLAUSE_CUT.split(first[1], maxsplit=1)[0][:24]
        out.append(_Item(a, first[0], first[0], a, b, title))
    return out


def _target_lead(part: Section, items: list[_Item], clean: CleanText) -> _Item | None:
    """A plans part's opening text, as one item when it states concrete targets."""
    lead_end = items[0].start if items else part.end
    text = clean.text
    for m in _SENTENCE.finditer(text, part.heading_end, lead_end):
        sentence = m.group(0)
        if len(sentence) < 6 or not TARGET_WORDS.search(sentence):
            continue
        if find_metrics(sentence):
            a = m.start() + (len(sentence) - len(sentence.lstrip()))
            title = _CLAUSE_CUT.split(sentence.strip(), maxsplit=1)[0][:24]
            return _Item(a, a, a, a, lead_end, title)
    return None


def _first_sentence(clean: CleanText, start: int, end: int) -> tuple[int, str] | None:
    """Source start and analysed text of the first sentence in [start, end).

    The sentence is read with masked spans removed, so a page number inserted mid-sentence
    ("只有3\n11、00多亩") neither cuts it nor stays in it.
    """
    segments = clean.segments(start, end)
    analysed = "".join(clean.text[a:b] for a, b in segments)
    for m in _SENTENCE.finditer(analysed):
        sentence = m.group(0)
        lead = len(sentence) - len(sentence.lstrip(" \t\u3000\xa0"))
        sentence = sentence.strip(" \t\u3000\xa0")
        if len(sentence) >= 4:
            return _source_offset(segments, m.start() + lead), sentence
    return None


def _source_offset(segments: list[tuple[int, int]], i: int) -> int:
    """Source offset of position `i` of the joined segments."""
    for a, b in segments:
        if i < b - a:
            return a + i
        i -= b - a
    return segments[-1][1] if segments else 0


def _trim(sentence: str) -> str:
    """Cut a long sentence at the last clause boundary that keeps it under the limit."""
    sentence = sentence.strip()
    if len(sentence) <= MAX_SUMMARY:
        return sentence
    cut = max(sentence.rfind(c, 0, MAX_SUMMARY) for c in COMMAS + SEMICOLONS)
    return sentence[: cut if cut > 10 else MAX_SUMMARY]


def _finding(
    item: _Item, kind: str, clean: CleanText, part_kind: str = "achievements"
) -> ExtractedFinding:
    quotes: list[str] = []
    heading = clean.analysed(item.title_start, item.title_end).strip(" \t:：,，;；")
    if heading and item.title_end > item.title_start:
        quotes.append(heading)
    title = _clean_title(item.title)
    summary = _best_sentence(clean, item, title)
    if summary and summary not in quotes:
        quotes.append(summary)
    if _GENERIC_TITLE.match(title) or not title:
        # "这五年", "各位代表！", "下半年": the opening words say nothing; the summary does.
        title = _title_from(summary) or title
    if not summary:
        summary = title
    elif _same(summary, title):
        # A one-sentence item: the title is its words before the figures, the summary all of it.
        head = re.split(r"[0-9０-９XＸx*]", title, maxsplit=1)[0]
        head = re.sub(
            rf"(?:同比)?(?:{RISE_WORD}|达到|达|为|实现|完成|共|累计)$", "", head.rstrip("，, ")
        )
        if len(head) >= 4:
            title = head
    metrics = _metrics(clean, item.body_start, item.end, headline=False, part_kind=part_kind)
    body = clean.analysed(item.start, item.end)
    entities = _entities(body)
    return ExtractedFinding(
        kind=kind,  # type: ignore[arg-type]
        title=title,
        summary=summary,
        topic=topic_for(item.title or title, summary, body[:600]),  # type: ignore[arg-type]
        metrics=metrics,
        entities=entities,
        quotes=quotes or [title],
    )


# Opening words that name no subject: time phrases, salutations, truncation notes.
_GENERIC_TITLE = re.compile(
    r"^(?:[（(]?未完|这[一五十]年|[一五十]年来|过去[一五]年|一年来|今年以来|今年|去年|上半年|下半年|"
    r"前三季度|全年|目前|截至目前|同时|此外|另外|下一步|明年|新的一年|各位代表|同志们|"
    r"(?:19|20)\d{2}年(?:度|以来)?|[0-9]{1,2}[-—~至][0-9]{1,2}月(?:份)?)"
    rf"{char_class(EXCLAMATIONS + COMMA + PERIOD + COLONS)}?$"
)
_SENTENCE_STOP = SENTENCE_STOP
_FIGURE_HINT = re.compile(
    r"[0-9０-９]+(?:\.[0-9]+)?\s*(?:%|％|个百分点|[万亿]?[元美欧]|[万亿]|[个家项人户亩])"
)


def _best_sentence(clean: CleanText, item: _Item, title: str) -> str:
    """The item's most informative sentence among its first few: the one with the most
    figures (the first on a tie), never one that only repeats the title."""
    best = fallback = ""
    best_score = -1
    pos = item.body_start
    for _ in range(4):
        found = _first_sentence(clean, pos, item.end)
        if found is None:
            break
        start, sentence = found
        stop = _SENTENCE_STOP.search(clean.text, start, item.end)
        pos = stop.end() if stop else item.end
        sentence = _tidy(sentence)
        if len(sentence) < 6:
            continue
        if _same(sentence, title):
            fallback = fallback or sentence  # used only when nothing else is said
            continue
        score = len(_FIGURE_HINT.findall(sentence))
        if score > best_score:
            best, best_score = sentence, score
        if best_score >= 2:
            break
    best = best or fallback
    return _trim(best) if best else ""


def _tidy(sentence: str) -> str:
    """A sentence without a leading comma fragment, an intro before a colon or a 一是 mark."""
    sentence = sentence.strip().lstrip(COMMAS + SEMICOLONS + COLONS)
    # "通过努力,招商取得的以下主要成绩:一是…": the intro before a colon says little.
    head, colon, rest = sentence.partition("：") if "：" in sentence else sentence.partition(":")
    if colon and len(rest) >= 6 and len(head) < 30:
        sentence = rest
    sentence = re.sub(r"^(?:[一二三四五六七八九十]{1,2}(?:是|要|抓)|——)", "", sentence.strip())
    return sentence.rstrip(COMMAS + SEMICOLONS + " ")


def _same(sentence: str, title: str) -> bool:
    ends = PERIOD + EXCLAMATIONS + SEMICOLONS + " "
    return sentence.strip(ends) == title.strip(ends)


_PLAN_LEAD = re.compile(r"^(?:我们将|我们要|我们|要|将)(?=[\u4e00-\u9fff]{3})")


def _title_from(summary: str) -> str:
    """A short title from a summary: its first clause that is not a time phrase."""
    for clause in _CLAUSE_CUT.split(summary):
        clause = _PLAN_LEAD.sub("", clause.strip(" " + PERIOD + SEMICOLONS))
        if len(clause) >= 4 and not _GENERIC_TITLE.match(clause):
            return clause[:24]
    return summary[:16]


def _entities(body: str, limit: int = 8) -> list[str]:
    """Names ending in a company/park suffix, with up to 12 name characters before it."""
    found: dict[str, None] = {}
    consumed = 0
    for m in _ENTITY_SUFFIX.finditer(body):
        if m.start() < consumed:
            continue
        name = _NAME_CHARS.search(body, max(consumed, m.start() - 12), m.start())
        if name is None:
            continue
        found[name.group(0) + m.group(0)] = None
        consumed = m.end()
        if len(found) >= limit:
            break
    return list(found)


def _clean_title(title: str) -> str:
    title = re.sub(r"\s+", "", title).strip(" " + COMMA + PERIOD + COLONS + SEMICOLONS)
    # "谋划先行,多措并举抓招商" reads well whole; very long ones keep their first clause.
    if len(title) > 30:
        title = _CLAUSE_CUT.split(title, maxsplit=1)[0]
    return title[:30]


_BASE_YEAR = re.compile(r"(?:由|从|比|较)(?:19|20)\d{2}年(?:底|末)?的?\s*$")
_MONEY_OR_RATE = re.compile(r"元|美元|%|百分点|‰")
_PLAN_PARTS = frozenset({"plans"})


def _metrics(
    clean: CleanText,
    start: int,
    end: int,
    *,
    headline: bool,
    limit: int = MAX_METRICS,
    part_kind: str = "achievements",
) -> list[ExtractedMetric]:
    """Up to `limit` figures of [start, end) as the model would write them: amounts and rates
    before counts (the headline figures first), kept in source order.

    In a plans part a figure is a target unless its clause says it was reached (已, 去年); in
    a review "预计全年……" is an expected result, not a plan target.
    """
    found_all = []
    for a, b in clean.segments(start, end):
        found_all.extend(find_metrics(clean.text[a:b], a, limit=4 * limit))
        if len(found_all) >= 4 * limit:
            break
    ranked: list[tuple[int, int, Metric]] = []
    for position, found in enumerate(found_all):
        # The name as an analyst writes it: "新建 5个" of "新建5个区域养老服务中心" names
        # what is counted, a leading "和" or a trailing "从" goes.
        named = analyst_name(found.metric.name or "", clean.text[found.end : found.end + 24])
        if named != found.metric.name:
            found = replace(found, metric=found.metric.model_copy(update={"name": named}))
        m: Metric = found.metric
        if headline and (
            m.unit in (None, "")
            or _BASE_YEAR.search(clean.text, max(0, found.start - 12), found.start)
        ):
            continue  # "由2020年的50亿元提高到…": the base year's figure is no result
        weight = 2 if (_MONEY_OR_RATE.search(m.unit or "") or m.change_pct is not None) else 1
        ranked.append((weight, position, _kind_in_part(clean, found.start, m, part_kind)))
    chosen = sorted(ranked, key=lambda r: (-r[0], r[1]))[:limit]
    chosen.sort(key=lambda r: r[1])
    return [
        ExtractedMetric(name=m.name, raw=m.raw, change_pct=m.change_pct, kind=m.kind)
        for _, _, m in chosen
    ]


def _kind_in_part(clean: CleanText, start: int, m: Metric, part_kind: str) -> Metric:
    """The metric with the kind its part implies."""
    lead = clean.text[max(0, start - 40) : start]
    lead = SENTENCE_STOP.split(lead)[-1]
    kind = kind_in_part(m.kind, lead, part_kind in _PLAN_PARTS)
    return m if kind == m.kind else m.model_copy(update={"kind": kind})


__all__ = ["OfflineBackend", "create", "extract_offline", "part_items"]
