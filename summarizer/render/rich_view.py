"""A SummaryDocument for people, in the terminal.

In: a `SummaryDocument` and a rich `Console`. Out: printed to that console: per report a
header panel, the overview, a key-metrics table, the achievements / problems / plans /
other with topic, verified mark and inline metrics, the warnings, and a provenance
footer. Every piece of document text goes in as `Text`, never as markup, so brackets in
a report cannot restyle or break the view. Readable at 80 columns and without colour.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from summarizer.core.schema import Finding, Metric, ReportSummary, SummaryDocument, finding_lists
from summarizer.core.vocabulary import FINDING_KINDS, TOPIC_LABELS
from summarizer.render.format import change_direction, metric_change, metric_figure

#: Heading of each finding list, in the order they are shown.
#: (ReportSummary list, heading) of each finding kind, in order.
SECTIONS: tuple[tuple[str, str], ...] = tuple((w.field, f"{w.en} {w.zh}") for w in FINDING_KINDS)

VERIFIED_MARK = "✓"
UNVERIFIED_MARK = "✗"
REDACTED_MARK = "redacted"


def metric_inline(metric: Metric) -> str:
    """One metric on one line: name, figure as read (a growth signed, a bound with its sign),
    its change, period, target and redaction marks."""
    parts = [f"{metric.name} {metric_figure(metric)}"]
    change = metric_change(metric)
    if change:
        parts.append(f"({change})")
    if metric.period:
        parts.append(f"[{metric.period}]")
    if metric.kind == "target":
        parts.append("[target]")
    if metric.redacted:
        parts.append(f"[{REDACTED_MARK}]")
    return " ".join(parts)


def _years(report: ReportSummary) -> str:
    summary = str(report.summary_year) if report.summary_year is not None else "?"
    plan = str(report.plan_year) if report.plan_year is not None else "?"
    return f"summary year {summary} · plan year {plan}"


def _header(report: ReportSummary, index: int, count: int) -> Panel:
    title = Text(report.title or "(untitled report)", style="bold")
    lines = Text("\n").join(
        [
            title,
            Text(f"organization: {report.organization or '(not stated)'}"),
            Text(_years(report), style="dim"),
        ]
    )
    label = f"report {index + 1}/{count}" if count > 1 else None
    return Panel(lines, title=label, title_align="left", box=box.ROUNDED)


def _metrics_table(metrics: list[Metric]) -> Table:
    table = Table(title="Key metrics", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("name", overflow="fold")
    table.add_column("figure", overflow="fold")
    table.add_column("as written", overflow="fold")
    table.add_column("change", justify="right")
    table.add_column("kind")
    table.add_column("redacted", justify="center")
    for m in metrics:
        table.add_row(
            Text(m.name),
            Text(metric_figure(m)),
            Text(m.raw),
            Text(
                metric_change(m),
                style={"up": "green", "down": "red"}.get(change_direction(m.change_pct), ""),
            ),
            Text(m.kind),
            Text("✱" if m.redacted else ""),
        )
    return table


def _finding(number: int, finding: Finding) -> RenderableType:
    mark = VERIFIED_MARK if finding.verified else UNVERIFIED_MARK
    head = Text(f"{number}. ")
    head.append(mark, style="green" if finding.verified else "bold red")
    head.append(" ")
    head.append(finding.title, style="bold")
    head.append(f"  [{TOPIC_LABELS.get(finding.topic, finding.topic)}]", style="cyan")
    if not finding.verified:
        head.append("  unverified", style="red")
    body: list[RenderableType] = [head, Padding(Text(finding.summary), (0, 0, 0, 3))]
    if finding.metrics:
        metrics = Text(" · ").join(Text(metric_inline(m)) for m in finding.metrics)
        body.append(Padding(Text.assemble(("metrics: ", "dim"), metrics), (0, 0, 0, 3)))
    return Group(*body)


def _findings(label: str, findings: list[Finding]) -> RenderableType:
    heading = Text(f"{label} ({len(findings)})", style="bold underline")
    if not findings:
        return Group(heading, Padding(Text("none stated", style="dim"), (0, 0, 0, 3)))
    return Group(heading, *(_finding(i + 1, f) for i, f in enumerate(findings)))


def _report(report: ReportSummary, index: int, count: int) -> list[RenderableType]:
    parts: list[RenderableType] = [_header(report, index, count)]
    if report.overview:
        parts.append(Padding(Text(report.overview), (0, 1)))
    if report.key_metrics:
        parts.append(_metrics_table(report.key_metrics))
    labels = dict(SECTIONS)
    for _, field_name, findings in finding_lists(report):
        label = labels[field_name]
        # "other" is rare; an empty heading for it is noise.
        if field_name == "other" and not findings:
            continue
        parts.append(Text())
        parts.append(_findings(label, findings))
    if report.warnings:
        parts.append(Text())
        parts.extend(Text(f"⚠ {w}", style="dim") for w in report.warnings)
    return parts


def _footer(doc: SummaryDocument) -> Text:
    p = doc.provenance
    u = p.usage
    tokens = f"{u.prompt_tokens:,} prompt + {u.completion_tokens:,} completion tokens"
    if u.cached_tokens:
        tokens += f" ({u.cached_tokens:,} cached)"
    source = (
        f"source {doc.source.path} · {doc.source.chars:,} chars · sha256 {doc.source.sha256[:12]}"
    )
    run = (
        f"backend {p.backend} · model {p.model or '–'} · {u.calls} calls · {tokens} · "
        f"{p.elapsed_s:.1f} s · summarizer {p.tool_version}"
    )
    return Text(f"{source}\n{run}", style="dim")


def render_rich(doc: SummaryDocument, console: Console) -> None:
    """Print a readable view of `doc` on `console`."""
    count = len(doc.reports)
    for i, report in enumerate(doc.reports):
        if i:
            console.print()
        for part in _report(report, i, count):
            console.print(part)
    if not doc.reports:
        console.print(Text("No report found in this file.", style="bold"))
    if doc.warnings:
        console.print()
        for w in doc.warnings:
            console.print(Text(f"⚠ {w}", style="dim"))
    console.print(Rule(style="dim"))
    console.print(_footer(doc))
