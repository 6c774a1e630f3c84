"""Small builders of output models shared by the tests."""

from __future__ import annotations

from summarizer.schema import Metric


def metric(name: str, raw: str, value: float | None, change: float | None = None) -> Metric:
    """An actual figure in 亿元; redacted when it has no value."""
    return Metric(
        name=name,
        raw=raw,
        value=value,
        unit="亿元",
        change_pct=change,
        kind="actual",
        redacted=value is None,
    )
