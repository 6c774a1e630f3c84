"""Scores on the real development set (devset/): tuned and held-out, side by side.

    .venv/bin/python bench/devset.py                 # both sets, one Markdown table
    .venv/bin/python bench/devset.py --set tuned     # only the tuned set (while tuning rules)
    .venv/bin/python bench/devset.py --files         # one row per file as well
    .venv/bin/python bench/devset.py --pred DIR      # score saved answers (e.g. a model's)
                                                     # instead of the offline backend

devset/split.json names the files of each set; devset/gold/<stem>.json is the gold written by
reading (../shared/eval/GOLD_FORMAT.md). For each set and kind of text (full government
reports, zone-report web copies) it prints:

- part placement: the share of gold items whose marker lies in a part of the section tree of
  the item's kind (a preamble counts as achievements, as its findings do);
- item recall and kind precision of the offline backend (or of `--pred`), scored by
  `summarizer.review.evaluate.score_file` (the scorer of `summarizer eval`);
- problems recall (gold problems hit);
- fragment names: metric names that are fragments, by `fragment_reason` below.

A metric name is a fragment when it
1. is empty, or begins with punctuation, a digit or a closing mark;
2. begins with a function word or a verb of the figure (的 和 及 为 是 达 增长 同比 其中 …);
3. ends with a function word, a preposition or a verb (… 的 和 在 达到 增长 超过 比 前 第);
4. holds an unbalanced quote or bracket (管”改造);
5. holds a clause break (，。；：) or a predicate inside it (降幅居全国前: 居, 为, 是, 达, 占);
6. is one or two characters that name no measure on their own (特种), i.e. has no noun head.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from summarizer.core.config import Settings
from summarizer.core.document import SourceText
from summarizer.core.schema import SummaryDocument
from summarizer.pipeline import analyse_source, summarize_file
from summarizer.review.evaluate import find_prediction, item_spans, parse_gold, score_file

ROOT = Path(__file__).resolve().parent.parent / "devset"

_PART_OF_KIND = {
    "achievement": ("achievements", "preamble"),
    "problem": ("problems",),
    "plan": ("plans",),
    "other": ("other",),
}

# ----------------------------------------------------------------------------- fragments

_LEADING = re.compile(
    r"^(?:[，,。；;：:、）)\]】”’》0-9０-９.%％]|的|了|和|与|及|或|等|并|且|而|也|又|还|均|共|占|居|"
    r"为|是|达到?|比|较|同比|其中|分别|以上|左右|实现|完成|增长|下降|提高|提升|降低|突破|超过|"
    r"在|对|把|将|要|被|从|由|向|至|到)"
)
_TRAILING = re.compile(
    r"(?:的|了|和|与|及|或|在|对|为|是|达|达到|增长|下降|提高|提升|降低|超过|比|较|至|到|由|从|占|"
    r"共|约|近|超|居|分别|同比|增加|减少|实现|完成|前|第|[，,、（(“‘《])$"
)
_INNER_PREDICATE = re.compile(
    r"[，,。；;：:]|[\u4e00-\u9fff](?:居|为|是|达|占)(?:全[国省市]|[前第])"
)
_PAIRS = ("“”", "（）", "()", "《》", "‘’", "【】")
#: Short names that are measures on their own.
_SHORT_MEASURES = frozenset(
    "产值 税收 营收 收入 利润 投资 出口 进口 外资 外贸 就业 人口 增速 总量 产量 销量 游客 "
    "财政 存款 贷款 社零 消费 项目 企业 专利 人才 农田 耕地 粮食 GDP".split()
)


def fragment_reason(name: str) -> str | None:
    """Why a metric name is a fragment (see the module's rules), or None when it is whole."""
    name = name.strip()
    if not name:
        return "empty"
    if _LEADING.match(name):
        return "starts with punctuation, a digit, a function word or a verb"
    if _TRAILING.search(name):
        return "ends with a function word, a preposition or a verb"
    for pair in _PAIRS:
        if name.count(pair[0]) != name.count(pair[1]):
            return "unbalanced quote or bracket"
    if _INNER_PREDICATE.search(name):
        return "holds a clause break or a predicate"
    cjk = re.sub(r"[^\u4e00-\u9fffA-Za-z]", "", name)
    if len(cjk) <= 2 and cjk not in _SHORT_MEASURES:
        return "no noun head"
    return None


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


def score_one(path: Path, gold_data: dict[str, object], pred_dir: Path | None) -> Tally:
    text = path.read_text(encoding="utf-8")
    t = Tally(files=1)
    t.placed, t.items = placement(gold_data, text)
    if pred_dir is None:
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
            t = score_one(path, json.loads(gold_path.read_text(encoding="utf-8")), args.pred)
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
