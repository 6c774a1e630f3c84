"""Score summaries against gold annotations (../shared/eval/GOLD_FORMAT.md).

In: a folder of gold JSON files, a folder of predictions (SummaryDocument JSON, batch
naming `<name>.txt.json` anywhere under it, or `<stem>.json` at its top) and optionally a
folder of sources. Out: an `EvalReport` with per-file and micro-averaged overall scores:

- reports ok: the prediction has as many reports as the gold;
- item recall per kind: a gold item is hit when a prediction finding of the same kind has
  an evidence starting inside the item's span (its marker up to the next item's marker);
- kind precision: of the findings whose first located evidence starts inside a gold item,
  the share whose kind is that item's kind;
- metric recall: a gold metric is hit by a prediction metric with the same unit and value,
  or the same raw text;
- numbers not in source: numbers the prediction writes that the source never does;
- redacted with value: metrics that carry a number although the report hides it.

A missing, unreadable or mismatched prediction is a row with its status, scored as zero
hits against the gold totals, so skipping a hard file never raises a score.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pydantic

from summarizer.core.document import SourceText
from summarizer.core.errors import InputError, SummarizerError
from summarizer.core.schema import Finding, Metric, SummaryDocument, iter_findings
from summarizer.core.vocabulary import KINDS
from summarizer.lexicon.figures import is_redacted
from summarizer.review.validate import json_path

FileStatus = Literal["ok", "missing", "error"]

_VALUE_TOLERANCE = 1e-6


# --------------------------------------------------------------------------- gold


@dataclass(frozen=True)
class GoldItem:
    """One annotated item: its kind and the verbatim text that starts it."""

    kind: str
    marker: str


@dataclass(frozen=True)
class GoldMetric:
    """One annotated headline figure."""

    raw: str
    value: float | None
    unit: str | None


@dataclass(frozen=True)
class GoldReport:
    """One annotated report of a file."""

    start_marker: str
    items: tuple[GoldItem, ...]
    metrics: tuple[GoldMetric, ...]


@dataclass(frozen=True)
class GoldFile:
    """The annotations of one source file."""

    file: str
    reports: tuple[GoldReport, ...]


@dataclass(frozen=True)
class ItemSpan:
    """Where a gold item lies in the source: [start, end)."""

    kind: str
    marker: str
    start: int
    end: int


def parse_gold(data: Any) -> GoldFile:
    """Build a `GoldFile` from parsed gold JSON; ValueError says what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("file"), str):
        raise ValueError('gold file needs a "file" string')
    reports_data = data.get("reports")
    if not isinstance(reports_data, list):
        raise ValueError('gold file needs a "reports" list')
    reports: list[GoldReport] = []
    for r in reports_data:
        if not isinstance(r, dict) or not isinstance(r.get("start_marker"), str):
            raise ValueError('every gold report needs a "start_marker" string')
        items: list[GoldItem] = []
        for it in r.get("items") or []:
            kind, marker = it.get("kind"), it.get("marker")
            if kind not in KINDS or not isinstance(marker, str) or not marker:
                raise ValueError(f"bad gold item {it!r}: needs a kind in {KINDS} and a marker")
            items.append(GoldItem(kind, marker))
        metrics: list[GoldMetric] = []
        for m in r.get("metrics") or []:
            value = m.get("value")
            metrics.append(
                GoldMetric(
                    raw=str(m.get("raw") or ""),
                    value=float(value) if isinstance(value, int | float) else None,
                    unit=m.get("unit"),
                )
            )
        reports.append(GoldReport(r["start_marker"], tuple(items), tuple(metrics)))
    return GoldFile(data["file"], tuple(reports))


def load_gold(path: Path) -> GoldFile:
    """Read and parse one gold JSON file; ValueError or OSError when it is unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"gold file is not JSON: {e}") from e
    return parse_gold(data)


def _find_unique(text: str, needle: str, what: str) -> int:
    pos = text.find(needle)
    if pos < 0:
        raise ValueError(f"{what} {needle!r} not found in the source")
    if text.find(needle, pos + 1) >= 0:
        raise ValueError(f"{what} {needle!r} occurs more than once in the source")
    return pos


def item_spans(gold: GoldFile, text: str) -> list[ItemSpan]:
    """The span of every gold item in `text`, in source order; ValueError if a marker is off."""
    report_starts = [_find_unique(text, r.start_marker, "report start") for r in gold.reports]
    # A report ends where the next one (in source order) begins.
    ordered = sorted(report_starts)
    spans: list[ItemSpan] = []
    for report, rstart in zip(gold.reports, report_starts, strict=True):
        later = [s for s in ordered if s > rstart]
        report_end = later[0] if later else len(text)
        located = sorted(
            ((_find_unique(text, it.marker, "item marker"), it) for it in report.items),
            key=lambda p: p[0],
        )
        for i, (start, it) in enumerate(located):
            end = located[i + 1][0] if i + 1 < len(located) else max(report_end, start)
            spans.append(ItemSpan(it.kind, it.marker, start, end))
    spans.sort(key=lambda s: s.start)
    return spans


# --------------------------------------------------------------------------- scores


@dataclass
class Ratio:
    """A count of hits out of a total."""

    hits: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.hits + other.hits, self.total + other.total)

    def __str__(self) -> str:
        return f"{self.hits}/{self.total}"

    def to_dict(self) -> dict[str, Any]:
        """Hits, total and their rate (null when the total is zero)."""
        rate = self.rate
        return {
            "hits": self.hits,
            "total": self.total,
            "rate": None if rate is None else round(rate, 4),
        }


def _kind_ratios() -> dict[str, Ratio]:
    return {k: Ratio() for k in KINDS}


@dataclass
class Scores:
    """The countable scores of one file, or of all files summed (micro-average)."""

    reports_ok: Ratio = field(default_factory=Ratio)
    recall: dict[str, Ratio] = field(default_factory=_kind_ratios)
    kind_precision: Ratio = field(default_factory=Ratio)
    metric_recall: Ratio = field(default_factory=Ratio)
    numbers_not_in_source: int = 0
    redacted_with_value: int = 0

    @property
    def item_recall(self) -> Ratio:
        """Recall over the items of every kind."""
        total = Ratio()
        for r in self.recall.values():
            total = total + r
        return total

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            reports_ok=self.reports_ok + other.reports_ok,
            recall={k: self.recall[k] + other.recall[k] for k in KINDS},
            kind_precision=self.kind_precision + other.kind_precision,
            metric_recall=self.metric_recall + other.metric_recall,
            numbers_not_in_source=self.numbers_not_in_source + other.numbers_not_in_source,
            redacted_with_value=self.redacted_with_value + other.redacted_with_value,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready numbers."""
        return {
            "reports_ok": self.reports_ok.to_dict(),
            "recall": {k: self.recall[k].to_dict() for k in KINDS},
            "item_recall": self.item_recall.to_dict(),
            "kind_precision": self.kind_precision.to_dict(),
            "metric_recall": self.metric_recall.to_dict(),
            "numbers_not_in_source": self.numbers_not_in_source,
            "redacted_with_value": self.redacted_with_value,
        }


@dataclass
class FileScore:
    """The scores of one gold file and what went wrong, if anything."""

    file: str
    status: FileStatus
    scores: Scores
    prediction: str | None = None
    error: str | None = None
    gold_reports: int = 0
    pred_reports: int | None = None
    #: (number, where in the prediction) for every number the source never writes.
    numbers_not_in_source: list[tuple[str, str]] = field(default_factory=list)
    #: (raw, where in the prediction) for every redacted metric given a value.
    redacted_with_value: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "file": self.file,
            "status": self.status,
            "prediction": self.prediction,
            "error": self.error,
            "gold_reports": self.gold_reports,
            "pred_reports": self.pred_reports,
            "scores": self.scores.to_dict(),
            "numbers_not_in_source": [
                {"number": n, "where": w} for n, w in self.numbers_not_in_source
            ],
            "redacted_with_value": [{"raw": r, "where": w} for r, w in self.redacted_with_value],
        }


@dataclass
class EvalReport:
    """Per-file scores and their micro-averaged sum."""

    files: list[FileScore]

    @property
    def overall(self) -> Scores:
        """All files' counts summed, so every item weighs the same."""
        total = Scores()
        for f in self.files:
            total = total + f.scores
        return total

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the files and the overall scores."""
        return {
            "files": [f.to_dict() for f in self.files],
            "overall": self.overall.to_dict(),
        }


# --------------------------------------------------------------------------- scoring


def _gold_totals(gold: GoldFile) -> Scores:
    """Zero hits against everything the gold asks for."""
    scores = Scores(reports_ok=Ratio(0, 1))
    for report in gold.reports:
        for it in report.items:
            scores.recall[it.kind].total += 1
        scores.metric_recall.total += len(report.metrics)
    return scores


def _findings(doc: SummaryDocument) -> Iterator[tuple[str, str, Finding]]:
    """(kind, where, finding) for every finding of every report."""
    for at in iter_findings(doc):
        yield at.kind, json_path("reports", at.report, at.field, at.position), at.finding


def _metrics(doc: SummaryDocument) -> Iterator[tuple[str, Metric]]:
    """(where, metric) for every key metric and every finding's metric."""
    for ri, report in enumerate(doc.reports):
        for mi, metric in enumerate(report.key_metrics):
            yield json_path("reports", ri, "key_metrics", mi), metric
    for _, where, finding in _findings(doc):
        for mi, metric in enumerate(finding.metrics):
            yield f"{where}.metrics[{mi}]", metric


def _span_at(spans: list[ItemSpan], pos: int) -> ItemSpan | None:
    for span in spans:
        if span.start <= pos < span.end:
            return span
    return None


def _metric_hit(gold: GoldMetric, predicted: list[Metric]) -> bool:
    for m in predicted:
        if gold.raw and m.raw.strip() == gold.raw.strip():
            return True
        if (
            gold.value is not None
            and m.value is not None
            and m.unit == gold.unit
            and abs(m.value - gold.value) < _VALUE_TOLERANCE
        ):
            return True
    return False


def score_file(gold: GoldFile, doc: SummaryDocument, text: str) -> FileScore:
    """Score one prediction against its gold, given the decoded source text."""
    spans = item_spans(gold, text)
    scores = _gold_totals(gold)
    scores.reports_ok = Ratio(int(len(doc.reports) == len(gold.reports)), 1)

    starts_by_kind: dict[str, list[int]] = {k: [] for k in KINDS}
    for kind, _, finding in _findings(doc):
        starts_by_kind[kind].extend(e.start for e in finding.evidence if e.start is not None)
    for span in spans:
        if any(span.start <= s < span.end for s in starts_by_kind[span.kind]):
            scores.recall[span.kind].hits += 1

    for kind, _, finding in _findings(doc):
        first = next((e.start for e in finding.evidence if e.start is not None), None)
        hit_span = None if first is None else _span_at(spans, first)
        if hit_span is not None:
            scores.kind_precision.total += 1
            scores.kind_precision.hits += int(hit_span.kind == kind)

    predicted = [m for _, m in _metrics(doc)]
    for gold_report in gold.reports:
        for gm in gold_report.metrics:
            scores.metric_recall.hits += int(_metric_hit(gm, predicted))

    # The one grounding (ground.py) that summarize and check use: every figure bound in the
    # finding's own span, key metrics and the overview in their report.
    from summarizer.grounding.ground import document_issues
    from summarizer.pipeline import analyse_source

    analysis = analyse_source(SourceText("", text, "", "", ""), tokens="estimate")
    missing_numbers = [
        (x.issue.figure, json_path("reports", x.report, *x.path))
        for x in document_issues(doc, analysis.clean, analysis.reports)
    ]
    scores.numbers_not_in_source = len(missing_numbers)

    redacted = [
        (m.raw, where)
        for where, m in _metrics(doc)
        if m.value is not None and (m.redacted or is_redacted(m.raw))
    ]
    scores.redacted_with_value = len(redacted)

    return FileScore(
        file=gold.file,
        status="ok",
        scores=scores,
        gold_reports=len(gold.reports),
        pred_reports=len(doc.reports),
        numbers_not_in_source=missing_numbers,
        redacted_with_value=redacted,
    )


# --------------------------------------------------------------------------- files


def find_prediction(pred_dir: Path, source_name: str) -> Path | None:
    """The prediction for a source file: `<name>.json` (anywhere below) or `<stem>.json`."""
    direct = pred_dir / f"{source_name}.json"
    if direct.is_file():
        return direct
    nested = sorted(p for p in pred_dir.rglob(f"{source_name}.json") if p.is_file())
    if nested:
        return nested[0]
    plain = pred_dir / f"{Path(source_name).stem}.json"
    return plain if plain.is_file() else None


def _read_source(path: Path) -> SourceText:
    # The reader's offset rule (no BOM, "\n" line endings, extracted text for .docx/.pdf)
    # is the one the outputs were made with.
    from summarizer.text.read import read_source

    return read_source(path)


def _source_path(doc: SummaryDocument, source_name: str, sources_dir: Path | None) -> Path:
    from summarizer.text.read import locate_source

    dirs = [sources_dir] if sources_dir is not None else []
    found, _ = locate_source(doc.source.path, doc.source.sha256, dirs=dirs)
    if found is not None:
        return found
    if sources_dir is not None and (sources_dir / source_name).is_file():
        return sources_dir / source_name
    hint = "" if sources_dir is not None else "; pass --sources DIR"
    raise ValueError(f"source not found at {doc.source.path}{hint}")


def evaluate_file(gold: GoldFile, pred_dir: Path, sources_dir: Path | None = None) -> FileScore:
    """Find, read and score the prediction of one gold file; failures become error rows."""
    pred_path = find_prediction(pred_dir, gold.file)
    totals = _gold_totals(gold)
    if pred_path is None:
        return FileScore(
            file=gold.file,
            status="missing",
            scores=totals,
            error=f"no prediction {gold.file}.json under {pred_dir}",
            gold_reports=len(gold.reports),
        )
    try:
        doc = SummaryDocument.model_validate_json(pred_path.read_bytes())
        source = _read_source(_source_path(doc, gold.file, sources_dir))
        if source.sha256 != doc.source.sha256:
            raise ValueError(
                f"the prediction was made from another version of {gold.file} (sha256 differs)"
            )
        score = score_file(gold, doc, source.text)
    except pydantic.ValidationError as e:
        error = f"prediction is not a valid SummaryDocument ({e.error_count()} errors)"
    except (ValueError, OSError, SummarizerError) as e:
        error = str(e)
    else:
        score.prediction = str(pred_path)
        return score
    return FileScore(
        file=gold.file,
        status="error",
        scores=totals,
        prediction=str(pred_path),
        error=error,
        gold_reports=len(gold.reports),
    )


def evaluate(gold_dir: Path, pred_dir: Path, sources_dir: Path | None = None) -> EvalReport:
    """Score every prediction under `pred_dir` against every gold file in `gold_dir`."""
    if not gold_dir.is_dir():
        raise InputError(f"gold folder not found: {gold_dir}")
    if not pred_dir.is_dir():
        raise InputError(f"prediction folder not found: {pred_dir}")
    gold_paths = sorted(gold_dir.glob("*.json"))
    if not gold_paths:
        raise InputError(f"no gold *.json files in {gold_dir}")
    files: list[FileScore] = []
    for path in gold_paths:
        try:
            gold = load_gold(path)
        except (ValueError, OSError) as e:
            files.append(
                FileScore(file=path.name, status="error", scores=Scores(), error=f"gold: {e}")
            )
            continue
        files.append(evaluate_file(gold, pred_dir, sources_dir))
    return EvalReport(files)
