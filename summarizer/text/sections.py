"""Stage "sections": split a file into reports, and each report into a section tree.

In: a `CleanText`. Out: `Report`s whose `parts` are the top-level sections, each with a part
kind (preamble / achievements / problems / plans / other) and nested sections.

Headings are found anywhere in a line (one seed is a single long line), on the text with the
masked spans removed (a page number inside a heading no longer breaks it); offsets are then
mapped back to the source. Numbering sequences tell headings from enumerations inside
sentences: an inline "3." is only a heading where a "2." of the same list came before.

The genre's rules are tables in `section_rules` (this module only walks the text with them).
Each part gets a kind and a confidence: from an inline lead-in or a heading that names the kind
(about 0.9), else from the part's own wording in the genre's order (review → problems → plans,
0.5-0.75), else inherited (0.4). A report with no numbered part heading is split at bare
heading lines, else at the paragraphs where its wording turns from review to problems to plans.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from summarizer.core.document import CleanText, PartKind, Report, Section
from summarizer.lexicon import section_rules as rules
from summarizer.lexicon.section_rules import BOUNDARY as _BOUNDARY
from summarizer.lexicon.section_rules import CN_NUMERALS as _CN
from summarizer.lexicon.section_rules import PART_KEYWORDS as _PART_KEYWORDS
from summarizer.lexicon.section_rules import PART_LINE as _PART_LINE
from summarizer.lexicon.section_rules import PART_TITLE as _PART_TITLE
from summarizer.lexicon.section_rules import cn_number
from summarizer.lexicon.words import (
    BOUNDARY_CHARS,
    COLONS,
    COMMA,
    LEVEL_END,
    PERIOD,
    SEMICOLONS,
    SENTENCE_END_MARK,
    HeadingLevel,
    as_part_level,
    char_class,
    not_in,
)

__all__ = ["build_sections", "cn_number", "part_kind_of"]


def part_kind_of(title: str) -> PartKind | None:
    """The part kind a level-1 heading names, or None when it names none."""
    named = _heading_kind(title)
    return named[0] if named else None


def _heading_kind(title: str) -> tuple[PartKind, float] | None:
    for rule in rules.HEADING_KIND_RULES:
        if rule.pattern.search(title):
            return rule.kind, rule.confidence
    return None


# ----------------------------------------------------------------------------- compact view


@dataclass
class _Compact:
    """The analysed text (masked spans removed) with a map back to source offsets."""

    text: str
    seg_compact: list[int]  # compact start of each unmasked segment
    seg_source: list[int]  # source start of each unmasked segment
    source_len: int
    original: str = ""  # the same text before the traditional → simplified map (for titles)

    @staticmethod
    def of(clean: CleanText) -> _Compact:
        segs = clean.segments(0, len(clean.text))
        # The simplified copy of a traditional-character source, so the tables read it.
        analysis_text = clean.analysis_text
        parts, cstarts, sstarts = [], [], []
        pos = 0
        for a, b in segs:
            cstarts.append(pos)
            sstarts.append(a)
            parts.append(analysis_text[a:b])
            pos += b - a
        original = "".join(parts)
        text = original
        # One character for one, so the offset map stays valid: Markdown marks read as
        # spaces ("## 一、…" is a line-start heading) and traditional part words as simplified.
        if "#" in text:
            text = rules.MARKDOWN_MARK.sub(lambda m: m.group(0).replace("#", " "), text)
        if rules.TRADITIONAL_CHARS.search(text):
            text = text.translate(rules.TRADITIONAL)
        if "#" in original:
            original = rules.MARKDOWN_MARK.sub(lambda m: m.group(0).replace("#", " "), original)
        return _Compact(text, cstarts, sstarts, len(clean.text), original)

    def verbatim(self, a: int, b: int, strip: str = " \t　\n") -> str:
        """The text of compact [a, b) as written (traditional characters kept)."""
        return self.original[a:b].strip(strip)

    def src(self, i: int) -> int:
        """Source offset of compact offset `i` (the end maps to the end of the source)."""
        if i >= len(self.text):
            return self.source_len
        k = bisect.bisect_right(self.seg_compact, i) - 1
        return self.seg_source[k] + (i - self.seg_compact[k])

    def src_end(self, i: int) -> int:
        """Source offset just after compact character i-1 (for exclusive ends)."""
        if i <= 0:
            return self.src(0)
        return self.src(i - 1) + 1


# ----------------------------------------------------------------------------- headings


@dataclass
class _Heading:
    level: int
    n: int
    number: str
    start: int  # compact offsets
    title_start: int
    title_end: int
    line_start: bool
    title: str = ""
    kind: PartKind | None = None
    confidence: float = 0.0
    unnumbered: bool = False  # a dash bullet: an item of a run, with no number to count


def _at_line_start(text: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and text[j] in " \t　":
        j -= 1
    return j < 0 or text[j] == "\n"


def _after_boundary(text: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and text[j] in " \t　":
        j -= 1
    return j < 0 or text[j] in _BOUNDARY or text[j] in "”」』)）"


def _candidates(text: str) -> list[_Heading]:
    found: list[_Heading] = []
    for shape in rules.NUMBERED_HEADINGS:
        level = shape.level
        for m in shape.pattern.finditer(text):
            s = m.start()
            prev = text[s - 1] if s > 0 else "\n"
            if level in (HeadingLevel.PART, HeadingLevel.ENUMERATION) and prev in _CN + "第":
                continue  # "第一、二批", "十一是"
            if level == HeadingLevel.ITEM and (prev.isdigit() or prev in ".．-—~～至/"):
                continue
            nxt = text[m.end() : m.end() + 1]
            if level == HeadingLevel.ITEM and (nxt.isdigit() or nxt in "月日号%％"):
                continue
            if level == HeadingLevel.PART and nxt in "二三四五六七八九十期":
                continue  # "一、二季度"
            found.append(
                _Heading(
                    level=level,
                    n=cn_number(m.group("n").translate(_FULLWIDTH_DIGITS)),
                    number=m.group(0).strip(),
                    start=s,
                    title_start=m.end(),
                    title_end=m.end(),
                    line_start=_at_line_start(text, s),
                )
            )
    k = 0
    for m in rules.DASH_BULLET.finditer(text):
        j = m.start() - 1
        while j >= 0 and text[j] in " \t　":
            j -= 1
        if j >= 0 and text[j] not in rules.DASH_BULLET_AFTER:
            continue  # a dash inside a sentence ("……——") is punctuation, not a bullet
        k += 1
        found.append(_Heading(5, k, m.group(0), m.start(), m.end(), m.end(), True, unnumbered=True))
    found.sort(key=lambda h: (h.start, h.level))
    # At one position keep the first pattern ("(一)" rather than the "一" inside it).
    out: list[_Heading] = []
    for h in found:
        if out and out[-1].start <= h.start < out[-1].title_start:
            continue
        out.append(h)
    return out


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _title_end(text: str, h: _Heading, next_start: int) -> int:
    """Where the heading text of `h` stops (compact offset)."""
    limit = min(next_start, h.title_start + 60)
    stop = limit
    for i in range(h.title_start, limit):
        c = text[i]
        if (
            c == "\n"
            or c == "。"
            or (h.level == HeadingLevel.ENUMERATION and c in COMMA + SEMICOLONS + COLONS)
        ):
            stop = i
            break
    if h.level in (HeadingLevel.PART, HeadingLevel.UNNUMBERED):
        # "三、2024年工作安排和打算2024年,按照..." has no delimiter: end at the last part keyword.
        window = text[h.title_start : stop]
        best = -1
        for m in re.finditer(_PART_KEYWORDS, window):
            if m.end() <= 40:
                best = max(best, m.end())
        if best > 0 and (stop - h.title_start > 40 or _looks_run_on(window[best:])):
            stop = h.title_start + best
    elif stop - h.title_start > 40:
        # A heading that runs into its body ("提质提效坚持做强产业"): cut at the last comma.
        window = text[h.title_start : h.title_start + 40]
        cut = max(window.rfind(","), window.rfind("，"))
        stop = h.title_start + (cut if cut > 8 else 40)
    return stop


def _looks_run_on(rest: str) -> bool:
    """Text after a part keyword that starts the body ("2024年,按照")."""
    return bool(rest) and bool(
        re.match(r"\s*(\d{4}|[xX*]{2,4}|今|明)?年?[,，]|\s*[\u4e00-\u9fff]", rest)
    )


def _accept(cands: list[_Heading], text: str) -> list[_Heading]:
    """Keep the candidates that are headings: line starts, or inline ones that continue a list."""
    accepted: list[_Heading] = []
    # last number seen per level, reset when a higher level heading appears
    last: dict[int, int] = {}
    for h in cands:
        prev = last.get(h.level)
        strong = (
            h.line_start
            or _after_boundary(text, h.start)
            or _right_after_heading(text, h, accepted[-1] if accepted else None)
        )
        fits = h.n == 1 if prev is None else h.n in (prev + 1, prev, prev + 2) or h.n == 1
        if h.unnumbered:
            ok = True  # a dash bullet at a line start is an item wherever it stands
        elif h.level == HeadingLevel.PART:
            window = text[h.title_start : h.title_start + 24]
            part_like = bool(_PART_TITLE.match(window)) and part_kind_of(window) is not None
            ok = (strong and fits) or (part_like and (fits or h.n == 1))
            # A text that starts mid-report ("二、存在的问题" with no 一、): a part heading on
            # its own line may open the numbering at any small number.
            if prev is None and not ok and h.line_start and part_like and h.n <= 5:
                ok = True
            if prev is not None and h.n == 1 and not part_like and not h.line_start:
                ok = False
        elif h.level == HeadingLevel.ENUMERATION:
            ok = (
                fits
                and (strong or text[h.start - 1 : h.start] in ",，")
                and (h.n == 1 or prev is not None)
            )
        else:
            ok = fits and (strong or prev is not None)
            if not h.line_start and prev is None and h.n != 1:
                ok = False
        if not ok:
            continue
        accepted.append(h)
        if h.unnumbered:
            continue
        last[h.level] = h.n
        for lower in range(h.level + 1, LEVEL_END):
            last.pop(lower, None)
    return accepted


def _right_after_heading(text: str, h: _Heading, before: _Heading | None) -> bool:
    """ "一、2023年工作完成情况(一)平台…": a sub-heading straight after its parent's title."""
    if before is None or before.level >= h.level or before.level == HeadingLevel.ENUMERATION:
        return False
    between = text[before.title_start : h.start]
    return len(between) <= 40 and not SENTENCE_END_MARK.search(between)


def _part_lines(text: str, taken: list[_Heading]) -> list[_Heading]:
    """Un-numbered part headings on a line of their own ("2019年工作思路")."""
    starts = {h.start for h in taken}
    out = []
    for m in _PART_LINE.finditer(text):
        s = m.start("t")
        if s in starts or len(m.group("t")) > 24:
            continue
        out.append(_Heading(0, 0, "", s, s, m.end("t"), True))
    return out


def _inline_parts(text: str) -> list[_Heading]:
    """Parts opened inside a paragraph: "在取得这些成绩的同时……困难和问题,主要表现在:"."""
    out = []
    seen: set[int] = set()
    for lead in rules.INLINE_PART_LEADS:
        for m in lead.pattern.finditer(text):
            s = m.start()
            if not _after_boundary(text, s):
                if not lead.mid_sentence:
                    continue
                s = _sentence_start(text, s)
                if s < 0:
                    continue
            if s in seen:
                continue
            seen.add(s)
            out.append(_inline_part(text, s, lead.kind, lead.confidence))
    return out


def _sentence_start(text: str, i: int) -> int:
    """Start of the sentence holding `i` if it began at most 24 characters before, else -1."""
    j = i
    while j > 0 and text[j - 1] not in _BOUNDARY:
        j -= 1
        if i - j > 24:
            return -1
    return j


def _inline_part(text: str, s: int, kind: PartKind, confidence: float) -> _Heading:
    """The part heading for a lead-in at `s`: its title runs to a colon in the sentence."""
    sentence_end = text.find("。", s)
    colon = min((i for i in (text.find(":", s), text.find("：", s)) if i >= 0), default=-1)
    intro_end = colon + 1 if 0 <= colon < (sentence_end if sentence_end >= 0 else len(text)) else s
    return _Heading(0, 0, "", s, s, intro_end, False, kind=kind, confidence=confidence)


# ----------------------------------------------------------------------------- reports


def _title_matches(text: str) -> list[re.Match[str]]:
    """`REPORT_TITLE.finditer(text)`, but only near each "工作总结", which every title contains.

    Running the title pattern (a lazy prefix) from every position was a third of the text
    stages' time; windows around the anchor find the same matches.
    """
    matches: list[re.Match[str]] = []
    done = 0
    anchor = text.find("工作总结")
    while anchor >= 0:
        lo = max(done, anchor - 48)
        m = rules.REPORT_TITLE.search(text, lo, min(len(text), anchor + 40))
        # The window may end inside a longer tail; re-match from its start on the full text.
        if m is not None:
            m = rules.REPORT_TITLE.match(text, m.start())
        if m is not None and m.start() <= anchor < m.end():
            matches.append(m)
            done = m.end()
        anchor = text.find("工作总结", max(anchor + 1, done))
    return matches


def _find_titles(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _title_matches(text):
        j = m.start() - 1
        while j >= 0 and text[j] in " \t　":
            j -= 1
        if j >= 0 and text[j] in "、.．)）":
            continue  # "一、2021年工作总结" is a heading, not a title
        out.append((m.start(), m.end()))
    return out


def _split_reports(
    text: str, headings: list[_Heading], titles: list[tuple[int, int]]
) -> list[tuple[int, int, tuple[int, int] | None]]:
    """Report spans (compact offsets) and their title spans.

    A new report starts where the level-1 numbering restarts at 一 after a later number,
    at the nearest title before that restart.
    """
    bounds: list[tuple[int, tuple[int, int] | None]] = []  # (start, title span)
    title_starts = [t[0] for t in titles]
    first_title = _leading_title(text, titles)
    bounds.append((0, first_title))
    last_l1 = 0
    for h in headings:
        if h.level != HeadingLevel.PART:
            continue
        if h.n == 1 and last_l1 >= 2:
            lo = bounds[-1][0]
            # The nearest title before the restart, bisected (titles are in text order).
            k = bisect.bisect_left(title_starts, h.start) - 1
            if k >= 0 and titles[k][0] > lo and h.start - titles[k][0] < 3000:
                title: tuple[int, int] | None = titles[k]
                # Titles repeated back to back: the report starts at the first of the run.
                while k > 0 and titles[k - 1][1] >= titles[k][0] - 2 and titles[k - 1][0] > lo:
                    k -= 1
                bounds.append((titles[k][0], title))
            else:
                bounds.append((h.start, None))
        last_l1 = h.n
    spans: list[tuple[int, int, tuple[int, int] | None]] = []
    for i, (start, title) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(text)
        spans.append((start, end, title))
    return spans


def _leading_title(text: str, titles: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The title at the top of the text, before the body starts."""
    for start, end in titles:
        if start > 600:
            break
        head = text[:start]
        # Only other titles, whitespace and short lines may come before it.
        if "。" not in head or head.count("。") <= 1 and len(head.strip()) < 200:
            return (start, end)
    for line_m in re.finditer(r"[^\n]+", text[:600]):
        line = line_m.group(0).strip()
        if "。" in line:
            break  # the body has started
        if rules.NUMBERED_LINE.match(line):
            continue
        if _PART_LINE.match(line) and not _COMBINED_TITLE.search(line):
            continue  # a part heading, unless it names review and plans together
        if (
            4 <= len(line) <= 40
            and not re.search(char_class(PERIOD + COMMA + SEMICOLONS), line)
            and ("总结" in line or "工作" in line or "报告" in line)
        ):
            s = line_m.start() + line_m.group(0).index(line)
            return (s, s + len(line))
    return None


# ----------------------------------------------------------------------------- tree


def build_sections(clean: CleanText) -> list[Report]:
    """Split the cleaned text into reports and build each report's section tree."""
    comp = _Compact.of(clean)
    text = comp.text
    cands = _candidates(text)
    headings = _accept(cands, text)
    titles = _find_titles(text)
    title_spans = set(titles)
    # A level-1 heading inside a title ("1、经济开发区...") cannot be a heading.
    in_title = _covered_by(title_spans)
    headings = [h for h in headings if h.level != HeadingLevel.PART or not in_title(h.start)]
    headings += _part_lines(text, headings)
    headings += _inline_parts(text)
    headings.sort(key=lambda h: (h.start, h.level))
    starts = [h.start for h in headings]
    title_starts = [t[0] for t in titles]

    reports: list[Report] = []
    for index, (r_start, r_end, title_span) in enumerate(_split_reports(text, headings, titles)):
        # Bisect the sorted headings: a scan per report is quadratic in a file of many reports.
        inside = headings[bisect.bisect_left(starts, r_start) : bisect.bisect_left(starts, r_end)]
        if title_span is not None:
            # Drop part-like lines that are the title itself or repeats of it at the top.
            near = titles[
                bisect.bisect_left(title_starts, r_start) : bisect.bisect_right(
                    title_starts, title_span[1] + 200
                )
            ]
            inside = [h for h in inside if not _within_titles(h, near, r_start, title_span)]
            # A share page repeats an undated title ("工业园区工作总结" three times).
            title_text = text[title_span[0] : title_span[1]].strip()
            inside = [
                h
                for h in inside
                if not (
                    h.level == HeadingLevel.UNNUMBERED
                    and h.kind is None
                    and h.start < title_span[1] + 600
                    and text[h.title_start : h.title_end].strip() == title_text
                )
            ]
        body_start = _body_start(text, r_start, title_span, titles, title_starts)
        reports.append(_build_report(index, comp, inside, r_start, r_end, body_start, title_span))
    if reports and reports[0].title is None:
        reports[0].title = _banner_title(clean)
    return reports


def _covered_by(spans: Iterable[tuple[int, int]]) -> Callable[[int], bool]:
    """A test of whether a position lies in any of the spans, in log time per position."""
    ordered = sorted(spans)
    firsts = [a for a, _ in ordered]
    reach: list[int] = []  # the furthest end among the spans starting at or before each one
    for _, b in ordered:
        reach.append(max(b, reach[-1]) if reach else b)

    def covered(pos: int) -> bool:
        i = bisect.bisect_right(firsts, pos) - 1
        return i >= 0 and reach[i] > pos

    return covered


def _banner_title(clean: CleanText) -> str | None:
    """The title a share site names in its masked banner ("小编为大家整理的…,供大家参考")."""
    for m in clean.masks:
        found = rules.BANNER_TITLE.search(clean.analysis_text[m.start : m.end])
        if found:
            return found.group("t").strip()
    return None


def _within_titles(
    h: _Heading, titles: list[tuple[int, int]], lo: int, main: tuple[int, int]
) -> bool:
    if h.level not in (HeadingLevel.UNNUMBERED, HeadingLevel.PART):
        return False
    return any(a <= h.start < b for a, b in titles if a <= main[1] + 200 and a >= lo)


def _body_start(
    text: str,
    r_start: int,
    title_span: tuple[int, int] | None,
    titles: list[tuple[int, int]],
    title_starts: list[int],
) -> int:
    if title_span is None:
        return r_start
    end = title_span[1]
    # Skip repeated titles that follow the first (a table of contents, or the title twice).
    while True:
        k = bisect.bisect_left(title_starts, end)
        if k >= len(titles) or titles[k][0] > end + 3 + _ws_len(text, end):
            break
        end = titles[k][1]
    return end


def _ws_len(text: str, i: int) -> int:
    n = 0
    while i + n < len(text) and text[i + n] in " \t\n　":
        n += 1
    return n


def _build_report(
    index: int,
    comp: _Compact,
    heads: list[_Heading],
    r_start: int,
    r_end: int,
    body_start: int,
    title_span: tuple[int, int] | None,
) -> Report:
    text = comp.text
    heads = [h for h in heads if h.start >= body_start]
    # Titles of headings, now that the next heading of each is known.
    for i, h in enumerate(heads):
        nxt = heads[i + 1].start if i + 1 < len(heads) else r_end
        if h.level == HeadingLevel.UNNUMBERED:
            h.title_end = min(h.title_end, nxt) if h.title_end > h.title_start else h.title_start
            h.title = text[h.title_start : h.title_end].strip()
            continue
        h.title_end = _title_end(text, h, nxt)
        h.title = text[h.title_start : h.title_end].strip(" \t　:：,，;；")

    # Without numbered part headings, parts come from bare heading lines and the genre's order.
    if not any(h.level == HeadingLevel.PART for h in heads):
        inferred = _inferred_parts(text, body_start, r_end, heads)
        if inferred:
            heads = sorted(heads + inferred, key=lambda h: (h.start, h.level))
    top_level = min((as_part_level(h.level) for h in heads), default=HeadingLevel.PART)
    heads += _period_turns(text, heads, r_end)
    heads.sort(key=lambda h: (h.start, h.level))
    part_heads = [h for h in heads if as_part_level(h.level) <= top_level]
    kinds = _part_kinds(text, part_heads, r_end)
    # A lead-in inside a part of its own kind ("今年……主要预期目标是" under "三、2026年重点工作")
    # opens nothing: dropped, so the part keeps its items.
    redundant = _redundant_leads(part_heads, kinds)
    if redundant:
        heads = [h for h in heads if id(h) not in redundant]
        part_heads = [h for h in part_heads if id(h) not in redundant]
        kinds = _part_kinds(text, part_heads, r_end)
    roots: list[Section] = []
    stack: list[Section] = []
    for h in heads:
        level = as_part_level(h.level)
        is_part = level <= top_level
        kind, confidence = (
            kinds[id(h)]
            if is_part
            else ((stack[0].kind, stack[0].confidence) if stack else ("achievements", 0.0))
        )
        sec = Section(
            level=level,
            number=h.number,
            title=comp.verbatim(h.title_start, h.title_end, _TITLE_STRIP) if h.title else "",
            start=comp.src(h.start),
            heading_end=comp.src_end(h.title_end) if h.title_end > h.start else comp.src(h.start),
            end=comp.src_end(r_end),
            kind=kind,
            confidence=confidence,
        )
        while stack and stack[-1].level >= level:
            stack.pop()
        if not stack and not is_part:
            continue  # an enumeration in the preamble, not a section
        if stack:
            if not is_part:
                sec.kind, sec.confidence = stack[0].kind, stack[0].confidence
            stack[-1].children.append(sec)
        else:
            roots.append(sec)
        stack.append(sec)
    _set_ends(roots, comp.src_end(r_end))
    # A plans part whose children repeat the problems' numbering is fine; nothing to fix here.
    src_body = comp.src(body_start)
    parts: list[Section] = []
    first = roots[0].start if roots else comp.src_end(r_end)
    if _has_text(text, body_start, heads[0].start if heads else r_end):
        parts.append(Section(0, "", "", src_body, src_body, first, "preamble"))
    parts.extend(roots)
    title = None
    if title_span is not None:
        title = comp.verbatim(title_span[0], title_span[1])
    return Report(
        index=index,
        title=title,
        start=comp.src(r_start),
        end=comp.src_end(r_end),
        body_start=src_body,
        parts=parts,
    )


def _redundant_leads(parts: list[_Heading], kinds: dict[int, tuple[PartKind, float]]) -> set[int]:
    """Lead-ins (level 0 with a kind) that follow a part of the same kind."""
    out: set[int] = set()
    prev: PartKind | None = None
    for h in parts:
        kind = kinds[id(h)][0]
        if h.level == HeadingLevel.UNNUMBERED and h.kind is not None and kind == prev:
            out.add(id(h))
            continue
        prev = kind
    return out


def _period_turns(text: str, heads: list[_Heading], r_end: int) -> list[_Heading]:
    """ "二、“十四五”时期发展成就和“十五五”时期主要目标任务": a part heading that names a
    past period's results and the next period's goals turns from review to plans at the first
    paragraph that opens with the later period's name (“十五五”时期是……)."""
    out = []
    level_one = [h for h in heads if h.level == HeadingLevel.PART]
    for i, h in enumerate(level_one):
        m = rules.PERIOD_PAIR_HEADING.search(h.title)
        if m is None:
            continue
        end = level_one[i + 1].start if i + 1 < len(level_one) else r_end
        later = m.group("later")
        at = text.find("\n" + later, h.title_end, end)
        if at < 0:
            continue
        s = at + 1
        h.kind, h.confidence = "achievements", 0.85
        out.append(_Heading(0, 0, "", s, s, s, True, kind="plans", confidence=0.85))
    return out


_RANK: dict[str, int] = {"achievements": 0, "problems": 1, "plans": 2, "other": 3}
_REVIEW_WORDS = re.compile(r"完成情况|回顾|总结|成绩|成效|进展")


def _part_kinds(text: str, parts: list[_Heading], r_end: int) -> dict[int, tuple[PartKind, float]]:
    """Kind and confidence of each part heading (keyed by id).

    A lead-in or a heading that names a kind decides; else the part's own wording, in the
    genre's order (review, problems, plans); else the previous part's kind, unsure.
    """
    out: dict[int, tuple[PartKind, float]] = {}
    prev: tuple[PartKind, float] | None = None
    review_year: int | None = None
    review_period: int | None = None  # 14 for "“十四五”时期……回顾"
    for i, h in enumerate(parts):
        body_end = parts[i + 1].start if i + 1 < len(parts) else r_end
        year_m = rules.HEADING_YEAR.search(h.title)
        year = int(year_m.group(1)) if year_m else None
        periods = [cn_number(p) for p in rules.HEADING_PERIOD.findall(h.title)]
        kind: PartKind
        named = _heading_kind(h.title)
        # "2026年主要工作" or "关于2025年工作" after "2025年工作回顾": a later year's work is
        # the plan; so is a later five-year period ("“十五五”时期工作的主要考虑" after
        # "“十四五”时期和2025年工作回顾").
        later = not _REVIEW_WORDS.search(h.title) and (
            (year is not None and review_year is not None and year > review_year)
            or (bool(periods) and review_period is not None and min(periods) > review_period)
        )
        if h.kind is not None:
            kind, conf = h.kind, h.confidence or 0.85
        elif later and (named is None or named[0] == "achievements"):
            kind, conf = "plans", 0.85
        elif named is not None:
            kind, conf = named
        elif (worded := _wording_kind(text[h.title_end : body_end])) is not None:
            kind, conf = worded
            if prev is not None and _RANK[kind] < _RANK.get(prev[0], 0):
                kind, conf = _next_in_genre(prev[0]), 0.4  # the genre does not go back
        elif prev is None:
            kind, conf = "achievements", 0.5
        else:
            kind, conf = _next_in_genre(prev[0]), 0.4
        if kind == "achievements" and year is not None:
            review_year = year
        if kind == "achievements" and periods:
            review_period = max(periods)
        out[id(h)] = (kind, conf)
        if kind != "other":
            prev = (kind, conf)
    return out


def _next_in_genre(prev: PartKind) -> PartKind:
    """The kind an unnamed part takes after `prev`: the problems are followed by the plans
    (a short problems paragraph is never continued by a numbered part); others continue."""
    return "plans" if prev == "problems" else prev


def _wording_kind(body: str) -> tuple[PartKind, float] | None:
    """The part kind the wording of a part's body points at, with a confidence."""
    scores: dict[PartKind, float] = {}
    for cue in rules.BODY_KIND_CUES:
        n = len(cue.pattern.findall(body))
        if n:
            scores[cue.kind] = scores.get(cue.kind, 0.0) + n * cue.weight
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    top_kind, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    # Review wording is the default; problems or plans must stand out clearly.
    if top < 1.0 or (top_kind != "achievements" and (top < 2.0 or top < 1.5 * second)):
        return None
    return top_kind, round(0.5 + 0.25 * (top - second) / top, 2)


def _inferred_parts(
    text: str, body_start: int, r_end: int, heads: list[_Heading]
) -> list[_Heading]:
    """Part headings for a report that numbers none: bare heading lines, else paragraphs
    read in the genre's order (review → problems → plans), a new part where the kind turns.

    Inline lead-ins already found ("在肯定成绩的同时……") are kept and count as turns.
    """
    paragraphs = [
        (body_start + m.start(), body_start + m.end())
        for m in re.finditer(r"[^\n]+", text[body_start:r_end])
        if m.group(0).strip()
    ]
    bare = [
        (a, b)
        for k, (a, b) in enumerate(paragraphs)
        if _is_bare_heading(text[a:b])
        and k + 1 < len(paragraphs)
        and paragraphs[k + 1][1] - paragraphs[k + 1][0] >= 20
    ]
    part_lines = {h.start for h in heads if h.level == HeadingLevel.UNNUMBERED and h.kind is None}
    bare = [(a, b) for a, b in bare if not any(a <= s < b for s in part_lines)]
    if len(bare) + len(part_lines) >= 2:
        out = []
        for a, b in bare:
            lead = len(text[a:b]) - len(text[a:b].lstrip(" \t　"))
            out.append(
                _Heading(0, 0, "", a + lead, a + lead, b, True, title=text[a + lead : b].strip())
            )
        return out
    if part_lines:
        return []
    inline = sorted(h.start for h in heads if h.level == HeadingLevel.UNNUMBERED)
    out = [_Heading(0, 0, "", body_start, body_start, body_start, True)] if paragraphs else []
    rank = 0
    for a, b in paragraphs[1:]:
        if any(a <= s < b for s in inline):
            rank = max(rank, 1)
            continue
        para = text[a:b]
        turn = _paragraph_turn(para)
        if turn is not None and _RANK[turn] > rank:
            rank = _RANK[turn]
            lead = len(para) - len(para.lstrip(" \t　"))
            out.append(
                _Heading(0, 0, "", a + lead, a + lead, a + lead, True, kind=turn, confidence=0.7)
            )
    return out


_PLAN_OPENING = re.compile(
    r"^\s*(?:下一步|下步|明年|来年|新的一年|今后|下半年|今年(?!以来|上半年|前))[^。]{0,20}?"
    r"(?:将|(?<![主重需只必纲])要|重点|计划|力争|目标)"
    r"|^\s*(?:19|20)\d{2}年[,，]?\s*(?:我们|全区|全市|全县|园区|开发区|经开区|高新区)?(?:将|要|力争|计划)"
    r"|^\s*(?:我们将|我们要|要|将)(?:着力|重点|全力|继续|进一步|坚持|加快|围绕|聚焦|抓好)"
)


def _paragraph_turn(para: str) -> PartKind | None:
    """Whether a paragraph opens the problems or the plans of a report by its wording."""
    if _PLAN_OPENING.search(para):
        return "plans"
    worded = _wording_kind(para)
    if worded is not None and worded[0] == "problems" and worded[1] >= 0.65 and len(para) < 600:
        return "problems"
    return None


_BARE_HEADING = re.compile(rf"^[ \t　]*{not_in(BOUNDARY_CHARS)}{{4,30}}?[ \t　]*$")


def _is_bare_heading(line: str) -> bool:
    """A short line of its own: a part heading by its form ("一年接着一年干，……")."""
    stripped = line.strip()
    return (
        bool(_BARE_HEADING.match(line))
        and not stripped.endswith(("，", ",", "、"))
        and not any(c.isdigit() for c in stripped[:1])
    )


# "工业园区工作总结及2023年工作思路": a title line, though it ends like a part heading.
# So is an undated "工业园区工作总结": a part heading does not name the zone.
_COMBINED_TITLE = re.compile(
    r"^[^\d]{2,}?总结(?:及|和|与|暨)"
    r"|^[^\d]{0,20}?(?:园区|开发区|经开区|高新区|管委会|工业区|集中区)[^\d]{0,6}?总结$"
)
_TITLE_STRIP = " \t　\n:：,，;；"


def _has_text(text: str, a: int, b: int) -> bool:
    return bool(text[a:b].strip())


def _set_ends(sections: list[Section], end: int) -> None:
    for i, s in enumerate(sections):
        s.end = sections[i + 1].start if i + 1 < len(sections) else end
        _set_ends(s.children, s.end)
