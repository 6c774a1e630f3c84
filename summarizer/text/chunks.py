"""Stage "chunks": section-aligned pieces of each report within a token budget.

In: a `CleanText`, its `Report`s and a token counter. Out: `Chunk`s that tile the file
(every analysed character in exactly one chunk), each carrying its report, part kind,
breadcrumb and offsets.

A part that fits the budget stays whole, and consecutive whole parts of a report share a
chunk while they fit together (fewer calls, and the instructions are sent once per chunk); a
part larger than the budget splits at its sub-headings, then at paragraphs, then at sentences,
never inside a sentence (a single sentence longer than the budget is the only exception).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from summarizer.core.document import Chunk, CleanText, PartKind, Report, Section
from summarizer.lexicon.numerals import SENTENCE_CUT
from summarizer.lexicon.words import HeadingLevel

Counter = Callable[[str], int]


def make_chunks(
    clean: CleanText,
    reports: list[Report],
    *,
    budget: int,
    count: Counter,
    exact: Counter | None = None,
) -> list[Chunk]:
    """Chunks for every report, tiling [0, len(text)) in order.

    `count` sizes the chunks; when it is an estimate, `exact` (if given) decides the cases
    close to the budget, so the cuts are those an exact count would make.
    """
    spans: list[tuple[int, int, int, PartKind, tuple[str, ...]]] = []
    n = len(clean.text)
    for r_i, report in enumerate(reports):
        r_start = 0 if r_i == 0 else report.start
        r_end = n if r_i == len(reports) - 1 else reports[r_i + 1].start
        pieces = _report_pieces(clean, report, _Budget(budget, count, exact))
        if not pieces:
            pieces = [(r_start, r_end, "preamble", ())]
        # Stretch the first and last piece so reports (and the file) are tiled exactly.
        first = pieces[0]
        pieces[0] = (r_start, first[1], first[2], first[3])
        last = pieces[-1]
        pieces[-1] = (last[0], r_end, last[2], last[3])
        for a, b, kind, path in pieces:
            spans.append((report.index, a, b, kind, path))
    chunks = []
    parts = {r.index: r.parts for r in reports}
    # Part starts per report, bisected per chunk (a report may have thousands of parts).
    part_starts = {r.index: [p.start for p in r.parts] for r in reports}
    for i, (report_index, a, b, kind, path) in enumerate(spans):
        text = clean.analysed(a, b)
        mine, starts = parts[report_index], part_starts[report_index]
        inside = mine[bisect.bisect_left(starts, a) : bisect.bisect_left(starts, b)]
        outline = tuple((_label(p) or p.kind, p.kind) for p in inside)
        # The part the chunk starts in says how sure its kind is.
        # Parts tile their report in order, so only the last one starting at or before it can.
        k = bisect.bisect_right(starts, a) - 1
        holder = mine[k] if k >= 0 and a < mine[k].end else None
        chunks.append(
            Chunk(
                i,
                report_index,
                kind,
                path,
                a,
                b,
                text,
                count(text),
                outline,
                outline_confidence=tuple(p.confidence for p in inside),
                confidence=holder.confidence if holder is not None else 1.0,
            )
        )
    return chunks


Piece = tuple[int, int, PartKind, tuple[str, ...]]


def _report_pieces(clean: CleanText, report: Report, budget: _Budget) -> list[Piece]:
    pieces: list[Piece] = []
    whole: list[bool] = []  # whether each piece is a whole part
    for part in report.parts:
        label = _label(part)
        path: tuple[str, ...] = (label,) if label else ()
        split = _split(clean, part, part.start, part.end, path, budget)
        pieces.extend(split)
        whole.extend([len(split) == 1] * len(split))
    # Consecutive whole parts ride together while they fit; the first part names the chunk,
    # unless it is only the preamble.
    merged: list[Piece] = []
    merged_whole: list[bool] = []
    for piece, is_whole in zip(pieces, whole, strict=True):
        if merged and is_whole and merged_whole[-1]:
            last = merged[-1]
            if budget.fits(clean, last[0], piece[1]):
                first = piece if last[2] == "preamble" else last
                merged[-1] = (last[0], piece[1], first[2], first[3])
                continue
        merged.append(piece)
        merged_whole.append(is_whole)
    return merged


def _label(section: Section) -> str:
    return f"{section.number}{section.title}".strip()


@dataclass(frozen=True)
class _Budget:
    """Whether a span fits the token budget, counted cheaply and exactly only when close."""

    tokens: int
    count: Counter
    exact: Counter | None  # when set, `count` is an estimate, checked near the budget

    def fits(self, clean: CleanText, a: int, b: int) -> bool:
        text = clean.analysed(a, b)
        n = self.count(text)
        if self.exact is not None and _NEAR[0] * self.tokens <= n <= _NEAR[1] * self.tokens:
            n = self.exact(text)
        return n <= self.tokens


# On the genre the estimate runs 1 % to 11 % above o200k (seeds' parts and reports); outside
# this band around the budget an exact count could not change the verdict.
_NEAR = (0.9, 1.25)


def _split(
    clean: CleanText,
    section: Section,
    start: int,
    end: int,
    path: tuple[str, ...],
    budget: _Budget,
) -> list[Piece]:
    if budget.fits(clean, start, end):
        return [(start, end, section.kind, path)]
    children = [
        c for c in section.children if c.level < HeadingLevel.ENUMERATION
    ] or section.children
    if not children:
        return _split_text(clean, section, start, end, path, budget)
    # Groups of consecutive children; the lead text rides with the first group, and a child
    # too large on its own splits further.
    bounds = [start] + [c.start for c in children[1:]] + [end]
    spans = list(zip(bounds, bounds[1:], strict=False))
    pieces: list[Piece] = []
    for group in _greedy(clean, spans, budget):
        a, b = spans[group[0]][0], spans[group[-1]][1]
        first = children[group[0]]
        label = _label(first)
        child_path = path + ((label,) if label else ())
        if len(group) == 1 and not budget.fits(clean, a, b):
            pieces.extend(_split(clean, first, a, b, child_path, budget))
        else:
            pieces.append((a, b, section.kind, child_path))
    return pieces


def _split_text(
    clean: CleanText,
    section: Section,
    start: int,
    end: int,
    path: tuple[str, ...],
    budget: _Budget,
) -> list[Piece]:
    """Paragraphs first, then sentences, packed greedily up to the budget."""
    text = clean.text
    spans: list[tuple[int, int]] = []
    for a, b in _cuts(text, start, end, re.compile(r"\n+")):
        spans.extend([(a, b)] if budget.fits(clean, a, b) else _cuts(text, a, b, SENTENCE_CUT))
    return [
        (spans[g[0]][0], spans[g[-1]][1], section.kind, path) for g in _greedy(clean, spans, budget)
    ]


def _greedy(clean: CleanText, spans: list[tuple[int, int]], budget: _Budget) -> list[list[int]]:
    """Consecutive spans grouped while a group fits; a span too large alone is its own group.

    A group's size only grows with its end, so its last span is found by galloping and then
    bisecting: O(log n) counts of the group's text, not one per span (a part of 10,000 short
    lines was counted 10,000 times, exactly near the budget).
    """
    groups: list[list[int]] = []
    n = len(spans)
    i = 0
    while i < n:
        a = spans[i][0]
        last, step = i, 1  # spans[i..last] fit together (or last == i: the span alone)
        while last + step < n and budget.fits(clean, a, spans[last + step][1]):
            last += step
            step *= 2
        beyond = min(last + step, n)  # the first end known not to fit, or n
        while beyond - last > 1:
            mid = (last + beyond) // 2
            if budget.fits(clean, a, spans[mid][1]):
                last = mid
            else:
                beyond = mid
        groups.append(list(range(i, last + 1)))
        i = last + 1
    return groups


def _cuts(text: str, start: int, end: int, sep: re.Pattern[str]) -> list[tuple[int, int]]:
    """Split [start, end) after every separator match; the pieces tile the span."""
    out = []
    pos = start
    for m in sep.finditer(text, start, end):
        if m.end() > pos:
            out.append((pos, m.end()))
            pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out
