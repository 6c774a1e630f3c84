"""Plain data that flows between the text stages (read → clean → sections → chunks).

Every offset anywhere in the project is an index into `SourceText.text`, the decoded file
text with line endings normalised to "\\n". Of ours it imports only the vocabulary.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

# The part kinds are vocabulary (vocabulary.py); re-exported for the stages typed with them.
from summarizer.core.vocabulary import PART_FINDING_KIND as PART_FINDING_KIND
from summarizer.core.vocabulary import PartKind as PartKind
from summarizer.core.vocabulary import ReportCheck


@dataclass(frozen=True)
class Mask:
    """A span of the source left out of the analysis (web cruft, page numbers)."""

    start: int
    end: int
    why: str


@dataclass(frozen=True)
class SourceText:
    """A decoded input file.

    `text` is what every offset indexes (the BOM rule and the rest: see `summarizer.text.read`).
    The reader may also hand on what it learnt from the format: `masks` over format syntax
    (Markdown markup, PDF page breaks, HTML page chrome), a `simplified` copy of `text` in
    simplified characters (same length, so offsets carry over) when the file is written in
    traditional characters, the PDF pages whose text was recognised by OCR, and warnings.
    """

    path: str
    text: str
    encoding: str
    format: str  # txt, md, docx, doc, html, pdf
    sha256: str  # of the file's bytes
    masks: tuple[Mask, ...] = ()
    simplified: str | None = None
    ocr_pages: tuple[int, ...] = ()  # 1-based PDF page numbers
    warnings: tuple[str, ...] = ()

    @property
    def analysis_text(self) -> str:
        """The text the rule stages read: `simplified` when there is one, else `text`."""
        return self.text if self.simplified is None else self.simplified


@dataclass(frozen=True)
class CleanText:
    """The source with its masks.

    `view` has the same length as `source.text`; every masked character is a space there,
    so regexes run on `view` and their offsets are source offsets. `view`, `analysis_text`
    and `analysed` read the source's simplified copy when it has one (a traditional-character
    file); `text` and every quote stay as written.
    """

    source: SourceText
    masks: tuple[Mask, ...]
    view: str
    _mask_starts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    @staticmethod
    def build(source: SourceText, masks: list[Mask]) -> CleanText:
        merged = merge_masks(masks, len(source.text))
        # Slices and blanks joined: a list of the characters costs ~70 bytes per CJK character.
        text = source.analysis_text
        parts: list[str] = []
        pos = 0
        for m in merged:
            parts.append(text[pos : m.start])
            parts.append(" " * (m.end - m.start))
            pos = m.end
        parts.append(text[pos:])
        return CleanText(
            source=source,
            masks=tuple(merged),
            view="".join(parts),
            _mask_starts=tuple(m.start for m in merged),
        )

    def __hash__(self) -> int:
        # Computed once: grounding caches per clean text (its normalised view, span readings)
        # and hashing every mask on each lookup grew with the file, once per finding.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.source, self.masks, self.view))
            object.__setattr__(self, "_hash", cached)
        return int(cached)

    @property
    def text(self) -> str:
        return self.source.text

    @property
    def analysis_text(self) -> str:
        """The unmasked text the rule stages read (simplified characters where written traditional)."""
        return self.source.analysis_text

    def segments(self, start: int, end: int) -> list[tuple[int, int]]:
        """The unmasked spans inside [start, end), in order."""
        spans: list[tuple[int, int]] = []
        pos = start
        i = max(bisect.bisect_right(self._mask_starts, start) - 1, 0)
        while i < len(self.masks) and self.masks[i].start < end:
            m = self.masks[i]
            if m.end > pos:
                if m.start > pos:
                    spans.append((pos, m.start))
                pos = max(pos, m.end)
            i += 1
        if pos < end:
            spans.append((pos, end))
        return spans

    def analysed(self, start: int, end: int) -> str:
        """The unmasked text of [start, end), masked spans removed."""
        text = self.source.analysis_text
        return "".join(text[a:b] for a, b in self.segments(start, end))

    def is_masked(self, pos: int) -> bool:
        i = bisect.bisect_right(self._mask_starts, pos) - 1
        return i >= 0 and self.masks[i].start <= pos < self.masks[i].end


def merge_masks(masks: Iterable[Mask], text_len: int) -> list[Mask]:
    """The masks clipped to [0, text_len), empty ones dropped, overlapping or touching ones
    joined (the first one's reason kept), in source order."""
    out: list[Mask] = []
    for m in sorted(masks, key=lambda m: (m.start, m.end)):
        start, end = max(m.start, 0), min(m.end, text_len)
        if end <= start:
            continue
        if out and start <= out[-1].end:
            last = out[-1]
            if end > last.end:
                out[-1] = Mask(last.start, end, last.why)
            continue
        out.append(Mask(start, end, m.why) if (start, end) != (m.start, m.end) else m)
    return out


@dataclass
class Section:
    """A heading and everything under it, up to the next heading of the same or higher level.

    level: 1 = 一、 / un-numbered part heading / inline part; 2 = (一); 3 = 1. 1、;
    4 = (1); 5 = 一是 (inline enumeration items).
    """

    level: int
    number: str  # the numbering as written ("一、", "(一)", "1 .", "一是"); "" if none
    title: str  # heading text without the numbering ("" for an inline part)
    start: int  # where the heading (its numbering) starts
    heading_end: int  # end of the heading text; the body starts here
    end: int
    kind: PartKind
    children: list[Section] = field(default_factory=list)
    # How sure the section tree is of `kind`: about 0.9 when a heading names it, 0.5-0.8
    # when the part's own wording or the genre's order says it, lower when only inherited.
    confidence: float = 1.0

    def walk(self) -> list[Section]:
        """This section and all its descendants, in source order."""
        out = [self]
        for c in self.children:
            out.extend(c.walk())
        return out


@dataclass
class Report:
    """One report inside a file (a file may concatenate several)."""

    index: int
    title: str | None
    start: int
    end: int
    body_start: int  # after the title
    parts: list[Section]  # top-level sections in order; a "preamble" part first if any


@dataclass(frozen=True)
class Chunk:
    """A section-aligned piece of one report that a backend reads at once."""

    index: int  # position in the file's chunk list
    report: int
    kind: PartKind
    path: tuple[str, ...]  # breadcrumb of headings
    start: int
    end: int
    text: str  # the analysed (unmasked) text of [start, end)
    tokens: int
    # Every part heading inside the chunk with its kind, in order; a chunk may hold several
    # whole parts of one report.
    outline: tuple[tuple[str, PartKind], ...] = ()
    # The confidence of each outline kind, in the same order (see `Section.confidence`), and
    # of `kind`: a backend sends a kind as a hint only where it is confident.
    outline_confidence: tuple[float, ...] = ()
    confidence: float = 1.0


@dataclass
class Analysis:
    """Everything the text stages know about one file."""

    clean: CleanText
    reports: list[Report]
    chunks: list[Chunk]
    warnings: list[str] = field(default_factory=list)
    checks: list[ReportCheck] = field(default_factory=list)  # typed warnings of the text stages

    @property
    def source(self) -> SourceText:
        return self.clean.source

    def report_of(self, chunk: Chunk) -> Report:
        """The report a chunk belongs to (by index: a file may hold thousands of reports)."""
        i = chunk.report
        if 0 <= i < len(self.reports) and self.reports[i].index == i:
            return self.reports[i]
        return next(r for r in self.reports if r.index == i)

    def chunks_in_report(self, report: int) -> int:
        """How many chunks the report of this index has (counted once per analysis)."""
        counts = self.__dict__.get("_chunk_counts")
        if counts is None:
            counts = {}
            for c in self.chunks:
                counts[c.report] = counts.get(c.report, 0) + 1
            self.__dict__["_chunk_counts"] = counts
        return int(counts.get(report, 0))
