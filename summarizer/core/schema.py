"""The output contract (schema_version "2"; "1" still validates) and the per-chunk model.

In: nothing. Out: pydantic models. No I/O here; of ours it imports only the vocabulary.

Two families:
- `SummaryDocument` → `ReportSummary` → `Finding` / `Metric` / `Evidence`: what the tool
  writes. Offsets, `verified`, redaction flags and provenance are computed by code.
- `ChunkExtraction` → `ExtractedFinding` / `ExtractedMetric`: what a backend returns for
  one chunk. Every field is required and no extra property is allowed, so OpenAI's strict
  structured outputs accept the JSON Schema as it is.
- `ChunkAnswer` → `AnswerFinding`: the lean answer a model writes (metrics as "name figure",
  quotes that may be abbreviated to their ends, every field bounded); `summarizer.backends.answer`
  expands it into a `ChunkExtraction` against the chunk's text.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

# The kinds and topics are the project's vocabulary (vocabulary.py); re-exported because the
# fields below are typed with them and callers have long imported them from here.
from summarizer.core.vocabulary import FINDING_KINDS
from summarizer.core.vocabulary import KIND_FIELDS as KIND_FIELDS
from summarizer.core.vocabulary import TOPIC_LABELS as TOPIC_LABELS
from summarizer.core.vocabulary import FindingKind as FindingKind
from summarizer.core.vocabulary import ReportCheck as ReportCheck
from summarizer.core.vocabulary import Topic as Topic

#: "2" added the figure reading's fields to `Metric` (measure, direction, qualifier, period,
#: subject, figure offsets, evidence; unset in a "1" output), the topics agriculture_rural,
#: opening_up and culture_tourism, `ReportSummary.zone`, and (issue 26)
#: `Provenance.settings` (the settings fingerprint), `Usage.estimated_calls` and
#: `SummaryDocument.missing` (chunks that failed); a "1" document is a "2" document that
#: uses none of them (no zone, no reading, no fingerprint, nothing missing), so both
#: validate and read.
SchemaVersion = Literal["1", "2"]
SCHEMA_VERSION: SchemaVersion = "2"

_SCHEMA_CACHE: dict[Any, dict[str, Any]] = {}

MetricKind = Literal["actual", "target"]
#: What a figure measures (lexicon/reading.py reads it from the text): a level, a growth in
#: percent, a change in percentage points, a share or ratio, a per-capita value, a rank, a
#: count, an index.
Measure = Literal["level", "growth", "points", "share", "per_capita", "rank", "count", "index"]
Direction = Literal["up", "down"]
#: 约/左右 about, 以上/不低于 at_least, 超/超过/逾 over, 近 nearly, 以内/以下 at_most,
#: 余/多 plus (300多亩), a range (3-5个).
Qualifier = Literal["about", "at_least", "over", "nearly", "at_most", "plus", "range"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- output


class Evidence(_Strict):
    """A verbatim passage of the source that supports a finding."""

    quote: str = Field(description="Verbatim source text.")
    start: int | None = Field(
        description="Offset of the quote in the decoded source text; null if it was not found."
    )
    end: int | None = Field(description="End offset (exclusive); source_text[start:end] == quote.")


class Metric(_Strict):
    """A figure as the report states it."""

    name: str = Field(description="What is measured, e.g. 规上工业总产值.")
    raw: str = Field(description="The figure exactly as written, e.g. 184.7亿元, X亿元, -*%.")
    value: float | None = Field(description="The number; null when the figure is redacted.")
    unit: str | None = Field(
        description="Unit as written (亿元, 万元, %, 家, 亩 ...); null if none."
    )
    change_pct: float | None = Field(
        description="Year-on-year change in percent (同比增长16.2% → 16.2; 下降 → negative); "
        "null if not stated or redacted."
    )
    kind: MetricKind = Field(
        description="actual: achieved; target: planned (计划, 力争, 目标, 预计)."
    )
    redacted: bool = Field(description="True when the report hides the number (X, xx, *).")
    # Since schema 2, read from the source by code (lexicon/reading.py); unset in "1" outputs
    # and when the figure could not be bound to the source.
    measure: Measure | None = Field(
        default=None,
        description="What the figure measures: level, growth (a change in %), points (a "
        "change in percentage points), share, per_capita, rank, count or index.",
    )
    direction: Direction | None = Field(
        default=None,
        description="up or down: the sign of a change, or the way a level moved (降低至13.6%).",
    )
    qualifier: Qualifier | None = Field(
        default=None,
        description="about (约, 左右), at_least (以上, 不低于), over (超), nearly (近), at_most "
        "(以内), plus (余, 多) or range (3-5个); null when the figure is exact.",
    )
    high: float | None = Field(default=None, description="Upper end of a range (3-5个: 5).")
    period: str | None = Field(
        default=None, description="The period as written (全年, 1-9月, 上半年, 年均); null if none."
    )
    base_year: int | None = Field(
        default=None, description="The base year of a figure written 由2020年的… ; else null."
    )
    subject: str | None = Field(
        default=None, description="The indicator the source writes the figure for."
    )
    start: int | None = Field(
        default=None,
        description="Offset of the figure in the decoded source text; null if unbound.",
    )
    end: int | None = Field(default=None, description="End offset (exclusive) of the figure.")
    evidence: Evidence | None = Field(
        default=None, description="The source sentence that states the figure, with offsets."
    )


class Finding(_Strict):
    """One achievement, problem, plan or other item of a report."""

    title: str = Field(description="Short label, e.g. 招商引资.")
    summary: str = Field(description="One sentence.")
    topic: Topic = Field(description="Fixed topic category.")
    metrics: list[Metric] = Field(description="Figures this finding states.")
    entities: list[str] = Field(description="Companies, projects and parks named.")
    evidence: list[Evidence] = Field(description="Verbatim support with offsets.")
    verified: bool = Field(
        description="True when every quote was found in the source and every number of the "
        "finding occurs in its source chunk."
    )


class Zone(_Strict):
    """The place a report is about: as written, as a key that pairs its years, and where it is."""

    name: str = Field(description="The zone as written (title, header, 发布机构 or organization).")
    key: str = Field(
        description="Normalised key: 安徽/安徽省/安徽省人民政府 → 安徽省; "
        "XX经济技术开发区/XX经开区管委会 → XX经开区."
    )
    division: str | None = Field(
        default=None, description="The administrative division it sits in (gazetteer name)."
    )
    adcode: str | None = Field(default=None, description="That division's 6-digit code.")
    set_by: Literal["report", "user"] = Field(
        default="report", description="report: read from the report; user: --zone or a zones file."
    )


class ReportSummary(_Strict):
    """The summary of one report (a file may hold several)."""

    title: str | None = Field(description="Report title as written; null if none.")
    organization: str | None = Field(
        description="The zone, committee or government; null if unknown or wholly hidden."
    )
    summary_year: int | None = Field(description="Year the achievements cover; null if redacted.")
    plan_year: int | None = Field(description="Year the plans cover; null if unknown.")
    zone: Zone | None = Field(
        default=None, description="The zone's identity; null if generic, redacted or unknown."
    )
    overview: str = Field(description="Two or three sentences.")
    # Since schema 2; empty in a "1" output.
    overview_figures: list[Metric] = Field(
        default_factory=list,
        description="The figures the overview states, each bound to the source figure it "
        "restates (offsets, measure, change); a figure not bound has no offsets.",
    )
    key_metrics: list[Metric] = Field(description="Headline figures of the report.")
    achievements: list[Finding]
    problems: list[Finding]
    plans: list[Finding]
    other: list[Finding] = Field(description="Items that are none of the three, e.g. 意见和建议.")
    warnings: list[str]


class Source(_Strict):
    path: str = Field(
        description="Absolute, normalised path of the input when it was summarized "
        "(<stdin> for standard input)."
    )
    relative_path: str | None = Field(
        default=None,
        description="Path relative to the batch folder (POSIX separators); null outside a batch.",
    )
    sha256: str = Field(description="SHA-256 of the file's bytes.")
    chars: int = Field(description="Length of the decoded text in characters.")
    encoding: str
    format: str = Field(description="txt, md, docx, html or pdf.")


class Usage(_Strict):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    estimated_calls: int = Field(
        default=0,
        description="Calls whose server reported no usage (a stream without a usage chunk): "
        "their tokens are our estimate, not the server's count.",
    )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            estimated_calls=self.estimated_calls + other.estimated_calls,
        )


class Provenance(_Strict):
    backend: str
    model: str | None
    prompt_version: str = Field(description="Hash of the prompt files.")
    tool_version: str
    usage: Usage
    elapsed_s: float
    settings: str | None = Field(
        default=None,
        description="Fingerprint of the settings the output was made with (backend, model, "
        "endpoint, language, prompt, schema, chunk size, strict): a batch re-run reuses the "
        "output only under the same fingerprint. Null in outputs of older versions.",
    )


class MissingPart(_Strict):
    """A chunk whose answer failed: its findings are absent from the output."""

    chunk: int
    part: str = Field(description="Where the chunk stands: its breadcrumb or part kind.")
    start: int = Field(description="Offset of the chunk's first character in the text.")
    end: int
    error: str


class SummaryDocument(_Strict):
    """What `summarizer summarize` writes for one input file."""

    schema_version: SchemaVersion = SCHEMA_VERSION
    source: Source
    reports: list[ReportSummary]
    warnings: list[str]
    provenance: Provenance
    missing: list[MissingPart] = Field(
        default_factory=list,
        description="Chunks that failed: the output holds the others' findings, and the "
        "file counts as failed (exit 1; a batch re-run asks for these chunks again).",
    )
    # Added in schema "2" with a default, so a "1" document (without it) still validates.
    checks: list[ReportCheck] = Field(
        default_factory=list,
        description="Typed warnings an analyst acts on: not_a_work_report, no_plans, "
        "no_problems (the text names problems), kind_flips (part kinds go back after plans).",
    )


class FindingAt(NamedTuple):
    """One finding of a document and where it stands: report index, kind, the report's list
    it is in (its JSON field), and its position in that list."""

    report: int
    kind: FindingKind
    field: str
    position: int
    finding: Finding


def finding_lists(report: ReportSummary) -> list[tuple[FindingKind, str, list[Finding]]]:
    """The report's finding lists in the order every output lists them: (kind, field, list)."""
    return [(w.kind, w.field, getattr(report, w.field)) for w in FINDING_KINDS]


def findings_of(report: ReportSummary, r: int = 0) -> Iterator[FindingAt]:
    """Every finding of one report (numbered as report `r`), kind by kind."""
    for kind, field, findings in finding_lists(report):
        for i, finding in enumerate(findings):
            yield FindingAt(r, kind, field, i, finding)


def iter_findings(doc: SummaryDocument) -> Iterator[FindingAt]:
    """Every finding of every report of a document, in output order."""
    for r, report in enumerate(doc.reports):
        yield from findings_of(report, r)


# --------------------------------------------------------------------------- per chunk


class ExtractedMetric(_Strict):
    name: str = Field(description="What is measured, in the report's words.")
    raw: str = Field(
        description="The figure copied exactly as written, unit included: 184.7亿元, X亿元, *%. "
        "Never fill in a redacted figure."
    )
    change_pct: float | None = Field(
        description="Year-on-year change in percent as written (下降 → negative); null if absent "
        "or redacted."
    )
    kind: MetricKind = Field(description="actual, or target for planned figures.")


class ExtractedFinding(_Strict):
    kind: FindingKind = Field(
        description="achievement (成绩), problem (问题/不足), plan (计划/思路), or other "
        "(e.g. 意见和建议)."
    )
    title: str = Field(description="Short label of 2-8 characters, e.g. 招商引资.")
    summary: str = Field(description="One sentence summarising the item, only facts of the text.")
    topic: Topic
    metrics: list[ExtractedMetric]
    entities: list[str] = Field(description="Companies, projects and parks named in the item.")
    quotes: list[str] = Field(
        description="One to three passages copied verbatim from the text that support the item."
    )


class ChunkExtraction(_Strict):
    """What a backend returns for one chunk."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON Schema, generated once: the SDK asks for it on every request (6 ms each)
        and edits the dict it gets, so each caller receives its own copy."""
        key = (cls, args, tuple(sorted(kwargs.items())))
        if key not in _SCHEMA_CACHE:
            _SCHEMA_CACHE[key] = super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(_SCHEMA_CACHE[key])

    organization: str | None = Field(
        description="Who reports, as written: the zone or its committee, or the government or "
        "place of a government work report (from the title if only it names it); partly "
        "redacted names as written; null if not named or wholly hidden."
    )
    key_metrics: list[ExtractedMetric] = Field(
        description="Headline figures of the whole zone stated in this text (total output, "
        "investment, revenue...); empty if none."
    )
    findings: list[ExtractedFinding]
    # Strict mode lists it as required like every property (the SDK marks all of them); the
    # default only lets older cached answers and canned test answers still validate.
    overview: str | None = Field(
        default=None,
        description="Only when the user message says this chunk holds the whole report: two "
        "or three sentences summarising the report (achievements with headline figures, "
        "problems, plans). Otherwise null.",
    )


class OverviewText(_Strict):
    overview: str = Field(
        max_length=1200, description="Two or three sentences summarising the report."
    )


# --------------------------------------------------------------------------- the answer

#: Limits of every answer field: enforced on the client always, and sent in the schema to
#: servers that honour them (schema_limits in the capability table).
MAX_FINDINGS = 80
MAX_ITEMS = 24


class AnswerFinding(_Strict):
    """One finding as the model writes it (the lean answer)."""

    kind: FindingKind = Field(
        description="achievement (成绩), problem (问题/不足), plan (计划/思路), or other "
        "(e.g. 意见和建议)."
    )
    title: str = Field(max_length=40, description="Short label of 2-8 characters, e.g. 招商引资.")
    summary: str = Field(
        max_length=400,
        description="One short sentence with the item's main facts as written.",
    )
    topic: Topic
    metrics: list[Annotated[str, Field(max_length=120)]] = Field(
        max_length=MAX_ITEMS,
        description="The item's figures, each as 'name figure': the metric's name, a space, the "
        "figure copied exactly as written with its unit (规上工业总产值 184.7亿元, 签约项目 X个).",
    )
    entities: list[Annotated[str, Field(max_length=80)]] = Field(
        max_length=MAX_ITEMS,
        description="Companies, projects and parks named in the item, as written.",
    )
    quotes: list[Annotated[str, Field(max_length=300)]] = Field(
        max_length=3,
        description="One or two passages copied verbatim from the text; a passage longer than "
        "16 characters may be written as its first 6 characters, …, its last 6 characters.",
    )


class ChunkAnswer(_Strict):
    """What a model writes for one chunk: the lean answer. Code derives the rest (value,
    unit, change, target or actual, redaction, the whole quoted passage) from the source."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON Schema, generated once (see ChunkExtraction.model_json_schema)."""
        key = (cls, args, tuple(sorted(kwargs.items())))
        if key not in _SCHEMA_CACHE:
            _SCHEMA_CACHE[key] = super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(_SCHEMA_CACHE[key])

    organization: str | None = Field(
        max_length=100,
        description="Who reports, as written: the zone or its committee, or the government or "
        "place of a government work report (from the title if only it names it); partly "
        "redacted names as written; null if not named or wholly hidden.",
    )
    key_metrics: list[Annotated[str, Field(max_length=120)]] = Field(
        max_length=MAX_ITEMS,
        description="Headline figures of the whole zone stated in this text, each as "
        "'name figure' like the findings' metrics; empty if none.",
    )
    findings: list[AnswerFinding] = Field(max_length=MAX_FINDINGS)
    overview: str | None = Field(
        max_length=1200,
        description="Only when the user message says this chunk holds the whole report: two "
        "or three sentences summarising the report (achievements with headline figures, "
        "problems, plans). Otherwise null.",
    )


#: Schema keywords that bound sizes: kept only for servers that enforce them.
_LIMIT_KEYWORDS = ("maxLength", "maxItems", "minItems", "minLength")


def strict_json_schema(model: type[BaseModel], *, limits: bool = True) -> dict[str, Any]:
    """The model's JSON Schema in the form strict structured outputs accept: every property
    required, no additional properties, no null defaults, `$ref`s with siblings inlined
    (what the openai SDK sends for a pydantic `response_format`, without importing it).
    `limits=False` drops the size bounds (maxLength, maxItems) for servers that refuse them."""
    schema = model.model_json_schema()
    strict: dict[str, Any] = _strict(schema, schema, limits)
    return strict


def _strict(node: Any, root: dict[str, Any], limits: bool = True) -> Any:
    if isinstance(node, list):
        return [_strict(n, root, limits) for n in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if not limits:
        for keyword in _LIMIT_KEYWORDS:
            node.pop(keyword, None)
    if "$ref" in node and len(node) > 1:
        target: Any = root
        for part in node.pop("$ref")[2:].split("/"):
            target = target[part]
        node = {**target, **node}
    if node.get("type") == "object" and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if isinstance(node.get("properties"), dict):
        node["required"] = list(node["properties"])
    if "default" in node and node["default"] is None:
        del node["default"]
    for key in ("$defs", "properties"):
        if isinstance(node.get(key), dict):
            node[key] = {k: _strict(v, root, limits) for k, v in node[key].items()}
    for key in ("items", "anyOf", "allOf"):
        if key in node:
            node[key] = _strict(node[key], root, limits)
    return node


def summary_json_schema() -> dict[str, Any]:
    """The JSON Schema of `SummaryDocument` (what `summarizer schema` prints)."""
    return SummaryDocument.model_json_schema()


def schema_fingerprint() -> str:
    """Canonical JSON of the chunk model's schema; part of the cache key."""
    return json.dumps(ChunkExtraction.model_json_schema(), sort_keys=True, ensure_ascii=False)
