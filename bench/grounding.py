"""False-positive rate of the grounding on the seeds' recorded model answers.

Every recorded answer (../shared/recordings/seeds/answers.jsonl) is a real model's answer
to one chunk request; its findings should all verify. This script grounds each against
the chunk it answered (matched by the document block's text) and prints a table of the
findings and key metrics flagged, with each warning, so a rule that flags true figures
shows up.

    .venv/bin/python bench/grounding.py [answers.jsonl]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from summarizer.ground import ground_finding, ground_metrics, overview_problems, report_text
from summarizer.pipeline import analyse
from summarizer.schema import ChunkExtraction

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent.parent / "shared" / "recordings" / "seeds" / "answers.jsonl"
_DOC = re.compile(
    r'<document id="(?P<id>[0-9a-f]+)">\n(?P<text>.*)\n</document id="(?P=id)">', re.S
)


def main(path: Path) -> int:
    findings = flagged = metrics = metric_flags = key = key_flags = overviews = ov_flags = 0
    notes: list[str] = []
    analyses = {}
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
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
