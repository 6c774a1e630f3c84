"""Zone identity and report years: case tables (input → key, text → years), the zones file,
and `--zone` on summarize."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

from summarizer.core.errors import ConfigError
from summarizer.pipeline import analyse
from summarizer.text.meta import ReportMeta, report_meta
from summarizer.text.zones import load_zone_rules, zone_name

# --------------------------------------------------------------------------- zone keys

ZONE_CASES: list[tuple[str, str | None, str | None]] = [
    # written name, key (None: never a key), division
    ("安徽", "安徽省", "安徽省"),
    ("安徽省", "安徽省", "安徽省"),
    ("安徽省人民政府", "安徽省", "安徽省"),
    ("河北省人民政府", "河北省", "河北省"),
    ("吉林省政府", "吉林省", "吉林省"),
    ("北京", "北京市", "北京市"),
    ("广西", "广西壮族自治区", "广西壮族自治区"),
    ("合肥经济技术开发区", "合肥经开区", "合肥市"),
    ("合肥经开区", "合肥经开区", "合肥市"),
    ("合肥经开区管委会", "合肥经开区", "合肥市"),
    ("合肥市经济技术开发区管理委员会", "合肥经开区", "合肥市"),
    ("安徽合肥经济技术开发区", "合肥经开区", "合肥市"),
    ("乙高新技术产业开发区", "乙高新区", None),
    ("乙高新区", "乙高新区", None),
    ("苏州工业园区", "苏州工业园区", "苏州市"),
    ("开发区(浦口街道)", "浦口开发区", "浦口区"),
    ("全国", "全国", "中华人民共和国"),
    ("国务院", "全国", "中华人民共和国"),
    # generic, redacted, fragments: never keys
    ("工业园区", None, None),
    ("工业园区管委会", None, None),
    ("经济开发区", None, None),
    ("本开发区", None, None),
    ("也是深化开发区", None, None),
    ("XX经济开发区", None, None),
    ("**高新区", None, None),
    ("某某工业园区", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("written", "key", "division"), ZONE_CASES)
def test_zone_keys(written: str, key: str | None, division: str | None) -> None:
    z = zone_name(written)
    if key is None:
        assert z is None
        return
    assert z is not None
    assert (z.key, z.division, z.name) == (key, division, written)


def test_the_gazetteer_loads_on_first_use_only() -> None:
    import subprocess
    import sys

    code = "import summarizer, sys; print('cpca_new' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- years


def _meta(text: str, tmp_path: Path) -> ReportMeta:
    """The metadata of a text as the pipeline reads it (its own title and part detection)."""
    src = tmp_path / "r.txt"
    src.write_text(text, encoding="utf-8")
    analysis = analyse(src, tokens="estimate")
    return report_meta(analysis.reports[0], analysis.clean)


GOV_2026 = (
    "2026年北京市政府工作报告\n——2026年1月25日在北京市第十六届人民代表大会第四次会议上\n"
    "北京市市长 殷勇\n各位代表：\n一、“十四五”时期工作回顾\n过去五年……\n二、2026年工作安排\n今年……\n"
)
NATIONAL_2025 = (
    "政府工作报告\n——2025年3月5日在第十四届全国人民代表大会第三次会议上\n国务院总理 李强\n"
    "各位代表：\n一、2024年工作回顾\n过去一年……\n二、2025年经济社会发展总体要求和政策取向\n……\n"
)
UNDATED = (
    "政府工作报告\n——在安徽省第十四届人民代表大会第三次会议上\n省长 王清宪\n各位代表：\n"
    "一、2024年工作回顾\n过去一年……\n二、2025年工作安排\n今年……\n"
)
ZONE_REPORT = (
    "甲经济开发区2023年工作总结及2024年工作思路\n一、2023年工作总结\n……\n二、2024年工作思路\n……\n"
)
NEXT_YEAR = "甲经济开发区工作总结\n一、2023年工作总结\n2023年，园区……\n二、明年工作思路\n……\n"
NO_YEAR = "工作总结\n一、工作总结\n园区……\n二、工作思路\n……\n"
REDACTED = "甲经济开发区xxxx年工作总结\n一、xxxx年工作总结\n……\n二、下一步工作思路\n……\n"

YEAR_CASES: list[tuple[str, str, int | None, int | None, str | None]] = [
    # name, text, summary year, plan year, zone key
    ("gov: the title's year is planned, the year before reviewed", GOV_2026, 2025, 2026, "北京市"),
    ("gov: no place in the title; delivery date, 全国人大", NATIONAL_2025, 2024, 2025, "全国"),
    ("gov: an undated delivery line names the place", UNDATED, 2024, 2025, "安徽省"),
    ("zone: both headings", ZONE_REPORT, 2023, 2024, "甲经济开发区"),
    ("zone: 明年 after a summary year", NEXT_YEAR, 2023, 2024, "甲经济开发区"),
    ("no year anywhere", NO_YEAR, None, None, None),
    ("a redacted year stays hidden", REDACTED, None, None, "甲经济开发区"),
]


@pytest.mark.parametrize(
    ("text", "summary", "plan", "key"), [c[1:] for c in YEAR_CASES], ids=[c[0] for c in YEAR_CASES]
)
def test_years_and_zone(
    text: str, summary: int | None, plan: int | None, key: str | None, tmp_path: Path
) -> None:
    meta = _meta(text, tmp_path)
    assert (meta.summary_year, meta.plan_year) == (summary, plan)
    assert (meta.zone.key if meta.zone else None) == key


# --------------------------------------------------------------------------- user zones


def test_zones_file(tmp_path: Path) -> None:
    f = tmp_path / "zones.csv"
    f.write_text("path,zone\nreports/hf_*.txt,合肥经开区\nwuhu.txt,芜湖经开区\n", encoding="utf-8")
    rules = load_zone_rules(f)
    assert rules.zone_for("/data/reports/hf_2024.txt") == "合肥经开区"
    assert rules.zone_for(None, "sub/wuhu.txt") == "芜湖经开区"
    assert rules.zone_for("/data/other.txt") is None
    bad = tmp_path / "bad.csv"
    bad.write_text("only-one-cell\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        load_zone_rules(bad)


@pytest.mark.slow
def test_summarize_zone_option(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text(NO_YEAR, encoding="utf-8")
    out = tmp_path / "r.json"
    r = run_cli("summarize", str(src), "--backend", "offline", "--zone", "合肥经开区管委会",
                "-o", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text(encoding="utf-8"))["reports"][0]
    assert report["zone"]["key"] == "合肥经开区" and report["zone"]["set_by"] == "user"
    assert any(w.startswith("no year") for w in report["warnings"])


@pytest.mark.slow
def test_batch_zones_file(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "hf_2023.txt").write_text(NEXT_YEAR, encoding="utf-8")
    (src / "other.txt").write_text(NO_YEAR, encoding="utf-8")
    zones = tmp_path / "zones.csv"
    zones.write_text("path,zone\nhf_*.txt,合肥经济技术开发区\n", encoding="utf-8")
    r = run_cli("batch", str(src), "-o", str(tmp_path / "out"), "--backend", "offline",
                "--zones", str(zones))  # fmt: skip
    assert r.returncode == 0, r.stderr
    hf = json.loads((tmp_path / "out" / "hf_2023.txt.json").read_text(encoding="utf-8"))
    other = json.loads((tmp_path / "out" / "other.txt.json").read_text(encoding="utf-8"))
    assert hf["reports"][0]["zone"]["key"] == "合肥经开区"
    assert other["reports"][0]["zone"] is None
