"""Salvage: read what can be read of a model's chunk answer before paying for a repair.

In: an answer's content (text). Out: a `Salvaged`: the lean answer (`ChunkAnswer`) made of
what could be read, and one typed `Slip` per thing read liberally or dropped. `answer` is
None only when nothing usable remains (no JSON object, not an answer's shape, every finding
unreadable): only then does the client spend its one repair call.

Models slip (OpenAI, DeepSeek and Qwen enforce no `maxLength`/`maxItems`; DeepSeek's JSON mode
enforces no schema at all), and one slip in one finding must not cost the file. The rules, in
order (each a row of the case table in tests/test_salvage.py):
- text around the JSON: `<think>…</think>` blocks, Markdown fences, prose before or after: the
  first JSON object in the text is read, the rest ignored;
- kind: a listed kind; else its Chinese label, list or part name (成绩, achievements), a part
  heading word (不足, 思路: lexicon/section_rules' HEADING_KIND_RULES), or a near-miss spelling
  (Achievment); else the finding is unreadable and dropped;
- topic: a listed topic; else its Chinese label or a near-miss spelling; else the topic the
  keyword table gives the value, then the title and summary (lexicon/topics), `other` if none;
- a string over its bound: cut at the last sentence or clause end in its second half, else
  at the bound; a list over its bound: its first items;
- a metric, entity or quote written as an object: its text fields joined ("name value unit");
- null for a list: empty; one string for a list: a one-item list;
- a field the schema does not have: dropped; a missing list: empty; a missing title: the
  summary's head; a missing summary: the title; a finding with neither, or not an object:
  unreadable and dropped.
The bounds and the closed lists are read from the schema (core/schema.py) and the vocabulary
(core/vocabulary.py), never restated here.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, get_args

import pydantic

from summarizer.core.schema import AnswerFinding, ChunkAnswer
from summarizer.core.vocabulary import (
    FINDING_KINDS,
    PART_FINDING_KIND,
    TOPIC_LABELS,
    TOPIC_LABELS_EN,
    Topic,
)
from summarizer.lexicon.section_rules import HEADING_KIND_RULES
from summarizer.lexicon.topics import topic_for
from summarizer.lexicon.words import BOUNDARY_CHARS, COMMAS


class SlipKind(Enum):
    """What a model did that was read liberally (or, for DROPPED, could not be read)."""

    THINK = "a reasoning block before the JSON was skipped"
    PROSE = "text around the JSON object was skipped"
    KIND = "kind read from a value off the list"
    TOPIC = "topic read from a value off the list"
    CUT = "an over-long value was cut at a boundary"
    TOO_MANY = "a list over its bound was cut"
    OBJECT = "an object where text belongs was read as text"
    NULL_LIST = "null for a list was read as empty"
    EXTRA_FIELD = "a field not in the schema was ignored"
    MISSING_FIELD = "a missing field was filled"
    DROPPED = "an unreadable finding was dropped"


@dataclass(frozen=True)
class Slip:
    kind: SlipKind
    where: str  # "findings[2].kind"
    detail: str  # what was read, e.g. "'成绩' → achievement"

    def text(self) -> str:
        return f"{self.where}: {self.kind.value} ({self.detail})"


@dataclass
class Salvaged:
    answer: ChunkAnswer | None
    slips: list[Slip] = field(default_factory=list)
    reason: str = ""  # why nothing usable remains, when `answer` is None

    @property
    def dropped(self) -> int:
        return sum(1 for s in self.slips if s.kind is SlipKind.DROPPED)


_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)
_FENCE = re.compile(r"```[a-zA-Z]*\s*")
_KINDS: tuple[str, ...] = tuple(w.kind for w in FINDING_KINDS)
_TOPICS: tuple[str, ...] = get_args(Topic)
#: Fields that hold text in a metric/entity/quote written as an object, in reading order.
_NAME_KEYS = ("name", "metric", "indicator", "label", "title", "text", "entity", "quote")
_FIGURE_KEYS = ("raw", "figure", "value", "amount", "number")


def salvage(content: str) -> Salvaged:
    """The usable part of a chunk answer, with one slip per liberty taken."""
    slips: list[Slip] = []
    text = content.strip()
    if _THINK.search(text):
        text = _THINK.sub("", text).strip()
        slips.append(Slip(SlipKind.THINK, "answer", "<think>…</think>"))
    text = _FENCE.sub("", text).strip()  # fences: a common wrapping, not worth a warning
    found = _first_object(text)
    if found is None:
        return Salvaged(None, slips, "no JSON object in the answer")
    data, start, end = found
    if text[:start].strip() or text[end:].strip():
        slips.append(Slip(SlipKind.PROSE, "answer", f"{len(text) - (end - start)} characters"))
    try:  # a valid answer is taken as it is
        return Salvaged(ChunkAnswer.model_validate(data), slips)
    except pydantic.ValidationError:
        pass
    known = set(ChunkAnswer.model_fields)
    if not known & set(data):
        return Salvaged(None, slips, f"the JSON object has none of {', '.join(sorted(known))}")
    out: dict[str, Any] = {}
    for key in sorted(set(data) - known):
        slips.append(Slip(SlipKind.EXTRA_FIELD, key, "ignored"))
    for key in ("organization", "overview"):
        out[key] = _optional_text(data.get(key), key, slips)
    out["key_metrics"] = _texts(data, "key_metrics", ChunkAnswer, slips, where="key_metrics")
    raw_findings = data.get("findings")
    if raw_findings is None or isinstance(raw_findings, dict):
        kind = SlipKind.NULL_LIST if "findings" in data else SlipKind.MISSING_FIELD
        slips.append(Slip(kind, "findings", "read as []"))
        raw_findings = [] if raw_findings is None else [raw_findings]
    if not isinstance(raw_findings, list):
        return Salvaged(None, slips, "findings is not a list")
    limit = _bounds(ChunkAnswer)["findings"][1]
    if limit is not None and len(raw_findings) > limit:
        slips.append(Slip(SlipKind.TOO_MANY, "findings", f"{len(raw_findings)} → {limit}"))
        raw_findings = raw_findings[:limit]
    findings = []
    for i, raw in enumerate(raw_findings):
        finding = _finding(raw, f"findings[{i}]", slips)
        if finding is not None:
            findings.append(finding)
    if raw_findings and not findings:
        return Salvaged(None, slips, f"none of the {len(raw_findings)} findings could be read")
    out["findings"] = findings
    try:
        return Salvaged(ChunkAnswer.model_validate(out), slips)
    except pydantic.ValidationError as e:  # pragma: no cover - every field was made valid
        return Salvaged(None, slips, f"{e.error_count()} validation error(s) remain")


def _first_object(text: str) -> tuple[dict[str, Any], int, int] | None:
    """The first JSON object in `text` (its value, start, end), skipping what is not one."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start >= 0:
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value, start, end
        start = text.find("{", end)
    return None


@functools.cache
def _bounds(model: type[pydantic.BaseModel]) -> dict[str, tuple[int | None, int | None]]:
    """field → (maxLength of the text or of each item, maxItems), from the model's schema."""
    schema = model.model_json_schema()
    out: dict[str, tuple[int | None, int | None]] = {}
    for name, prop in schema.get("properties", {}).items():
        variants = prop.get("anyOf", [prop])
        length = items = None
        for v in variants:
            if v.get("type") == "array":
                items = v.get("maxItems")
                length = (v.get("items") or {}).get("maxLength")
            elif "maxLength" in v:
                length = v["maxLength"]
        out[name] = (length, items)
    return out


def cut_at_boundary(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, after the last sentence or clause end in
    its second half when there is one."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [i for i, ch in enumerate(head) if ch in BOUNDARY_CHARS or ch in COMMAS]
    good = [i for i in ends if i + 1 >= limit // 2]
    return head[: good[-1] + 1] if good else head


def _as_text(value: Any) -> str | None:
    """A value the model wrote where text belongs, as text (None: nothing readable)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return format(value, "g")
    if isinstance(value, dict):
        name = next((_as_text(value[k]) for k in _NAME_KEYS if value.get(k) is not None), None)
        figure = next((_as_text(value[k]) for k in _FIGURE_KEYS if value.get(k) is not None), None)
        unit = value.get("unit")
        if figure is not None and isinstance(unit, str) and unit not in figure:
            figure += unit
        parts = [p for p in (name, figure) if p]
        if not parts:  # some other shape: its text values, in order
            parts = [v for v in value.values() if isinstance(v, str) and v.strip()]
        return " ".join(parts) or None
    return None


def _text(value: Any, limit: int | None, where: str, slips: list[Slip]) -> str | None:
    text = value if isinstance(value, str) else _as_text(value)
    if text is None:
        return None
    if not isinstance(value, str):
        slips.append(Slip(SlipKind.OBJECT, where, f"read as {text[:40]!r}"))
    if limit is not None and len(text) > limit:
        cut = cut_at_boundary(text, limit)
        slips.append(Slip(SlipKind.CUT, where, f"{len(text)} → {len(cut)} characters"))
        text = cut
    return text


def _optional_text(value: Any, key: str, slips: list[Slip]) -> str | None:
    return _text(value, _bounds(ChunkAnswer)[key][0], key, slips) if value is not None else None


def _texts(
    data: dict[str, Any],
    key: str,
    model: type[pydantic.BaseModel],
    slips: list[Slip],
    *,
    where: str,
) -> list[str]:
    """A list of strings as the schema bounds it, from whatever the model wrote there."""
    length, items = _bounds(model)[key]
    if key not in data:
        slips.append(Slip(SlipKind.MISSING_FIELD, where, "read as []"))
        return []
    value = data[key]
    if value is None:
        slips.append(Slip(SlipKind.NULL_LIST, where, "read as []"))
        return []
    if not isinstance(value, list):
        value = [value]
    out = [t for i, v in enumerate(value) if (t := _text(v, length, f"{where}[{i}]", slips))]
    if items is not None and len(out) > items:
        slips.append(Slip(SlipKind.TOO_MANY, where, f"{len(out)} → {items}"))
        out = out[:items]
    return out


def _finding(raw: Any, where: str, slips: list[Slip]) -> AnswerFinding | None:
    if not isinstance(raw, dict):
        slips.append(Slip(SlipKind.DROPPED, where, f"not an object: {str(raw)[:40]!r}"))
        return None
    try:  # a valid finding is kept as it is
        return AnswerFinding.model_validate(raw)
    except pydantic.ValidationError:
        pass
    bounds = _bounds(AnswerFinding)
    for key in sorted(set(raw) - set(AnswerFinding.model_fields)):
        slips.append(Slip(SlipKind.EXTRA_FIELD, f"{where}.{key}", "ignored"))
    kind = read_kind(raw.get("kind"))
    if kind is None:
        slips.append(Slip(SlipKind.DROPPED, where, f"kind {raw.get('kind')!r} is no kind"))
        return None
    if kind != raw.get("kind"):
        slips.append(Slip(SlipKind.KIND, f"{where}.kind", f"{raw.get('kind')!r} → {kind}"))
    title = _text(raw.get("title"), bounds["title"][0], f"{where}.title", slips)
    summary = _text(raw.get("summary"), bounds["summary"][0], f"{where}.summary", slips)
    if not (title or "").strip() and not (summary or "").strip():
        slips.append(Slip(SlipKind.DROPPED, where, "neither a title nor a summary"))
        return None
    if not (title or "").strip():
        title = cut_at_boundary(summary or "", min(12, bounds["title"][0] or 12))
        slips.append(Slip(SlipKind.MISSING_FIELD, f"{where}.title", f"from the summary: {title}"))
    if not (summary or "").strip():
        summary = title
        slips.append(Slip(SlipKind.MISSING_FIELD, f"{where}.summary", "the title"))
    assert title is not None and summary is not None
    topic = read_topic(raw.get("topic"), title, summary)
    if topic != raw.get("topic"):
        slips.append(Slip(SlipKind.TOPIC, f"{where}.topic", f"{raw.get('topic')!r} → {topic}"))
    lists = {
        key: _texts(raw, key, AnswerFinding, slips, where=f"{where}.{key}")
        for key in ("metrics", "entities", "quotes")
    }
    return AnswerFinding(kind=kind, title=title, summary=summary, topic=topic, **lists)  # type: ignore[arg-type]


@functools.cache
def _kind_names() -> dict[str, str]:
    """Every name of every kind in the vocabulary (lower case) → the kind."""
    names: dict[str, str] = {}
    for w in FINDING_KINDS:
        for name in (w.kind, w.field, w.part, w.zh, w.en, w.en.rstrip("s")):
            names.setdefault(name.lower(), w.kind)
    return names


def read_kind(value: Any) -> str | None:
    """A finding kind from what a model wrote; None when it names none."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    names = _kind_names()
    if text.lower() in names:
        return names[text.lower()]
    for rule in HEADING_KIND_RULES:  # 主要成绩, 存在的不足, 下一步工作思路
        if rule.pattern.search(text):
            return PART_FINDING_KIND[rule.kind]
    close = difflib.get_close_matches(text.lower(), list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None


@functools.cache
def _topic_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for topic in _TOPICS:
        for name in (topic, TOPIC_LABELS[topic], TOPIC_LABELS_EN[topic]):
            names.setdefault(name.lower(), topic)
    return names


def read_topic(value: Any, title: str, summary: str) -> str:
    """A topic from what a model wrote, else from the finding's words; `other` if none."""
    names = _topic_names()
    if isinstance(value, str) and value.strip():
        text = value.strip().lower()
        norm = re.sub(r"[\s\-/&]+", "_", text)
        for candidate in (text, norm):
            if candidate in names:
                return names[candidate]
        close = difflib.get_close_matches(norm, list(names), n=1, cutoff=0.75)
        if close:
            return names[close[0]]
        guessed = topic_for(value)
        if guessed != "other":
            return guessed
    return topic_for(title, summary)
