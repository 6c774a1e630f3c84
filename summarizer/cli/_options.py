"""The settings flags, built from `summarizer.core.config.Settings`, and the settings they make.

One source of truth: every field of the settings model is a flag here (`--chunk-tokens`,
`--strict/--no-strict`, ...), with the field's description as help and its choices or
bounds as the metavar. Values are checked by the model, not by click, so a bad flag gives
the same one line (and exit 3) as a bad TOML key or environment variable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar, get_args, get_origin

import click
from click.shell_completion import CompletionItem

from summarizer.cli import obj
from summarizer.core.config import FIELDS, Settings, allowed, load_settings

F = TypeVar("F", bound=Callable[..., Any])

# Fields whose flag is not simply --field-name.
_FLAG_NAMES = {"timeout_s": "timeout", "deadline_s": "deadline", "use_cache": "cache"}


def flag_name(field: str) -> str:
    """The long flag of a settings field, without the leading dashes or the --no- twin."""
    return _FLAG_NAMES.get(field, field).replace("_", "-")


def _choices(field: str) -> tuple[str, ...]:
    annotation = Settings.model_fields[field].annotation
    for arg in (annotation, *get_args(annotation)):
        if get_origin(arg) is Literal:
            return tuple(str(a) for a in get_args(arg))
    return ()


def _option(field: str) -> Callable[[F], F]:
    info = Settings.model_fields[field]
    name = flag_name(field)
    help_text = (info.description or "").rstrip(".")
    if info.annotation is bool:
        default = "on" if info.default else "off"
        return click.option(
            f"--{name}/--no-{name}", field, default=None, help=f"{help_text} (default {default})."
        )
    choices = _choices(field)
    if choices:
        metavar = "[" + "|".join(choices) + "]"
    else:
        metavar = "N" if info.annotation is int else "X" if info.annotation is float else "TEXT"

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        return [CompletionItem(c) for c in choices if c.startswith(incomplete)]

    return click.option(
        f"--{name}",
        field,
        default=None,
        metavar=metavar,
        shell_complete=complete if choices else None,
        help=f"{help_text}; {allowed(field)}."
        if info.annotation in (int, float)
        else help_text + ".",
    )


def settings_options(*groups: str) -> Callable[[F], F]:
    """The flags of every field in `groups` ("backend", "chunking", "run")."""
    fields = [f for f, g in FIELDS.items() if g in groups]

    def decorate(f: F) -> F:
        for field in reversed(fields):
            f = _option(field)(f)
        return f

    return decorate


_ESTIMATE_OPTIONS = [
    click.option(
        "--price-in", type=float, default=None, help="Override input price, $ per 1M tokens."
    ),
    click.option(
        "--price-out", type=float, default=None, help="Override output price, $ per 1M tokens."
    ),
]


def _apply(options: Iterable[Callable[[F], F]], f: F) -> F:
    for option in reversed(list(options)):
        f = option(f)
    return f


def model_options(f: F) -> F:
    """Backend and chunking settings: what `sections` needs to split and price a file."""
    return settings_options("backend", "chunking")(f)


def run_options(f: F) -> F:
    """Run settings, --dry-run and the price overrides (summarize and batch)."""
    dry_run = click.option(
        "--dry-run",
        is_flag=True,
        default=False,
        help="No model call: count chunks, calls and tokens, estimate cost.",
    )
    return _apply([settings_options("run"), dry_run, *_ESTIMATE_OPTIONS], f)


def estimate_options(f: F) -> F:
    return _apply(_ESTIMATE_OPTIONS, f)


def build_settings(ctx: click.Context, **flags: Any) -> Settings:
    """Defaults, then summarizer.toml, then SUMMARIZER_* variables, then the flags given."""
    given = {k: v for k, v in flags.items() if k in FIELDS and v is not None}
    names = {k: f"--{'no-' if v is False else ''}{flag_name(k)}" for k, v in given.items()}
    return load_settings(obj(ctx).get("config_path"), flags=given, flag_names=names)


def zones_option(what: str) -> Callable[[F], F]:
    """`--zones FILE`: a zones file (CSV rows path-or-glob,zone) over the zones `what` name."""
    return click.option(
        "--zones",
        "zones_file",
        type=click.Path(dir_okay=False, exists=True),
        default=None,
        help=f"A zones file (CSV: path-or-glob,zone) over the zones {what} name.",
    )
