"""Small helpers shared by the tests: output-model builders and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from summarizer.schema import Metric, Provenance, ReportSummary, Source, SummaryDocument, Usage


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


def offline_document(
    report: ReportSummary, *, path: str, sha256: str, chars: int
) -> SummaryDocument:
    """One report wrapped as an offline-backend output of a UTF-8 text file."""
    return SummaryDocument(
        source=Source(path=path, sha256=sha256, chars=chars, encoding="utf-8", format="txt"),
        reports=[report],
        warnings=[],
        provenance=Provenance(
            backend="offline",
            model=None,
            prompt_version="test",
            tool_version="0.1.0",
            usage=Usage(),
            elapsed_s=0.0,
        ),
    )


def run_cli(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m summarizer ARGS` as a subprocess, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
