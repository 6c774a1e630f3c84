"""False-positive rate of the grounding on the seeds' recorded model answers.

Every recorded answer (../shared/recordings/seeds/answers.jsonl) is a real model's answer
to one chunk request; its findings should all verify. This script grounds each against
the chunk it answered (matched by the document block's text) and prints a table of the
findings and key metrics flagged, with each warning, so a rule that flags true figures
shows up.

    .venv/bin/python bench/grounding.py [answers.jsonl] [-v]   (-v lists the mutations missed)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from summarizer.core.document import Analysis
from summarizer.core.schema import ChunkExtraction, ExtractedFinding
from summarizer.grounding.ground import (
    ground_finding,
    ground_metrics,
    overview_problems,
    report_text,
)
from summarizer.lexicon.numerals import find_numbers, numbers_in
from summarizer.pipeline import analyse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent.parent / "shared" / "recordings" / "seeds" / "answers.jsonl"
_DOC = re.compile(
    r'<document id="(?P<id>[0-9a-f]+)">\n(?P<text>.*)\n</document id="(?P=id)">', re.S
)


def main(path: Path) -> int:
    findings = flagged = metrics = metric_flags = key = key_flags = overviews = ov_flags = 0
    notes: list[str] = []
    analyses: dict[Path, Analysis] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        seed = ROOT / "seeds" / rec["file"]
        if seed not in analyses:
            analyses[seed] = analyse(seed)
        analysis = analyses[seed]
        user = rec["request"]["messages"][-1]["content"]
        m = _DOC.search(user)
        assert m is not None
        doc = m.group("text").strip()
        chunk = next((c for c in analysis.chunks if c.text.strip() == doc), None)
        if chunk is None:
            chunk = max(analysis.chunks, key=lambda c: len(set(c.text) & set(doc)))
            notes.append(f"{rec['file']}: no chunk with the same text; nearest used")
        answer = ChunkExtraction.model_validate(rec["answer"])
        for f in answer.findings:
            finding, warnings = ground_finding(f, chunk, analysis.clean, analysis.reports)
            findings += 1
            metrics += len(f.metrics)
            figure_warnings = [w for w in warnings if "quote" not in w]
            metric_flags += sum(1 for w in figure_warnings if " metric " in w)
            if not finding.verified:
                flagged += 1
                notes.extend(f"{rec['file'][:3]} {w}" for w in warnings)
        kept, warnings = ground_metrics(answer.key_metrics, chunk, analysis.clean, analysis.reports)
        key += len(answer.key_metrics)
        key_flags += len(answer.key_metrics) - len(kept)
        notes.extend(f"{rec['file'][:3]} {w}" for w in warnings)
        if answer.overview:
            overviews += 1
            problems = overview_problems(
                answer.overview, report_text(analysis.clean, analysis.reports, chunk.report)
            )
            ov_flags += bool(problems)
            notes.extend(f"{rec['file'][:3]} {p}" for p in problems)
    print("| what | checked | flagged | false-positive rate |")
    print("|---|---|---|---|")
    for what, n, bad in (
        ("findings", findings, flagged),
        ("finding metrics", metrics, metric_flags),
        ("key metrics", key, key_flags),
        ("overviews", overviews, ov_flags),
    ):
        print(f"| {what} | {n} | {bad} | {bad / n if n else 0:.1%} |")
    for n in notes:
        print("-", n)
    print()
    _mutations(path, analyses)
    return 0


def _mutations(path: Path, analyses: dict[Path, Analysis]) -> None:
    """Catch rate on the same answers made wrong the ways the issue names: a metric's figure
    swapped with another metric's of the same finding, its change's sign flipped, a summary
    number changed."""
    tried = {"swapped figure": 0, "flipped change": 0, "changed summary number": 0}
    caught = dict.fromkeys(tried, 0)
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        analysis = analyses[ROOT / "seeds" / rec["file"]]
        doc = _DOC.search(rec["request"]["messages"][-1]["content"])
        assert doc is not None
        chunk = next(c for c in analysis.chunks if c.text.strip() == doc.group("text").strip())
        answer = ChunkExtraction.model_validate(rec["answer"])
        for f in answer.findings:
            valued = [m for m in f.metrics if numbers_in(m.raw)]
            cases: list[tuple[str, ExtractedFinding]] = []
            if len(valued) >= 2 and numbers_in(valued[0].raw) != numbers_in(valued[1].raw):
                a, b = valued[0], valued[1]
                swapped = [a.model_copy(update={"raw": b.raw})]
                cases.append(("swapped figure", f.model_copy(update={"metrics": swapped})))
            with_change = [m for m in f.metrics if m.change_pct]
            if with_change:
                m = with_change[0]
                flipped = [m.model_copy(update={"change_pct": -(m.change_pct or 0)})]
                cases.append(("flipped change", f.model_copy(update={"metrics": flipped})))
            nums = find_numbers(f.summary)
            if nums:
                n = nums[0]
                bumped = f"{f.summary[: n.start]}{int(n.value) + 7}{f.summary[n.end :]}"
                cases.append(
                    (
                        "changed summary number",
                        f.model_copy(update={"summary": bumped, "metrics": []}),
                    )
                )
            for kind, mutated in cases:
                finding, _ = ground_finding(mutated, chunk, analysis.clean, analysis.reports)
                tried[kind] += 1
                caught[kind] += not finding.verified
                if finding.verified and "-v" in sys.argv:
                    print("missed", kind, mutated.summary[:60], [m.raw for m in mutated.metrics])
        for km in answer.key_metrics:
            if km.change_pct:
                flipped_key = km.model_copy(update={"change_pct": -km.change_pct})
                kept, _ = ground_metrics([flipped_key], chunk, analysis.clean, analysis.reports)
                tried["flipped change"] += 1
                caught["flipped change"] += not kept
    print("| mutation of a true answer | tried | caught |")
    print("|---|---|---|")
    for kind, n in tried.items():
        print(f"| {kind} | {n} | {caught[kind]} ({caught[kind] / n if n else 0:.0%}) |")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    sys.exit(main(Path(args[0]) if args else DEFAULT))
