"""The HTML evidence viewer: a SummaryDocument and its source text in, one HTML file out.

`render_html` writes a single self-contained page (inline CSS and JS, no network): the source
text on the left with every evidence span highlighted in its finding kind's colour and masked
cruft greyed, the findings on the right grouped per report and kind. Clicking a finding
scrolls to its span and flashes it; clicking a span selects its finding.
`render_html_index` writes the table of a batch, one row per input file.

Every piece of document text is HTML-escaped; the script is static and reads only the
`data-*` attributes this module writes, so a report can never inject markup or code.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from summarizer.document import Mask, merge_masks
from summarizer.render.overview import IndexEntry
from summarizer.schema import Finding, Metric, SummaryDocument
from summarizer.vocabulary import FINDING_KINDS, KIND_FIELDS, TOPIC_LABELS, WORDS

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


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


# --------------------------------------------------------------------------- source pane


def _collect_spans(doc: SummaryDocument, text_len: int) -> list[_Span]:
    spans: list[_Span] = []
    for r, report in enumerate(doc.reports):
        for kind, field in KIND_FIELDS.items():
            for i, finding in enumerate(getattr(report, field)):
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


def _source_html(text: str, spans: list[_Span], masks: list[Mask]) -> str:
    """The source text cut at every span and mask boundary, each piece wrapped once.

    Overlapping evidence cannot nest as HTML elements, so the text is split at every
    boundary and each piece belongs to the innermost covering span (ties: the first);
    `data-covers` still lists every finding covering it so all of a finding lights up.
    """
    bounds = {0, len(text)}
    for s in spans:
        bounds.update((s.start, s.end))
    for m in masks:
        bounds.update((m.start, m.end))
    points = sorted(bounds)
    out: list[str] = []
    mi = 0
    for a, b in zip(points, points[1:], strict=False):
        if a == b:
            continue
        while mi < len(masks) and masks[mi].end <= a:
            mi += 1
        mask_why = masks[mi].why if mi < len(masks) and masks[mi].start <= a else None
        piece = _e(text[a:b])
        covering = [s for s in spans if s.start <= a and b <= s.end]
        if covering:
            owner = min(covering, key=lambda s: (s.end - s.start, s.order))
            classes = ["ev", f"k-{owner.kind}"]
            if len({s.finding for s in covering}) > 1:
                classes.append("overlap")
            if mask_why is not None:
                classes.append("masked")
            covers = " ".join(dict.fromkeys(s.finding for s in covering))
            evs = " ".join(s.evidence for s in covering)
            title = " / ".join(dict.fromkeys(s.label for s in covering))
            out.append(
                f'<mark class="{" ".join(classes)}" data-span-for="{owner.finding}" '
                f'data-span="{owner.evidence}" data-covers="{covers}" data-evs="{evs}" '
                f'title="{_e(title)}">{piece}</mark>'
            )
        elif mask_why is not None:
            out.append(f'<span class="masked" title="已屏蔽 masked: {_e(mask_why)}">{piece}</span>')
        else:
            out.append(piece)
    return "".join(out)


# --------------------------------------------------------------------------- findings pane


def _fmt_number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.6g}"


def _fmt_change(change: float | None) -> str:
    if change is None:
        return ""
    return f"{change:+g}%"


def _metric_kind(kind: str) -> str:
    return "目标 target" if kind == "target" else "实绩 actual"


def _redacted_badge() -> str:
    return (
        '<span class="badge badge-redacted" title="数字被原文隐藏，不作推测">已脱敏 redacted</span>'
    )


def _metrics_table(metrics: Sequence[Metric], css: str) -> str:
    rows: list[str] = []
    for m in metrics:
        value = _redacted_badge() if m.redacted else _e(_fmt_number(m.value))
        rows.append(
            f'<tr class="{"redacted" if m.redacted else ""}" data-redacted="{str(m.redacted).lower()}">'
            f"<td>{_e(m.name)}</td><td class='raw'>{_e(m.raw)}</td><td class='num'>{value}</td>"
            f"<td>{_e(m.unit or '')}</td><td class='num'>{_e(_fmt_change(m.change_pct))}</td>"
            f"<td class='mkind mkind-{m.kind}'>{_metric_kind(m.kind)}</td></tr>"
        )
    return (
        f'<table class="{css}"><thead><tr><th>指标 metric</th><th>原文 raw</th>'
        "<th>数值 value</th><th>单位 unit</th><th>同比 change</th><th>类型 kind</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _metric_chip(m: Metric) -> str:
    change = _fmt_change(m.change_pct)
    parts = [f'<span class="m-name">{_e(m.name)}</span>', f'<span class="m-raw">{_e(m.raw)}</span>']
    if change:
        parts.append(f'<span class="m-chg">{_e(change)}</span>')
    if m.kind == "target":
        parts.append('<span class="m-target">目标</span>')
    if m.redacted:
        parts.append(_redacted_badge())
    css = "metric redacted" if m.redacted else "metric"
    return f'<span class="{css}" data-redacted="{str(m.redacted).lower()}">{" ".join(parts)}</span>'


def _finding_html(f: Finding, fid: str, kind: str, number: int) -> str:
    located = [
        (k, ev) for k, ev in enumerate(f.evidence) if ev.start is not None and ev.end is not None
    ]
    unlocated = [ev for ev in f.evidence if ev.start is None or ev.end is None]
    first_ev = f"{fid}-e{located[0][0]}" if located else ""
    classes = ["finding", f"k-{kind}"]
    badges = [f'<span class="topic">{_e(TOPIC_LABELS.get(f.topic, f.topic))}</span>']
    if not f.verified:
        classes.append("unverified")
        badges.append(
            '<span class="badge badge-unverified" title="引文或数字未能在原文中核实">'
            "未核验 unverified</span>"
        )
    if any(m.redacted for m in f.metrics):
        classes.append("has-redacted")
    body = [
        f'<div class="f-head"><span class="f-num">{number}</span>'
        f'<h4 class="f-title">{_e(f.title)}</h4>{"".join(badges)}</div>',
        f'<p class="f-summary">{_e(f.summary)}</p>',
    ]
    if f.metrics:
        body.append(f'<div class="metrics">{"".join(_metric_chip(m) for m in f.metrics)}</div>')
    if f.entities:
        ents = "".join(f'<span class="entity">{_e(x)}</span>' for x in f.entities)
        body.append(f'<div class="entities">{ents}</div>')
    ev_note = f"证据 {len(located)} 处 evidence"
    if unlocated:
        ev_note += f' · <span class="missing">{len(unlocated)} 处未定位 not located</span>'
    body.append(f'<div class="f-ev">{ev_note}</div>')
    for ev in unlocated:
        body.append(f'<blockquote class="unlocated">{_e(ev.quote)}</blockquote>')
    return (
        f'<article class="{" ".join(classes)}" id="f-{fid}" data-finding="{fid}" '
        f'data-kind="{kind}" data-first-ev="{first_ev}" data-verified="{str(f.verified).lower()}" '
        f'tabindex="0" role="button" aria-label="{_e(f.title)}">{"".join(body)}</article>'
    )


def _findings_html(doc: SummaryDocument) -> str:
    out: list[str] = []
    for r, report in enumerate(doc.reports):
        title = report.title or f"报告 {r + 1}"
        meta = []
        if report.organization:
            meta.append(_e(report.organization))
        meta.append(f"总结年度 {_e(report.summary_year or '—')}")
        meta.append(f"计划年度 {_e(report.plan_year or '—')}")
        parts = [
            f'<section class="report" id="r{r}" data-report="{r}">',
            f'<h2><span class="r-num">{r + 1}</span>{_e(title)}</h2>',
            f'<div class="r-meta">{" · ".join(meta)}</div>',
        ]
        if report.overview:
            parts.append(f'<p class="overview">{_e(report.overview)}</p>')
        if report.key_metrics:
            parts.append('<h3 class="km-title">主要指标 Key metrics</h3>')
            parts.append(_metrics_table(report.key_metrics, "key-metrics"))
        for kind, field in KIND_FIELDS.items():
            findings: list[Finding] = getattr(report, field)
            if not findings:
                continue
            zh, en = WORDS[kind].zh, WORDS[kind].en
            cards = "".join(
                _finding_html(f, finding_id(r, kind, i), kind, i + 1)
                for i, f in enumerate(findings)
            )
            parts.append(
                f'<div class="kind-group k-{kind}" data-kind="{kind}">'
                f'<h3 class="kind-title"><span class="dot"></span>{zh} {en}'
                f'<span class="count">{len(findings)}</span></h3>{cards}</div>'
            )
        if report.warnings:
            items = "".join(f"<li>{_e(w)}</li>" for w in report.warnings)
            parts.append(
                f'<details class="warnings"><summary>警告 warnings ({len(report.warnings)})</summary><ul>{items}</ul></details>'
            )
        parts.append("</section>")
        out.append("".join(parts))
    if not doc.reports:
        out.append('<p class="empty">没有识别出报告 No report found.</p>')
    return "".join(out)


def _all_findings(doc: SummaryDocument) -> Iterable[Finding]:
    for report in doc.reports:
        for field in KIND_FIELDS.values():
            yield from getattr(report, field)


def _legend() -> str:
    items = [
        f'<span class="lg k-{w.kind}"><span class="sw"></span>{w.zh} {w.en.lower()}</span>'
        for w in FINDING_KINDS
    ]
    items.append('<span class="lg lg-masked"><span class="sw"></span>已屏蔽 masked</span>')
    items.append(
        '<span class="lg"><span class="badge badge-unverified">未核验</span>unverified</span>'
    )
    items.append('<span class="lg"><span class="badge badge-redacted">已脱敏</span>redacted</span>')
    return f'<div class="legend">{"".join(items)}</div>'


def render_html(doc: SummaryDocument, source_text: str, masks: Sequence[Mask]) -> str:
    """One self-contained HTML page showing the findings of `doc` over its source text."""
    spans = _collect_spans(doc, len(source_text))
    source = _source_html(source_text, spans, merge_masks(masks, len(source_text)))
    findings = list(_all_findings(doc))
    verified = sum(f.verified for f in findings)
    share = f"{verified / len(findings):.0%}" if findings else "—"
    prov = doc.provenance
    name = os.path.basename(doc.source.path) or doc.source.path
    meta = [
        f"backend <b>{_e(prov.backend)}</b>",
        f"model <b>{_e(prov.model or '—')}</b>",
        f"{len(doc.reports)} 篇报告 reports",
        f"{len(findings)} 条 findings",
        f"已核验 verified <b>{share}</b>",
        f"{doc.source.chars:,} 字 chars",
        f"sha256 <code>{_e(doc.source.sha256[:12])}</code>",
    ]
    warnings = ""
    if doc.warnings:
        items = "".join(f"<li>{_e(w)}</li>" for w in doc.warnings)
        warnings = f'<details class="warnings doc-warnings"><summary>警告 warnings ({len(doc.warnings)})</summary><ul>{items}</ul></details>'
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="summarizer">'
        f"<title>{_e(name)} · 证据 evidence</title><style>{_CSS}</style></head><body>"
        '<header class="top"><div class="ident">'
        f'<h1 title="{_e(doc.source.path)}">{_e(name)}</h1>'
        f'<div class="meta">{" · ".join(meta)}</div>{warnings}</div>{_legend()}</header>'
        '<main class="cols">'
        '<section class="pane source-pane" aria-label="source"><div class="pane-title">原文 Source'
        f'<span class="hint">{len(spans)} 处证据 spans · 点击高亮选择条目</span></div>'
        f'<pre class="source" id="source-text">{source}</pre></section>'
        '<section class="pane findings-pane" id="findings" aria-label="findings">'
        '<div class="pane-title">条目 Findings<span class="hint">点击条目定位原文 · click to locate'
        f'</span></div><div class="findings-body">{_findings_html(doc)}</div></section></main>'
        f"<script>{_JS}</script></body></html>\n"
    )


# --------------------------------------------------------------------------- batch index


def _safe_href(href: str) -> str | None:
    # A file path or relative URL only: never a javascript: or data: URL in a link.
    bad = href.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
    return None if bad else href


def render_html_index(entries: list[IndexEntry]) -> str:
    """One self-contained HTML page listing a batch: a row per input with its counts."""
    rows: list[str] = []
    totals = [0, 0, 0, 0, 0]
    for e in entries:
        totals = [
            t + n
            for t, n in zip(
                totals, (e.reports, e.achievements, e.problems, e.plans, e.other), strict=True
            )
        ]
        href = _safe_href(e.href) if e.href else None
        name = f'<a href="{_e(href)}">{_e(e.path)}</a>' if href else _e(e.path)
        share = "—"
        if e.verified_share is not None:
            pct = max(0.0, min(1.0, e.verified_share))
            share = (
                f'<span class="bar"><span style="width:{pct * 100:.0f}%"></span></span>{pct:.0%}'
            )
        status_css = "ok" if e.status == "ok" else ("error" if e.error else "other")
        rows.append(
            f'<tr class="st-{status_css}" data-path="{_e(e.path)}"><td class="file">{name}</td>'
            f'<td><span class="status st-{status_css}">{_e(e.status)}</span></td>'
            f'<td class="num">{e.reports}</td><td class="num">{e.achievements}</td>'
            f'<td class="num">{e.problems}</td><td class="num">{e.plans}</td>'
            f'<td class="num">{e.other}</td><td class="share">{share}</td>'
            f'<td class="err">{_e(e.error or "")}</td></tr>'
        )
    failed = sum(1 for e in entries if e.status != "ok")
    kind_headers = "".join(f'<th class="num k-{w.kind}">{w.zh}</th>' for w in FINDING_KINDS)
    total_cells = "".join(f'<td class="num">{t}</td>' for t in totals)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>summarizer · 批量结果 batch index</title><style>{_CSS}</style></head>"
        '<body class="index"><header class="top"><div class="ident"><h1>批量结果 Batch index</h1>'
        f'<div class="meta">{len(entries)} 个文件 files · {failed} 个失败 failed</div></div>'
        "</header><main class='index-main'><table class='index-table'><thead><tr>"
        '<th>文件 file</th><th>状态 status</th><th class="num">报告 reports</th>'
        f"{kind_headers}"
        "<th>已核验 verified</th><th>错误 error</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody><tfoot><tr><td>合计 total</td><td></td>{total_cells}"
        "<td></td><td></td></tr></tfoot></table></main></body></html>\n"
    )


# --------------------------------------------------------------------------- assets

# Each kind's colours (vocabulary.py) as CSS variables, and the class that selects them.
_KIND_CSS = "".join(
    f":root{{--{w.css}:{w.colour};--{w.css}-bg:{w.colour_bg};--{w.css}-strong:{w.colour_strong}}}\n"
    f".k-{w.kind}{{--k:var(--{w.css});--k-bg:var(--{w.css}-bg);--k-strong:var(--{w.css}-strong)}}\n"
    for w in FINDING_KINDS
)

_CSS = (
    "\n"
    + _KIND_CSS
    + """:root{--bg:#f6f7f9;--panel:#fff;--ink:#1d2433;--muted:#667085;--line:#e4e7ec;
--mask:#98a2b3;--warn:#b54708;--warn-bg:#fef0c7}
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{background:var(--bg);color:var(--ink);font:14px/1.6 system-ui,-apple-system,"Segoe UI",
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC",
"Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;display:flex;flex-direction:column}
header.top{display:flex;justify-content:space-between;align-items:flex-end;gap:16px;
flex-wrap:wrap;padding:12px 20px;background:var(--panel);border-bottom:1px solid var(--line)}
header h1{margin:0;font-size:18px;font-weight:650;letter-spacing:.01em}
.meta{color:var(--muted);font-size:12.5px}
.meta b{color:var(--ink);font-weight:600}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:12.5px;color:var(--muted)}
.lg{display:inline-flex;align-items:center;gap:5px}
.lg .sw{width:14px;height:14px;border-radius:3px;background:var(--k-bg);
border-bottom:2px solid var(--k)}
.lg-masked .sw{background:repeating-linear-gradient(45deg,#eef0f3 0 3px,#fff 3px 6px);
border:1px solid #d0d5dd}
.cols{flex:1;min-height:0;display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr)}
.pane{min-height:0;overflow:auto;position:relative}
.source-pane{background:var(--panel);border-right:1px solid var(--line)}
.pane-title{position:sticky;top:0;z-index:2;background:rgba(255,255,255,.95);
backdrop-filter:blur(4px);padding:8px 24px;border-bottom:1px solid var(--line);
font-weight:600;font-size:13px;display:flex;justify-content:space-between}
.pane-title .hint{color:var(--muted);font-weight:400}
pre.source{margin:0;padding:16px 24px 40vh;white-space:pre-wrap;word-break:break-word;
font:inherit;font-size:15px;line-height:1.9}
mark.ev{background:var(--k-bg);color:inherit;border-bottom:2px solid var(--k);
border-radius:2px;cursor:pointer;padding:1px 0;transition:background .15s}
mark.ev:hover{background:var(--k-strong)}
mark.ev.overlap{background-image:linear-gradient(rgba(0,0,0,.06),rgba(0,0,0,.06))}
mark.ev.active{background:var(--k-strong);outline:2px solid var(--k);outline-offset:1px}
mark.ev.flash{animation:flash 1.4s ease-out 1}
@keyframes flash{0%{box-shadow:0 0 0 6px #fde047;background:#fde047}
60%{box-shadow:0 0 0 3px #fde04799}100%{box-shadow:0 0 0 0 transparent}}
.masked{color:var(--mask);background:repeating-linear-gradient(45deg,#f2f4f7 0 3px,
transparent 3px 6px);text-decoration:line-through;text-decoration-color:#d0d5dd}
mark.ev.masked{color:var(--mask)}
.findings-body{padding:0 20px 40vh}
mark.ev,.finding{scroll-margin:48px}
.report{margin:18px 0 28px}
.report h2{font-size:17px;margin:0 0 2px;display:flex;gap:8px;align-items:baseline}
.r-num{flex:none;display:inline-grid;place-items:center;width:22px;height:22px;border-radius:50%;
background:var(--ink);color:#fff;font-size:12px}
.r-meta{color:var(--muted);font-size:12.5px;margin-bottom:6px}
.overview{background:var(--panel);border:1px solid var(--line);border-radius:8px;
padding:10px 14px;margin:8px 0 12px}
h3{font-size:14px;margin:16px 0 8px}
.kind-title{display:flex;align-items:center;gap:8px;color:var(--k)}
.kind-title .dot{width:10px;height:10px;border-radius:50%;background:var(--k)}
.kind-title .count{background:var(--k-bg);color:var(--k);border-radius:10px;padding:0 8px;
font-size:12px}
table{border-collapse:collapse;width:100%;background:var(--panel);font-size:13px}
.key-metrics{border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f9fafb;color:var(--muted);font-weight:600;font-size:12px;white-space:nowrap}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.raw{white-space:nowrap}
tr.redacted td{color:var(--muted)}
.mkind-target{color:var(--pla)}
.finding{background:var(--panel);border:1px solid var(--line);border-left:4px solid var(--k);
border-radius:8px;padding:10px 14px;margin:0 0 10px;cursor:pointer;
transition:box-shadow .15s,border-color .15s}
.finding:hover{box-shadow:0 2px 8px rgba(16,24,40,.08)}
.finding:focus{outline:none}
.finding.active{box-shadow:0 0 0 3px var(--k-strong);border-color:var(--k)}
.finding.unverified{border-left-style:dashed;background:#fffcf5}
.f-head{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.f-num{color:var(--k);font-weight:700;font-size:12px;min-width:1.2em}
.f-title{margin:0;font-size:14.5px;font-weight:650}
.topic{font-size:11.5px;color:var(--muted);border:1px solid var(--line);border-radius:10px;
padding:0 8px}
.badge{display:inline-block;font-size:11px;font-weight:600;border-radius:4px;padding:0 6px;
line-height:18px;white-space:nowrap}
.badge-unverified{background:var(--warn-bg);color:var(--warn);border:1px solid #fedf89}
.badge-redacted{background:#f2f4f7;color:#475467;border:1px dashed #98a2b3}
.f-summary{margin:4px 0 6px}
.metrics,.entities{display:flex;flex-wrap:wrap;gap:4px 6px;margin:4px 0}
.metric{font-size:12px;background:#f9fafb;border:1px solid var(--line);border-radius:6px;
padding:1px 7px;display:inline-flex;gap:5px;align-items:center}
.metric .m-name{color:var(--muted)}
.metric .m-raw{font-weight:600}
.metric .m-chg{color:var(--ach)}
.metric .m-target{color:var(--pla);font-size:11px}
.metric.redacted{border-style:dashed}
.metric.redacted .m-raw{color:var(--muted)}
.entity{font-size:11.5px;color:#344054;background:#f2f4f7;border-radius:4px;padding:0 6px}
.f-ev{font-size:12px;color:var(--muted)}
.f-ev .missing{color:var(--warn);font-weight:600}
blockquote.unlocated{margin:4px 0 0;padding:4px 10px;border-left:3px solid #fedf89;
background:var(--warn-bg);font-size:12.5px;color:#7a2e0e}
details.warnings{font-size:12.5px;color:var(--warn);margin-top:6px}
.empty{color:var(--muted)}
.index-main{padding:20px;overflow:auto}
.index-table{border:1px solid var(--line)}
.index-table th.k-achievement,.index-table th.k-problem,.index-table th.k-plan,
.index-table th.k-other{color:var(--k)}
.index-table a{color:var(--pla);text-decoration:none}
.index-table a:hover{text-decoration:underline}
.status{font-size:12px;border-radius:4px;padding:0 6px}
.status.st-ok{background:var(--ach-bg);color:#067647}
.status.st-error{background:var(--pro-bg);color:#b42318}
.status.st-other{background:#f2f4f7;color:#475467}
tfoot td{font-weight:600;background:#f9fafb}
td.err{color:#b42318;font-size:12.5px}
.bar{display:inline-block;width:60px;height:6px;border-radius:3px;background:#eaecf0;
margin-right:6px;vertical-align:middle;overflow:hidden}
.bar span{display:block;height:100%;background:var(--ach)}
@media (max-width:900px){body{height:auto;display:block}.cols{display:block}
.pane{overflow:visible}.source-pane{border-right:0;border-bottom:1px solid var(--line)}}
"""
)

_JS = """
(function(){
  "use strict";
  var smooth = !(window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches);
  function clear(){
    document.querySelectorAll(".active, .flash").forEach(function(el){
      el.classList.remove("active", "flash");
    });
  }
  function mark(id){
    clear();
    var card = document.querySelector('[data-finding="' + id + '"]');
    if (card) card.classList.add("active");
    var pieces = document.querySelectorAll('mark[data-covers~="' + id + '"]');
    pieces.forEach(function(el){ el.classList.add("active"); });
    return {card: card, pieces: pieces};
  }
  function showFinding(id){
    var sel = mark(id);
    if (!sel.card || !sel.pieces.length) return;
    var first = sel.card.getAttribute("data-first-ev");
    var target = (first && document.querySelector('mark[data-evs~="' + first + '"]')) || sel.pieces[0];
    sel.pieces.forEach(function(el){ void el.offsetWidth; el.classList.add("flash"); });
    target.scrollIntoView({block: "center", behavior: smooth ? "smooth" : "auto"});
  }
  function showSpan(el){
    var id = el.getAttribute("data-span-for");
    var sel = mark(id);
    if (sel.card) sel.card.scrollIntoView({block: "nearest", behavior: smooth ? "smooth" : "auto"});
    if (history.replaceState) history.replaceState(null, "", "#f-" + id);
  }
  document.getElementById("findings").addEventListener("click", function(ev){
    var card = ev.target.closest("[data-finding]");
    if (card) showFinding(card.getAttribute("data-finding"));
  });
  document.getElementById("findings").addEventListener("keydown", function(ev){
    var card = ev.target.closest("[data-finding]");
    if (card && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault(); showFinding(card.getAttribute("data-finding"));
    }
  });
  document.getElementById("source-text").addEventListener("click", function(ev){
    var el = ev.target.closest("mark[data-span-for]");
    if (el) showSpan(el);
  });
  if (location.hash.indexOf("#f-") === 0) {
    var id = decodeURIComponent(location.hash.slice(3));
    if (/^r[0-9]+-[a-z]+-[0-9]+$/.test(id)) {
      var card = document.getElementById("f-" + id);
      if (card) { showFinding(id); card.scrollIntoView({block: "nearest"}); }
    }
  }
})();
"""
