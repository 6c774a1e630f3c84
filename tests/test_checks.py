"""Typed checks an analyst acts on (issue 24): one row per shape, and the batch naming them.

A check is a `ReportCheck` value in the document's `checks`, the batch index and its pages, and
the end-of-run table; the JSON's warnings carry the sentence for people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import run_cli

from summarizer.core.config import Settings
from summarizer.core.vocabulary import CHECKS
from summarizer.pipeline import summarize_file


@dataclass(frozen=True)
class CheckCase:
    name: str
    text: str
    checks: list[str]


REVIEW = "一、2025年工作回顾\n（一）稳增长\n全市地区生产总值增长5.4%，新增就业32万人。\n"
PLANS = "二、2026年重点工作\n（一）扩大内需\n力争社会消费品零售总额增长5%。\n"
PROBLEMS = (
    "同时，我们也清醒认识到，发展中还存在一些困难和问题：一是有效需求不足；二是企业经营困难。\n"
)

CHECK_CASES = [
    CheckCase(
        "a report with review, problems and plans has no check", REVIEW + PROBLEMS + PLANS, []
    ),
    CheckCase("no plans: a review and problems only", REVIEW + PROBLEMS, ["no_plans"]),
    CheckCase(
        "no problems found although the text announces them (存在……问题, no list to read)",
        REVIEW.replace("新增就业32万人。", "新增就业32万人。但也存在一些问题。") + PLANS,
        ["no_problems"],
    ),
    CheckCase(
        "a part kind that flips after the plans (plans, then a problems part, then plans)",
        REVIEW + PLANS + "三、存在的问题\n（一）用地紧张\n可用地不足。\n"
        "四、2026年工作安排\n（一）抓招商\n力争签约15个。\n",
        ["kind_flips"],
    ),
    CheckCase(
        "an English news article is not a work report",
        "Shares rose on Tuesday as investors weighed new data on inflation. The central bank "
        "said it would keep rates unchanged. Analysts expect growth of 5% next year, while "
        "exports grew 12% in the first half. Officials met in Beijing to discuss trade.\n",
        ["not_a_work_report"],
    ),
]


@pytest.mark.parametrize("case", CHECK_CASES, ids=lambda c: c.name)
def test_check_case(case: CheckCase, tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text(case.text, encoding="utf-8")
    doc = summarize_file(path, settings=Settings(backend="offline"))
    assert doc.checks == case.checks, [(f.kind, f.title) for r in doc.reports for f in r.problems]
    for check in case.checks:
        assert CHECKS[check][1] in doc.warnings


def test_batch_names_checks_in_the_table_the_index_and_the_pages(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "news.txt").write_text(CHECK_CASES[-1].text, encoding="utf-8")
    (src / "noplans.txt").write_text(REVIEW + PROBLEMS, encoding="utf-8")
    (src / "good.txt").write_text(REVIEW + PROBLEMS + PLANS, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(
        "batch", src, "-o", out, "--backend", "offline", "-f", "markdown", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    index = {r["path"]: r for r in map(json.loads, (out / "index.jsonl").read_text().splitlines())}
    assert "not_a_work_report" in index["news.txt"]["checks"]
    assert index["noplans.txt"]["checks"] == ["no_plans"]
    assert index["good.txt"]["checks"] == []
    assert all(r["status"] == "ok" for r in index.values())
    page = (out / "README.md").read_text(encoding="utf-8")
    assert "无计划 no_plans" in page and "非工作报告 not_a_work_report" in page
    table = result.stdout + result.stderr
    assert "check: noplans.txt: no_plans" in table
    assert "files to check" in table
