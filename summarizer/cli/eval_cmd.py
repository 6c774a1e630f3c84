"""`summarizer eval`: score summaries against gold annotations.

In: --gold DIR, --pred DIR, optionally --sources DIR. Out: a rich table (one row per file
plus overall) or, with --json, the `EvalReport` as JSON on stdout. Scoring is not a
failure: the exit code is 0 whatever the scores, 1 when a gold file has no usable
prediction (missing, unreadable or mismatched: its row scores zero), 2 for unusable folders.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from summarizer.core.vocabulary import KINDS, WORDS
from summarizer.review.evaluate import EvalReport, FileScore, Ratio, Scores, evaluate

_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


def _rate(ratio: Ratio) -> str:
    rate = ratio.rate
    return "–" if rate is None else f"{rate:.0%}"


def _count(ratio: Ratio) -> str:
    return "–" if ratio.total == 0 else f"{ratio}"


def _cells(scores: Scores) -> list[str]:
    return [
        *(_count(scores.recall[k]) for k in KINDS),
        _rate(scores.kind_precision),
        _count(scores.metric_recall),
        str(scores.numbers_not_in_source),
        str(scores.redacted_with_value),
    ]


def _reports_cell(f: FileScore) -> Text:
    if f.pred_reports is None:
        return Text(f"–/{f.gold_reports}", style="red")
    ok = f.pred_reports == f.gold_reports
    return Text(f"{'✓' if ok else '✗'} {f.pred_reports}/{f.gold_reports}")


def eval_table(report: EvalReport) -> Table:
    """The scores as a rich table: one row per file, then the overall row."""
    table = Table(
        title="Evaluation against gold",
        caption="reps ok: report count matches; ach./prob./plan/other: item recall, hits/total; "
        "kind prec.: located findings whose kind is their gold item's; nums not in source: "
        "numbers the summary invents; redact+value: hidden figures given a value",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        pad_edge=False,
        padding=(0, 0, 0, 1),
    )
    table.add_column("file", overflow="fold", min_width=10)
    table.add_column("reps\nok", justify="right")
    for kind in KINDS:
        # Short headers keep the ten columns inside an 80-column terminal; the caption explains them.
        table.add_column(WORDS[kind].short, justify="right")
    table.add_column("kind\nprec.", justify="right")
    table.add_column("metric\nrecall", justify="right")
    table.add_column("nums\nnot in\nsource", justify="right")
    table.add_column("redact\n+value", justify="right")
    for f in report.files:
        name = Text(f.file.removesuffix(".txt"))
        if f.status != "ok":
            name.append(f" ({f.status})", style="red")
        table.add_row(name, _reports_cell(f), *_cells(f.scores))
    overall = report.overall
    table.add_section()
    table.add_row("overall", f"{overall.reports_ok}", *_cells(overall), style="bold")
    return table


def print_eval(report: EvalReport, console: Console) -> None:
    """The table, then one line per file that could not be scored."""
    console.print(eval_table(report))
    for f in report.files:
        if f.status != "ok":
            line = Text(f"{f.file}: {f.status}: ", style="bold red")
            line.append(f.error or "", style="red")
            console.print(line)


@click.command("eval")
@click.option("--gold", "gold_dir", type=_DIR, required=True, help="Folder of gold *.json files.")
@click.option(
    "--pred", "pred_dir", type=_DIR, required=True, help="Folder of summaries (batch output)."
)
@click.option(
    "--sources",
    "sources_dir",
    type=_DIR,
    default=None,
    help="Folder of the source files, used when a summary's source.path does not exist.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def eval_(gold_dir: Path, pred_dir: Path, sources_dir: Path | None, as_json: bool) -> None:
    """Score summaries against gold annotations (recall per kind, metrics, grounding)."""
    report = evaluate(gold_dir, pred_dir, sources_dir)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_eval(report, Console())
    unscored = [f for f in report.files if f.status != "ok"]
    if unscored:
        from summarizer.core.errors import ValidationError
        from summarizer.render.format import plural

        # Scores with a missing prediction counted as zero are not a clean result.
        raise ValidationError(
            f"{plural(len(unscored), 'gold file')} without a usable prediction "
            f"({', '.join(sorted({f.status for f in unscored}))}) in {pred_dir}"
        )
