"""The offline backend against the gold annotations of the seeds: the bar the README reports."""

from __future__ import annotations

from pathlib import Path

from conftest import GOLD, SEEDS, seed_paths

from summarizer.core.atomic import write_text_atomic
from summarizer.core.config import Settings
from summarizer.pipeline import summarize_file
from summarizer.review.evaluate import evaluate


def test_offline_backend_meets_the_bar_on_the_seeds(tmp_path: Path) -> None:
    for seed in seed_paths():
        doc = summarize_file(seed, settings=Settings(backend="offline"))
        write_text_atomic(tmp_path / f"{seed.name}.json", doc.model_dump_json())
    report = evaluate(GOLD, tmp_path, SEEDS)
    assert all(f.status == "ok" for f in report.files), [f.error for f in report.files]
    overall = report.overall
    assert overall.reports_ok.hits == overall.reports_ok.total == 5  # one count per file
    for kind, ratio in overall.recall.items():
        assert ratio.total == 0 or ratio.rate >= 0.90, (kind, ratio)
    assert overall.kind_precision.rate >= 0.95
    assert overall.metric_recall.rate >= 0.80
    assert overall.numbers_not_in_source == 0
    assert overall.redacted_with_value == 0
