"""`summarizer cache stats|clear|check`: inspect, empty or check (and repair) the answer cache.

`stats` only looks: a cache folder that does not exist is reported as empty, not made.
`clear` asks first (or takes --yes), deletes every entry and shrinks the file.
`check` reads every entry back and runs SQLite's integrity check; `--repair` mends.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from summarizer.cli import obj

_CACHE_DIR_HELP = (
    "Cache folder (default: cache_dir from the config or SUMMARIZER_CACHE_DIR, else the user "
    "cache folder)."
)


def _cache_dir(ctx: click.Context, cache_dir: str | None) -> Path:
    from summarizer.core.config import load_settings

    settings = load_settings(
        obj(ctx).get("config_path"),
        flags={"cache_dir": cache_dir},
        flag_names={"cache_dir": "--cache-dir"},
    )
    return Path(settings.cache_dir)


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
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@click.pass_context
def stats(ctx: click.Context, cache_dir: str | None, as_json: bool) -> None:
    """Show the number of cached answers, the size on disk and the path."""
    from rich.console import Console
    from rich.table import Table

    from summarizer.backends.cache import DB_NAME, Cache

    folder = _cache_dir(ctx, cache_dir)
    if (folder / DB_NAME).is_file():
        with Cache.open(folder) as store:
            info = store.stats()
        exists = True
    else:
        # Looking must not create: report the cache that would be used, as empty.
        info = {"entries": 0, "size_bytes": 0, "path": str(folder / DB_NAME)}
        exists = False
    if as_json:
        click.echo(json.dumps({**info, "exists": exists}, ensure_ascii=False, indent=2))
        return
    table = Table(title="summarizer cache", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("path", str(info["path"]) + ("" if exists else " (not created yet)"))
    table.add_row("entries", str(info["entries"]))
    table.add_row("size", _human_size(int(info["size_bytes"])))
    Console(soft_wrap=True).print(table)


@cache.command()
@click.option("--cache-dir", default=None, help=_CACHE_DIR_HELP)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def clear(ctx: click.Context, cache_dir: str | None, yes: bool) -> None:
    """Delete every cached answer and shrink the cache file (asks first unless --yes)."""
    from summarizer.backends.cache import DB_NAME, Cache
    from summarizer.render.format import plural

    folder = _cache_dir(ctx, cache_dir)
    if not (folder / DB_NAME).is_file():
        click.echo(f"No cache at {folder / DB_NAME}; nothing to clear")
        return
    with Cache.open(folder) as store:
        entries = int(store.stats()["entries"])
        if not yes:
            question = f"Delete {plural(entries, 'cached answer')} from {store.path}?"
            try:
                confirmed = click.confirm(question, err=True)
            except click.Abort:  # end of input: nobody said yes
                confirmed = False
            if not confirmed:
                click.echo("Nothing removed (pass --yes to clear without asking).", err=True)
                sys.exit(1)
        removed = store.clear()
        store.vacuum()
        size = int(store.stats()["size_bytes"])
        path = store.path
    click.echo(f"Removed {plural(removed, 'cached answer')} from {path} ({_human_size(size)} left)")


@cache.command()
@click.option("--cache-dir", default=None, help=_CACHE_DIR_HELP)
@click.option(
    "--repair", is_flag=True, default=False, help="Delete damaged rows (rebuild a damaged file)."
)
@click.pass_context
def check(ctx: click.Context, cache_dir: str | None, repair: bool) -> None:
    """Read every cached answer back and run SQLite's integrity check; exit 1 if damaged."""
    from summarizer.backends.cache import Cache

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
