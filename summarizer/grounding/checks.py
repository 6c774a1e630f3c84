"""Checks of a summarized file that an analyst acts on, as typed reasons (`ReportCheck`).

In: the section tree of each report, the masked text and the report summaries. Out: the
checks that hold, in a fixed order, each once:

- `no_plans`: a report with findings but none of them a plan (a plans part read as problems
  or achievements, or a report without plans);
- `no_problems`: no problem found although the text announces problems (清醒认识到……,
  在取得成绩的同时……, 存在……问题: `section_rules.PROBLEM_CUES`);
- `kind_flips`: the parts go back after the plans (plans, then problems or achievements): the
  genre does not, so a part is probably misread.

`not_a_work_report` comes from the text stages (too few of the genre's words).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from summarizer.core.document import CleanText, Report
from summarizer.core.schema import ReportSummary
from summarizer.core.vocabulary import CHECKS, ReportCheck
from summarizer.lexicon.section_rules import PROBLEM_CUES

__all__ = ["check_message", "report_checks"]


def report_checks(
    clean: CleanText, sections: Sequence[Report], summaries: Sequence[ReportSummary]
) -> list[ReportCheck]:
    """The checks that hold for the reports of one file (see the module)."""
    found: set[ReportCheck] = set()
    by_index = {r.index: r for r in sections}
    for i, summary in enumerate(summaries):
        findings = len(summary.achievements) + len(summary.problems) + len(summary.plans)
        if not findings:
            continue  # nothing read: the file's other warnings say why
        report = by_index.get(i)
        if not summary.plans:
            found.add("no_plans")
        if report is not None:
            if not summary.problems and PROBLEM_CUES.search(
                clean.analysed(report.body_start, report.end)
            ):
                found.add("no_problems")
            if _flips(report):
                found.add("kind_flips")
    return [c for c in get_args(ReportCheck) if c in found]


def _flips(report: Report) -> bool:
    """A problems or achievements part after a plans part."""
    seen_plans = False
    for part in report.parts:
        if part.kind == "plans":
            seen_plans = True
        elif seen_plans and part.kind in ("problems", "achievements"):
            return True
    return False


def check_message(check: ReportCheck) -> str:
    """The warning sentence of a check."""
    return CHECKS[check][1]
