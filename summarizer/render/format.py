"""Formatting helpers shared by every renderer and the CLI: plurals, changes, numbers, years,
warning tallies and the natural sort of file names.

In: plain values and `SummaryDocument`s. Out: short strings. No I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from summarizer.core.schema import SummaryDocument

# Irregular plurals of the nouns the tool counts; the rest take an "s".
_PLURALS = {"entry": "entries", "summary": "summaries", "warning": "warnings"}


def plural(count: int, noun: str) -> str:
    """'1 call', '2 calls', '1 entry', '0 entries'."""
    if count == 1:
        return f"1 {noun}"
    return f"{count:,} {_PLURALS.get(noun, noun + 's')}"


def format_change(change_pct: float | None) -> str:
    """A year-on-year change as '+16.2%' / '-28.38%', or '' when unknown."""
    if change_pct is None:
        return ""
    return f"{change_pct:+g}%"


def change_direction(change_pct: float | None) -> str:
    """'up', 'down' or 'flat' ('' when unknown): decreases are shown apart from increases."""
    if change_pct is None:
        return ""
    if change_pct > 0:
        return "up"
    if change_pct < 0:
        return "down"
    return "flat"


# Warning kinds, tried in order: (pattern, noun, what about it) → "3 quotes not found".
WARNING_KINDS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"number .* not found"), "number", "not in the source"),
    (re.compile(r"quote not found"), "quote", "not found"),
    (re.compile(r"no evidence"), "finding", "without evidence"),
    (re.compile(r"dropped \(--strict\)"), "finding", "dropped by --strict"),
    (re.compile(r"^key metric"), "key metric", "dropped"),
    (re.compile(r"^overview"), "overview", "composed instead"),
    (re.compile(r"redact"), "redaction", "problem"),
    # A figure refused by the binding (lexicon/binding.py REASON_TEXT): another indicator,
    # level vs growth, per-capita vs total, share vs amount, direction, period, unit, change.
    (
        re.compile(r'figure ".*" in .* (?:is|has|mixes|gives) '),
        "figure",
        "not as the source states it",
    ),
    (re.compile(r"wrong direction"), "change", "turned around"),
]


def warning_kind(warning: str) -> tuple[str, str]:
    """The (noun, what) of one warning; ("other", "") when no pattern knows it."""
    for pattern, noun, what in WARNING_KINDS:
        if pattern.search(warning):
            return noun, what
    return "other", ""


def document_warnings(doc: SummaryDocument) -> list[str]:
    """Every warning of a document: its own, then its reports'."""
    return [*doc.warnings, *(w for r in doc.reports for w in r.warnings)]


def warning_counts(warnings: Iterable[str]) -> Counter[tuple[str, str]]:
    """Warnings counted by kind."""
    return Counter(warning_kind(w) for w in warnings)


def warnings_line(counts: Counter[tuple[str, str]]) -> str:
    """'12 warnings: 9 numbers not in the source, 3 quotes not found', or ''."""
    total = sum(counts.values())
    if not total:
        return ""
    parts = ", ".join(
        f"{plural(n, noun)} {what}".rstrip() for (noun, what), n in counts.most_common()
    )
    return f"{plural(total, 'warning')}: {parts}"


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders 'r2' before 'r10' and 'r29' (digits compare as numbers)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _DIGITS.split(text)
        if part
    )
