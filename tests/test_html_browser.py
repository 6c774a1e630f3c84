"""The HTML viewer in a real headless Chromium: clicking findings and spans, and a screenshot.

Uses the system's /usr/bin/chromium through playwright (never a downloaded browser) and a
file:// page, so nothing touches the network. Skipped when Chromium is not installed
(`.ci/install-browser.sh` installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import metric, offline_document

from summarizer.core.document import Mask
from summarizer.core.schema import (
    Evidence,
    Finding,
    Metric,
    ReportSummary,
    SummaryDocument,
)
from summarizer.render.html import render_html

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED = Path(__file__).resolve().parent.parent / "seeds" / "004_8aea4feb83059470.txt"


def _ev(text: str, quote: str) -> Evidence:
    start = text.find(quote)
    assert start >= 0, quote
    return Evidence(quote=quote, start=start, end=start + len(quote))


def _finding(
    text: str,
    title: str,
    quotes: list[str],
    *,
    summary: str,
    topic: Any,
    verified: bool = True,
    metrics: list[Metric] | None = None,
) -> Finding:
    return Finding(
        title=title,
        summary=summary,
        topic=topic,
        metrics=metrics or [],
        entities=[],
        evidence=[_ev(text, q) for q in quotes],
        verified=verified,
    )


def seed_summary() -> tuple[str, SummaryDocument, list[Mask]]:
    """A hand-made summary of seed 004 whose evidence are headings located with str.find."""
    text = SEED.read_text(encoding="utf-8")
    headings = [
        f"{n}.{h}"
        for n, h in enumerate(
            [
                "重提质抓转型,工业经济稳中有进",
                "重规划抓配套,产城融合不断深化",
                "重能级抓项目,招商选资卓有成效",
                "重基础抓保障,要素支撑坚实有力",
                "重整治抓提升,环境面貌优化升级",
                "重党建抓纪律,队伍素质有力提升",
            ],
            start=1,
        )
    ]
    topics = [
        "industrial_economy",
        "infrastructure",
        "investment_promotion",
        "land_resources",
        "environment_safety",
        "party_building",
    ]
    achievements = [
        _finding(text, h.split(",")[1], [h], summary=h, topic=t, verified=i != 3)
        for i, (h, t) in enumerate(zip(headings, topics, strict=True))
    ]
    achievements[0].evidence.append(_ev(text, "全年实现财政总收入12.8亿元,同比增长9.29%"))
    achievements[0].metrics.append(metric("财政总收入", "12.8亿元", 12.8, 9.29))
    plans = [
        _finding(
            text,
            "数字领航",
            ["(一)紧盯转型升级,进一步凸显产业优势"],
            summary="实施数字领航工程，打造产业大平台。",
            topic="innovation_talent",
        ),
        _finding(
            text,
            "园区发展",
            ["(二)紧盯框架提升,进一步挖掘空间优势"],
            summary="实施园区发展工程，打造开放大平台。",
            topic="infrastructure",
            metrics=[metric("投资", "X亿元", None)],
        ),
    ]
    problems = [
        _finding(
            text,
            "经济总量偏小",
            ["一是经济总量偏小、辐射带动能力较弱"],
            summary="经济总量偏小，辐射带动能力较弱。",
            topic="industrial_economy",
        ),
    ]
    report = ReportSummary(
        title="开发区2018年工作总结和2019年工作思路",
        organization="经济开发区",
        summary_year=2018,
        plan_year=2019,
        overview="开发区紧抓六方面工作，经济总量和发展质量双提升；2019年实施数字领航和园区发展工程。",
        key_metrics=[metric("财政总收入", "12.8亿元", 12.8, 9.29), metric("税收", "X亿元", None)],
        achievements=achievements,
        problems=problems,
        plans=plans,
        other=[],
        warnings=[],
    )
    doc = offline_document(report, path=str(SEED), sha256="0" * 64, chars=len(text))
    return text, doc, [Mask(0, text.index("一、2018年工作总结"), "web cruft")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed (run .ci/install-browser.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    text, doc, masks = seed_summary()
    out = tmp_path / "004.html"
    out.write_text(render_html(doc, text, masks), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    # Belt and braces: the page is one file, so any other request is a bug.
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    pg = context.new_page()
    pg.goto(out.as_uri())
    yield pg
    context.close()
    assert [u for u in requests if not u.startswith("file://")] == []


IN_VIEW = """(sel) => {
  const el = document.querySelector(sel);
  if (!el) return false;
  const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
}"""


def test_click_finding_scrolls_and_flashes_its_span(page: Any) -> None:
    span = 'mark[data-span-for="r0-plan-1"]'
    assert page.evaluate(IN_VIEW, span) is False  # far down the source at first
    page.click('[data-finding="r0-plan-1"]')
    page.wait_for_function(IN_VIEW, arg=span, timeout=5000)
    classes = page.get_attribute(span, "class")
    assert "flash" in classes and "active" in classes
    assert "active" in page.get_attribute('[data-finding="r0-plan-1"]', "class")
    # Another finding takes the highlight away from the first one.
    page.click('[data-finding="r0-problem-0"]')
    page.wait_for_function(IN_VIEW, arg='mark[data-span-for="r0-problem-0"]', timeout=5000)
    assert "flash" not in page.get_attribute(span, "class")


def test_click_span_selects_its_finding(page: Any) -> None:
    card = '[data-finding="r0-achievement-2"]'
    page.click('mark[data-span-for="r0-achievement-2"]')
    page.wait_for_function(IN_VIEW, arg=card, timeout=5000)
    assert "active" in page.get_attribute(card, "class")
    assert page.locator(".finding.active").count() == 1
    assert page.evaluate("location.hash") == "#f-r0-achievement-2"


def test_screenshot(page: Any, tmp_path: Path) -> None:
    page.click('[data-finding="r0-achievement-0"]')
    page.wait_for_function(IN_VIEW, arg='mark[data-span-for="r0-achievement-0"]', timeout=5000)
    shot = tmp_path / "viewer.png"
    page.screenshot(path=str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page compresses to a few kB
