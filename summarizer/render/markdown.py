"""A SummaryDocument as Markdown, for pasting into notes.

In: a `SummaryDocument`. Out: a Markdown string: a heading per report with organization
and years, the overview, a key-metrics table, one numbered list per kind with verified
marks, topics, metrics and the evidence as blockquotes with their source offsets, then
the warnings and a provenance line. Document text is escaped, so a `*` of a redacted
figure or a `|` in a name cannot break emphasis or the table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizer.core.schema import (
    Evidence,
    Finding,
    Metric,
    ReportSummary,
    SummaryDocument,
    finding_lists,
)
from summarizer.core.vocabulary import CHECKS, FINDING_KINDS, TOPIC_LABELS
from summarizer.render.format import metric_change, metric_figure
from summarizer.render.overview import IndexEntry
from summarizer.render.rich_view import (
    SECTIONS,
    UNVERIFIED_MARK,
    VERIFIED_MARK,
    metric_inline,
)

# Characters that mean something to Markdown inside a line.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def escape(text: str) -> str:
    """Escape Markdown syntax and fold line breaks, so document text stays plain text."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _metrics_table(metrics: list[Metric]) -> list[str]:
    lines = [
        "| Metric | Figure | As written | Change | Kind | Redacted |",
        "| --- | --- | --- | ---: | --- | :---: |",
    ]
    for m in metrics:
        lines.append(
            f"| {escape(m.name)} | {escape(metric_figure(m))} | {escape(m.raw)} | "
            f"{metric_change(m)} | "
            f"{m.kind} | {'yes' if m.redacted else ''} |"
        )
    return lines


def _evidence(e: Evidence, pad: str) -> str:
    where = f"chars {e.start}–{e.end}" if e.start is not None else "not found in the source"
    return f"{pad}> {escape(e.quote)}  \n{pad}> — *{where}*"


def _finding(number: int, f: Finding) -> list[str]:
    marker = f"{number}. "
    # Continuation lines must be indented to the item's text or they leave the list.
    pad = " " * len(marker)
    mark = VERIFIED_MARK if f.verified else f"{UNVERIFIED_MARK} unverified"
    topic = TOPIC_LABELS.get(f.topic, f.topic)
    lines = [f"{marker}{mark} **{escape(f.title)}** ({topic}): {escape(f.summary)}"]
    if f.metrics:
        lines.append(f"{pad}- Metrics: " + "; ".join(escape(metric_inline(m)) for m in f.metrics))
    if f.entities:
        lines.append(f"{pad}- Named: " + ", ".join(escape(e) for e in f.entities))
    for e in f.evidence:
        lines.append("")
        lines.append(_evidence(e, pad))
    return lines


def _report(report: ReportSummary, index: int, count: int, level: str) -> list[str]:
    title = escape(report.title) if report.title else f"Report {index + 1}"
    if count > 1:
        title = f"{index + 1}/{count} · {title}"
    years = f"summary year {report.summary_year or '?'} · plan year {report.plan_year or '?'}"
    lines = [
        f"{level} {title}",
        "",
        f"**Organization:** {escape(report.organization or '(not stated)')} · {years}",
        "",
    ]
    sub = level + "#"
    if report.overview:
        lines += [escape(report.overview), ""]
    if report.key_metrics:
        lines += [f"{sub} Key metrics", "", *_metrics_table(report.key_metrics), ""]
    labels = dict(SECTIONS)
    for _, field_name, findings in finding_lists(report):
        label = labels[field_name]
        if field_name == "other" and not findings:
            continue
        lines += [f"{sub} {label}", ""]
        if not findings:
            lines += ["*None stated.*", ""]
            continue
        for i, f in enumerate(findings):
            lines += [*_finding(i + 1, f), ""]
    if report.warnings:
        lines += [f"{sub} Warnings", "", *(f"- {escape(w)}" for w in report.warnings), ""]
    return lines


def render_markdown(doc: SummaryDocument) -> str:
    """The whole document as Markdown text ending in one newline."""
    lines: list[str] = []
    count = len(doc.reports)
    for i, report in enumerate(doc.reports):
        lines += _report(report, i, count, "#")
    if not doc.reports:
        lines += ["*No report found in this file.*", ""]
    if doc.warnings:
        lines += ["# Warnings", "", *(f"- {escape(w)}" for w in doc.warnings), ""]
    p = doc.provenance
    u = p.usage
    lines += [
        "---",
        "",
        f"*Source: {escape(doc.source.path)} (sha256 {doc.source.sha256[:12]}…, "
        f"{doc.source.chars:,} chars) · backend {escape(p.backend)} · "
        f"model {escape(p.model or '–')} · {u.calls} calls · "
        f"{u.prompt_tokens + u.completion_tokens:,} tokens · {p.elapsed_s:.1f} s*",
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _checks(checks: Sequence[str]) -> str:
    """The checks of a row: each as its Chinese label and its code (无计划 no_plans)."""
    return ", ".join(f"{CHECKS[c][0]} {c}" if c in CHECKS else c for c in checks)


def render_markdown_index(entries: Sequence[IndexEntry]) -> str:
    """A Markdown table of a batch: one row per input, linking its page when it has one."""
    lines = [
        "# Batch summary",
        "",
        f"| file | status | reports | {' | '.join(w.zh for w in FINDING_KINDS)} | verified "
        "| checks | error |",
        "|---|---|---:|" + "---:|" * len(FINDING_KINDS) + "---:|---|---|",
    ]
    for e in entries:
        name = _cell(e.path)
        link = f"[{name}](<{e.href}>)" if e.href else name
        share = f"{e.verified_share:.0%}" if e.verified_share is not None else "—"
        lines.append(
            f"| {link} | {e.status} | {e.reports} | {e.achievements} | {e.problems} | "
            f"{e.plans} | {e.other} | {share} | {_cell(_checks(e.checks))} | "
            f"{_cell(e.error or '')} |"
        )
    return "\n".join(lines) + "\n"
