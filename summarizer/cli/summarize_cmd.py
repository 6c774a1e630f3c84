"""`summarizer summarize FILE...`: one or more files, rendered as rich, JSON, Markdown or HTML.

`-` as a FILE reads standard input; `-o -` (or no `-o`) writes to standard output. Several
files go one after another: to stdout (JSON as JSON Lines, one document a line) or, with
`-o DIR/`, one output file each in DIR. Notes, warnings and progress go to stderr; `-q`
silences them.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from summarizer.cli import obj
from summarizer.cli._options import build_settings, model_options, run_options

if TYPE_CHECKING:
    from rich.console import Console

    from summarizer.core.config import Settings
    from summarizer.core.document import Analysis
    from summarizer.core.schema import ReportSummary, SummaryDocument

FORMATS = ["rich", "json", "markdown", "html"]
SUFFIXES = {"json": ".json", "markdown": ".md", "html": ".html", "rich": ".txt"}
STDIN_NAME = "<stdin>"


def one_format(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> str | None:
    """-f given once; a second -f is a mistake, not a silent override."""
    if len(value) > 1:
        raise click.BadParameter(
            f"given {len(value)} times ({', '.join(value)}); give one format", ctx, param
        )
    return value[0] if value else None


@click.command()
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path())
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    multiple=True,
    callback=one_format,
    help="Output format (default: rich on stdout, else from the -o suffix, json otherwise).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    default=None,
    help="Write to this file ('-': stdout); with several FILEs a folder (made if missing).",
)
@click.option(
    "--zone",
    "zone",
    default=None,
    metavar="NAME",
    help="The zone the report(s) are about (e.g. 合肥经开区), over what the report says: "
    "the panel pairs years by this zone's key.",
)
@model_options
@run_options
@click.pass_context
def summarize(
    ctx: click.Context,
    /,
    files: tuple[str, ...],
    fmt: str | None,
    output: str | None,
    zone: str | None,
    dry_run: bool,
    price_in: float | None,
    price_out: float | None,
    **flags: Any,
) -> None:
    """Summarize report FILEs (achievements, problems, plans with evidence).

    FILE '-' reads the report from standard input. Exit 0 when every file was summarized,
    1 when some failed (several FILEs), 2 for an unreadable single FILE, 3 for a
    configuration or backend error.
    """
    from rich.console import Console

    from summarizer.backends.base import auto_fallback_notice, resolve_backend_name
    from summarizer.pipeline import token_mode_for

    settings = build_settings(ctx, **flags)
    quiet = bool(obj(ctx)["quiet"])
    err = Console(stderr=True, quiet=quiet)
    if output == "-":
        output = None
    several = len(files) > 1
    if several and output is not None and Path(output).is_file():
        raise click.UsageError(f"-o {output}: with several files -o names a folder")
    fmt = fmt or _format_for(output, several)
    backend_name = resolve_backend_name(settings)
    # A dry run counts like a model run: exact BPE counts only near the chunk budget, so
    # it cuts the same chunks and starts without loading the ranks for ordinary reports.
    mode = "budget" if dry_run else token_mode_for(backend_name)
    if dry_run:
        from summarizer.cli.dry_run import print_estimate

        analyses = [_analyse(f, settings, mode) for f in files]
        print_estimate(analyses, settings, price_in, price_out, Console(), as_json=fmt == "json")
        return
    noted: list[bool] = []

    def note() -> None:
        # Once, after the first file was read: an unreadable file is then the only line.
        notice = None if noted else auto_fallback_notice(settings)
        if notice:
            err.print(f"[dim]{notice}[/dim]", soft_wrap=True)
        noted.append(True)

    if not several:
        # One file: its error is the command's (exit 2 for unreadable input, 3 for config).
        _summarize_one(files[0], None, settings, backend_name, fmt, output, err, note, zone)
        return
    failed = 0
    for i, file in enumerate(files):
        target = None if output is None else str(Path(output) / _output_name(file, i, fmt))
        try:
            _summarize_one(file, i, settings, backend_name, fmt, target, err, note, zone)
        except Exception as e:
            from summarizer.core.errors import BackendError, ConfigError

            if isinstance(e, BackendError | ConfigError):
                raise  # the endpoint or the settings fail for every file alike
            from summarizer.batch import one_line

            failed += 1
            Console(stderr=True).print(
                f"failed: {file}: {one_line(e, file)}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    if failed:
        err.print(f"{failed} of {len(files)} file(s) failed", markup=False, highlight=False)
        sys.exit(1)


def _analyse(file: str, settings: Settings, mode: Any) -> Analysis:
    from summarizer.pipeline import analyse, analyse_source

    if file != "-":
        return analyse(file, settings, tokens=mode)
    return analyse_source(read_stdin(settings), settings, tokens=mode)


# Inputs above this size take seconds to read and split: say so on a terminal.
_SLOW_INPUT_BYTES = 2 * 1024 * 1024


def _analyse_showing(file: str, settings: Settings, mode: Any, err: Console) -> Analysis:
    """`_analyse`, with a spinner and the elapsed time on a terminal for a large input."""
    try:
        size = 0 if file == "-" else os.path.getsize(file)
    except OSError:
        size = 0  # the reader reports it
    if size < _SLOW_INPUT_BYTES or not err.is_terminal or err.quiet:
        return _analyse(file, settings, mode)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        progress.add_task(f"reading and sectioning {file} ({size / 1e6:.1f} MB)", total=None)
        return _analyse(file, settings, mode)


def read_stdin(settings: Settings) -> Any:
    """Standard input as a `SourceText`, read like a file of the format its bytes show."""
    from summarizer.core.atomic import spooled
    from summarizer.core.errors import InputError
    from summarizer.text.bounded import read_input

    limit = int(settings.max_file_mb * 1024 * 1024)
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise InputError(
            f"{STDIN_NAME}: more than {settings.max_file_mb:g} MB; raise --max-file-mb"
        )
    if data.startswith(b"%PDF"):
        suffix = ".pdf"
    elif data.startswith(b"PK\x03\x04"):
        suffix = ".docx"
    elif data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        suffix = ".html"
    else:
        suffix = ".txt"
    # The readers take a path: a private temporary file, removed at once.
    with spooled(data, suffix, prefix="summarizer-stdin-") as tmp:
        try:
            source = read_input(tmp, settings)
        except InputError as e:
            raise InputError(str(e).replace(tmp, STDIN_NAME)) from None
    return dataclasses.replace(source, path=STDIN_NAME)


def _summarize_one(
    file: str,
    index: int | None,
    settings: Settings,
    backend_name: str,
    fmt: str,
    output: str | None,
    err: Console,
    note: Callable[[], None],
    zone: str | None = None,
) -> None:
    from summarizer.pipeline import run_quietly, token_mode_for

    analysis = _analyse_showing(file, settings, token_mode_for(backend_name), err)
    note()
    try:
        if fmt == "json" and output:
            # Each report is written as soon as it is merged, and dropped.
            streamed = _stream_json(analysis, backend_name, settings, err, output, zone)
            doc = streamed.doc
            for w in doc.warnings:
                err.print(f"[yellow]warning:[/] {w}", highlight=False)
            from summarizer.render.format import warnings_line

            summary = warnings_line(streamed.counts)
        else:
            doc = run_quietly(_run(analysis, backend_name, settings, err))
            if zone:
                from summarizer.text.zones import with_zone

                doc = with_zone(doc, zone)
            for w in doc.warnings:
                err.print(f"[yellow]warning:[/] {w}", highlight=False)
            write_document(doc, analysis, fmt, output, jsonl=index is not None)
            summary = warnings_summary(doc)
    except Exception as e:
        # The calls a failed file made were paid for: say what they cost (issue 26).
        from summarizer.core.schema import Usage

        spent = getattr(e, "usage", None)
        if isinstance(spent, Usage) and spent.calls:
            err.print(
                f"{_label(file, index)}spent before the failure: {spend_text(spent, settings)}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        raise
    if summary:
        where = f' (see "warnings" in {output})' if output and fmt == "json" else ""
        err.print(
            f"{_label(file, index)}{summary}{where}", markup=False, highlight=False, soft_wrap=True
        )
    if doc.missing:
        from summarizer.batch import missing_line
        from summarizer.core.errors import ExtractionError

        # Written without them, and still a failure: exit 1 (a re-run asks for them again).
        raise ExtractionError(missing_line(doc), path=file)


def spend_text(usage: Any, settings: Settings) -> str:
    """'3 call(s), 1,200 prompt / 300 completion tokens, $0.0012' of a usage."""
    from summarizer.backends.pricing import usd_for

    usd = usd_for(settings.resolved_model, usage.prompt_tokens, usage.completion_tokens)
    cost = f", ${usd:.4f}" if usd is not None else ""
    estimated = f" ({usage.estimated_calls} call(s) estimated)" if usage.estimated_calls else ""
    return (
        f"{usage.calls} call(s), {usage.prompt_tokens:,} prompt / "
        f"{usage.completion_tokens:,} completion tokens{estimated}{cost}"
    )


def _label(file: str, index: int | None) -> str:
    return "" if index is None else f"{file}: "


def warnings_summary(doc: SummaryDocument) -> str:
    """'12 warnings: 9 numbers not found, 3 quotes not found', or '' when there are none."""
    from summarizer.render.format import document_warnings, warning_counts, warnings_line

    return warnings_line(warning_counts(document_warnings(doc)))


@dataclasses.dataclass
class _Streamed:
    doc: SummaryDocument  # without its reports: they went to the file
    counts: Counter[tuple[str, str]]


def _stream_json(
    analysis: Analysis,
    backend_name: str,
    settings: Settings,
    err: Console,
    output: str,
    zone: str | None,
) -> _Streamed:
    """Summarize into `output` as JSON, each report written when it is merged.

    The bytes are those of `doc.model_dump_json(indent=2)` for the whole document: the
    reports, each dumped alone and indented one level more, take the place of the empty
    list in the dump of the document without them.
    """
    import tempfile

    from summarizer.core.atomic import open_text_atomic
    from summarizer.pipeline import run_quietly
    from summarizer.render.format import warning_counts

    user_zone = None
    if zone:
        from summarizer.text.zones import user_zone as zone_of

        user_zone = zone_of(zone)
    counts: Counter[tuple[str, str]] = Counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        written = [0]

        def add(report: ReportSummary) -> None:
            if user_zone is not None:
                report.zone = user_zone
            counts.update(warning_counts(report.warnings))
            text = report.model_dump_json(indent=2)
            spool.write(",\n" if written[0] else "\n")
            spool.write("\n".join("    " + line for line in text.split("\n")))
            written[0] += 1

        doc = run_quietly(_run(analysis, backend_name, settings, err, on_report=add))
        counts.update(warning_counts(doc.warnings))
        head = doc.model_dump_json(indent=2)
        empty = '\n  "reports": [],\n'
        at = head.index(empty)
        spool.seek(0)
        with open_text_atomic(output) as out:
            out.write(head[:at])
            if written[0]:
                out.write('\n  "reports": [')
                shutil.copyfileobj(spool, out)
                out.write("\n  ],\n")
            else:
                out.write(empty)
            out.write(head[at + len(empty) :])
            out.write("\n")
    return _Streamed(doc, counts)


async def _run(
    analysis: Analysis,
    backend_name: str,
    settings: Settings,
    err: Console,
    on_report: Callable[[ReportSummary], None] | None = None,
) -> SummaryDocument:
    from summarizer.core.progress import announce_waits

    # Waits before retries and one-line notices (a response-format fallback) go to stderr.
    undo = None if err.quiet else announce_waits(err)
    try:
        return await _run_with(analysis, backend_name, settings, err, on_report)
    finally:
        if undo is not None:
            undo()


async def _run_with(
    analysis: Analysis,
    backend_name: str,
    settings: Settings,
    err: Console,
    on_report: Callable[[ReportSummary], None] | None = None,
) -> SummaryDocument:
    from summarizer.pipeline import backend_session, summarize_analysis

    async with backend_session(backend_name, settings) as (backend, cache):
        # A rule backend is quick, unless the input is big: a bar then too, on a terminal.
        slow = backend.calls_model or len(analysis.chunks) >= _MANY_CHUNKS
        if not slow or not err.is_terminal or err.quiet:
            return await summarize_analysis(
                analysis, backend, settings=settings, cache=cache, on_report=on_report
            )
        # Model calls take seconds each: show them on a terminal, and leave no trace after.
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        from summarizer.core.progress import LiveColumn

        columns = (
            "{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            LiveColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("chunks", total=len(analysis.chunks))
            return await summarize_analysis(
                analysis,
                backend,
                settings=settings,
                cache=cache,
                on_chunk=lambda _outcome: progress.advance(task),
                on_report=on_report,
            )


#: A rule-backend run over this many chunks takes seconds (about 2,000 a second): a bar.
_MANY_CHUNKS = 4000


def _format_for(output: str | None, several: bool) -> str:
    if output is None:
        return "rich"
    if several:
        return "json"
    suffix = Path(output).suffix.lower()
    return {".json": "json", ".md": "markdown", ".html": "html", ".htm": "html"}.get(suffix, "json")


def _output_name(file: str, index: int, fmt: str) -> str:
    stem = "stdin" if file == "-" else Path(file).name
    return f"{index + 1:03d}-{stem}{SUFFIXES[fmt]}" if file == "-" else stem + SUFFIXES[fmt]


def render_document(doc: SummaryDocument, analysis: Analysis, fmt: str) -> str:
    """The document as text in one of the file formats (json, markdown, html)."""
    if fmt == "json":
        return str(doc.model_dump_json(indent=2)) + "\n"
    if fmt == "markdown":
        from summarizer.render.markdown import render_markdown

        return render_markdown(doc)
    if fmt == "html":
        from summarizer.render.html import render_html

        return render_html(doc, analysis.clean.text, list(analysis.clean.masks))
    raise click.UsageError(f"format {fmt!r} cannot be written to a file")


def write_document(
    doc: SummaryDocument,
    analysis: Analysis,
    fmt: str,
    output: str | None,
    *,
    jsonl: bool = False,
) -> None:
    """Write the document to `output` (None: stdout); `jsonl`: JSON on one line."""
    if fmt == "rich":
        from rich.console import Console

        from summarizer.render.rich_view import render_rich

        if output:
            import io

            from summarizer.core.atomic import write_text_atomic

            buffer = io.StringIO()
            render_rich(doc, Console(file=buffer, width=100, color_system=None))
            write_text_atomic(output, buffer.getvalue())
        else:
            render_rich(doc, Console())
        return
    if fmt == "json" and jsonl and output is None:
        text = doc.model_dump_json() + "\n"
    else:
        text = render_document(doc, analysis, fmt)
    if output:
        from summarizer.core.atomic import write_text_atomic

        write_text_atomic(output, text)
    else:
        click.echo(text, nl=False)
