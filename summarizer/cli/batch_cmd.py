"""`summarizer batch DIR`: every report under a folder, one JSON each, an index and a table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from summarizer.cli import obj
from summarizer.cli._batch_table import print_summary
from summarizer.cli._options import build_settings, model_options, run_options, zones_option


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder (default: ./<DIR name>-summaries). Mirrors DIR: a/b.txt → a/b.txt.json.",
)
@click.option(
    "--glob",
    "patterns",
    multiple=True,
    metavar="PATTERN",
    help="Only inputs matching this pattern, e.g. '*.txt' (repeatable; default: every "
    "supported extension).",
)
@click.option(
    "-f",
    "--format",
    "fmts",
    type=click.Choice(["json", "markdown", "html"]),
    multiple=True,
    help="JSON is always written; markdown adds .md files and README.md, html adds .html "
    "files and index.html. Repeatable: -f markdown -f html writes both.",
)
@click.option(
    "--force",
    is_flag=True,
    default=False,
    help="Redo every input, even those whose output was made from the same content with the "
    "same settings (unchanged chunks still come from the cache; --refresh bypasses it too).",
)
@click.option(
    "--follow-symlinks",
    is_flag=True,
    default=False,
    help="Follow symlinks that point outside DIR (by default they are skipped and counted).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the final summary (or the estimate) as JSON."
)
@click.option(
    "--via",
    type=click.Choice(["live", "batch-api", "batch-file"]),
    default="live",
    show_default=True,
    help="live: call the model now; batch-api: the provider's Batch API (half price, within "
    "24 h; waits); batch-file: write JSONL for `vllm run-batch`, then read its output back "
    "with --results.",
)
@click.option(
    "--results",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="With --via batch-file: an output file of the batch runner (repeatable).",
)
@click.option(
    "--poll",
    "poll_s",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="With --via batch-api: seconds between status checks.",
)
@click.option(
    "--no-live-repair",
    is_flag=True,
    default=False,
    help="With --via: fail the files whose answers the batch could not give instead of "
    "asking for them live.",
)
@zones_option("the reports of matching inputs")
@model_options
@run_options
@click.pass_context
def batch(
    ctx: click.Context,
    /,
    directory: str,
    out_dir: str | None,
    patterns: tuple[str, ...],
    fmts: tuple[str, ...],
    force: bool,
    follow_symlinks: bool,
    as_json: bool,
    via: str,
    results: tuple[str, ...],
    poll_s: float,
    no_live_repair: bool,
    zones_file: str | None,
    dry_run: bool,
    price_in: float | None,
    price_out: float | None,
    **flags: Any,
) -> None:
    """Summarize every report under DIR (recursively) into OUTDIR.

    Writes one JSON per input mirroring the tree, and OUTDIR/index.jsonl with a line per
    input (status ok|failed|skipped, findings, tokens, cost, error). Hidden files and
    folders and OUTDIR itself are skipped. Re-running the same command resumes: inputs
    whose JSON exists for the same file content and the same settings (backend, model,
    base URL, language, prompt, schema, chunk budget, strict) are skipped; --force redoes
    them. Symlinks leaving DIR, special files and the tool's own outputs are left out.
    Exit 0 when every input succeeded, 1 when any failed, 2 when no input matched,
    3 on an authentication or configuration error (the batch stops at the first), 130 on
    Ctrl-C.
    """
    from rich.console import Console

    from summarizer.backends.base import auto_fallback_notice, resolve_backend_name
    from summarizer.batch import default_out_dir, walk_tree

    settings = build_settings(ctx, **flags)
    quiet = bool(obj(ctx)["quiet"])
    err = Console(stderr=True, quiet=quiet)
    out = Console()
    root = Path(directory)
    target = Path(out_dir) if out_dir else default_out_dir(root)
    walk = walk_tree(
        root,
        patterns=patterns,
        exclude=[target, settings.cache_dir],
        follow_symlinks=follow_symlinks,
    )
    inputs = walk.inputs
    if not inputs:
        from summarizer.core.errors import InputError

        wanted = "matching " + " ".join(patterns) if patterns else "of a supported type"
        # Nothing to do is worth saying in the exit code: a typo in --glob is not success.
        raise InputError(f"no input files {wanted} under {directory}")
    json_format = "json" in fmts and dry_run
    if dry_run:
        sys.exit(
            _dry_run(
                root, inputs, settings, price_in, price_out, out, as_json or json_format, via=via
            )
        )
    if via != "live":
        from summarizer.cli.offload_cmd import run_offloaded
        from summarizer.text.zones import load_zone_rules

        sys.exit(
            run_offloaded(
                root,
                target,
                inputs,
                settings,
                via=via,
                results=results,
                poll_s=poll_s,
                live=not no_live_repair,
                formats=tuple(dict.fromkeys(f for f in fmts if f != "json")),
                price_in=price_in,
                price_out=price_out,
                zones=load_zone_rules(zones_file) if zones_file else None,
            )
        )
    backend_name = resolve_backend_name(settings)
    notice = auto_fallback_notice(settings)
    if notice:
        err.print(f"[dim]{notice}[/dim]")
    formats = tuple(dict.fromkeys(f for f in fmts if f != "json"))
    sys.exit(
        _run(
            root,
            target,
            inputs,
            settings,
            backend_name,
            formats,
            price_in,
            price_out,
            quiet,
            as_json,
            force=force,
            walk_skipped=dict(walk.skipped),
            zones_file=zones_file,
        )
    )


def _run(
    root: Path,
    target: Path,
    inputs: list[str],
    settings: Any,
    backend_name: str,
    formats: tuple[str, ...],
    price_in: float | None,
    price_out: float | None,
    quiet: bool,
    as_json: bool,
    *,
    force: bool = False,
    walk_skipped: dict[str, int] | None = None,
    zones_file: str | None = None,
) -> int:
    from rich.console import Console

    from summarizer.batch import BatchJob, cost_of, summarize_tree
    from summarizer.core.progress import announce_waits, make_progress
    from summarizer.text.zones import load_zone_rules

    err = Console(stderr=True)
    job = BatchJob(
        root=root,
        out_dir=target,
        inputs=inputs,
        settings=settings,
        formats=formats,
        force=force,
        walk_skipped=walk_skipped or {},
        price_in=price_in,
        price_out=price_out,
        zones=load_zone_rules(zones_file) if zones_file else None,
    )
    from summarizer.backends.base import backend_class

    model = settings.resolved_model if backend_class(backend_name).calls_model else None
    progress = make_progress(
        err, lambda usage: cost_of(model, usage, price_in, price_out), quiet=quiet
    )
    undo = None if quiet else announce_waits(err)
    try:
        result = summarize_tree(job, backend_name, progress=progress)
    finally:
        if undo is not None:
            undo()
    if as_json:
        click.echo(json.dumps(summary_json(result, target), ensure_ascii=False, indent=2))
    else:
        print_summary(result, target, Console(), price_in=price_in, price_out=price_out)
    if not quiet:
        _print_warnings(result, target, err)
    if result.interrupted:
        err.print(
            f"Interrupted: {len(result.this_run)} of {len(inputs)} input(s) finished; "
            "run the same command again to resume.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return 130
    if result.fatal is not None:
        # Re-raised so the CLI's one error mapping prints it (redacted) and exits 3.
        raise result.fatal
    return 1 if result.any_failed else 0


def summary_json(result: Any, target: Path) -> dict[str, Any]:
    """The end-of-run summary as JSON: the table's totals and one entry per failed input."""
    from summarizer.batch import INDEX_NAME, totals_of

    t = totals_of(result.this_run)
    u = t.usage
    return {
        "output": str(target),
        "index": str(target / INDEX_NAME),
        "files": {"ok": t.ok, "failed": t.failed, "skipped": t.skipped},
        "findings": dict(t.findings),
        "verified_share": t.verified_share,
        "usage": {
            "calls": u.calls,
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "cached_tokens": u.cached_tokens,
        },
        "model": result.model,
        "cost_usd": t.cost_usd,
        "elapsed_s": round(result.elapsed_s, 3),
        "interrupted": result.interrupted,
        "redone": dict(result.redone),
        "left_out": dict(result.walk_skipped),
        "failed": [
            {"path": r.path, "error": r.error} for r in result.this_run if r.status == "failed"
        ],
        "checks": [{"path": r.path, "checks": list(r.checks)} for r in result.this_run if r.checks],
    }


def _print_warnings(result: Any, target: Path, err: Any) -> None:
    """One line tallying the warnings of the outputs this run wrote, by kind."""
    from collections import Counter

    from summarizer.batch import output_path
    from summarizer.render.format import plural, warning_counts, warnings_line

    counts: Counter[tuple[str, str]] = Counter()
    files = 0
    for r in result.this_run:
        if r.status != "ok":
            continue
        try:
            data = json.loads(output_path(target, r.path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found = [
            *data.get("warnings", []),
            *(w for rep in data.get("reports", []) for w in rep.get("warnings", [])),
        ]
        files += bool(found)
        counts.update(warning_counts(found))
    line = warnings_line(counts)
    if line:
        err.print(
            f'{line} (in {plural(files, "file")}; see "warnings" in their JSON)',
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _dry_run(
    root: Path,
    inputs: list[str],
    settings: Any,
    price_in: float | None,
    price_out: float | None,
    out: Any,
    as_json: bool,
    *,
    via: str = "live",
) -> int:
    """Analyse every input (no model call) and print the estimate; 1 if any input failed."""
    from rich.console import Console

    from summarizer.batch import one_line
    from summarizer.cli.dry_run import Sizes, print_estimate, sizes_of
    from summarizer.pipeline import analyse

    err = Console(stderr=True)
    # Only what the estimate reads, so a huge tree is not held in memory as analyses.
    sizes: list[Sizes] = []
    failed = 0
    for rel in inputs:
        try:
            a = analyse(root / rel, settings, tokens="budget")
        except Exception as e:  # noqa: BLE001 - report and carry on, like a real run
            failed += 1
            err.print(
                f"failed: {rel}: {one_line(e, str(root / rel))}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            continue
        sizes.append(sizes_of(a))
    print_estimate(
        sizes,
        settings,
        price_in,
        price_out,
        out,
        as_json=as_json,
        failed=failed,
    )
    return 1 if failed else 0
