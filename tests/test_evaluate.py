"""Scoring against gold: a tiny synthetic source, gold and prediction with exact numbers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console

from summarizer.cli import cli
from summarizer.cli.eval_cmd import print_eval
from summarizer.core.errors import InputError
from summarizer.review.evaluate import evaluate, find_prediction, item_spans, parse_gold

# Two reports in one file; report B starts at "乙园区本年度".
SOURCE = (
    "甲开发区2023年工作总结\n"
    "今年以来，园区发展良好。\n"
    "一、工作成绩\n"
    "(一)招商引资成效明显。全年签约项目12个，总投资50亿元。\n"
    "(二)项目建设加快推进。新开工项目8个。\n"
    "二、存在问题\n"
    "一是要素制约明显。二是人才短缺。\n"
    "三、2024年工作计划\n"
    "(一)强化招商。力争引进项目15个。\n"
    "乙园区工作报告\n"
    "乙园区本年度运行平稳，营业收入30亿元。\n"
    "(一)产业升级。产值稳步提高。\n"
    "四、意见建议\n"
    "请求支持用地指标。\n"
)

GOLD: dict[str, Any] = {
    "file": "zone.txt",
    "reports": [
        {
            "title": "甲开发区2023年工作总结",
            "start_marker": "今年以来，园区发展良好",
            "summary_year": 2023,
            "plan_year": 2024,
            "items": [
                {
                    "kind": "achievement",
                    "marker": "(一)招商引资成效明显",
                    "label": "",
                    "summary": "",
                },
                {
                    "kind": "achievement",
                    "marker": "(二)项目建设加快推进",
                    "label": "",
                    "summary": "",
                },
                {"kind": "problem", "marker": "一是要素制约明显", "label": "", "summary": ""},
                {"kind": "problem", "marker": "二是人才短缺", "label": "", "summary": ""},
                {"kind": "plan", "marker": "(一)强化招商", "label": "", "summary": ""},
            ],
            "metrics": [
                {"name": "总投资", "raw": "50亿元", "value": 50, "unit": "亿元"},
                {"name": "新开工项目", "raw": "8个", "value": 8, "unit": "个"},
                {"name": "签约项目", "raw": "12个", "value": 12, "unit": "个"},
            ],
            "redacted_numbers": False,
        },
        {
            "title": "乙园区工作报告",
            "start_marker": "乙园区本年度",
            "summary_year": None,
            "plan_year": None,
            "items": [
                {"kind": "achievement", "marker": "(一)产业升级", "label": "", "summary": ""},
                {"kind": "other", "marker": "请求支持用地指标", "label": "", "summary": ""},
            ],
            "metrics": [{"name": "营业收入", "raw": "30亿元", "value": 30, "unit": "亿元"}],
            "redacted_numbers": False,
        },
    ],
}

# A second gold file with no prediction at all.
GOLD_MISSING: dict[str, Any] = {
    "file": "lost.txt",
    "reports": [
        {
            "title": None,
            "start_marker": "开头",
            "items": [
                {"kind": "achievement", "marker": "甲", "label": "", "summary": ""},
                {"kind": "plan", "marker": "乙", "label": "", "summary": ""},
            ],
            "metrics": [{"name": "产值", "raw": "1亿元", "value": 1, "unit": "亿元"}],
        }
    ],
}


def at(marker: str, shift: int = 2) -> int:
    """An offset a little inside `marker` in SOURCE."""
    pos = SOURCE.index(marker)
    assert SOURCE.count(marker) == 1
    return pos + shift


def metric(
    raw: str, value: float | None, unit: str | None, redacted: bool = False, name: str = "m"
) -> dict[str, Any]:
    return {
        "name": name,
        "raw": raw,
        "value": value,
        "unit": unit,
        "change_pct": None,
        "kind": "actual",
        "redacted": redacted,
    }


def finding(
    title: str, summary: str, starts: list[int | None], metrics: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "title": title,
        "summary": summary,
        "topic": "other",
        "metrics": metrics or [],
        "entities": [],
        "evidence": [
            {"quote": "q", "start": s, "end": None if s is None else s + 1} for s in starts
        ],
        "verified": True,
    }


def report(**lists: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": None,
        "organization": None,
        "summary_year": None,
        "plan_year": None,
        "overview": "",
        "key_metrics": [],
        "achievements": [],
        "problems": [],
        "plans": [],
        "other": [],
        "warnings": [],
    }
    out.update(lists)
    return out


def prediction(source_path: Path, sha256: str) -> dict[str, Any]:
    report_a = report(
        key_metrics=[
            metric("8个", 9.0, "个", name="新开工项目"),  # wrong value, same raw: a hit
            metric("X亿元", 5.0, "亿元"),  # redacted figure given a value
            metric("X亿元", None, "亿元", redacted=True),  # correctly redacted
            metric(
                "15个", 15.0, "个", redacted=True, name="引进项目"
            ),  # flagged redacted yet valued
        ],
        achievements=[
            # hit: achievement evidence inside the first achievement item
            finding(
                "招商引资",
                "全年签约项目12个，总投资50亿元。",
                [at("(一)招商引资")],
                [metric("50亿元", 50.0, "亿元", name="总投资")],
            ),
            # wrong kind: an achievement whose evidence lies in a problem item; 20 is invented
            finding("经济运行", "产值增长20%。", [at("一是要素制约")]),
            # evidence outside every item (the title): neither located nor a hit
            finding("概况", "园区发展良好。", [0]),
        ],
        problems=[finding("人才", "人才短缺。", [at("二是人才短缺")])],
        plans=[
            # after report B's start marker, so outside the last item of report A
            finding("计划", "运行平稳。", [at("乙园区本年度", 8)]),
        ],
    )
    report_b = report(
        key_metrics=[metric("30亿元", None, None, name="营业收入")],  # same raw as gold: a hit
        achievements=[
            # first evidence unlocated, the second one counts
            finding(
                "产业升级",
                "产值稳步提高。",
                [None, at("(一)产业升级")],
                [metric("99亿元", 99.0, "亿元", name="产值")],
            ),  # 99 is not in the source
        ],
        other=[finding("用地", "请求支持用地。", [at("请求支持用地")])],
    )
    return {
        "schema_version": "1",
        "source": {
            "path": str(source_path),
            "sha256": sha256,
            "chars": len(SOURCE),
            "encoding": "utf-8",
            "format": "txt",
        },
        "reports": [report_a, report_b],
        "warnings": [],
        "provenance": {
            "backend": "offline",
            "model": None,
            "prompt_version": "p",
            "tool_version": "0.1.0",
            "usage": {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cached_tokens": 0},
            "elapsed_s": 0.0,
        },
    }


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    sources = tmp_path / "sources"
    gold = tmp_path / "gold"
    pred = tmp_path / "pred"
    for d in (sources, gold, pred / "nested"):
        d.mkdir(parents=True)
    data = SOURCE.encode("utf-8")
    (sources / "zone.txt").write_bytes(data)
    (gold / "zone.json").write_text(json.dumps(GOLD, ensure_ascii=False), encoding="utf-8")
    (gold / "lost.json").write_text(json.dumps(GOLD_MISSING, ensure_ascii=False), encoding="utf-8")
    doc = prediction(sources / "zone.txt", hashlib.sha256(data).hexdigest())
    # batch naming, nested below the prediction folder
    (pred / "nested" / "zone.txt.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return {"sources": sources, "gold": gold, "pred": pred}


def test_item_spans_end_at_next_item_and_next_report() -> None:
    spans = item_spans(parse_gold(GOLD), SOURCE)
    assert [s.marker for s in spans][:3] == [
        "(一)招商引资成效明显",
        "(二)项目建设加快推进",
        "一是要素制约明显",
    ]
    assert spans[0].end == SOURCE.index("(二)项目建设")
    # the last item of report A ends where report B starts
    assert spans[4].end == SOURCE.index("乙园区本年度")
    assert spans[-1].end == len(SOURCE)


def test_item_spans_reject_ambiguous_marker() -> None:
    gold = parse_gold({"file": "x.txt", "reports": [{"start_marker": "乙园区", "items": []}]})
    with pytest.raises(ValueError, match="more than once"):
        item_spans(gold, SOURCE)


def test_scores_exact(setup: dict[str, Path]) -> None:
    report = evaluate(setup["gold"], setup["pred"], setup["sources"])
    by_file = {f.file: f for f in report.files}
    lost, zone = by_file["lost.txt"], by_file["zone.txt"]

    assert zone.status == "ok", zone.error
    assert zone.prediction == str(setup["pred"] / "nested" / "zone.txt.json")
    s = zone.scores
    assert (zone.pred_reports, zone.gold_reports) == (2, 2)
    assert str(s.reports_ok) == "1/1"
    assert {k: str(r) for k, r in s.recall.items()} == {
        "achievement": "2/3",
        "problem": "1/2",
        "plan": "0/1",
        "other": "1/1",
    }
    assert str(s.kind_precision) == "4/5"
    assert str(s.metric_recall) == "3/4"
    assert s.numbers_not_in_source == 2
    assert [n for n, _ in zone.numbers_not_in_source] == ["20", "99"]
    assert zone.numbers_not_in_source[0][1] == "$.reports[0].achievements[1].summary"
    assert s.redacted_with_value == 2
    assert [r for r, _ in zone.redacted_with_value] == ["X亿元", "15个"]

    assert lost.status == "missing"
    assert str(lost.scores.recall["achievement"]) == "0/1"
    assert str(lost.scores.metric_recall) == "0/1"

    overall = report.overall
    assert str(overall.reports_ok) == "1/2"
    assert str(overall.recall["achievement"]) == "2/4"
    assert str(overall.recall["plan"]) == "0/2"
    assert str(overall.item_recall) == "4/9"
    assert str(overall.metric_recall) == "3/5"
    assert overall.kind_precision.rate == pytest.approx(0.8)

    d = report.to_dict()
    assert d["overall"]["recall"]["achievement"] == {"hits": 2, "total": 4, "rate": 0.5}
    assert d["files"][0]["status"] == "missing"  # sorted by gold file name: lost, zone


def test_sha_mismatch_is_an_error_row(setup: dict[str, Path]) -> None:
    path = setup["pred"] / "nested" / "zone.txt.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["source"]["sha256"] = "0" * 64
    doc["source"]["path"] = "/nonexistent/zone.txt"  # falls back to --sources
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    zone = next(
        f
        for f in evaluate(setup["gold"], setup["pred"], setup["sources"]).files
        if f.file == "zone.txt"
    )
    assert zone.status == "error"
    assert "sha256 differs" in (zone.error or "")
    assert str(zone.scores.recall["achievement"]) == "0/3"


def test_source_not_found_without_sources(setup: dict[str, Path]) -> None:
    path = setup["pred"] / "nested" / "zone.txt.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["source"]["path"] = "/nonexistent/zone.txt"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    zone = next(f for f in evaluate(setup["gold"], setup["pred"]).files if f.file == "zone.txt")
    assert zone.status == "error"
    assert "--sources" in (zone.error or "")


def test_invalid_prediction_is_an_error_row(setup: dict[str, Path]) -> None:
    (setup["pred"] / "nested" / "zone.txt.json").write_text('{"reports": []}', "utf-8")
    zone = next(f for f in evaluate(setup["gold"], setup["pred"]).files if f.file == "zone.txt")
    assert zone.status == "error"
    assert "not a valid SummaryDocument" in (zone.error or "")


def test_find_prediction_naming(tmp_path: Path) -> None:
    assert find_prediction(tmp_path, "a.txt") is None
    (tmp_path / "a.json").write_text("{}")
    assert find_prediction(tmp_path, "a.txt") == tmp_path / "a.json"
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "a.txt.json").write_text("{}")
    assert find_prediction(tmp_path, "a.txt") == tmp_path / "deep" / "er" / "a.txt.json"
    (tmp_path / "a.txt.json").write_text("{}")
    assert find_prediction(tmp_path, "a.txt") == tmp_path / "a.txt.json"


def test_empty_gold_folder_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no gold"):
        evaluate(tmp_path, tmp_path)


def test_cli_json(setup: dict[str, Path]) -> None:
    args = ["eval", "--gold", str(setup["gold"]), "--pred", str(setup["pred"])]
    result = CliRunner().invoke(cli, [*args, "--sources", str(setup["sources"]), "--json"])
    # lost.txt has no prediction: the scores are printed, and the exit code says so.
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["overall"]["metric_recall"] == {"hits": 3, "total": 5, "rate": 0.6}
    assert data["overall"]["numbers_not_in_source"] == 2
    assert [f["status"] for f in data["files"]] == ["missing", "ok"]


def test_cli_table(setup: dict[str, Path]) -> None:
    args = ["eval", "--gold", str(setup["gold"]), "--pred", str(setup["pred"])]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "100"})
    assert result.exit_code == 1, result.output  # lost.txt has no prediction
    lines = result.stdout.splitlines()
    zone = next(line for line in lines if line.lstrip().startswith("zone"))
    assert zone.split()[1:] == ["✓", "2/2", "2/3", "1/2", "0/1", "1/1", "80%", "3/4", "2", "2"]
    overall = next(line for line in lines if line.lstrip().startswith("overall"))
    assert overall.split()[1:] == ["1/2", "2/4", "1/2", "0/2", "1/1", "80%", "3/5", "2", "2"]
    assert "lost.txt: missing: no prediction lost.txt.json" in result.stdout


def test_table_fits_80_columns(setup: dict[str, Path]) -> None:
    console = Console(width=80, color_system=None, record=True)
    print_eval(evaluate(setup["gold"], setup["pred"], setup["sources"]), console)
    text = console.export_text()
    assert "overall" in text
    assert max(cell_len(line) for line in text.splitlines()) <= 80


def test_cli_missing_gold_option_is_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "--pred", str(tmp_path)])
    assert result.exit_code == 2
