"""Mutation bench of the figure layer on real model answers: false alarms and catches.

Every recorded answer (default: the seeds' lean answers, tests/data/recordings-lean, a copy
of ../shared/recordings/seeds-lean) is a capable model's answer to one chunk request; its
findings are true. Each is expanded and grounded against the chunk it answered (matched by
the document block's text) exactly as `summarize` does (expand_answer, ground_finding,
ground_metrics, overview_problems). Then the same answers are made wrong the ways a model
gets figures wrong, one mutation at a time, and the bench counts how many the tool catches:

- change a figure: a metric's number (finding or key metric) scaled by 1.3;
- swap two figures: two metrics of one finding (or two key metrics) exchange figures;
- move a figure from another item: a metric takes another finding's figure;
- flip a direction in a summary: 增长 ↔ 下降 (提高 ↔ 降低 ...) before a number;
- change a summary number: a number of a finding's summary (or the overview) scaled by 1.3.

A finding is caught when it comes out unverified, a key metric when it is dropped, an
overview when it is refused. False alarms are the unmutated answers' flags.

    .venv/bin/python bench/grounding.py [answers.jsonl] [-v]   (-v lists what was missed)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.backends.answer import expand_answer, split_metric
from summarizer.core.document import Analysis, Chunk
from summarizer.core.schema import ChunkAnswer, ChunkExtraction
from summarizer.grounding.ground import (
    ground_finding,
    ground_metrics,
    overview_problems,
    report_text,
)
from summarizer.lexicon.numerals import find_numbers
from summarizer.pipeline import analyse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "data" / "recordings-lean" / "answers.jsonl"
_DOC = re.compile(
    r'<document id="(?P<id>[0-9a-f]+)">\n(?P<text>.*)\n</document id="(?P=id)">', re.S
)
# Direction words a summary may be flipped with, both ways.
_FLIPS = (("增长", "下降"), ("提高", "降低"), ("增加", "减少"), ("上升", "回落"))
_FLIP = re.compile(r"(增长|下降|提高|降低|增加|减少|上升|回落)(?=了?\s*[0-9])")
_FLIP_TO = {a: b for pair in _FLIPS for a, b in (pair, pair[::-1])}

KINDS = (
    "change a figure",
    "swap two figures",
    "move a figure from another item",
    "flip a direction in a summary",
    "change a summary number",
)


@dataclass
class Tally:
    tried: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    caught: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    missed: list[str] = field(default_factory=list)

    def add(self, kind: str, caught: bool, what: str) -> None:
        self.tried[kind] += 1
        self.caught[kind] += caught
        if not caught:
            self.missed.append(f"{kind}: {what}")


@dataclass(frozen=True)
class Case:
    """One recorded answer with the chunk it answered."""

    name: str
    analysis: Analysis
    chunk: Chunk
    answer: dict[str, Any]


def _scaled(text: str, start: int, end: int) -> str | None:
    """`text` with the number at [start, end) scaled by 1.3 (written like the original)."""
    written = text[start:end]
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", written):
        return None
    decimals = len(written.split(".")[1]) if "." in written else 0
    value = float(written) * 1.3
    new = f"{value:.{decimals}f}" if decimals else str(round(value) + (1 if value < 4 else 0))
    return None if new == written else text[:start] + new + text[end:]


def _change_figure(raw: str) -> str | None:
    nums = [n for n in find_numbers(raw) if n.text[0].isdigit()]
    return _scaled(raw, nums[0].start, nums[0].end) if nums else None


def _has_number(raw: str) -> bool:
    return any(n.text[0].isdigit() for n in find_numbers(raw))


def _extract(case: Case, answer: dict[str, Any]) -> ChunkExtraction:
    return expand_answer(ChunkAnswer.model_validate(answer), case.chunk.text)


def _findings_ok(case: Case, answer: dict[str, Any]) -> list[tuple[bool, list[str]]]:
    out = []
    for f in _extract(case, answer).findings:
        finding, warnings = ground_finding(
            f, case.chunk, case.analysis.clean, case.analysis.reports
        )
        out.append((finding.verified, warnings))
    return out


def _key_kept(case: Case, answer: dict[str, Any]) -> tuple[int, int, list[str]]:
    metrics = _extract(case, answer).key_metrics
    kept, warnings = ground_metrics(metrics, case.chunk, case.analysis.clean, case.analysis.reports)
    return len(metrics), len(kept), warnings


def _overview_problems(case: Case, overview: str) -> list[str]:
    text = report_text(case.analysis.clean, case.analysis.reports, case.chunk.report)
    return overview_problems(overview, text)


def cases(path: Path) -> Iterator[Case]:
    analyses: dict[Path, Analysis] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        seed = next(
            (
                p
                for p in (ROOT / "seeds" / rec["file"], ROOT / "devset" / "gov" / rec["file"])
                if p.exists()
            ),
            ROOT / "seeds" / rec["file"],
        )
        if seed not in analyses:
            analyses[seed] = analyse(seed)
        analysis = analyses[seed]
        m = _DOC.search(rec["request"]["messages"][-1]["content"])
        assert m is not None
        doc = m.group("text").strip()
        chunk = next((c for c in analysis.chunks if c.text.strip() == doc), None)
        if chunk is None:
            chunk = max(analysis.chunks, key=lambda c: len(set(c.text) & set(doc)))
            print(f"note: {rec['file']}: no chunk with the same text; nearest used")
        name = f"{rec['file'][:3]} {rec['breadcrumb']}"
        yield Case(name, analysis, chunk, as_lean(rec["answer"]))


def as_lean(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer of the older format (metrics as objects) as the lean answer it states:
    metrics as "name figure" (its change and kind are read from the text), quotes kept."""

    def metrics(items: list[Any]) -> list[str]:
        return [m if isinstance(m, str) else f"{m['name']} {m['raw']}" for m in items]

    if "findings" not in answer:  # a second-round overview request: its overview alone
        answer = {"key_metrics": [], "findings": [], **answer}
    return {
        "organization": answer.get("organization"),
        "key_metrics": metrics(answer.get("key_metrics") or []),
        "findings": [
            {
                **{k: f[k] for k in ("kind", "title", "summary", "topic", "entities")},
                "metrics": metrics(f["metrics"]),
                "quotes": f["quotes"][:3],
            }
            for f in answer["findings"]
        ],
        "overview": answer.get("overview"),
    }


def _with_finding(answer: dict[str, Any], i: int, **update: Any) -> dict[str, Any]:
    findings = [dict(f) for f in answer["findings"]]
    findings[i].update(update)
    return {**answer, "findings": findings}


def _metric_strings(answer: dict[str, Any], f: dict[str, Any]) -> list[str]:
    return list(f["metrics"])


def mutate(case: Case, tally: Tally) -> None:
    """Every mutation of one answer, each graded on its own."""
    answer = case.answer
    findings = answer["findings"]

    def finding_caught(i: int, mutated: dict[str, Any]) -> bool:
        return not _findings_ok(case, mutated)[i][0]

    for i, f in enumerate(findings):
        metrics = _metric_strings(answer, f)
        valued = [k for k, m in enumerate(metrics) if _has_number(split_metric(m)[1])]
        for k in valued:
            name, raw = split_metric(metrics[k])
            changed = _change_figure(raw)
            if changed is None:
                continue
            mutated = [*metrics[:k], f"{name} {changed}", *metrics[k + 1 :]]
            caught = finding_caught(i, _with_finding(answer, i, metrics=mutated))
            tally.add("change a figure", caught, f"{case.name} {name} {raw}→{changed}")
        for a, b in zip(valued, valued[1:], strict=False):
            (na, ra), (nb, rb) = split_metric(metrics[a]), split_metric(metrics[b])
            if ra == rb:
                continue
            mutated = list(metrics)
            mutated[a], mutated[b] = f"{na} {rb}", f"{nb} {ra}"
            caught = finding_caught(i, _with_finding(answer, i, metrics=mutated))
            tally.add("swap two figures", caught, f"{case.name} {na} {rb} / {nb} {ra}")
        others = [
            split_metric(m)[1]
            for j, g in enumerate(findings)
            if j != i
            for m in _metric_strings(answer, g)
            if _has_number(split_metric(m)[1])
        ]
        own = {split_metric(m)[1] for m in metrics}
        foreign = next((r for r in others if r not in own), None)
        if valued and foreign is not None:
            k = valued[0]
            name, raw = split_metric(metrics[k])
            mutated = [*metrics[:k], f"{name} {foreign}", *metrics[k + 1 :]]
            caught = finding_caught(i, _with_finding(answer, i, metrics=mutated))
            tally.add("move a figure from another item", caught, f"{case.name} {name} {foreign}")
        summary = f["summary"]
        flip = _FLIP.search(summary)
        if flip is not None:
            word = flip.group(1)
            flipped = summary[: flip.start()] + _FLIP_TO[word] + summary[flip.end() :]
            caught = finding_caught(i, _with_finding(answer, i, summary=flipped, metrics=[]))
            tally.add("flip a direction in a summary", caught, f"{case.name} {flipped[:50]}")
        nums = [n for n in find_numbers(summary) if n.text[0].isdigit()]
        if nums:
            changed = _scaled(summary, nums[0].start, nums[0].end)
            if changed is not None:
                caught = finding_caught(i, _with_finding(answer, i, summary=changed, metrics=[]))
                tally.add("change a summary number", caught, f"{case.name} {changed[:50]}")

    keys = list(answer["key_metrics"])
    valued = [k for k, m in enumerate(keys) if _has_number(split_metric(m)[1])]

    def key_caught(mutated: list[str]) -> bool:
        n, kept, _ = _key_kept(case, {**answer, "key_metrics": mutated, "findings": []})
        return kept < n

    for k in valued:
        name, raw = split_metric(keys[k])
        changed = _change_figure(raw)
        if changed is not None:
            tally.add(
                "change a figure", key_caught([f"{name} {changed}"]), f"{case.name} key {name}"
            )
    for a, b in zip(valued, valued[1:], strict=False):
        (na, ra), (nb, rb) = split_metric(keys[a]), split_metric(keys[b])
        if ra != rb:
            # One swapped pair is one wrong answer: caught when either is dropped ("应交增值税
            # 28.38%" may well be true: the source writes 28.38% for its growth).
            caught = key_caught([f"{na} {rb}"]) or key_caught([f"{nb} {ra}"])
            tally.add("swap two figures", caught, f"{case.name} key {na} {rb} / {nb} {ra}")
    overview = answer.get("overview")
    if overview:
        flip = _FLIP.search(overview)
        if flip is not None:
            flipped = overview[: flip.start()] + _FLIP_TO[flip.group(1)] + overview[flip.end() :]
            caught = bool(_overview_problems(case, flipped))
            tally.add(
                "flip a direction in a summary", caught, f"{case.name} overview {flipped[:40]}"
            )
        nums = [n for n in find_numbers(overview) if n.text[0].isdigit()]
        if nums:
            changed = _scaled(overview, nums[0].start, nums[0].end)
            if changed is not None:
                caught = bool(_overview_problems(case, changed))
                tally.add("change a summary number", caught, f"{case.name} overview")


def main(path: Path, verbose: bool = False) -> int:
    findings = flagged = key = dropped = overviews = refused = 0
    notes: list[str] = []
    tally = Tally()
    for case in cases(path):
        for ok, warnings in _findings_ok(case, case.answer):
            findings += 1
            if not ok:
                flagged += 1
                notes.extend(f"{case.name} {w}" for w in warnings)
        n, kept, warnings = _key_kept(case, case.answer)
        key += n
        dropped += n - kept
        notes.extend(f"{case.name} {w}" for w in warnings)
        if case.answer.get("overview"):
            overviews += 1
            problems = _overview_problems(case, case.answer["overview"])
            refused += bool(problems)
            notes.extend(f"{case.name} overview: {p}" for p in problems)
        mutate(case, tally)
    _print(path, tally, (findings, flagged), (key, dropped), (overviews, refused))
    for note in notes:
        print("- false alarm:", note)
    if verbose:
        for m in tally.missed:
            print("- missed:", m)
    return 0


def _rate(a: int, b: int) -> str:
    return f"{a / b:.1%}" if b else "–"


def _print(
    path: Path,
    tally: Tally,
    findings: tuple[int, int],
    key: tuple[int, int],
    overviews: tuple[int, int],
) -> None:
    print(f"answers: {path}")
    print()
    print("| unmutated (true) answers | checked | flagged | false alarms |")
    print("|---|---:|---:|---:|")
    for what, (n, bad) in (
        ("findings", findings),
        ("key metrics (dropped)", key),
        ("overviews (refused)", overviews),
    ):
        print(f"| {what} | {n} | {bad} | {_rate(bad, n)} |")
    print()
    print("| mutation | tried | caught | catch rate |")
    print("|---|---:|---:|---:|")
    for kind in KINDS:
        print(
            f"| {kind} | {tally.tried[kind]} | {tally.caught[kind]} | "
            f"{_rate(tally.caught[kind], tally.tried[kind])} |"
        )
    tried, caught = sum(tally.tried.values()), sum(tally.caught.values())
    print(f"| **all** | {tried} | {caught} | {_rate(caught, tried)} |")
    rates = [(tally.caught[k] / tally.tried[k], k) for k in KINDS if tally.tried[k]]
    lowest = f"{min(rates)[0]:.1%} ({min(rates)[1]})" if rates else "–"
    print()
    print(
        f"false alarms {_rate(findings[1], findings[0])} of true findings (target ≤ 2 %) · "
        f"catches {_rate(caught, tried)} overall (target ≥ 97 %), lowest kind {lowest}"
        " (target ≥ 90 %)"
    )


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    sys.exit(main(Path(args[0]) if args else DEFAULT, "-v" in sys.argv))
