"""`summarizer cache stats|clear|check`: inspect, empty or check (and repair) the answer cache."""

from __future__ import annotations

import click

from summarizer.cli import obj

_CACHE_DIR_HELP = "Cache folder (default: from the config, SUMMARIZER_CACHE_DIR or ./cache)."


def _cache_dir(ctx: click.Context, cache_dir: str | None) -> str:
    if cache_dir:
        return cache_dir
    from summarizer.config import load_settings

    return load_settings(obj(ctx).get("config_path")).cache_dir


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


@click.group()
def cache() -> None:
    """Inspect or clear the answer cache."""


@cache.command()
@click.option("--cache-dir", default=None, help=_CACHE_DIR_HELP)
@click.pass_context
def stats(ctx: click.Context, cache_dir: str | None) -> None:
    """Show the number of cached answers, the size on disk and the path."""
    from rich.console import Console
    from rich.table import Table

    from summarizer.cache import Cache

    with Cache.open(_cache_dir(ctx, cache_dir)) as store:
        info = store.stats()
    table = Table(title="summarizer cache", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("path", str(info["path"]))
    table.add_row("entries", str(info["entries"]))
    table.add_row("size", _human_size(int(info["size_bytes"])))
    Console(soft_wrap=True).print(table)


@cache.command()
@click.option("--cache-dir", default=None, help=_CACHE_DIR_HELP)
@click.pass_context
def clear(ctx: click.Context, cache_dir: str | None) -> None:
    """Delete every cached answer."""
    from summarizer.cache import Cache

    with Cache.open(_cache_dir(ctx, cache_dir)) as store:
        removed = store.clear()
        path = store.path
    click.echo(f"Removed {removed} cached answer(s) from {path}")


@cache.command()
@click.option("--cache-dir", default=None, help=_CACHE_DIR_HELP)
@click.option(
    "--repair", is_flag=True, default=False, help="Delete damaged rows (rebuild a damaged file)."
)
@click.pass_context
def check(ctx: click.Context, cache_dir: str | None, repair: bool) -> None:
    """Read every cached answer back and run SQLite's integrity check; exit 1 if damaged."""
    from summarizer.cache import Cache

    with Cache.open(_cache_dir(ctx, cache_dir)) as store:
        found = store.check(repair=repair)
        path = store.path
    click.echo(
        f"{path}: {found.entries} entries, {found.damaged} damaged, integrity {found.integrity}"
    )
    if repair:
        if found.rebuilt:
            click.echo(f"Rebuilt the database with {found.rebuilt} readable entries")
        click.echo(f"Removed {found.removed} damaged entr{'y' if found.removed == 1 else 'ies'}")
    elif not found.ok:
        click.echo("Run `summarizer cache check --repair` to remove them.", err=True)
        raise SystemExit(1)
