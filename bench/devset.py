"""Scores on the real development set (devset/): tuned and held-out, side by side.

    .venv/bin/python bench/devset.py                 # both sets, one Markdown table
    .venv/bin/python bench/devset.py --set tuned     # only the tuned set (while tuning rules)
    .venv/bin/python bench/devset.py --files         # one row per file as well
    .venv/bin/python bench/devset.py --pred DIR      # score saved answers (e.g. a model's)
                                                     # instead of the offline backend
    .venv/bin/python bench/devset.py --answers       # score the chunk answers written in
                                                     # devset/answers/<stem>.json (LLM path)

devset/split.json names the files of each set; devset/gold/<stem>.json is the gold written by
reading (../shared/eval/GOLD_FORMAT.md). For each set and kind of text (full government
reports, zone-report web copies) it prints:

- part placement: the share of gold items whose marker lies in a part of the section tree of
  the item's kind (a preamble counts as achievements, as its findings do);
- item recall and kind precision of the offline backend (or of `--pred`), scored by
  `summarizer.review.evaluate.score_file` (the scorer of `summarizer eval`);
- problems recall (gold problems hit);
- fragment names: metric names that are fragments, by `fragment_reason` below.

A metric name is a fragment by `summarizer.lexicon.names.fragment_reason` (the rule is stated
there, in six points: bad first or last word, unbalanced quote, a clause break or ranking
predicate inside, no noun head).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.backends.answer import expand_answer
from summarizer.backends.base import Backend, ChunkContext, ExtractResult
from summarizer.core.config import Settings
from summarizer.core.document import SourceText
from summarizer.core.schema import ChunkAnswer, ChunkExtraction, SummaryDocument, Usage
from summarizer.lexicon.names import fragment_reason
from summarizer.pipeline import analyse_source, summarize_analysis, summarize_file
from summarizer.review.evaluate import find_prediction, item_spans, parse_gold, score_file

ROOT = Path(__file__).resolve().parent.parent / "devset"

_PART_OF_KIND = {
    "achievement": ("achievements", "preamble"),
    "problem": ("problems",),
    "plan": ("plans",),
    "other": ("other",),
}

# ----------------------------------------------------------------------------- scores


@dataclass
class Tally:
    placed: int = 0
    items: int = 0
    hits: int = 0
    problems: int = 0
    problem_hits: int = 0
    precise: int = 0
    judged: int = 0
    names: int = 0
    fragments: int = 0
    files: int = 0
    examples: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("placed", "items", "hits", "problems", "problem_hits", "precise", "judged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.names += other.names
        self.fragments += other.fragments
        self.files += other.files
        self.examples.extend(other.examples)
        self.missed.extend(other.missed)


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "—"


def placement(gold_data: dict[str, object], text: str) -> tuple[int, int]:
    """Gold items whose marker lies in a part of their kind, and all gold items."""
    gold = parse_gold(gold_data)
    analysis = analyse_source(SourceText("", text, "utf-8", "txt", ""), tokens="estimate")
    parts = [(p.start, p.end, p.kind) for r in analysis.reports for p in r.parts]
    placed = total = 0
    for span in item_spans(gold, text):
        total += 1
        kinds = _PART_OF_KIND[span.kind]
        placed += any(a <= span.start < b and k in kinds for a, b, k in parts)
    return placed, total


class ReplayBackend(Backend):
    """Answers each chunk with the lean answer written for it (by chunk index), expanded
    against the chunk's text as a model's answer is: the LLM path without a model."""

    name = "replay"
    model = "written answers"

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers

    @classmethod
    def create(cls, settings: Settings) -> ReplayBackend:
        return cls([])

    async def extract(self, request: ChunkContext) -> ExtractResult:
        index = request.chunk.index
        answer = (
            ChunkAnswer.model_validate(self.answers[index]) if index < len(self.answers) else None
        )
        if answer is None:
            return ExtractResult(
                ChunkExtraction(organization=None, key_metrics=[], findings=[]), Usage()
            )
        return ExtractResult(expand_answer(answer, request.chunk.text), Usage(calls=1))


def replay(path: Path, answers: list[dict[str, Any]]) -> SummaryDocument:
    """The document the pipeline makes of `path` with the written answers, chunked as the
    openai backend chunks it (default settings)."""
    settings = Settings(backend="openai", model="gpt-4o", overview=False)
    text = path.read_text(encoding="utf-8")
    analysis = analyse_source(SourceText(str(path), text, "utf-8", "txt", ""), settings)
    if len(analysis.chunks) != len(answers):
        print(
            f"{path.name}: {len(analysis.chunks)} chunks, {len(answers)} answers", file=sys.stderr
        )
    return asyncio.run(summarize_analysis(analysis, ReplayBackend(answers), settings=settings))


def score_one(
    path: Path, gold_data: dict[str, object], pred_dir: Path | None, answers: Path | None = None
) -> Tally:
    text = path.read_text(encoding="utf-8")
    t = Tally(files=1)
    t.placed, t.items = placement(gold_data, text)
    written = None if answers is None else answers / (path.stem + ".json")
    if written is not None:
        if not written.exists():
            return t
        doc = replay(path, json.loads(written.read_text(encoding="utf-8"))["chunks"])
    elif pred_dir is None:
        doc = summarize_file(path, settings=Settings(backend="offline"))
    else:
        found = find_prediction(pred_dir, path.name)
        if found is None:
            print(f"no prediction for {path.name} in {pred_dir}", file=sys.stderr)
            return t
        doc = SummaryDocument.model_validate_json(found.read_text(encoding="utf-8"))
    score = score_file(parse_gold(gold_data), doc, text).scores
    starts: dict[str, list[int]] = {}
    for r in doc.reports:
        for kind, listed in (
            ("achievement", r.achievements),
            ("problem", r.problems),
            ("plan", r.plans),
            ("other", r.other),
        ):
            for f in listed:
                starts.setdefault(kind, []).extend(
                    e.start for e in f.evidence if e.start is not None
                )
    for span in item_spans(parse_gold(gold_data), text):
        if not any(span.start <= s < span.end for s in starts.get(span.kind, [])):
            t.missed.append(f"{path.name}: {span.kind} {span.marker}")
    for kind, ratio in score.recall.items():
        t.hits += ratio.hits
        if kind == "problem":
            t.problems += ratio.total
            t.problem_hits += ratio.hits
    t.precise, t.judged = score.kind_precision.hits, score.kind_precision.total
    for r in doc.reports:
        for f in [*r.achievements, *r.problems, *r.plans, *r.other]:
            for m in f.metrics:
                t.names += 1
                why = fragment_reason(m.name or "")
                if why:
                    t.fragments += 1
                    t.examples.append(f"{path.name}: {m.name!r} {m.raw} ({why})")
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--set", choices=("tuned", "held_out", "both"), default="both")
    ap.add_argument("--files", action="store_true", help="one row per file as well")
    ap.add_argument("--fragments", action="store_true", help="list the fragment names")
    ap.add_argument("--missed", action="store_true", help="list the gold items missed")
    ap.add_argument("--pred", type=Path, help="score saved answers from this folder")
    ap.add_argument(
        "--answers", action="store_true", help="score devset/answers/<stem>.json (written answers)"
    )
    ap.add_argument("--root", type=Path, default=ROOT)
    args = ap.parse_args(argv)
    split = json.loads((args.root / "split.json").read_text(encoding="utf-8"))
    sets = ["tuned", "held_out"] if args.set == "both" else [args.set]
    table: dict[tuple[str, str], Tally] = {}
    rows: list[tuple[str, str, Tally]] = []
    for set_name in sets:
        for rel in split[set_name]:
            path = args.root / rel
            gold_path = args.root / "gold" / (Path(rel).stem + ".json")
            if not gold_path.exists():
                continue
            genre = "gov" if rel.startswith("gov/") else "zone"
            answers = args.root / "answers" if args.answers else None
            if answers is not None and not (answers / (path.stem + ".json")).exists():
                continue
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            t = score_one(path, gold, args.pred, answers)
            rows.append((set_name, rel, t))
            table.setdefault((set_name, genre), Tally()).add(t)
    print(
        "| set | texts | files | part placement | item recall | problems recall "
        "| kind precision | fragment names |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (set_name, genre), t in sorted(table.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(
            f"| {set_name} | {genre} | {t.files} | {_ratio(t.placed, t.items)} | "
            f"{_ratio(t.hits, t.items)} | {_ratio(t.problem_hits, t.problems)} | "
            f"{_ratio(t.precise, t.judged)} | {_ratio(t.fragments, t.names)} |"
        )
    if args.files:
        print()
        print("| set | file | placement | recall | problems | precision | fragments |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for set_name, rel, t in rows:
            print(
                f"| {set_name} | {rel} | {_ratio(t.placed, t.items)} | {_ratio(t.hits, t.items)} | "
                f"{_ratio(t.problem_hits, t.problems)} | {_ratio(t.precise, t.judged)} | "
                f"{_ratio(t.fragments, t.names)} |"
            )
    for _, _, t in rows:
        for line in t.examples if args.fragments else []:
            print(line)
        for line in t.missed if args.missed else []:
            print("missed", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
