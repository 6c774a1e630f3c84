"""HTML: the visible text of a page, and which of its lines are the page's main content.

In: decoded HTML. Out: the page's visible text (block elements and <br> break lines, scripts
and styles dropped), which becomes the source text, and the spans of that text outside the
main content (navigation, sidebars, footers, ads) as found by trafilatura, for the clean
stage to mask. Offsets index the visible text; nothing of it is removed.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

_BLOCK_TAGS = frozenset(
    "address article aside blockquote caption center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr legend li main "
    "menu nav ol p pre section summary table tbody td tfoot th thead title tr ul option".split()
)
# Not <head> as a whole: html.parser does not repair an unclosed <head>, which would then
# swallow the whole page.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "title"})
_WS_RE = re.compile(r"[ \t\n\r\f\v]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")

# Main content shorter than this share of the page's text is a miss of the extractor (a
# page of short items, a table it dropped): then nothing is masked.
_MIN_MAIN_SHARE = 0.2


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: block elements and <br> break lines, scripts dropped."""
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    out: list[str] = []

    def newline() -> None:
        if out and not out[-1].endswith("\n"):
            out.append("\n")

    # An explicit stack, not recursion: scraped pages can nest thousands of levels deep.
    stack: list[tuple[Any, bool, bool]] = [(soup, False, False)]  # node, leaving, in_pre
    while stack:
        node, leaving, in_pre = stack.pop()
        if leaving:
            newline()
            continue
        if isinstance(node, Tag):
            tag = (node.name or "").lower()
            if tag in _SKIP_TAGS:
                continue
            if tag == "br":
                out.append("\n")
                continue
            block = tag in _BLOCK_TAGS
            if block:
                newline()
                stack.append((node, True, in_pre))
            child_pre = in_pre or tag == "pre"
            stack.extend((c, False, child_pre) for c in reversed(node.contents))
        elif type(node) is NavigableString:
            # Subclasses (Comment, Doctype, CData, ProcessingInstruction) are not visible.
            s = str(node)
            if not in_pre:
                s = _WS_RE.sub(" ", s)
                if out and out[-1].endswith("\n"):
                    s = s.lstrip(" ")
            if s:
                out.append(s)
    lines = [line.strip(" ") for line in "".join(out).split("\n")]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip("\n")


def chrome_spans(html: str, text: str) -> list[tuple[int, int]]:
    """Lines of `text` (the page's visible text) outside its main content, as (start, end)."""
    import trafilatura

    found_doc = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        with_metadata=True,
    )
    main = getattr(found_doc, "text", None) if found_doc is not None else None
    if not main:
        return []
    # trafilatura leaves out the page's <h1> when it is also the page title; the report's
    # title is content, so it is looked for just before the main text.
    title = getattr(found_doc, "title", None) or ""
    compact_chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if not ch.isspace():
            compact_chars.append(ch)
            index.append(i)
    compact = "".join(compact_chars)
    covered = bytearray(len(text))
    pos = 0
    found = 0
    for line in main.split("\n"):
        key = "".join(line.split())
        if not key:
            continue
        at = compact.find(key, pos)
        if at < 0:
            continue
        found += len(key)
        for k in range(at, at + len(key)):
            covered[index[k]] = 1
        pos = at + len(key)
    if found < _MIN_MAIN_SHARE * len(compact):
        return []
    title_key = "".join(title.split())
    first = next((i for i, c in enumerate(covered) if c), len(text))
    if title_key:
        at = compact.rfind(title_key, 0, bisect.bisect_left(index, first))
        if at >= 0:
            for k in range(at, at + len(title_key)):
                covered[index[k]] = 1
    spans: list[tuple[int, int]] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip() and not any(covered[start:end]):
            spans.append((start, end))
        start = end + 1
    return spans
