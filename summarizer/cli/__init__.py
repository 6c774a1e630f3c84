"""The command line: a thin layer over the library.

Only this package touches argv, the console and exit codes. Subcommands live one per
module and are imported when they run, so `summarizer --help` stays quick (no openai,
tiktoken or pydantic import on that path).

Exit codes: 0 all good; 1 some inputs failed; 2 usage or unreadable input; 3 configuration
or backend error; 130 on Ctrl-C.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from summarizer.core.errors import SummarizerError
from summarizer.core.version import __version__

# name -> (module, attribute, one-line help). Help is here so `--help` imports nothing.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "summarize": ("summarizer.cli.summarize_cmd", "summarize", "Summarize one report file."),
    "batch": ("summarizer.cli.batch_cmd", "batch", "Summarize every report under a folder."),
    "sections": (
        "summarizer.cli.sections_cmd",
        "sections",
        "Show reports, section tree, masked cruft, chunks and cost (no model call).",
    ),
    "schema": ("summarizer.cli.schema_cmd", "schema", "Print the JSON Schema of the output."),
    "validate": ("summarizer.cli.schema_cmd", "validate", "Check JSON files against the schema."),
    "check": (
        "summarizer.cli.check_cmd",
        "check",
        "Re-check an output file against its source (quotes, numbers, redactions).",
    ),
    "eval": ("summarizer.cli.eval_cmd", "eval_", "Score outputs against gold annotations."),
    "cache": ("summarizer.cli.cache_cmd", "cache", "Inspect or clear the answer cache."),
    "models": (
        "summarizer.cli.models_cmd",
        "models",
        "List model capabilities and prices (limits, response format).",
    ),
    "batch-api": (
        "summarizer.cli.offload_cmd",
        "batch_api",
        "A batch job through the provider's Batch API: submit, status, collect.",
    ),
    # The panel over JSON outputs (summarizer/panel/).
    "indicators": ("summarizer.cli.panel_cmd", "indicators", "List the standard indicators."),
    "export": ("summarizer.cli.panel_cmd", "export", "Export outputs to csv/xlsx/parquet/sqlite."),
    "compare": ("summarizer.cli.panel_cmd", "compare", "Zones × standard indicators for a year."),
    "track": ("summarizer.cli.panel_cmd", "track", "Targets of year-N plans against year N."),
    "search": ("summarizer.cli.panel_cmd", "search", "Full-text search of a SQLite export."),
}


#: What the global options said, kept here too so `main` knows --verbose even when the
#: command fails after parsing (the click context is gone by then).
STATE: dict[str, Any] = {"verbose": False, "quiet": False, "config_path": None}


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    # A global option given twice (before and after the subcommand) keeps the one given.
    if value is None or value is False:
        return
    root = ctx.find_root()
    root.ensure_object(dict)
    assert isinstance(root.obj, dict) and param.name is not None
    root.obj[param.name] = value
    STATE[param.name] = value


def global_options() -> list[click.Option]:
    """-v/--verbose, -q/--quiet and --config: accepted before or after any subcommand."""
    return [
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            default=False,
            expose_value=False,
            is_eager=True,
            callback=_store,
            help="Show details: tracebacks of errors.",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            default=False,
            expose_value=False,
            callback=_store,
            help="Print only results and errors (no notes, warnings or progress).",
        ),
        click.Option(
            ["--config", "config_path"],
            type=click.Path(dir_okay=False),
            default=None,
            expose_value=False,
            callback=_store,
            help="A summarizer.toml with defaults (default: ./summarizer.toml if present).",
        ),
    ]


def _with_global_options(cmd: click.Command) -> click.Command:
    names = {p.name for p in cmd.params}
    cmd.params.extend(o for o in global_options() if o.name not in names)
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            _with_global_options(sub)
    return cmd


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        cmd = getattr(importlib.import_module(module), attr)
        assert isinstance(cmd, click.Command)
        return _with_global_options(cmd)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    params=global_options(),
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog='Shell completion: eval "$(_SUMMARIZER_COMPLETE=bash_source summarizer)" '
    "in ~/.bashrc (zsh_source for zsh, fish_source for fish).",
)
@click.version_option(__version__, prog_name="summarizer")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Summarize Chinese development-zone work reports into validated, source-grounded JSON.

    Achievements, problems and plans, each with verbatim evidence and offsets into the
    source. Works offline (rule-based backend) or with any OpenAI-compatible endpoint.
    Global options (-v, -q, --config) go before or after the command.
    """
    ctx.ensure_object(dict)
    if ctx.invoked_subcommand is None:
        # A bare `summarizer` is a request for help, not a mistake.
        click.echo(ctx.get_help())
        ctx.exit(0)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map every error to an exit code and one line."""
    args = sys.argv[1:] if argv is None else argv
    STATE.update(verbose=False, quiet=False, config_path=None)
    try:
        # Without standalone mode click returns ctx.exit(n)'s code instead of raising it.
        code = cli.main(args=args, prog_name="summarizer", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except Exception as e:  # noqa: BLE001 - the one place that maps errors to exit codes
        verbose = bool(STATE["verbose"]) or os.environ.get("SUMMARIZER_VERBOSE") == "1"
        sys.exit(_report_error(e, verbose))
    sys.exit(code if isinstance(code, int) else 0)


def error_line(e: SummarizerError) -> str:
    """One line from the error's fields: the file it concerns, then its message."""
    message = " ".join(e.message.split())
    return f"{e.path}: {message}" if e.path else message


def _report_error(e: Exception, verbose: bool) -> int:
    from summarizer.core.redact import redact_secrets

    if verbose:
        import traceback

        click.echo(redact_secrets("".join(traceback.format_exception(e))), err=True)
    if isinstance(e, SummarizerError):
        click.echo(f"Error: {redact_secrets(error_line(e))}", err=True)
        return e.exit_code
    if isinstance(e, OSError):
        click.echo(f"Error: {redact_secrets(str(e))}", err=True)
        return 2
    click.echo(
        f"Internal error: {type(e).__name__}: {redact_secrets(str(e))}"
        + ("" if verbose else " (run with --verbose for the traceback)"),
        err=True,
    )
    return 1


def obj(ctx: click.Context) -> dict[str, Any]:
    """The global options of this invocation: verbose, quiet, config_path."""
    root = ctx.find_root()
    root.ensure_object(dict)
    assert isinstance(root.obj, dict)
    for key in ("verbose", "quiet"):
        root.obj.setdefault(key, False)
    root.obj.setdefault("config_path", None)
    return root.obj
