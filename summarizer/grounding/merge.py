"""Merge grounded findings of all chunks of a report, and write its overview without a model.

In: `GroundedFinding`s (a grounded `Finding`, its kind and chunk index) and `Metric`s; a
finished `ReportSummary` for the overview helpers. Out: findings per kind in source order,
de-duplicated across chunk boundaries; de-duplicated metrics; an overview digest (the
input of the overview call) and a model-free overview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from summarizer.core.schema import Evidence, Finding, Metric, ReportSummary, finding_lists
from summarizer.core.vocabulary import KIND_FIELDS, TOPIC_LABELS_EN, WORDS, FindingKind
from summarizer.lexicon.words import direction_word

#: Findings whose evidence lies at most this many characters apart count as adjacent.
ADJACENT_CHARS = 200
#: rapidfuzz ratio from which two titles count as the same item.
TITLE_SIMILARITY = 80.0

_NO_POS = 1 << 62


@dataclass
class GroundedFinding:
    """A grounded finding with the kind it was extracted as and the chunk it came from."""

    kind: FindingKind
    finding: Finding
    chunk_index: int


def _located(f: Finding) -> list[Evidence]:
    return [e for e in f.evidence if e.start is not None and e.end is not None]


def _first_start(f: Finding) -> int:
    starts = [e.start for e in _located(f) if e.start is not None]
    return min(starts) if starts else _NO_POS


def _span(f: Finding) -> tuple[int, int] | None:
    located = _located(f)
    if not located:
        return None
    return (
        min(e.start for e in located if e.start is not None),
        max(e.end for e in located if e.end is not None),
    )


def _norm_title(title: str) -> str:
    return re.sub(r"[\s\W_]+", "", title).lower()


def _similar_titles(a: str, b: str) -> bool:
    na, nb = _norm_title(a), _norm_title(b)
    if not na or not nb:
        return False
    if na == nb or (min(len(na), len(nb)) >= 2 and (na in nb or nb in na)):
        return True
    return fuzz.ratio(na, nb) >= TITLE_SIMILARITY


def _spans(f: Finding) -> set[tuple[int, int]]:
    return {(e.start, e.end) for e in _located(f) if e.start is not None and e.end is not None}


def _same_item(a: Finding, b: Finding) -> bool:
    """True when `b` is `a` again, e.g. one item that a chunk boundary cut in two."""
    if _spans(a) & _spans(b):
        return True
    sa, sb = _span(a), _span(b)
    if sa is None or sb is None or not _similar_titles(a.title, b.title):
        return False
    gap = max(sa[0], sb[0]) - min(sa[1], sb[1])
    return gap <= ADJACENT_CHARS


def _evidence_key(e: Evidence) -> tuple[int, int, str]:
    return (e.start if e.start is not None else _NO_POS, e.end or 0, e.quote)


def _merge_two(a: Finding, b: Finding) -> Finding:
    evidence = list(a.evidence)
    for e in b.evidence:
        if e not in evidence:
            evidence.append(e)
    evidence.sort(key=_evidence_key)
    # The longer summary usually is the one that saw more of the item.
    summary = b.summary if len(b.summary) > len(a.summary) else a.summary
    return Finding(
        title=a.title,
        summary=summary,
        topic=a.topic if a.topic != "other" else b.topic,
        metrics=merge_metrics([*a.metrics, *b.metrics]),
        entities=list(dict.fromkeys([*a.entities, *b.entities])),
        evidence=evidence,
        verified=a.verified and b.verified,
    )


def merge_findings(items: list[GroundedFinding]) -> dict[str, list[Finding]]:
    """Findings per kind (achievement/problem/plan/other), in source order, de-duplicated."""
    out: dict[str, list[Finding]] = {kind: [] for kind in KIND_FIELDS}
    by_kind: dict[str, list[GroundedFinding]] = {kind: [] for kind in KIND_FIELDS}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    for kind, group in by_kind.items():
        # sorted() is stable, so unlocated findings keep their extraction order at the end.
        ordered = sorted(group, key=lambda g: (_first_start(g.finding), g.chunk_index))
        out[kind] = _merge_ordered([g.finding for g in ordered])
    return out


def _merge_ordered(ordered: list[Finding]) -> list[Finding]:
    """Merge findings sorted by first start: each into the first kept one it repeats.

    Linear in a report of many findings: a kept finding can only be the same item as a later
    one when its evidence ends at most ADJACENT_CHARS before the later one starts (a shared
    span or an adjacent one), and later findings start later, so a kept finding that ends
    before that window is retired for good. Exact duplicates are looked up by title.
    """
    merged: list[Finding] = []
    ends: list[int] = []  # the last evidence end of merged[i], -1 when it has none
    active: list[int] = []  # indices into merged that a later finding may still repeat
    by_title: dict[str, list[int]] = {}
    for f in ordered:
        if any(merged[i] == f for i in by_title.get(f.title, ())):
            continue
        start = _first_start(f)
        active = [i for i in active if ends[i] >= start - ADJACENT_CHARS]
        for i in active:
            if _same_item(merged[i], f):
                merged[i] = _merge_two(merged[i], f)
                span = _span(merged[i])
                ends[i] = span[1] if span is not None else -1
                break
        else:
            span = _span(f)
            merged.append(f)
            ends.append(span[1] if span is not None else -1)
            by_title.setdefault(f.title, []).append(len(merged) - 1)
            if span is not None:
                active.append(len(merged) - 1)
    merged.sort(key=_first_start)
    return merged


def merge_metrics(metrics: list[Metric]) -> list[Metric]:
    """Metrics de-duplicated by (raw, name), first occurrence kept, order kept."""
    seen: set[tuple[str, str]] = set()
    out: list[Metric] = []
    for m in metrics:
        key = (m.raw, m.name)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _metric_text(m: Metric) -> str:
    text = f"{m.name}{m.raw}"
    if m.change_pct is not None:
        verb = direction_word(falls=m.change_pct < 0)
        text += f"（同比{verb}{abs(m.change_pct):g}%）"
    return text


def overview_digest(summary: ReportSummary, budget_tokens: int = 700) -> str:
    """Every finding of the report, compact and balanced across kinds, within a token budget.

    One line per kind ("[成绩] 招商引资(签约项目X个): 引进…；项目建设(…)"), each finding as
    its title with its headline figures and the start of its summary, after a line of key
    metrics. Over budget, the summaries go first, then figures (two per finding, then one,
    then none); titles are cut last, every kind keeping a share, so the overview of a long
    report still sees its problems and plans.
    """
    from summarizer.text.tokens import estimate_tokens

    def render(figures: int, keep: dict[str, int] | None = None, said: int = 0) -> list[str]:
        lines: list[str] = []
        if summary.key_metrics:
            head = summary.key_metrics[: max(3, figures * 4)]
            # Results and targets on lines of their own: one line mixing them read as results.
            actual = [m for m in head if m.kind != "target"]
            target = [m for m in head if m.kind == "target"]
            if actual:
                lines.append("关键指标(实绩): " + "；".join(_metric_text(m) for m in actual))
            if target:
                lines.append("目标: " + "；".join(_metric_text(m) for m in target))
        for kind, _, findings in finding_lists(summary):
            if not findings:
                continue
            shown = findings if keep is None else findings[: keep[kind]]
            items = [_digest_item(f, figures, said) for f in shown]
            if len(shown) < len(findings):
                items.append(f"另{len(findings) - len(shown)}项")
            lines.append(f"[{WORDS[kind].zh}] " + "；".join(items))
        return lines

    def cost(lines: list[str]) -> int:
        return estimate_tokens("\n".join(lines))

    for figures, said in ((2, 40), (2, 0), (1, 0), (0, 0)):
        lines = render(figures, said=said)
        if cost(lines) <= budget_tokens:
            return "\n".join(lines)
    # Titles alone are over budget: each kind keeps a share, at least two findings.
    counts: dict[str, int] = {k: len(fs) for k, _, fs in finding_lists(summary)}
    keep = dict(counts)
    while cost(render(0, keep)) > budget_tokens and any(v > 2 for v in keep.values()):
        largest = max(keep, key=lambda k: keep[k] / max(1, counts[k]) * keep[k])
        keep[largest] -= 1
    return "\n".join(render(0, keep))


def _digest_item(f: Finding, figures: int, said: int = 0) -> str:
    """A finding in the digest: its title, its first figures, and the start of its summary."""
    shown = [m for m in f.metrics if not m.redacted][:figures] or f.metrics[:figures]
    item = f.title
    if shown:
        item += "(" + "，".join(f"{m.name}{m.raw}" for m in shown) + ")"
    if said and f.summary:
        item += ": " + (f.summary if len(f.summary) <= said else f.summary[:said] + "…")
    return item


def _top_titles(findings: list[Finding], n: int = 3) -> list[str]:
    return list(dict.fromkeys(f.title for f in findings if f.title))[:n]


def _top_topics_en(findings: list[Finding], n: int = 3) -> list[str]:
    return list(dict.fromkeys(TOPIC_LABELS_EN[f.topic] for f in findings))[:n]


def _headline_metrics(summary: ReportSummary, n: int = 3) -> list[Metric]:
    # An overview of results quotes results: a target is a plan, not an achievement.
    return [m for m in summary.key_metrics if not m.redacted and m.kind == "actual"][:n]


def _compose_zh(s: ReportSummary) -> str:
    year = f"{s.summary_year}年的" if s.summary_year else ""
    parts: list[str] = []
    if s.achievements:
        titles = "、".join(_top_titles(s.achievements))
        parts.append(f"报告总结了{year}{len(s.achievements)}项工作成绩，主要包括{titles}等")
    else:
        parts.append(f"报告未列出{year}具体工作成绩")
    if s.problems:
        parts.append(f"指出{len(s.problems)}个问题")
    if s.plans:
        plan_year = f"{s.plan_year}年" if s.plan_year else ""
        parts.append(f"提出{plan_year}{len(s.plans)}项工作计划")
    if s.other:
        parts.append(f"另有{len(s.other)}条意见和建议")
    text = "；".join(parts) + "。"
    metrics = _headline_metrics(s)
    if metrics:
        text += "主要指标：" + "，".join(_metric_text(m) for m in metrics) + "。"
    return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _compose_en(s: ReportSummary) -> str:
    of_year = f" of {s.summary_year}" if s.summary_year else ""
    if s.achievements:
        topics = ", ".join(_top_topics_en(s.achievements))
        first = (
            f"The report summarizes {len(s.achievements)} achievements{of_year}, mainly in {topics}"
        )
    else:
        first = f"The report lists no specific achievements{of_year}"
    parts = [first]
    if s.problems:
        parts.append(f"identifies {_count(len(s.problems), 'problem')}")
    if s.plans:
        for_year = f" for {s.plan_year}" if s.plan_year else ""
        parts.append(f"sets out {_count(len(s.plans), 'plan')}{for_year}")
    if s.other:
        parts.append(f"makes {_count(len(s.other), 'other request')}")
    if len(parts) > 1:
        text = "; ".join(parts[:-1]) + "; and " + parts[-1] + "."
    else:
        text = parts[0] + "."
    metrics = _headline_metrics(s)
    if metrics:
        figures = []
        for m in metrics:
            fig = f"{m.name} {m.raw}"
            if m.change_pct is not None:
                fig += f" ({m.change_pct:+g}% year on year)"
            figures.append(fig)
        text += " Key figures: " + "; ".join(figures) + "."
    return text


def compose_overview(summary: ReportSummary, lang: str) -> str:
    """A two- or three-sentence overview from counts, titles and key metrics, without a model."""
    return _compose_en(summary) if lang.lower().startswith("en") else _compose_zh(summary)
