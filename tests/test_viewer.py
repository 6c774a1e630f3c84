"""The viewer and the batch index page: decreases in red, findings first on a narrow screen,
readable metric tags, the index's title/organization/years columns, natural order and
sorting. Unit checks on the HTML, then the same in headless Chromium (skipped without it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from factories import metric, seed_summary

from summarizer.render.format import change_direction, format_change, natural_key
from summarizer.render.html import asset, render_html, render_html_index
from summarizer.render.overview import IndexEntry


def _entries() -> list[IndexEntry]:
    def entry(
        path: str, title: str | None, org: str | None, years: tuple[int, ...], n: int
    ) -> IndexEntry:
        return IndexEntry(path, path + ".html", "ok", 1, n, 1, 2, 0, 1.0, None, title, org, years)

    return [
        entry("r29.txt", "乙区2019年工作总结", "乙开发区", (2019, 2020), 3),
        entry("r2.txt", "甲区2018年工作总结", "甲开发区", (2018, 2019), 9),
        entry("r10.txt", "丙区2020年工作总结", None, (2020,), 1),
        IndexEntry("r1.txt", None, "failed", error="InputError: empty"),
    ]


def test_change_direction_and_format() -> None:
    assert [change_direction(x) for x in (16.2, -28.38, 0.0, None)] == ["up", "down", "flat", ""]
    assert format_change(-28.38) == "\u221228.38%" and format_change(None) == ""


def test_decreases_are_red_and_increases_green() -> None:
    text, doc, masks = seed_summary()
    doc.reports[0].key_metrics.append(metric("工业产值", "下降28.38%", 10.0, -28.38))
    doc.reports[0].achievements[1].metrics.append(metric("投资", "3亿元", 3.0, -5.0))
    page = render_html(doc, text, masks)
    assert '<span class="m-chg down">\u22125%</span>' in page
    assert '<span class="m-chg up">+9.29%</span>' in page
    assert "<td class='num chg down'>\u221228.38%</td>" in page
    css = asset("viewer.css")
    down = re.search(r"--down:(#[0-9a-f]{6})", css)
    assert down is not None and down.group(1) == "#b42318"  # red
    assert ".m-chg.down,td.chg.down{color:var(--down)}" in css


def test_metric_tags_keep_together_and_carry_their_full_text() -> None:
    text, doc, masks = seed_summary()
    page = render_html(doc, text, masks)
    assert 'title="财政总收入 12.8亿元 +9.29%"' in page
    rule = re.search(r"\.metric\{[^}]*\}", asset("viewer.css"))
    assert rule is not None and "white-space:nowrap" in rule.group(0)


def test_index_has_title_organization_years_in_natural_order() -> None:
    page = render_html_index(_entries())
    paths = re.findall(r'<tr class="[^"]*" data-path="([^"]+)"', page)
    assert paths == ["r1.txt", "r2.txt", "r10.txt", "r29.txt"]  # not r10 before r2
    assert '<th data-sort="natural"><button type="button">标题 title</button></th>' in page
    assert '<td class="title" data-v="甲区2018年工作总结">甲区2018年工作总结</td>' in page
    assert '<td class="org" data-v="甲开发区">甲开发区</td>' in page
    assert '<td class="years" data-v="2018–2019">2018–2019</td>' in page
    assert '<td class="years" data-v="2020">2020</td>' in page


def test_index_escapes_titles() -> None:
    evil = IndexEntry("x.txt", "x.html", "ok", title="<script>alert(1)</script>", organization='"o')
    page = render_html_index([evil])
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert page.count("<script>") == 1


def test_natural_key() -> None:
    names = ["r29", "r2", "R10", "r2a", "a/b10.txt", "a/b9.txt"]
    assert sorted(names, key=natural_key) == ["a/b9.txt", "a/b10.txt", "r2", "r2a", "R10", "r29"]


def test_templates_and_assets_ship_as_package_data() -> None:
    folder = Path(__file__).resolve().parent.parent / "summarizer" / "render" / "templates"
    for name in (
        "viewer.html.j2",
        "index.html.j2",
        "_macros.html.j2",
        "viewer.css",
        "viewer.js",
        "index.js",
    ):
        assert (folder / name).is_file(), name
        assert asset(name)


# --------------------------------------------------------------------------- in Chromium


def _open(browser: Any, path: Path, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(path.as_uri())
    return page


@pytest.mark.browser
def test_narrow_screen_shows_findings_before_the_source(browser: Any, tmp_path: Path) -> None:
    text, doc, masks = seed_summary()
    out = tmp_path / "004.html"
    out.write_text(render_html(doc, text, masks), encoding="utf-8")
    top = "(sel) => document.querySelector(sel).getBoundingClientRect().top"
    narrow = _open(browser, out, 800)
    first_finding = narrow.evaluate(top, ".finding")
    assert first_finding < narrow.evaluate(top, "#source-text")
    assert first_finding < 900  # on the first screen, not after the whole source
    shot = tmp_path / "narrow.png"
    narrow.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    # A wide screen keeps the two columns side by side.
    wide = _open(browser, out, 1400)
    left = "(sel) => document.querySelector(sel).getBoundingClientRect().left"
    assert wide.evaluate(left, "#source-text") < wide.evaluate(left, ".finding")
    narrow.context.close()
    wide.context.close()


@pytest.mark.browser
def test_metric_tag_stays_on_one_line(browser: Any, tmp_path: Path) -> None:
    text, doc, masks = seed_summary()
    out = tmp_path / "004.html"
    out.write_text(render_html(doc, text, masks), encoding="utf-8")
    page = _open(browser, out, 800)
    heights = page.evaluate(
        "() => Array.from(document.querySelectorAll('.finding .metric'))"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert heights and max(heights) < 30  # one line of 18 px plus padding, never two
    page.context.close()


@pytest.mark.browser
def test_index_sorts_by_column(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "index.html"
    out.write_text(render_html_index(_entries()), encoding="utf-8")
    page = _open(browser, out, 1200)
    paths = "() => Array.from(document.querySelectorAll('tbody tr')).map(r => r.dataset.path)"
    assert page.evaluate(paths) == ["r1.txt", "r2.txt", "r10.txt", "r29.txt"]
    page.click("th:nth-child(1) button")  # file, already ascending: reverse
    assert page.evaluate(paths) == ["r29.txt", "r10.txt", "r2.txt", "r1.txt"]
    page.click("th:nth-child(7) button")  # 成绩 (achievements) as numbers, ascending
    assert page.evaluate(paths) == ["r1.txt", "r10.txt", "r29.txt", "r2.txt"]
    assert page.get_attribute("th:nth-child(7)", "aria-sort") == "ascending"
    page.click("th:nth-child(7) button")
    assert page.evaluate(paths) == ["r2.txt", "r29.txt", "r10.txt", "r1.txt"]
    page.click("th:nth-child(4) button")  # years, natural
    assert page.evaluate(paths)[-1] == "r10.txt"  # "2020" after "2019–2020"
    # The total row stays at the bottom.
    assert page.evaluate("() => document.querySelector('tfoot td').textContent") == "合计 total"
    page.context.close()
