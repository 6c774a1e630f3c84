"""The text stages on a full-length government work report: `summarizer sections` wall time.

    .venv/bin/python bench/genre.py          # prints one Markdown table

The report (about 20,000 characters) is generated from the shapes of the genre: a review with
twelve (一) items of many sentences, inline problems ("在肯定成绩的同时……主要是："), the year's
targets and twelve tasks. Each CLI figure is the median wall time of 5 subprocess runs of
`python -m summarizer sections FILE` (start-up, reading, cleaning, the section tree, chunks
and the exact token counts it shows); the in-process figure is the section tree alone.
No network; the temporary folder is deleted at the end.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CN = "一二三四五六七八九十"
TOPICS = [
    "产业升级",
    "扩大需求",
    "改革开放",
    "科技创新",
    "乡村振兴",
    "城市更新",
    "生态环境",
    "民生保障",
    "社会治理",
    "安全发展",
    "营商环境",
    "政府建设",
]


def _numeral(i: int) -> str:
    return CN[i] if i < 10 else "十" + (CN[i - 10] if i > 10 else "")


def government_report(target_chars: int = 20000) -> str:
    """A government work report of at least `target_chars` characters in the genre's shape."""
    per_item = 4
    while len(text := _report(per_item)) < target_chars:
        per_item += 1
    return text


def _report(per_item: int) -> str:
    lines = [
        "政府工作报告",
        "——2026年1月15日在市第十七届人民代表大会第五次会议上",
        "各位代表：",
        "现在，我代表市人民政府，向大会报告工作，请予审议。",
        "一、2025年工作回顾",
        "过去一年，全市地区生产总值4862亿元，增长5.6%；一般公共预算收入368.5亿元，增长4.1%。",
    ]
    for i, topic in enumerate(TOPICS):
        body = "".join(
            f"围绕{topic}实施第{k + 1}批重点工程{12 + k}项，完成投资{30 + i + k}.{k}亿元，"
            f"同比增长{5 + k % 4}.{i % 10}%，惠及群众{2 + k}.{i}万人。"
            for k in range(per_item)
        )
        lines.append(f"（{_numeral(i)}）聚力{topic}，发展质量稳步提升。{body}")
    lines.append(
        "在肯定成绩的同时，我们也清醒看到，发展中还面临不少困难和挑战，主要是：有效需求不足；"
        "科技创新能力不强；财政收支矛盾突出；一些干部担当作为不够。我们将认真加以解决。"
    )
    lines.append("二、2026年经济社会发展总体要求和主要目标")
    lines.append(
        "今年经济社会发展的主要预期目标是：地区生产总值增长5.5%左右，城镇新增就业8万人以上。"
    )
    lines.append("三、2026年政府工作任务")
    for i, topic in enumerate(TOPICS):
        body = "".join(
            f"要着力推进{topic}第{k + 1}项行动，力争完成投资{40 + i + k}亿元，确保新开工项目{10 + k}个。"
            for k in range(per_item)
        )
        lines.append(f"（{_numeral(i)}）全力推动{topic}。{body}")
    lines.append("各位代表，新征程催人奋进，让我们为全面建设社会主义现代化强市而努力奋斗！")
    return "\n".join(lines) + "\n"


def _median_wall(argv: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"{argv} failed: {proc.stderr.strip()[:200]}")
    return statistics.median(times)


def main() -> int:
    from summarizer.text.clean import clean
    from summarizer.text.read import read_source
    from summarizer.text.sections import build_sections

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "government_report.txt"
        text = government_report()
        path.write_text(text, encoding="utf-8")
        cli = _median_wall([sys.executable, "-m", "summarizer", "sections", str(path)])
        cli_json = _median_wall(
            [sys.executable, "-m", "summarizer", "sections", str(path), "--json"]
        )
        cleaned = clean(read_source(path))
        build_sections(cleaned)  # warm-up: regex compilation
        t0 = time.perf_counter()
        for _ in range(20):
            reports = build_sections(cleaned)
        tree_ms = (time.perf_counter() - t0) / 20 * 1000
        parts = [p.kind for p in reports[0].parts]
    rows = [
        (
            "summarizer sections, government work report",
            f"{len(text)} chars, subprocess wall, median of 5",
            "< 1 s",
            f"{cli:.2f} s",
            "pass" if cli < 1 else "GAP",
        ),
        (
            "summarizer sections --json, the same report",
            "subprocess wall, median of 5",
            "< 1 s",
            f"{cli_json:.2f} s",
            "pass" if cli_json < 1 else "GAP",
        ),
        (
            "section tree alone (build_sections)",
            f"in-process, mean of 20; parts: {', '.join(parts)}",
            "report it",
            f"{tree_ms:.1f} ms",
            "info",
        ),
    ]
    print("| figure | how | target | measured | pass/gap |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
