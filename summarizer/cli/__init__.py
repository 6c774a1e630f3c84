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

from summarizer import __version__

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
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        cmd = getattr(importlib.import_module(module), attr)
        assert isinstance(cmd, click.Command)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="summarizer")
@click.option("--verbose", is_flag=True, help="Show tracebacks of errors.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="A summarizer.toml with defaults (default: ./summarizer.toml if present).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool, config_path: str | None) -> None:
    """Summarize Chinese development-zone work reports into validated, source-grounded JSON.

    Achievements, problems and plans, each with verbatim evidence and offsets into the
    source. Works offline (rule-based backend) or with any OpenAI-compatible endpoint.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["config_path"] = config_path


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map every error to an exit code and one line."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or os.environ.get("SUMMARIZER_VERBOSE") == "1"
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
        sys.exit(_report_error(e, verbose))
    sys.exit(code if isinstance(code, int) else 0)


def _report_error(e: Exception, verbose: bool) -> int:
    from summarizer.errors import SummarizerError
    from summarizer.redact import redact_secrets

    if verbose:
        import traceback

        click.echo(redact_secrets("".join(traceback.format_exception(e))), err=True)
    if isinstance(e, SummarizerError):
        click.echo(f"Error: {redact_secrets(str(e))}", err=True)
        return e.exit_code
    if isinstance(e, OSError):
        click.echo(f"Error: {redact_secrets(str(e))}", err=True)
        return 2
    click.echo(
        f"Internal error: {type(e).__name__}: {redact_secrets(str(e))} "
        "(run with --verbose for the traceback)",
        err=True,
    )
    return 1


def obj(ctx: click.Context) -> dict[str, Any]:
    root = ctx.find_root()
    root.ensure_object(dict)
    assert isinstance(root.obj, dict)
    return root.obj
