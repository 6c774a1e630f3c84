"""Formatting helpers shared by every renderer and the CLI: plurals, changes, numbers, years,
warning tallies and the natural sort of file names.

In: plain values and `SummaryDocument`s. Out: short strings. No I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from summarizer.core.schema import Metric, SummaryDocument

# Irregular plurals of the nouns the tool counts; the rest take an "s".
_PLURALS = {"entry": "entries", "summary": "summaries", "warning": "warnings"}


def plural(count: int, noun: str) -> str:
    """'1 call', '2 calls', '1 entry', '0 entries'."""
    if count == 1:
        return f"1 {noun}"
    return f"{count:,} {_PLURALS.get(noun, noun + 's')}"


#: The minus sign of a change: U+2212, not a hyphen ("−40.5%").
MINUS = "\u2212"
#: How a qualifier is shown before a figure (a plus after it: 300+亩; a range as 3–5).
QUALIFIER_SIGNS: dict[str, str] = {
    "about": "≈",
    "at_least": "≥",
    "over": ">",
    "nearly": "近",
    "at_most": "≤",
}


def format_change(change_pct: float | None, unit: str = "%") -> str:
    """A change as '+16.2%' / '−28.38%' ('+2个百分点' for points), or '' when unknown."""
    if change_pct is None:
        return ""
    sign = "+" if change_pct > 0 else MINUS if change_pct < 0 else "±"
    return f"{sign}{abs(change_pct):g}{unit}"


def _plain(value: float) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def metric_figure(m: Metric) -> str:
    """What a metric's figure says, as the reading found it: a growth as a signed change
    (+10.8%, −40.5%, never a level), a bound or an estimate with its sign (≥5.5%, ≈98亿元,
    300+亩, 3–5个), a level reached with the way it moved (13.6% ↓); the raw figure when it
    is redacted or was not read."""
    q = m.qualifier
    sign = QUALIFIER_SIGNS.get(q or "", "")
    change_only = m.measure is None and not m.redacted and m.value is None  # "下降9.29%"
    if m.measure in ("growth", "points") or (change_only and m.change_pct is not None):
        if m.change_pct is None:
            return m.raw
        unit = "个百分点" if m.measure == "points" else "%"
        return sign + format_change(m.change_pct, unit)
    if m.redacted or m.value is None:
        return m.raw
    unit = m.unit or ""
    if q == "range" and m.high is not None:
        text = f"{_plain(m.value)}–{_plain(m.high)}{unit}"
    elif q == "plus":
        text = f"{_plain(m.value)}+{unit}"
    else:
        text = f"{sign}{_plain(m.value)}{unit}"
    if m.measure is not None and m.direction is not None and m.change_pct is None:
        text += " ↑" if m.direction == "up" else " ↓"  # 降低至13.6%: a level reached
    return text


def metric_change(m: Metric) -> str:
    """The change shown next to a level ('+16.2%'); '' for a growth, whose figure it is."""
    if m.measure in ("growth", "points") or (m.value is None and not m.redacted):
        return ""
    return format_change(m.change_pct)


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
