"""Markdown: find the markup (heading marks, emphasis, bullets, quotes, links, tables) so the
clean stage masks it and the rule stages read `## 一、工作总结` as the heading `一、工作总结`.

In: the decoded text of a .md file. Out: (start, end) spans of markup characters; nothing is
removed, so offsets stay those of the file. Block structure comes from markdown-it-py's
token line maps; inline markup is found by walking each inline token's children through its
source lines in order. Ordered-list numbers (`1.`) stay: in these reports they are the
section numbering.
"""

from __future__ import annotations

import re
from typing import Any

_ATX_OPEN = re.compile(r"^[ \t]{0,3}(#{1,6})(?:[ \t]+|$)")
_ATX_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_BULLET = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*([-*+])(?:[ \t]+|$)")
_QUOTE = re.compile(r"^(?:[ \t]{0,3}>[ \t]?)+")
_TABLE_RULE = re.compile(r"^[\s|:\-]+$")
_TAG = re.compile(r"<[^>\n]*>")

_PAIRED = frozenset({"strong_open", "strong_close", "em_open", "em_close", "s_open", "s_close"})


def markdown_markup(text: str) -> list[tuple[int, int]]:
    """Spans of Markdown syntax characters in `text`, in no particular order."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # Keep escapes as their own tokens: the backslash is markup, the character is text.
    md.disable("text_join")
    tokens = md.parse(text)
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    lines = text.split("\n")
    spans: list[tuple[int, int]] = []

    def line_span(n: int) -> tuple[int, int]:
        return starts[n], starts[n] + len(lines[n])

    for tok in tokens:
        if tok.map is None:
            continue
        first, last = tok.map[0], tok.map[1]
        if tok.type == "heading_open":
            a, b = line_span(first)
            line = lines[first]
            if tok.markup.startswith("#"):
                m = _ATX_OPEN.match(line)
                if m:
                    spans.append((a + m.start(1), a + m.end()))
                    close = _ATX_CLOSE.search(line, m.end())
                    if close:
                        spans.append((a + close.start(), b))
            else:
                # Setext: the underline of "=" or "-" is the last line of the heading.
                spans.append(line_span(last - 1))
        elif tok.type == "list_item_open" and tok.markup in ("-", "*", "+"):
            m = _BULLET.match(lines[first])
            if m:
                a = starts[first]
                spans.append((a + m.start(1), a + m.end()))
        elif tok.type == "blockquote_open":
            for n in range(first, min(last, len(lines))):
                m = _QUOTE.match(lines[n])
                if m:
                    spans.append((starts[n], starts[n] + m.end()))
        elif tok.type == "hr":
            spans.append(line_span(first))
        elif tok.type == "fence":
            spans.append(line_span(first))
            if last - 1 > first and lines[last - 1].strip().startswith(tok.markup[:3]):
                spans.append(line_span(last - 1))
        elif tok.type == "html_block":
            for n in range(first, min(last, len(lines))):
                a = starts[n]
                spans.extend((a + m.start(), a + m.end()) for m in _TAG.finditer(lines[n]))
        elif tok.type == "table_open":
            for n in range(first, min(last, len(lines))):
                a, b = line_span(n)
                if _TABLE_RULE.match(lines[n]):
                    spans.append((a, b))
                else:
                    spans.extend((a + i, a + i + 1) for i, ch in enumerate(lines[n]) if ch == "|")
        elif tok.type == "inline" and tok.children:
            region = (starts[first], line_span(min(last, len(lines)) - 1)[1])
            spans.extend(_inline_markup(text, region, tok.children))
    return spans


def _inline_markup(
    text: str, region: tuple[int, int], children: list[Any]
) -> list[tuple[int, int]]:
    """Markup spans of one inline token, found left to right inside its source region."""
    spans: list[tuple[int, int]] = []
    pos, end = region

    def find(s: str) -> int:
        return text.find(s, pos, end) if s else -1

    for child in children:
        kind = child.type
        if kind == "text":
            at = find(child.content)
            if at >= 0:
                pos = at + len(child.content)
        elif kind == "text_special":
            at = find(child.markup)
            if at >= 0:
                if child.info == "escape":
                    spans.append((at, at + 1))
                pos = at + len(child.markup)
        elif kind in _PAIRED:
            at = find(child.markup)
            if at >= 0:
                spans.append((at, at + len(child.markup)))
                pos = at + len(child.markup)
        elif kind == "code_inline":
            at = find(child.markup)
            if at >= 0:
                spans.append((at, at + len(child.markup)))
                close = text.find(child.markup, at + len(child.markup) + len(child.content), end)
                if close >= 0:
                    spans.append((close, close + len(child.markup)))
                    pos = close + len(child.markup)
        elif kind == "link_open":
            opener = "<" if child.markup == "autolink" else "["
            at = find(opener)
            if at >= 0:
                spans.append((at, at + 1))
                pos = at + 1
        elif kind == "link_close":
            closer = ">" if child.markup == "autolink" else "]"
            at = find(closer)
            if at >= 0:
                stop = _link_tail(text, at + 1, end) if closer == "]" else at + 1
                spans.append((at, stop))
                pos = stop
        elif kind == "image":
            at = find("![")
            if at >= 0:
                close = text.find("]", at, end)
                stop = _link_tail(text, close + 1, end) if close >= 0 else at + 2
                spans.append((at, stop))
                pos = stop
        elif kind == "html_inline":
            at = find(child.content)
            if at >= 0:
                spans.append((at, at + len(child.content)))
                pos = at + len(child.content)
        elif kind == "hardbreak" and child.markup == "\\":
            at = find("\\\n")
            if at >= 0:
                spans.append((at, at + 1))
                pos = at + 1
    return spans


def _link_tail(text: str, at: int, end: int) -> int:
    """End of a link's destination after its "]": `(url "title")` or `[ref]`, else `at`."""
    if at < end and text[at] == "(":
        depth = 0
        for i in range(at, end):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    return i + 1
        return at
    if at < end and text[at] == "[":
        close = text.find("]", at, end)
        return close + 1 if close >= 0 else at
    return at
