"""The HTML evidence viewer: structure, escaping, masks, marks, overlapping spans, batch index."""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import factories

from summarizer.core.document import Mask
from summarizer.core.schema import (
    Evidence,
    Finding,
    Metric,
    SummaryDocument,
)
from summarizer.render.html import IndexEntry, render_html, render_html_index

SEED = Path(__file__).resolve().parent.parent / "seeds" / "004_8aea4feb83059470.txt"


ev = factories.evidence_at
finding = factories.finding


def metric(name: str, raw: str, value: float | None, *, redacted: bool = False) -> Metric:
    return factories.metric(name, raw, value, redacted=redacted)


def make_doc(
    text: str,
    *,
    achievements: list[Finding] | None = None,
    problems: list[Finding] | None = None,
    plans: list[Finding] | None = None,
    key_metrics: list[Metric] | None = None,
    path: str = "reports/zone.txt",
) -> SummaryDocument:
    one = factories.report(
        achievements=achievements, problems=problems, plans=plans, key_metrics=key_metrics
    )
    return factories.document([one], path=path, chars=len(text), model="rules-v1", elapsed_s=0.1)


class _Pieces(HTMLParser):
    """Collects the source pane: its text, and for each piece the attributes of its wrapper."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_source = False
        self.stack: list[dict[str, str | None]] = []
        self.pieces: list[tuple[str, dict[str, str | None]]] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "pre" and a.get("id") == "source-text":
            self.in_source = True
        elif self.in_source:
            self.stack.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self.in_source:
            self.in_source = False
        elif self.in_source and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.in_source:
            self.pieces.append((data, self.stack[-1] if self.stack else {}))


def parse(page: str) -> _Pieces:
    p = _Pieces()
    p.feed(page)
    p.close()
    return p


def seed_doc() -> tuple[str, SummaryDocument, list[Mask]]:
    text = SEED.read_text(encoding="utf-8")
    header_end = text.index("一、2018年工作总结")
    doc = make_doc(
        text,
        achievements=[
            finding(
                "财政收入",
                [ev(text, "全年实现财政总收入12.8亿元,同比增长9.29%")],
                metrics=[metric("财政总收入", "12.8亿元", 12.8)],
            ),
            finding("招商选资", [ev(text, "3.重能级抓项目,招商选资卓有成效")], verified=False),
        ],
        problems=[finding("经济总量", [ev(text, "一是经济总量偏小、辐射带动能力较弱")])],
        plans=[
            finding(
                "数字领航",
                [
                    ev(text, "(一)紧盯转型升级,进一步凸显产业优势"),
                    Evidence(quote="不存在的引文", start=None, end=None),
                ],
                metrics=[metric("投资", "X亿元", None, redacted=True)],
                verified=False,
            )
        ],
        key_metrics=[
            metric("财政总收入", "12.8亿元", 12.8),
            metric("税收", "*亿元", None, redacted=True),
        ],
        path="/data/reports/004.txt",
    )
    return text, doc, [Mask(0, header_end, "web cruft")]


def test_page_is_one_self_contained_file_with_ids_and_header() -> None:
    text, doc, masks = seed_doc()
    page = render_html(doc, text, masks)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<html") == 1 and page.rstrip().endswith("</html>")
    # No network: nothing is linked or loaded from elsewhere.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert '<h1 title="/data/reports/004.txt">004.txt</h1>' in page
    assert "backend <b>offline</b>" in page and "model <b>rules-v1</b>" in page
    for fid in ("r0-achievement-0", "r0-achievement-1", "r0-problem-0", "r0-plan-0"):
        assert f'data-finding="{fid}"' in page
        assert f'data-span-for="{fid}"' in page
    assert page.count('class="key-metrics"') == 1
    # The source pane holds the whole text, unchanged once tags are stripped.
    assert "".join(t for t, _ in parse(page).pieces) == text


def test_spans_carry_their_finding_and_kind() -> None:
    text, doc, masks = seed_doc()
    pieces = parse(render_html(doc, text, masks)).pieces
    by_finding = {a.get("data-span-for"): (t, a) for t, a in pieces if a.get("data-span-for")}
    t, a = by_finding["r0-achievement-0"]
    assert t == "全年实现财政总收入12.8亿元,同比增长9.29%"
    assert "k-achievement" in (a.get("class") or "")
    assert a.get("data-span") == "r0-achievement-0-e0"
    assert "k-problem" in (by_finding["r0-problem-0"][1].get("class") or "")
    assert "k-plan" in (by_finding["r0-plan-0"][1].get("class") or "")


def test_script_in_source_and_finding_stays_text() -> None:
    evil = "<script>alert(1)</script>"
    text = f"前言{evil}正文。一是招商{evil}引资。"
    doc = make_doc(
        text,
        achievements=[
            finding(evil, [ev(text, f"招商{evil}引资")], summary=f"摘要{evil}", verified=True)
        ],
    )
    doc.reports[0].title = evil
    doc.warnings.append(evil)
    page = render_html(doc, text, [Mask(0, 2, f"why{evil}")])
    parsed = parse(page)
    assert parsed.scripts == 1  # only the viewer's own script
    assert page.count("<script>") == 1 and "alert(1)</script>" not in page
    escaped = htmllib.escape(evil)
    assert page.count(escaped) >= 6  # source twice, title, summary, report title, warning, mask
    assert "".join(t for t, _ in parsed.pieces) == text


def test_attribute_values_are_escaped() -> None:
    text = '正文"onmouseover="alert(1)'
    doc = make_doc(text, achievements=[finding('标题"><img src=x>', [ev(text, "正文")])])
    page = render_html(doc, text, [])
    assert "<img" not in page
    assert 'onmouseover="alert' not in page


def test_masked_cruft_is_greyed() -> None:
    text, doc, masks = seed_doc()
    page = render_html(doc, text, masks)
    masked = [(t, a) for t, a in parse(page).pieces if "masked" in (a.get("class") or "")]
    assert "".join(t for t, _ in masked) == text[: masks[0].end]
    assert all("web cruft" in (a.get("title") or "") for _, a in masked)
    assert re.search(r"\.masked\{color:", page)


def test_unverified_and_redacted_marks() -> None:
    text, doc, masks = seed_doc()
    page = render_html(doc, text, masks)
    classes = {
        fid: css for css, fid in re.findall(r'<article class="([^"]*)" id="f-([^"]+)"', page)
    }
    assert len(classes) == 4
    assert "unverified" in classes["r0-achievement-1"]
    assert "unverified" not in classes["r0-achievement-0"]
    assert "has-redacted" in classes["r0-plan-0"]
    plan_card = page[
        page.index('id="f-r0-plan-0"') : page.index("</article>", page.index('id="f-r0-plan-0"'))
    ]
    assert "badge-unverified" in plan_card and "badge-redacted" in plan_card
    assert 'class="metric redacted" data-redacted="true"' in plan_card
    # The quote that was not located is shown as text, flagged, and not highlighted.
    assert "1 处未定位" in plan_card and "不存在的引文" in plan_card
    assert '<tr class="redacted" data-redacted="true">' in page  # key metric *亿元


def test_overlapping_and_nested_spans_all_render() -> None:
    text = "0123456789" * 5
    doc = make_doc(
        text,
        achievements=[
            finding("A", [Evidence(quote=text[10:30], start=10, end=30)]),
            finding("C", [Evidence(quote=text[12:15], start=12, end=15)]),
        ],
        plans=[finding("B", [Evidence(quote=text[20:40], start=20, end=40)])],
    )
    pieces = parse(render_html(doc, text, [Mask(25, 35, "page number")])).pieces
    assert "".join(t for t, _ in pieces) == text
    spans: list[tuple[int, int, dict[str, Any]]] = []
    pos = 0
    for t, a in pieces:
        spans.append((pos, pos + len(t), a))
        pos += len(t)

    def at(i: int) -> dict[str, Any]:
        return next(a for s, e, a in spans if s <= i < e)

    assert at(5) == {}
    assert at(11)["data-span-for"] == "r0-achievement-0"
    assert at(13)["data-span-for"] == "r0-achievement-1"  # innermost wins
    assert at(13)["data-covers"] == "r0-achievement-0 r0-achievement-1"
    # A and B overlap with equal length: the first one owns the piece, both are listed.
    assert at(22)["data-span-for"] == "r0-achievement-0"
    assert at(22)["data-covers"].split() == ["r0-achievement-0", "r0-plan-0"]
    assert "overlap" in at(22)["class"]
    assert "masked" in at(27)["class"] and "ev" in at(27)["class"]
    assert at(37)["data-span-for"] == "r0-plan-0" and "k-plan" in at(37)["class"]
    assert at(45) == {}


def test_offsets_outside_the_text_are_not_drawn() -> None:
    text = "短文本。"
    doc = make_doc(text, achievements=[finding("X", [Evidence(quote="远处", start=50, end=52)])])
    page = render_html(doc, text, [])
    assert 'data-span-for="r0-achievement-0"' not in page
    assert 'data-finding="r0-achievement-0"' in page


def test_index_links_every_file_with_counts() -> None:
    entries = [
        IndexEntry("a/004.txt", "a/004.html", "ok", 1, 6, 3, 5, 0, 0.9, None),
        IndexEntry("b/<bad>.txt", None, "error", error="InputError: <binary> file"),
        IndexEntry("c.txt", "javascript:alert(1)", "ok", 1, 1, 0, 0, 0, 1.0, None),
    ]
    page = render_html_index(entries)
    assert '<a href="a/004.html">a/004.txt</a>' in page
    assert "b/&lt;bad&gt;.txt" in page and "InputError: &lt;binary&gt; file" in page
    assert "javascript:" not in page
    assert page.count("<tr class=") == 3
    assert re.search(
        r"<td>合计 total</td>(?:<td></td>){4}"
        + "".join(rf'<td class="num">{n}</td>' for n in (2, 7, 3, 5, 0)),
        page,
    )
    assert "90%" in page
