"""`summarizer check`: re-grounding an output file against its source, and the command's exits."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Literal

import pytest
from click.testing import CliRunner
from factories import evidence_at, finding, metric, offline_document
from factories import report as make_report

from summarizer.cli import cli, main
from summarizer.core.errors import InputError, ValidationError
from summarizer.core.schema import (
    Evidence,
    Finding,
    Metric,
    SummaryDocument,
)
from summarizer.review.check import check_output

SEED = Path(__file__).resolve().parent.parent / "seeds" / "004_8aea4feb83059470.txt"
FISCAL = "全年实现财政总收入12.8亿元,同比增长9.29%"
PROBLEM = "一是经济总量偏小、辐射带动能力较弱"
PLAN = "(一)紧盯转型升级,进一步凸显产业优势"


def _metric(
    raw: str,
    value: float | None,
    *,
    redacted: bool,
    name: str = "财政总收入",
    change: float | None = 9.29,
    kind: Literal["actual", "target"] = "actual",
) -> Metric:
    return metric(name, raw, value, change, redacted=redacted, kind=kind)


def _finding(title: str, summary: str, evidence: list[Evidence], **kw: Any) -> Finding:
    return finding(title, evidence, summary=summary, **{"topic": "industrial_economy", **kw})


def make_doc(text: str, sha256: str, source_path: str) -> SummaryDocument:
    """A correct summary of seed 004 with one finding per kind and a redacted target."""
    one = make_report(
        title=None,
        overview="开发区经济总量和发展质量双提升。",
        key_metrics=[_metric("12.8亿元", 12.8, redacted=False)],
        achievements=[
            _finding(
                "财政收入",
                "全年财政总收入12.8亿元，同比增长9.29%。",
                [evidence_at(text, FISCAL)],
                metrics=[_metric("12.8亿元", 12.8, redacted=False)],
            )
        ],
        problems=[_finding("经济总量偏小", "经济总量偏小。", [evidence_at(text, PROBLEM)])],
        plans=[
            _finding(
                "数字领航",
                "实施数字领航工程。",
                [evidence_at(text, PLAN)],
                metrics=[
                    _metric("X亿元", None, redacted=True, name="投资", change=None, kind="target")
                ],
                topic="innovation_talent",
            )
        ],
    )
    return offline_document(one, path=source_path, sha256=sha256, chars=len(text))


@pytest.fixture()
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, dict[str, Any]]:
    """data/report.txt and data/out.json (source recorded as "report.txt"); cwd elsewhere."""
    data = tmp_path / "data"
    data.mkdir()
    src = data / "report.txt"
    shutil.copyfile(SEED, src)
    text = src.read_text(encoding="utf-8")
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    out = data / "out.json"
    doc = json.loads(make_doc(text, sha, "report.txt").model_dump_json())
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return out, src, doc


def _write(out: Path, doc: dict[str, Any]) -> None:
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["check", *args], env={"COLUMNS": "200"})


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["check", *args])
    captured = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def test_valid_output_passes(case: tuple[Path, Path, dict[str, Any]]) -> None:
    out, src, _ = case
    report = check_output(str(out))
    assert report.ok, report.problems
    assert (report.findings, report.evidence_spans) == (3, 3)
    assert report.source_path == str(out.parent / "report.txt")  # found next to the output
    result = _run(str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: 3 findings, 3 evidence spans, 3 metrics checked"


def test_explicit_source_and_json_output(case: tuple[Path, Path, dict[str, Any]]) -> None:
    out, src, doc = case
    doc["source"]["path"] = "nowhere/report.txt"
    _write(out, doc)
    result = _run(str(out), "--source", str(src), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["ok"] is True and payload["problems"] == []
    assert (payload["findings"], payload["evidence_spans"]) == (3, 3)


def test_edited_quote_fails(case: tuple[Path, Path, dict[str, Any]]) -> None:
    out, _, doc = case
    ev = doc["reports"][0]["achievements"][0]["evidence"][0]
    ev["quote"] = ev["quote"].replace("12.8", "13.8")
    _write(out, doc)
    [p] = check_output(str(out)).problems
    assert p.where == "$.reports[0].achievements[0].evidence[0]"
    assert p.what == f"「财政收入」: quote differs from the source at [{ev['start']}:{ev['end']}]"
    assert "13.8亿元" in p.detail and "12.8亿元" in p.detail
    result = _run(str(out))
    assert result.exit_code == 1
    assert "1 problem(s)" in result.output and "quote differs" in result.output


def test_verified_finding_with_unlocated_evidence_fails(
    case: tuple[Path, Path, dict[str, Any]],
) -> None:
    out, _, doc = case
    ev = doc["reports"][0]["problems"][0]["evidence"][0]
    ev["start"] = ev["end"] = None
    _write(out, doc)
    [p] = check_output(str(out)).problems
    assert p.where == "$.reports[0].problems[0]"
    assert "verified=true but has evidence not located" in p.what
    # Marked unverified, the same finding is honest: a flag written by the tool, which
    # fails the gate only under --strict.
    doc["reports"][0]["problems"][0]["verified"] = False
    _write(out, doc)
    checked = check_output(str(out))
    assert checked.problems == []
    [p] = checked.flags
    assert p.where == "$.reports[0].problems[0]" and "flagged when written: unverified" in p.what
    assert _run(str(out)).exit_code == 0
    strict = _run(str(out), "--strict")
    assert strict.exit_code == 1 and "1 flag(s) written by the tool" in strict.output


def test_changed_number_in_summary_fails(
    case: tuple[Path, Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich's width, so the table does not fold
    out, _, doc = case
    doc["reports"][0]["achievements"][0]["summary"] = "全年财政总收入12.9亿元，同比增长9.29%。"
    _write(out, doc)
    [p] = check_output(str(out)).problems
    assert p.where == "$.reports[0].achievements[0].summary"
    assert p.what == '「财政收入」: number "12.9" in summary not found in its source span'
    result = _run(str(out), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"][0]["what"] == p.what
    # Through the console entry point too: the exit code survives click's non-standalone mode.
    code, stdout, stderr = _main(capsys, str(out))
    assert code == 1 and "not found in its source span" in stdout
    assert stderr.strip() == f"Error: {out}: 1 problem(s) found"


def test_number_from_another_part_fails(case: tuple[Path, Path, dict[str, Any]]) -> None:
    # 12.8 is in the achievements part, not in the plans part this finding quotes.
    out, _, doc = case
    doc["reports"][0]["plans"][0]["summary"] = "实施数字领航工程，财政总收入12.8亿元。"
    _write(out, doc)
    [p] = check_output(str(out)).problems
    assert p.where == "$.reports[0].plans[0].summary"
    assert '"12.8"' in p.what


def test_value_given_to_redacted_figure_fails(case: tuple[Path, Path, dict[str, Any]]) -> None:
    out, _, doc = case
    m = doc["reports"][0]["plans"][0]["metrics"][0]
    m["value"] = 5.0
    _write(out, doc)
    [p, edited] = check_output(str(out)).problems
    assert p.where == edited.where == "$.reports[0].plans[0].metrics[0]"
    assert p.what == "redacted metric carries a value"
    assert p.detail == "raw 'X亿元' value 5"
    assert (
        edited.what == "edited since written: value is 5, the raw figure and the source give null"
    )
    # The same value on a figure whose raw is redacted but which is not flagged.
    m["redacted"] = False
    _write(out, doc)
    whats = sorted(p.what for p in check_output(str(out)).problems)
    assert whats == [
        "edited since written: redacted is False, the raw figure and the source give True",
        "edited since written: value is 5, the raw figure and the source give null",
        "redacted figure given a value",
        "redacted figure not flagged redacted",
    ]


def test_source_changed_after_summarizing_is_refused(
    case: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    out, src, _ = case
    src.write_text(src.read_text(encoding="utf-8") + "补充一句。", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"^source changed since summarizing: sha256 \w{12}…≠\w{12}…"
    ):
        check_output(str(out))
    code, stdout, stderr = _main(capsys, str(out))
    assert code == 2 and stdout == ""
    assert stderr.startswith("Error: source changed since summarizing: sha256 ")
    assert len(stderr.strip().splitlines()) == 1


def test_missing_source_is_refused(
    case: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    out, src, _ = case
    src.unlink()
    code, _, stderr = _main(capsys, str(out))
    assert code == 2
    assert stderr.startswith("Error: source not found: report.txt (tried ")
    assert stderr.strip().endswith("pass --source FILE")


def test_malformed_json_is_one_readable_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1",', encoding="utf-8")
    result = _run(str(bad))
    assert result.exit_code == 1
    assert isinstance(result.exception, ValidationError)
    code, _, stderr = _main(capsys, str(bad))
    assert code == 1
    assert stderr.strip() == (
        f"Error: {bad}: not valid JSON: Expecting property name enclosed in double quotes "
        "at line 1, column 24"
    )


def test_wrong_schema_lists_json_paths(case: tuple[Path, Path, dict[str, Any]]) -> None:
    out, _, doc = case
    doc["reports"][0]["achievements"][0]["evidence"][0]["start"] = "twelve"
    del doc["provenance"]["backend"]
    _write(out, doc)
    report = check_output(str(out))
    assert not report.ok
    wheres = {p.where for p in report.problems}
    assert wheres == {"$.reports[0].achievements[0].evidence[0].start", "$.provenance.backend"}
    result = _run(str(out))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "$.reports[0].achievements[0].evidence[0].start" in result.output
    assert "2 problem(s)" in result.output


def test_not_an_object_is_a_schema_problem(tmp_path: Path) -> None:
    f = tmp_path / "list.json"
    f.write_text("[1, 2]", encoding="utf-8")
    [p] = check_output(str(f)).problems
    assert p.where == "$" and p.what.startswith("schema: ")


READING_FIELDS = (
    "measure", "direction", "qualifier", "high", "period", "base_year", "subject", "start",
    "end", "evidence",
)  # fmt: skip


@pytest.mark.parametrize(
    "golden", ["003_493866bb6fb899fa.offline.json", "004_8aea4feb83059470.offline.json"]
)
def test_a_schema_1_output_still_validates_and_checks(golden: str, tmp_path: Path) -> None:
    """An output written before the figure reading (schema "1": no reading fields, a growth
    stored as its number) validates and passes `check` untouched; an edit still fails it."""
    doc = json.loads(
        (Path(__file__).parent / "data" / "golden" / golden).read_text(encoding="utf-8")
    )
    doc["schema_version"] = "1"
    doc["reports"] = [{k: v for k, v in r.items() if k != "zone"} for r in doc["reports"]]
    for report in doc["reports"]:
        metrics = report["key_metrics"] + [
            m
            for kind in ("achievements", "problems", "plans", "other")
            for f in report[kind]
            for m in f["metrics"]
        ]
        for m in metrics:
            for k in READING_FIELDS:
                m.pop(k, None)
            if m["value"] is None and not m["redacted"] and m["change_pct"] is not None:
                m["value"] = abs(m["change_pct"])  # "1" stored a growth as a level
    out = tmp_path / "old.json"
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    source = SEED.parent / golden.split(".")[0]
    source = source.with_suffix(".txt")
    checked = check_output(str(out), str(source))
    assert checked.problems == [], checked.problems
    edited = next(
        m
        for r in doc["reports"]
        for kind in ("key_metrics", "achievements")
        for m in (r[kind] if kind == "key_metrics" else [m for f in r[kind] for m in f["metrics"]])
        if m["value"] is not None
    )
    edited["value"] = 999.0
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert any(
        "edited since written: value" in p.what
        for p in check_output(str(out), str(source)).problems
    )
