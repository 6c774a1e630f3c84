"""Re-check a written summary against its source file.

In: the path of an output JSON (a `SummaryDocument`) and optionally of its source file.
Out: a `CheckReport` listing every problem found: schema errors with their JSON path,
evidence whose offsets do not hold the quote, every figure the output states (findings
verified or not, metrics, key metrics, overview) re-grounded by ground.py's one rule,
redacted figures that carry a value, findings marked verified without located evidence,
and findings marked unverified. Raises `InputError` when the source cannot be found or
changed since it was summarized (its sha256 differs), and `ValidationError` when the file
is not JSON at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from summarizer.core.document import CleanText, SourceText
from summarizer.core.errors import InputError, ValidationError
from summarizer.core.schema import Metric, ReportSummary, SummaryDocument, iter_findings
from summarizer.lexicon.figures import parse_figure
from summarizer.review.validate import JSONRefused, json_path, read_json_file, schema_errors

if TYPE_CHECKING:
    from summarizer.core.document import Analysis

__all__ = ["CheckReport", "Problem", "check_document", "check_output", "load_output"]

_SHOW = 40  # characters of a quote shown in a problem


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an output file."""

    where: str  # JSON path ("$.reports[0].achievements[2].evidence[0]", see json_path)
    what: str
    detail: str = ""


@dataclass
class CheckReport:
    """The outcome of `check_output`.

    `problems` are what the output says that its raw figures and its source do not bear out
    now: edited since it was written (a value, change, measure or kind that is not what the
    raw figure and the text give, a quote or offset changed, a finding marked verified whose
    figures do not hold). `flags` are what the tool flagged when it wrote the output (a
    finding written unverified, with the figures that made it so): honest, reported, and a
    failure only under `--strict`.
    """

    output_path: str
    source_path: str | None = None
    findings: int = 0
    evidence_spans: int = 0
    metrics: int = 0
    problems: list[Problem] = field(default_factory=list)
    flags: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def passed(self, strict: bool = False) -> bool:
        """OK, and with `strict` no flag either."""
        return self.ok and not (strict and self.flags)


def _short(text: str, limit: int = _SHOW) -> str:
    one_line = text.replace("\n", "⏎")
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def load_output(output_path: str) -> SummaryDocument | list[Problem]:
    """Parse an output file: the document, or its schema problems (raises on non-JSON).

    Loaded through `validation.read_json_file`: bounded size and depth, no NaN, duplicate
    keys or lone surrogates, strict types (an offset "9" is a problem, not 9).
    """
    try:
        data = read_json_file(output_path)
    except FileNotFoundError as e:
        raise InputError(f"{output_path}: no such file") from e
    except UnicodeDecodeError as e:
        raise ValidationError(
            f"{output_path}: not UTF-8 JSON ({e.reason} at byte {e.start})"
        ) from e
    except OSError as e:
        raise InputError(f"{output_path}: cannot read: {e.strerror or e}") from e
    except JSONRefused as e:
        raise ValidationError(f"{output_path}: refused: {e}") from e
    except json.JSONDecodeError as e:
        raise ValidationError(
            f"{output_path}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"
        ) from e
    problems = [
        Problem(where, f"schema: {msg}", _short(repr(value)))
        for where, msg, value in schema_errors(data)
    ]
    return problems or SummaryDocument.model_validate(data, strict=True)


def _resolve_source(doc: SummaryDocument, output_path: str, source_path: str | None) -> Path:
    if source_path is not None:
        p = Path(source_path)
        if not p.is_file():
            raise InputError(f"source not found: {source_path}")
        return p
    from summarizer.text.read import locate_source

    found, candidates = locate_source(doc.source.path, doc.source.sha256, output_path)
    if found is not None:
        return found
    tried = ", ".join(str(c) for c in candidates)
    raise InputError(f"source not found: {doc.source.path} (tried {tried}); pass --source FILE")


def check_output(output_path: str, source_path: str | None = None) -> CheckReport:
    """Validate an output JSON and re-ground every finding against its source file."""
    from summarizer.core.config import Settings
    from summarizer.pipeline import analyse_source
    from summarizer.text.bounded import read_input

    loaded = load_output(output_path)
    if isinstance(loaded, list):
        return CheckReport(output_path=output_path, problems=loaded)
    doc = loaded
    path = _resolve_source(doc, output_path, source_path)
    # Bounded like an input of summarize: a recorded path may name any file.
    source = read_input(path, Settings())
    if source.sha256 != doc.source.sha256:
        raise InputError(
            f"source changed since summarizing: sha256 {source.sha256[:12]}…≠"
            f"{doc.source.sha256[:12]}… ({path}); summarize it again"
        )
    analysis = analyse_source(source)
    report = check_document(doc, source.text, analysis)
    report.output_path = output_path
    report.source_path = str(path)
    return report


# --------------------------------------------------------------------------- re-grounding


def _metric_problems(m: Metric, where: str) -> list[Problem]:
    from summarizer.lexicon.figures import is_redacted

    out: list[Problem] = []
    looks_redacted = is_redacted(m.raw)
    if m.redacted and m.value is not None:
        out.append(
            Problem(where, "redacted metric carries a value", f"raw {m.raw!r} value {m.value:g}")
        )
    elif looks_redacted and m.value is not None:
        out.append(
            Problem(where, "redacted figure given a value", f"raw {m.raw!r} value {m.value:g}")
        )
    if looks_redacted and not m.redacted:
        out.append(Problem(where, "redacted figure not flagged redacted", f"raw {m.raw!r}"))
    return out


def check_document(
    doc: SummaryDocument, text: str, analysis: Analysis | None = None
) -> CheckReport:
    """Re-ground a parsed document against its decoded source text (and its analysis).

    The figures go through the one binding rule, as in `summarize`: every finding (verified
    or not), its metrics, the key metrics and the overview; every metric's value, change,
    measure and kind are derived again from its raw figure and the text and compared with
    what the output says. A finding written unverified, with the figures that made it so,
    is a flag (honest); anything else that does not hold is a problem (edited since).
    """
    from summarizer.grounding.ground import derive_metric, document_bindings

    report = CheckReport(output_path="")
    problems = report.problems
    if analysis is not None and analysis.clean.text == text:
        clean, reports = analysis.clean, analysis.reports
    else:
        clean, reports = CleanText.build(SourceText("", text, "", "", ""), []), []

    for r, rep in enumerate(doc.reports):
        for m_i, m in enumerate(rep.key_metrics):
            problems.extend(_metric_problems(m, json_path("reports", r, "key_metrics", m_i)))

    unverified: set[tuple[int, str, int]] = set()
    for r, _, fld, i, f in iter_findings(doc):
        report.findings += 1
        base = json_path("reports", r, fld, i)
        label = f"「{_short(f.title, 20)}」"
        # Mismatched offsets are reported on their own; this tracks quotes never located.
        all_located = bool(f.evidence)
        for k, ev in enumerate(f.evidence):
            where = f"{base}.evidence[{k}]"
            if ev.start is None and ev.end is None:
                all_located = False
                continue
            report.evidence_spans += 1
            if ev.start is None or ev.end is None:
                all_located = False
                problems.append(
                    Problem(where, f"{label}: start and end must both be set or both null")
                )
                continue
            if not 0 <= ev.start <= ev.end <= len(text):
                problems.append(
                    Problem(
                        where,
                        f"{label}: offsets outside the source",
                        f"[{ev.start}:{ev.end}] of {len(text)} chars",
                    )
                )
                continue
            found = text[ev.start : ev.end]
            if found != ev.quote:
                problems.append(
                    Problem(
                        where,
                        f"{label}: quote differs from the source at [{ev.start}:{ev.end}]",
                        f"quote 「{_short(ev.quote)}」 ≠ source 「{_short(found)}」",
                    )
                )

        if f.verified and not all_located:
            why = "has no evidence" if not f.evidence else "has evidence not located in the source"
            problems.append(Problem(base, f"{label}: verified=true but {why}"))
        elif not f.verified:
            unverified.add((r, fld, i))
            report.flags.append(
                Problem(base, f"{label}: flagged when written: unverified (see the figures below)")
            )

        for m_i, m in enumerate(f.metrics):
            problems.extend(_metric_problems(m, f"{base}.metrics[{m_i}]"))

    issues, bindings = document_bindings(doc, clean, reports)
    for issue in issues:
        where = json_path("reports", issue.report, *issue.path)
        label = f"「{_short(issue.label, 20)}」: " if issue.label else ""
        path = issue.path
        flagged = len(path) >= 2 and (issue.report, str(path[0]), path[1]) in unverified
        if flagged:
            report.flags.append(
                Problem(where, f"{label}flagged when written: {issue.issue.message}")
            )
        else:
            problems.append(Problem(where, f"{label}{issue.issue.message}"))

    # Every metric's derived fields, again from its raw figure and the text.
    for (r, path), b in bindings.items():
        stated = _metric_at(doc.reports[r], path)
        if stated is None:
            continue
        report.metrics += 1
        # Refused metrics are compared with the source's reading of the same figure.
        reading = b.reading or b.figure
        again = derive_metric(stated, reading, clean, plan=path[0] == "plans")
        where = json_path("reports", r, *path)
        for what, said, derived in _differences(stated, again, doc.schema_version):
            problems.append(
                Problem(
                    where,
                    f"edited since written: {what} is {said}, the raw figure and the source "
                    f"give {derived}",
                    f"metric {stated.name} {stated.raw}",
                )
            )
    return report


def _metric_at(rep: ReportSummary, path: tuple[str | int, ...]) -> Metric | None:
    if path[0] in ("key_metrics", "overview_figures"):
        i = path[1]
        listed: list[Metric] = getattr(rep, str(path[0]))
        return listed[i] if isinstance(i, int) and i < len(listed) else None
    fld, i, _, k = path
    findings = getattr(rep, str(fld))
    if not isinstance(i, int) or not isinstance(k, int) or i >= len(findings):
        return None
    metrics: list[Metric] = findings[i].metrics
    return metrics[k] if k < len(metrics) else None


def _show(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _differences(m: Metric, again: Metric, version: str) -> list[tuple[str, str, str]]:
    """(field, as written, as derived) for each derived field an output no longer agrees on.

    A "1" output stored a growth as a level (value 10.8, no measure): it is compared on what
    "1" derived (value and redaction from the raw figure)."""
    fields: tuple[str, ...] = ("value", "change_pct", "measure", "kind", "redacted")
    if version == "1":
        fig = parse_figure(m.raw)
        again = again.model_copy(update={"value": fig.value, "redacted": fig.redacted})
        fields = ("value", "redacted")
    out: list[tuple[str, str, str]] = []
    for name in fields:
        said, derived = getattr(m, name), getattr(again, name)
        if name == "measure" and said is None:
            continue  # not recorded (written before the reading, or by hand): nothing to compare
        if isinstance(said, float) and isinstance(derived, float):
            if abs(said - derived) <= 1e-9 * max(1.0, abs(derived)):
                continue
        elif said == derived:
            continue
        out.append((name, _show(said), _show(derived)))
    return out
