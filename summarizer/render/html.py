"""The HTML evidence viewer: a SummaryDocument and its source text in, one HTML file out.

`render_html` writes a single self-contained page (inline CSS and JS, no network): the source
text on the left with every evidence span highlighted in its finding kind's colour and masked
cruft greyed, the findings on the right grouped per report and kind. Clicking a finding
scrolls to its span and flashes it; clicking a span selects its finding.
`render_html_index` writes the table of a batch, one row per input file.

The pages are jinja2 templates (summarizer/render/templates/, shipped as package data with
their CSS and JS) rendered with autoescaping: every piece of document text is HTML-escaped,
the scripts are static and read only the `data-*` attributes the templates write, so a
report can never inject markup or code.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import jinja2
from markupsafe import Markup

from summarizer.core.document import Mask, merge_masks
from summarizer.core.schema import (
    Finding,
    ReportSummary,
    SummaryDocument,
    finding_lists,
    iter_findings,
)
from summarizer.core.vocabulary import CHECKS, FINDING_KINDS, TOPIC_LABELS, WORDS
from summarizer.render.format import (
    change_direction,
    format_change,
    metric_change,
    metric_figure,
    natural_key,
)
from summarizer.render.overview import IndexEntry

__all__ = ["IndexEntry", "render_html", "render_html_index", "finding_id"]


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    order: int  # document order of the evidence; breaks ties between equal spans
    finding: str
    evidence: str
    kind: str
    label: str


def finding_id(report: int, kind: str, index: int) -> str:
    """The stable id of a finding in the page, e.g. `r0-achievement-3`."""
    return f"r{report}-{kind}-{index}"


# --------------------------------------------------------------------------- source pane


def _collect_spans(doc: SummaryDocument, text_len: int) -> list[_Span]:
    spans: list[_Span] = []
    for r, kind, _, i, finding in iter_findings(doc):
        fid = finding_id(r, kind, i)
        for k, ev in enumerate(finding.evidence):
            # Offsets outside the text cannot be drawn; `summarizer check` reports them.
            if ev.start is None or ev.end is None:
                continue
            if not 0 <= ev.start < ev.end <= text_len:
                continue
            spans.append(
                _Span(
                    ev.start,
                    ev.end,
                    len(spans),
                    fid,
                    f"{fid}-e{k}",
                    kind,
                    f"{WORDS[kind].zh} · {finding.title}",
                )
            )
    return spans


def _source_pieces(text: str, spans: list[_Span], masks: list[Mask]) -> list[_Piece]:
    """The source text cut at every span and mask boundary, each piece drawn once.

    Overlapping evidence cannot nest as HTML elements, so the text is split at every
    boundary and each piece belongs to the innermost covering span (ties: the first);
    `covers` still lists every finding covering it so all of a finding lights up.
    """
    bounds = {0, len(text)}
    for s in spans:
        bounds.update((s.start, s.end))
    for m in masks:
        bounds.update((m.start, m.end))
    points = sorted(bounds)
    out: list[_Piece] = []
    mi = 0
    # Spans sorted by start, walked with a window of those still open: O(n log n), not n².
    by_start = sorted(spans, key=lambda s: s.start)
    si = 0
    open_spans: list[_Span] = []
    for a, b in zip(points, points[1:], strict=False):
        if a == b:
            continue
        while mi < len(masks) and masks[mi].end <= a:
            mi += 1
        mask_why = masks[mi].why if mi < len(masks) and masks[mi].start <= a else None
        while si < len(by_start) and by_start[si].start <= a:
            open_spans.append(by_start[si])
            si += 1
        open_spans = [s for s in open_spans if s.end > a]
        covering = sorted((s for s in open_spans if b <= s.end), key=lambda s: s.order)
        piece = text[a:b]
        if covering:
            owner = min(covering, key=lambda s: (s.end - s.start, s.order))
            classes = ["ev", f"k-{owner.kind}"]
            if len({s.finding for s in covering}) > 1:
                classes.append("overlap")
            if mask_why is not None:
                classes.append("masked")
            out.append(
                _Piece(
                    piece,
                    owner=owner.finding,
                    classes=" ".join(classes),
                    evidence=owner.evidence,
                    covers=" ".join(dict.fromkeys(s.finding for s in covering)),
                    evs=" ".join(s.evidence for s in covering),
                    title=" / ".join(dict.fromkeys(s.label for s in covering)),
                )
            )
        else:
            out.append(_Piece(piece, mask=mask_why))
    return out


# --------------------------------------------------------------------------- findings pane


@dataclass(frozen=True)
class _Piece:
    """A run of source text and how it is drawn: evidence (`owner` set), masked, or plain."""

    text: str
    owner: str | None = None
    classes: str = ""
    evidence: str = ""
    covers: str = ""
    evs: str = ""
    title: str = ""
    mask: str | None = None


@dataclass(frozen=True)
class _Card:
    finding: Finding
    fid: str
    first_ev: str
    topic: str
    located: int
    unlocated: list[str]
    has_redacted: bool


@dataclass(frozen=True)
class _Group:
    kind: str
    zh: str
    en: str
    cards: list[_Card]


@dataclass(frozen=True)
class _Report:
    index: int
    report: ReportSummary
    groups: list[_Group]


def _card(f: Finding, fid: str) -> _Card:
    located = [k for k, ev in enumerate(f.evidence) if ev.start is not None and ev.end is not None]
    return _Card(
        finding=f,
        fid=fid,
        first_ev=f"{fid}-e{located[0]}" if located else "",
        topic=TOPIC_LABELS.get(f.topic, f.topic),
        located=len(located),
        unlocated=[ev.quote for ev in f.evidence if ev.start is None or ev.end is None],
        has_redacted=any(m.redacted for m in f.metrics),
    )


def _reports(doc: SummaryDocument) -> list[_Report]:
    out = []
    for r, report in enumerate(doc.reports):
        groups = []
        for kind, _, findings in finding_lists(report):
            if findings:
                cards = [_card(f, finding_id(r, kind, i)) for i, f in enumerate(findings)]
                groups.append(_Group(kind, WORDS[kind].zh, WORDS[kind].en, cards))
        out.append(_Report(r, report, groups))
    return out


def render_html(doc: SummaryDocument, source_text: str, masks: Sequence[Mask]) -> str:
    """One self-contained HTML page showing the findings of `doc` over its source text."""
    spans = _collect_spans(doc, len(source_text))
    pieces = _source_pieces(source_text, spans, merge_masks(masks, len(source_text)))
    findings = [at.finding for at in iter_findings(doc)]
    verified = sum(f.verified for f in findings)
    return render_template(
        "viewer.html.j2",
        doc=doc,
        name=os.path.basename(doc.source.path) or doc.source.path,
        findings=len(findings),
        share=f"{verified / len(findings):.0%}" if findings else "—",
        spans=len(spans),
        pieces=pieces,
        reports=_reports(doc),
        kinds=FINDING_KINDS,
        css=Markup(_KIND_CSS + asset("viewer.css")),
        js=Markup(asset("viewer.js")),
    )


# --------------------------------------------------------------------------- batch index


def _safe_href(href: str) -> str | None:
    # A file path or relative URL only: never a javascript: or data: URL in a link.
    bad = href.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
    return None if bad else href


@dataclass(frozen=True)
class _Row:
    entry: IndexEntry
    href: str | None
    css: str
    years: str
    share: float | None


def _years(years: Sequence[int]) -> str:
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def render_html_index(entries: Sequence[IndexEntry]) -> str:
    """One self-contained HTML page listing a batch: a row per input with its title,
    organization, years and counts; columns sort on click, file names in natural order."""
    rows = [
        _Row(
            entry=e,
            href=_safe_href(e.href) if e.href else None,
            css="ok" if e.status == "ok" else ("error" if e.error else "other"),
            years=_years(sorted(e.years)),
            share=None if e.verified_share is None else max(0.0, min(1.0, e.verified_share)),
        )
        for e in sorted(entries, key=lambda e: natural_key(e.path))
    ]
    totals = [
        sum(getattr(e, f) for e in entries)
        for f in ("reports", "achievements", "problems", "plans", "other")
    ]
    return render_template(
        "index.html.j2",
        entries=rows,
        failed=sum(1 for e in entries if e.status != "ok"),
        totals=totals,
        kinds=FINDING_KINDS,
        check_labels={c: zh for c, (zh, _) in CHECKS.items()},
        check_messages={c: en for c, (_, en) in CHECKS.items()},
        css=Markup(_KIND_CSS + asset("viewer.css")),
        js=Markup(asset("index.js")),
    )


# --------------------------------------------------------------------------- assets

# Each kind's colours (vocabulary.py) as CSS variables, and the class that selects them.
_KIND_CSS = "".join(
    f":root{{--{w.css}:{w.colour};--{w.css}-bg:{w.colour_bg};--{w.css}-strong:{w.colour_strong}}}\n"
    f".k-{w.kind}{{--k:var(--{w.css});--k-bg:var(--{w.css}-bg);--k-strong:var(--{w.css}-strong)}}\n"
    for w in FINDING_KINDS
)


@functools.cache
def asset(name: str) -> str:
    """A file of summarizer/render/templates (CSS, JS), shipped as package data."""
    return (resources.files("summarizer.render") / "templates" / name).read_text(encoding="utf-8")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("summarizer.render", "templates"),
        autoescape=True,  # every value is text from a report unless marked Markup here
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["change"] = format_change
    env.filters["figure"] = metric_figure
    env.filters["level_change"] = metric_change
    env.filters["direction"] = change_direction
    env.filters["number"] = _fmt_number
    return env


def render_template(template: str, **values: object) -> str:
    """A page from one of the templates, autoescaped, ending with a newline."""
    return _environment().get_template(template).render(**values).rstrip("\n") + "\n"


def _fmt_number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.6g}"
