"""The row of a batch overview page, shared by the Markdown and the HTML index pages.

In: nothing (a data type). The batch builds one `IndexEntry` per input from its index record;
`render.markdown.render_markdown_index` and `render.html.render_html_index` turn them into pages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexEntry:
    """One input file of a batch, as a row of an overview page."""

    path: str
    href: str | None  # the link to the input's page; None when there is none (failed)
    status: str
    reports: int = 0
    achievements: int = 0
    problems: int = 0
    plans: int = 0
    other: int = 0
    verified_share: float | None = None
    error: str | None = None
    title: str | None = None
    organization: str | None = None
    years: tuple[int, ...] = ()
    checks: tuple[str, ...] = ()  # ReportCheck values
