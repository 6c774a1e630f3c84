"""Options shared by `summarize`, `batch` and `sections`, and the settings they build."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from summarizer.cli import obj
from summarizer.config import PROVIDERS, Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])

_MODEL_OPTIONS = [
    click.option(
        "--backend",
        type=click.Choice(["auto", "openai", "offline"]),
        default=None,
        help="auto (default): openai when an API key is set, else offline.",
    ),
    click.option(
        "--provider",
        type=click.Choice(sorted(PROVIDERS)),
        default=None,
        help="Preset for base URL and model.",
    ),
    click.option("--model", default=None, help="Model name (default: the provider's)."),
    click.option(
        "--base-url",
        default=None,
        help="OpenAI-compatible endpoint (default: OPENAI_BASE_URL or the provider's).",
    ),
    click.option(
        "--api-key-env", default=None, help="Environment variable that holds the API key."
    ),
    click.option(
        "--json-mode",
        is_flag=True,
        default=None,
        help="Use JSON mode instead of strict structured outputs.",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=None,
        help="Seconds a model call may go without data (default 60; 300 on local servers).",
    ),
    click.option(
        "--max-output-tokens",
        type=click.IntRange(min=16),
        default=None,
        help="Completion tokens per call (default: the model's limit, `summarizer models`).",
    ),
    click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default=None,
        help="Language of titles and summaries.",
    ),
    click.option(
        "--chunk-tokens", type=click.IntRange(min=200), default=None, help="Token budget per chunk."
    ),
    click.option(
        "--encoding", default=None, help="tiktoken encoding for counting (default o200k_base)."
    ),
    click.option(
        "--max-file-mb",
        type=click.FloatRange(min=0.001),
        default=None,
        help="Refuse larger inputs (default 20).",
    ),
]

_RUN_OPTIONS = [
    click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        default=None,
        help="Model calls at once (default 8).",
    ),
    click.option(
        "--cache-dir", default=None, help="Cache folder (default ./cache or SUMMARIZER_CACHE_DIR)."
    ),
    click.option(
        "--no-cache", is_flag=True, default=False, help="Neither read nor write the cache."
    ),
    click.option(
        "--refresh", is_flag=True, default=False, help="Ignore cached answers and store new ones."
    ),
    click.option("--strict", is_flag=True, default=None, help="Drop findings that fail grounding."),
    click.option(
        "--no-overview",
        is_flag=True,
        default=False,
        help="Compose the overview without a model call.",
    ),
    click.option(
        "--dry-run",
        is_flag=True,
        default=False,
        help="No model call: count chunks and tokens, estimate cost.",
    ),
    click.option(
        "--price-in", type=float, default=None, help="Override input price, $ per 1M tokens."
    ),
    click.option(
        "--price-out", type=float, default=None, help="Override output price, $ per 1M tokens."
    ),
]


def model_options(f: F) -> F:
    for option in reversed(_MODEL_OPTIONS):
        f = option(f)
    return f


def run_options(f: F) -> F:
    for option in reversed(_RUN_OPTIONS):
        f = option(f)
    return f


def build_settings(ctx: click.Context, **flags: Any) -> Settings:
    """Defaults, then summarizer.toml, then the flags that were given."""
    settings = load_settings(obj(ctx).get("config_path"))
    changes = {
        "backend": flags.get("backend"),
        "provider": flags.get("provider"),
        "model": flags.get("model"),
        "base_url": flags.get("base_url"),
        "api_key_env": flags.get("api_key_env"),
        "json_mode": flags.get("json_mode"),
        "timeout_s": flags.get("timeout"),
        "max_output_tokens": flags.get("max_output_tokens"),
        "lang": flags.get("lang"),
        "chunk_tokens": flags.get("chunk_tokens"),
        "encoding": flags.get("encoding"),
        "max_file_mb": flags.get("max_file_mb"),
        "concurrency": flags.get("concurrency"),
        "cache_dir": flags.get("cache_dir"),
        "strict": flags.get("strict"),
    }
    settings = settings.replace(**changes)
    if flags.get("no_cache"):
        settings = settings.replace(use_cache=False)
    if flags.get("refresh"):
        settings = settings.replace(refresh=True)
    if flags.get("no_overview"):
        settings = settings.replace(overview=False)
    return settings
