"""The lean answer: recorded model answers converted to it keep what an analyst sees.

The recordings (tests/data/recordings, a copy of ../shared/recordings/seeds) are converted
mechanically by chatserver.lean_answer; expanding them against their chunks must give back
verbatim quotes, the recorded changes, and findings that all ground.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from chatserver import RECORDINGS, ChatServer, lean_answer, recorded_responder
from helpers import run_cli

from summarizer.backends.answer import expand_answer, expand_metric, expand_quote, split_metric
from summarizer.core.schema import ChunkAnswer
from summarizer.text.tokens import get_counter

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_DOCUMENT = re.compile(r'<document id="([0-9a-f]+)">\n?(.*?)\n?</document id="\1">', re.S)


def recordings() -> list[tuple[str, dict[str, Any]]]:
    rows = [json.loads(line) for line in RECORDINGS.read_text(encoding="utf-8").splitlines()]
    out = []
    for row in rows:
        match = _DOCUMENT.search(row["request"]["messages"][-1]["content"])
        assert match is not None
        out.append((match.group(2), row["answer"]))
    return out


def test_converted_recordings_validate_and_expand_faithfully() -> None:
    quotes = same_quotes = changes = same_changes = 0
    for text, recorded in recordings():
        expanded = expand_answer(ChunkAnswer.model_validate(lean_answer(recorded)), text)
        assert [f.title for f in expanded.findings] == [f["title"] for f in recorded["findings"]]
        for before, after in zip(recorded["findings"], expanded.findings, strict=True):
            assert after.summary == before["summary"]
            for q_before, q_after in zip(before["quotes"][:2], after.quotes, strict=True):
                quotes += 1
                assert q_after in text  # always verbatim source text
                same_quotes += q_after == q_before
            for m_before, m_after in zip(before["metrics"], after.metrics, strict=True):
                assert (m_after.name, m_after.raw) == (m_before["name"], m_before["raw"])
                changes += 1
                same_changes += m_after.change_pct == m_before["change_pct"]
    assert quotes == 173 and same_quotes >= 165
    assert changes == 287 and same_changes == changes


def test_the_lean_answer_is_much_shorter() -> None:
    count = get_counter("o200k_base").count

    def size(answer: dict[str, Any]) -> int:
        return count(json.dumps(answer, ensure_ascii=False, separators=(",", ":")))

    before = sum(size(a) for _, a in recordings())
    after = sum(size(lean_answer(a)) for _, a in recordings())
    # Measured 24,438 → 16,075 tokens (-34 %) with every title, summary and entity kept.
    assert after <= 0.7 * before


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("规上工业总产值 184.7亿元", ("规上工业总产值", "184.7亿元")),
        ("规上工业总产值184.7亿元", ("规上工业总产值", "184.7亿元")),
        ("签约项目 X个", ("签约项目", "X个")),
        ("实际利用外资 X万美元以上", ("实际利用外资", "X万美元以上")),
        ("增速 -*%", ("增速", "-*%")),
        ("新签约 项目 32个", ("新签约 项目", "32个")),
        # a figure of a multiplier word only
        ("新增减税降费 超万亿元", ("新增减税降费", "超万亿元")),
        ("建设 一流", ("建设 一流", "建设 一流")),
    ],
)
def test_split_metric(written: str, expected: tuple[str, str]) -> None:
    assert split_metric(written) == expected


TEXT = "全年新签约项目32个，总投资184.7亿元，同比增长16.2%。下降指标：能耗12万吨，同比下降3.1%。力争开工项目10个。"


@pytest.mark.parametrize(
    ("written", "finding_kind", "change", "kind"),
    [
        ("总投资 184.7亿元", "achievement", 16.2, "actual"),
        ("能耗 12万吨", "achievement", -3.1, "actual"),
        ("开工项目 10个", "achievement", None, "target"),  # 力争 in its clause
        ("签约项目 32个", "plan", None, "target"),  # a plan's figures are targets
        ("税收 9亿元", "achievement", None, "actual"),  # not in the text: nothing derived
    ],
)
def test_expand_metric(written: str, finding_kind: str, change: float | None, kind: str) -> None:
    metric = expand_metric(written, TEXT, kind=finding_kind)
    assert (metric.change_pct, metric.kind) == (change, kind)


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("全年新签约…增长16.2%。", "全年新签约项目32个，总投资184.7亿元，同比增长16.2%。"),
        ("全年新签约...增长16.2%。", "全年新签约项目32个，总投资184.7亿元，同比增长16.2%。"),
        ("力争开工项目10个。", "力争开工项目10个。"),  # verbatim already
        ("没有的开头…没有的结尾", "没有的开头…没有的结尾"),  # not found: left to grounding
    ],
)
def test_expand_quote(quote: str, expected: str) -> None:
    assert expand_quote(quote, TEXT) == expected


def test_an_abbreviated_quote_whose_head_repeats_takes_the_shortest_span() -> None:
    # Seen on a real 政府工作报告: the head (《纲要（草案） occurs several times, and the quote
    # restored from its first occurrence ran across two items.
    text = "审议《纲要（草案）》前言。另有一段。再谈《纲要（草案）》的重大工程项目清单。"
    assert expand_quote("《纲要（草案…项目清单。", text) == "《纲要（草案）》的重大工程项目清单。"


def test_seeds_served_lean_answers_ground_every_finding(tmp_path: Path) -> None:
    with ChatServer(recorded_responder()) as srv:
        done = run_cli(
            "batch", SEEDS, "-o", tmp_path / "out", "--base-url", srv.base_url,
            "--model", "gpt-4o", "--no-cache",
            cwd=tmp_path, env={"OPENAI_API_KEY": "sk-test"}, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    findings = []
    for path in sorted((tmp_path / "out").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for report in doc["reports"]:
            for kind in ("achievements", "problems", "plans", "other"):
                findings.extend(report[kind])
    assert len(findings) >= 85
    assert all(f["verified"] for f in findings), [f["title"] for f in findings if not f["verified"]]
    changes = [m["change_pct"] for f in findings for m in f["metrics"] if m["change_pct"]]
    assert changes  # derived from the text, not written by the model
