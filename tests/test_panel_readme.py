"""The README's worked example of the panel is what the commands produce on tests/panel_data.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from panel_data import write_set

from summarizer.panel import build_panel
from summarizer.panel.compare import compare
from summarizer.panel.rows import Panel
from summarizer.panel.track import track

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE_INDICATORS = ["规模以上工业总产值", "实际使用外资", "一般公共预算收入", "供地面积"]


def compare_markdown(panel: Panel) -> str:
    c = compare(panel, 2024, EXAMPLE_INDICATORS)
    lines = ["| 园区 | " + " | ".join(n for _, n in c.indicators) + " |"]
    lines.append("|---" * (1 + len(c.indicators)) + "|")
    for zone in c.zones:
        cells = []
        for ind, _ in c.indicators:
            cell = c.cells.get((zone, ind))
            cells.append(f"{cell.text} ({cell.link})" if cell else "–")
        lines.append(f"| {zone} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def track_markdown(panel: Panel) -> str:
    lines = ["| 园区 | 指标 | 目标 | 实际 | 结果 | 说明 |", "|---|---|---|---|---|---|"]
    for t in track(panel, 2024):
        lines.append(
            f"| {t.zone} | {t.indicator} | {t.target} | {t.actual or '–'} | **{t.status}** "
            f"| {t.note} |"
        )
    return "\n".join(lines)


def _block(name: str) -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {name} -->\n(.*?)\n<!-- /{name} -->", text, re.S)
    assert m is not None, f"README has no {name} block"
    return m.group(1).strip()


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Panel:
    monkeypatch.chdir(tmp_path)
    write_set(tmp_path)
    return build_panel(["out"])


def test_readme_compare_example(demo: Panel) -> None:
    assert _block("panel-compare") == compare_markdown(demo)


def test_readme_track_example(demo: Panel) -> None:
    assert _block("panel-track") == track_markdown(demo)
