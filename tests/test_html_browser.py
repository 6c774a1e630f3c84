"""The HTML viewer in a real headless Chromium: clicking findings and spans, and a screenshot.

Uses the system's /usr/bin/chromium through playwright (never a downloaded browser) and a
file:// page, so nothing touches the network. Skipped when Chromium is not installed
(`.ci/install-browser.sh` installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import seed_summary

from summarizer.render.html import render_html

pytestmark = pytest.mark.browser


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
