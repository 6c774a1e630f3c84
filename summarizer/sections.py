"""Stage "sections": split a file into reports, and each report into a section tree.

In: a `CleanText`. Out: `Report`s whose `parts` are the top-level sections, each with a part
kind (preamble / achievements / problems / plans / other) and nested sections.

Headings are found anywhere in a line (one seed is a single long line), on the text with the
masked spans removed (a page number inside a heading no longer breaks it); offsets are then
mapped back to the source. Numbering sequences tell headings from enumerations inside
sentences: an inline "3." is only a heading where a "2." of the same list came before.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from summarizer.document import CleanText, PartKind, Report, Section

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十"


def cn_number(s: str) -> int:
    """Value of a Chinese numeral up to 99 (一, 十二, 二十三)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0))
    return _CN_DIGITS.get(s, 0)


# ----------------------------------------------------------------------------- patterns

_BOUNDARY = "。！？!?；;：:\n"
# level, pattern; group "n" is the number.
_HEADING_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"(?P<n>[{_CN}]{{1,3}})\s*[、.．]")),
    (2, re.compile(rf"[(（]\s*(?P<n>[{_CN}]{{1,3}})\s*[)）]\s*[、.．]?")),
    (3, re.compile(r"(?P<n>[0-9０-９]{1,2})\s*(?:[、．]|\.(?![0-9０-９]))")),
    (4, re.compile(r"[(（]\s*(?P<n>[0-9０-９]{1,2})\s*[)）]")),
    (5, re.compile(rf"(?P<n>[{_CN}]{{1,2}})(?:是|要|抓)(?=[\u4e00-\u9fff“\"《])")),
]

_PART_KEYWORDS = (
    "完成情况|工作情况|开展情况|进展情况|主要工作|工作总结|总结|成绩|成效|回顾|主要做法|"
    "存在的问题|存在问题|困难和问题|问题和不足|主要问题|问题|不足|短板|困难|差距|"
    "工作思路|工作计划|工作打算|工作安排|安排和打算|工作重点|重点工作|工作要点|思路|计划|打算|"
    "安排|目标|措施|举措|设想|意见和建议|意见建议|建议|请求|诉求"
)
_PART_TITLE = re.compile(rf".{{0,30}}?(?:{_PART_KEYWORDS})")
_PART_LINE = re.compile(
    rf"^[ \t　]*(?P<t>(?:(?:\d{{4}}|[xX*]{{2,4}}|今|明|下一?|新的一)年度?|下一步|下步|今后)?"
    rf"[^。，,；;：:\n]{{0,14}}?(?:{_PART_KEYWORDS}))[ \t　:：]*$",
    re.MULTILINE,
)
_TITLE = re.compile(
    r"(?:[\u4e00-\u9fffA-Za-z*（）()]{0,24}?)(?:\d{4}|[xX*]{2,4})年度?[\u4e00-\u9fff]{0,14}?"
    r"工作总结(?:(?:[及和与暨、]|和明年|及明年)[\u4e00-\u9fff\d]{0,14}?"
    r"(?:思路|计划|安排|打算|要点|重点|计戈)[\u4e00-\u9fffA-Z]{0,6}?(?=[\u4e00-\u9fff\d]|$|[\s(（]))?"
)
_INLINE_PROBLEMS = re.compile(
    r"(?:在取得(?:这些)?成绩的同时|成绩的同时|与此同时|同时|但是|但|然而|当然|不过)[^。]{0,40}?"
    r"(?:困难和问题|问题和不足|不足和问题|问题与不足|困难与问题|困难|不足|短板|问题|差距)"
)
_INLINE_PLANS = re.compile(
    r"(?:下一步|下步|明年|来年|新的一年|\d{4}年)[,，]?\s*(?:我们|园区|开发区|经开区|我区|管委会)?"
    r"(?:将|要|计划|打算|重点)"
)

_KIND_RULES: list[tuple[PartKind, re.Pattern[str]]] = [
    ("other", re.compile(r"意见|建议|请求|诉求|需要.{0,6}(支持|帮助|协调)")),
    ("problems", re.compile(r"问题|不足|短板|困难|差距|薄弱|瓶颈|挑战")),
    (
        "achievements",
        re.compile(r"完成情况|工作情况|开展情况|进展|总结|成绩|成效|回顾|主要做法|主要工作"),
    ),
    (
        "plans",
        re.compile(r"思路|计划|打算|安排|重点|要点|目标|措施|举措|设想|展望|下一步|下步|明年|计戈"),
    ),
]


def part_kind_of(title: str) -> PartKind | None:
    """The part kind a level-1 heading names, or None when it names none."""
    for kind, pattern in _KIND_RULES:
        if pattern.search(title):
            return kind
    return None


# ----------------------------------------------------------------------------- compact view


@dataclass
class _Compact:
    """The analysed text (masked spans removed) with a map back to source offsets."""

    text: str
    seg_compact: list[int]  # compact start of each unmasked segment
    seg_source: list[int]  # source start of each unmasked segment
    source_len: int

    @staticmethod
    def of(clean: CleanText) -> _Compact:
        segs = clean.segments(0, len(clean.text))
        # The simplified copy of a traditional-character source, so the tables read it.
        text = clean.analysis_text
        parts, cstarts, sstarts = [], [], []
        pos = 0
        for a, b in segs:
            cstarts.append(pos)
            sstarts.append(a)
            parts.append(text[a:b])
            pos += b - a
        return _Compact("".join(parts), cstarts, sstarts, len(clean.text))

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
    for level, pattern in _HEADING_PATTERNS:
        for m in pattern.finditer(text):
            s = m.start()
            prev = text[s - 1] if s > 0 else "\n"
            if level in (1, 5) and prev in _CN + "第":
                continue  # "第一、二批", "十一是"
            if level == 3 and (prev.isdigit() or prev in ".．-—~～至/"):
                continue
            nxt = text[m.end() : m.end() + 1]
            if level == 3 and (nxt.isdigit() or nxt in "月日号%％"):
                continue
            if level == 1 and nxt in "二三四五六七八九十期":
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
        if c == "\n" or c == "。" or (h.level == 5 and c in "，,；;：:"):
            stop = i
            break
    if h.level == 1 or h.level == 0:
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
        if h.level == 1:
            window = text[h.title_start : h.title_start + 24]
            part_like = bool(_PART_TITLE.match(window)) and part_kind_of(window) is not None
            ok = (strong and fits) or (part_like and (fits or h.n == 1))
            if prev is not None and h.n == 1 and not part_like and not h.line_start:
                ok = False
        elif h.level == 5:
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
        last[h.level] = h.n
        for lower in range(h.level + 1, 6):
            last.pop(lower, None)
    return accepted


def _right_after_heading(text: str, h: _Heading, before: _Heading | None) -> bool:
    """ "一、2023年工作完成情况(一)平台…": a sub-heading straight after its parent's title."""
    if before is None or before.level >= h.level or before.level == 5:
        return False
    between = text[before.title_start : h.start]
    return len(between) <= 40 and not re.search(r"[。；;！？!?]", between)


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


def _inline_parts(text: str, headings: list[_Heading]) -> list[_Heading]:
    """Problems introduced inside a paragraph: "在取得这些成绩的同时……困难和问题,主要表现在:"."""
    out = []
    for m in _INLINE_PROBLEMS.finditer(text):
        s = m.start()
        if not _after_boundary(text, s):
            continue
        sentence_end = text.find("。", s)
        colon = min((i for i in (text.find(":", s), text.find("：", s)) if i >= 0), default=-1)
        intro_end = (
            colon + 1 if 0 <= colon < (sentence_end if sentence_end >= 0 else len(text)) else s
        )
        out.append(_Heading(0, 0, "", s, s, intro_end, False, kind="problems"))
    return out


# ----------------------------------------------------------------------------- reports


def _title_matches(text: str) -> list[re.Match[str]]:
    """`_TITLE.finditer(text)`, but only near each "工作总结", which every title contains.

    Running the title pattern (a lazy prefix) from every position was a third of the text
    stages' time; windows around the anchor find the same matches.
    """
    matches: list[re.Match[str]] = []
    done = 0
    anchor = text.find("工作总结")
    while anchor >= 0:
        lo = max(done, anchor - 48)
        m = _TITLE.search(text, lo, min(len(text), anchor + 40))
        # The window may end inside a longer tail; re-match from its start on the full text.
        if m is not None:
            m = _TITLE.match(text, m.start())
        if m is not None and m.start() <= anchor < m.end():
            matches.append(m)
            done = m.end()
        anchor = text.find("工作总结", max(anchor + 1, done))
    return matches


_NUMBERED = re.compile(
    rf"^\s*(?:[{_CN}]{{1,3}}\s*[、.．]|[(（]\s*[{_CN}]{{1,3}}\s*[)）]|\d{{1,2}}\s*[、.．])"
)


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
    first_title = _leading_title(text, titles)
    bounds.append((0, first_title))
    last_l1 = 0
    for h in headings:
        if h.level != 1:
            continue
        if h.n == 1 and last_l1 >= 2:
            lo = bounds[-1][0]
            before = [t for t in titles if lo < t[0] < h.start and h.start - t[0] < 3000]
            if before:
                title: tuple[int, int] | None = before[-1]
                # Titles repeated back to back: the report starts at the first of the run.
                k = titles.index(before[-1])
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
        if _NUMBERED.match(line) or _PART_LINE.match(line):
            continue
        if (
            4 <= len(line) <= 40
            and not re.search(r"[。，,；;]", line)
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
    headings = [
        h for h in headings if not any(a <= h.start < b for a, b in title_spans) or h.level != 1
    ]
    headings += _part_lines(text, headings)
    headings += _inline_parts(text, headings)
    headings.sort(key=lambda h: (h.start, h.level))

    reports: list[Report] = []
    for index, (r_start, r_end, title_span) in enumerate(_split_reports(text, headings, titles)):
        inside = [h for h in headings if r_start <= h.start < r_end]
        if title_span is not None:
            # Drop part-like lines that are the title itself or repeats of it at the top.
            inside = [h for h in inside if not _within_titles(h, titles, r_start, title_span)]
        body_start = _body_start(text, r_start, title_span, titles)
        reports.append(_build_report(index, comp, inside, r_start, r_end, body_start, title_span))
    if reports and reports[0].title is None:
        reports[0].title = _banner_title(clean)
    return reports


_BANNER_TITLE = re.compile(r"整理的(?P<t>.{4,60}?)(?:[(（][^)）]{0,8}[)）])?[,，]\s*供大家参考")


def _banner_title(clean: CleanText) -> str | None:
    """The title a share site names in its masked banner ("小编为大家整理的…,供大家参考")."""
    for m in clean.masks:
        found = _BANNER_TITLE.search(clean.analysis_text[m.start : m.end])
        if found:
            return found.group("t").strip()
    return None


def _within_titles(
    h: _Heading, titles: list[tuple[int, int]], lo: int, main: tuple[int, int]
) -> bool:
    if h.level not in (0, 1):
        return False
    return any(a <= h.start < b for a, b in titles if a <= main[1] + 200 and a >= lo)


def _body_start(
    text: str, r_start: int, title_span: tuple[int, int] | None, titles: list[tuple[int, int]]
) -> int:
    if title_span is None:
        return r_start
    end = title_span[1]
    # Skip repeated titles that follow the first (a table of contents, or the title twice).
    while True:
        nxt = [t for t in titles if end <= t[0] <= end + 3 + _ws_len(text, end)]
        if not nxt:
            break
        end = nxt[0][1]
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
        if h.level == 0:
            h.title_end = min(h.title_end, nxt) if h.title_end > h.title_start else h.title_start
            h.title = text[h.title_start : h.title_end].strip()
            continue
        h.title_end = _title_end(text, h, nxt)
        h.title = text[h.title_start : h.title_end].strip(" \t　:：,，;；")

    # Part kinds of the top-level headings; unknown ones follow the previous part.
    top_level = min((h.level if h.level else 1 for h in heads), default=1)
    roots: list[Section] = []
    stack: list[Section] = []
    current_kind: PartKind = "achievements"
    seen_part = False
    for h in heads:
        level = 1 if h.level == 0 else h.level
        is_part = level <= top_level
        kind: PartKind = current_kind
        if is_part:
            named = h.kind or part_kind_of(h.title)
            if named is not None:
                kind = named
            elif not seen_part:
                kind = "achievements"
            current_kind = kind
            seen_part = True
        sec = Section(
            level=level,
            number=h.number,
            title=h.title,
            start=comp.src(h.start),
            heading_end=comp.src_end(h.title_end) if h.title_end > h.start else comp.src(h.start),
            end=comp.src_end(r_end),
            kind=kind,
        )
        while stack and stack[-1].level >= level:
            stack.pop()
        if not stack and not is_part:
            continue  # an enumeration in the preamble, not a section
        if stack:
            sec.kind = stack[0].kind if not is_part else kind
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
        title = text[title_span[0] : title_span[1]].strip()
    return Report(
        index=index,
        title=title,
        start=comp.src(r_start),
        end=comp.src_end(r_end),
        body_start=src_body,
        parts=parts,
    )


def _has_text(text: str, a: int, b: int) -> bool:
    return bool(text[a:b].strip())


def _set_ends(sections: list[Section], end: int) -> None:
    for i, s in enumerate(sections):
        s.end = sections[i + 1].start if i + 1 < len(sections) else end
        _set_ends(s.children, s.end)
