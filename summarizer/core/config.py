"""Settings: defaults, then summarizer.toml, then SUMMARIZER_* variables, then CLI flags.

In: a TOML path, the environment and flag values. Out: a frozen, validated `Settings`.

One pydantic model is the single source of truth: its fields (types, bounds, help) make
the TOML keys, the `SUMMARIZER_<KEY>` variables and the command-line flags
(`summarizer.cli._options` builds the flags from `FIELDS`). The fields are split by concern
into `BackendSettings` (which model, how to call it), `ChunkingSettings` (what the text
stages do) and `RunSettings` (concurrency, cache, strictness); `Settings` is all three, so
code reads `settings.chunk_tokens` whatever the group. A TOML file may give the keys flat
or in `[backend]`, `[chunking]` and `[run]` tables (optionally under `[summarizer]`).

A bad value in any source is one `ConfigError` line naming the source (file and key,
variable or flag), the value and what is allowed (exit 3), raised before any work starts.
Secrets never come from here: API keys stay in environment variables named by
`api_key_env`.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, get_args, get_origin

import annotated_types
import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from summarizer.core.errors import ConfigError

DEFAULT_CHUNK_TOKENS = 6000
ENV_PREFIX = "SUMMARIZER_"


@dataclass(frozen=True)
class Provider:
    name: str
    base_url: str | None  # None: the SDK's default (OPENAI_BASE_URL or api.openai.com)
    model: str
    api_key_env: str
    encoding: str  # tiktoken encoding used to count this provider's tokens
    needs_key: bool = True
    base_url_env: str | None = None  # the variable that may name the base URL instead


#: Presets for `--provider`. Local servers accept any key; "local" is sent when none is set.
PROVIDERS: dict[str, Provider] = {
    "openai": Provider(
        "openai",
        None,
        "gpt-4o-mini",
        "OPENAI_API_KEY",
        "o200k_base",
        base_url_env="OPENAI_BASE_URL",
    ),
    "deepseek": Provider(
        "deepseek", "https://api.deepseek.com/v1", "deepseek-chat", "DEEPSEEK_API_KEY", "o200k_base"
    ),
    "qwen": Provider(
        "qwen",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "qwen-plus",
        "DASHSCOPE_API_KEY",
        "o200k_base",
    ),
    "ollama": Provider(
        "ollama", "http://localhost:11434/v1", "qwen2.5:7b", "OLLAMA_API_KEY", "o200k_base", False
    ),
    "vllm": Provider(
        "vllm",
        "http://localhost:8000/v1",
        "Qwen/Qwen2.5-7B-Instruct",
        "VLLM_API_KEY",
        "o200k_base",
        False,
    ),
    "llamacpp": Provider(
        "llamacpp", "http://localhost:8080/v1", "local", "LLAMACPP_API_KEY", "o200k_base", False
    ),
}

# Literal types spell the choices once: pydantic checks them, the flags and the errors list them.
BackendName = Literal["auto", "openai", "offline"]
ProviderName = Literal["openai", "deepseek", "qwen", "ollama", "vllm", "llamacpp"]
Lang = Literal["zh", "en"]
EncodingName = Literal["o200k_base", "cl100k_base"]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECRET_KEYS = {"api_key", "openai_api_key", "key"}


def default_cache_dir() -> str:
    """The user's cache folder for summarizer (e.g. ~/.cache/summarizer on Linux)."""
    import platformdirs

    return str(platformdirs.user_cache_path("summarizer"))


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class BackendSettings(_Group):
    """Which model answers and how it is called."""

    backend: BackendName = Field(
        default="auto",
        description="auto: openai when an API key is set (or a local preset), else offline.",
    )
    provider: ProviderName = Field(default="openai", description="Preset for base URL and model.")
    model: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Model name (default: the provider's).",
    )
    base_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="OpenAI-compatible endpoint (default: OPENAI_BASE_URL or the provider's).",
    )
    api_key_env: str | None = Field(
        default=None,
        pattern="^" + _ENV_NAME.pattern + "$",
        max_length=100,
        description="Environment variable that holds the API key (default: the provider's).",
    )
    json_mode: bool = Field(
        default=False, description="Use JSON mode instead of strict structured outputs."
    )
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, description="Sampling temperature.")
    timeout_s: float | None = Field(
        default=None,
        gt=0.0,
        le=3600.0,
        description="Seconds a model call may go without data (idle limit between streamed "
        "chunks); default: the model's, 60 (300 on local servers).",
    )
    max_retries: int | None = Field(
        default=None,
        ge=0,
        le=10,
        description="Retries of a call on 429, 5xx, timeouts and malformed answers; default: "
        "the model's, 2 (1 on local servers).",
    )
    deadline_s: float | None = Field(
        default=None,
        gt=0.0,
        le=86400.0,
        description="Seconds one whole model call may take; default: derived from the output "
        "budget (idle limit + max output tokens at 8 tokens/s).",
    )
    stream: bool = Field(
        default=True, description="Stream answers (false: plain requests for every call)."
    )
    max_output_tokens: int | None = Field(
        default=None,
        ge=16,
        le=200_000,
        description="Completion tokens per call; default: the model's limit (summarizer models).",
    )
    max_response_mb: float = Field(
        default=16.0, gt=0.0, le=1024.0, description="Bytes of one answer before it is cut (MB)."
    )
    lang: Lang = Field(default="zh", description="Language of titles and summaries.")


class ChunkingSettings(_Group):
    """What the text stages do: input size limit, token counting and the chunk budget."""

    chunk_tokens: int = Field(
        default=DEFAULT_CHUNK_TOKENS, ge=200, le=200_000, description="Token budget per chunk."
    )
    encoding: EncodingName | None = Field(
        default=None,
        description="tiktoken encoding for counting (default: the provider's, o200k_base).",
    )
    max_file_mb: float = Field(
        default=20.0, gt=0.0, le=1024.0, description="Refuse larger inputs (MB)."
    )
    parse_timeout_s: float = Field(
        default=30.0,
        gt=0.0,
        le=3600.0,
        description="Seconds one file's parsing (docx, PDF, HTML...) may take.",
    )
    parse_memory_mb: int = Field(
        default=500, ge=50, le=65536, description="Memory one file's parsing may add (MB)."
    )


class RunSettings(_Group):
    """How a run goes: concurrency, the cache and what is kept."""

    concurrency: int = Field(default=8, ge=1, le=256, description="Model calls at once.")
    cache_dir: str = Field(
        default_factory=default_cache_dir,
        min_length=1,
        description="Cache folder (default: the user cache folder, e.g. ~/.cache/summarizer).",
    )
    use_cache: bool = Field(default=True, description="Read and write the answer cache.")
    refresh: bool = Field(default=False, description="Ignore cached answers and store new ones.")
    strict: bool = Field(default=False, description="Drop findings that fail grounding.")
    overview: bool = Field(
        default=True, description="Ask the model for the overview (else compose it without a call)."
    )

    @field_validator("cache_dir")
    @classmethod
    def _expand_home(cls, value: str) -> str:
        return os.path.expanduser(value)


class Settings(BackendSettings, ChunkingSettings, RunSettings):
    """Every setting of a run: the three groups in one frozen model."""

    @property
    def preset(self) -> Provider:
        return PROVIDERS[self.provider]

    @property
    def resolved_model(self) -> str:
        return self.model or self.preset.model

    @property
    def resolved_key_env(self) -> str:
        return self.api_key_env or self.preset.api_key_env

    @property
    def resolved_encoding(self) -> str:
        return self.encoding or self.preset.encoding

    def resolved_base_url(self) -> str | None:
        from summarizer.core.redact import redact_url

        if self.base_url:
            url: str | None = self.base_url
        elif self.preset.base_url_env:
            url = os.environ.get(self.preset.base_url_env) or self.preset.base_url
        else:
            url = self.preset.base_url
        # A password in the URL is a secret like the key: registered for scrubbing when read.
        redact_url(url)
        return url

    def shown_base_url(self) -> str | None:
        """The endpoint as written to files and messages: a password in it as ***."""
        from summarizer.core.redact import redact_url

        return redact_url(self.resolved_base_url())

    def api_key(self) -> str | None:
        from summarizer.core.redact import register_secret

        key = os.environ.get(self.resolved_key_env) or None
        # Whatever the variable is called, its value must never reach a message or a file.
        register_secret(key)
        return key

    def replace(self, **changes: object) -> Settings:
        """A copy with the changes that are not None, validated like any other source."""
        clean = {k: v for k, v in changes.items() if v is not None}
        return _validated({**self.model_dump(), **clean}, {k: f"{k}=" for k in clean})


GROUPS: dict[str, type[_Group]] = {
    "backend": BackendSettings,
    "chunking": ChunkingSettings,
    "run": RunSettings,
}

#: field name -> its group's name, in declaration order (the order of --help).
FIELDS: dict[str, str] = {
    name: group for group, model in GROUPS.items() for name in model.model_fields
}


def allowed(name: str) -> str:
    """What a field accepts, in words: 'one of zh, en', 'an integer from 200 to 200000'."""
    info = Settings.model_fields[name]
    annotation = info.annotation
    optional = False
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        annotation = args[0]
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        text = "one of " + ", ".join(str(a) for a in get_args(annotation))
    elif annotation is bool:
        text = "true or false"
    elif annotation in (int, float):
        noun = "an integer" if annotation is int else "a number"
        low: float | None = None
        high: float | None = None
        low_open = high_open = False
        for m in info.metadata:
            if isinstance(m, annotated_types.Ge):
                low = typing.cast(float, m.ge)
            elif isinstance(m, annotated_types.Gt):
                low, low_open = typing.cast(float, m.gt), True
            elif isinstance(m, annotated_types.Le):
                high = typing.cast(float, m.le)
            elif isinstance(m, annotated_types.Lt):
                high, high_open = typing.cast(float, m.lt), True
        if low is not None and high is not None and not (low_open or high_open):
            text = f"{noun} from {low:g} to {high:g}"
        else:
            bounds = []
            if low is not None:
                bounds.append(f"{'>' if low_open else '≥'} {low:g}")
            if high is not None:
                bounds.append(f"{'<' if high_open else '≤'} {high:g}")
            text = f"{noun} " + " and ".join(bounds) if bounds else noun
    else:
        text = "a non-empty text"
        for m in info.metadata:
            pattern = getattr(m, "pattern", None)
            if name == "base_url" and pattern:
                text = "an http:// or https:// URL"
            elif name == "api_key_env" and pattern:
                text = "an environment variable name (letters, digits, _)"
    return text + (" (or unset)" if optional and annotation is not bool else "")


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return repr(value)


def _validated(values: Mapping[str, object], where: Mapping[str, str]) -> Settings:
    """`Settings(**values)`, or one ConfigError line naming where the first bad value came from.

    `where` maps a key to its source as the user wrote it ("cfg.toml: chunk_tokens =",
    "SUMMARIZER_CONCURRENCY=", "--lang"); keys without one are defaults.
    """
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except pydantic.ValidationError as e:
        first = e.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        if first["type"] == "extra_forbidden":
            raise ConfigError(f"{where.get(key, '')} unknown setting {key!r}".strip()) from None
        source = where.get(key, f"{key} =")
        value = values.get(key)
        # As typed: a flag or variable is text (`--lang fr`, `SUMMARIZER_LANG=fr`).
        shown = str(value) if source.startswith(("-", ENV_PREFIX)) else _show(value)
        sep = "" if source.endswith("=") and not source.endswith(" =") else " "
        raise ConfigError(
            f"{source}{sep}{shown}: not allowed; {key} takes {allowed(key)}"
        ) from None


def _toml_values(toml_path: Path) -> tuple[dict[str, object], dict[str, str]]:
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{toml_path}: invalid TOML: {e}") from e
    except OSError as e:
        raise ConfigError(f"{toml_path}: cannot read the config file: {e.strerror}") from e
    table = data.get("summarizer", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{toml_path}: [summarizer] must be a table of settings")
    values: dict[str, object] = {}
    where: dict[str, str] = {}

    def take(key: str, value: object, group: str | None) -> None:
        key = key.replace("-", "_")
        shown = f"[{group}] {key}" if group else key
        if key in _SECRET_KEYS:
            raise ConfigError(
                f"{toml_path}: secrets do not belong in the config file; "
                "put the API key in an environment variable"
            )
        if key not in FIELDS:
            close = difflib.get_close_matches(key, list(FIELDS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(FIELDS)}"
            raise ConfigError(f"{toml_path}: unknown setting {shown!r}{hint}")
        if group is not None and FIELDS[key] != group:
            raise ConfigError(f"{toml_path}: {key!r} belongs in [{FIELDS[key]}], not in [{group}]")
        values[key] = value
        where[key] = f"{toml_path}: {shown} ="

    for key, value in table.items():
        if key == "panel" and isinstance(value, dict):
            continue  # the panel commands' own table (summarizer.panel.config)
        if key in GROUPS and isinstance(value, dict):
            for sub, sub_value in value.items():
                take(sub, sub_value, key)
        else:
            take(key, value, None)
    return values, where


def _env_values(environ: Mapping[str, str]) -> tuple[dict[str, object], dict[str, str]]:
    values: dict[str, object] = {}
    where: dict[str, str] = {}
    for name in FIELDS:
        var = ENV_PREFIX + name.upper()
        raw = environ.get(var)
        if raw is None or raw == "":
            continue
        values[name] = raw
        where[name] = f"{var}="
    return values, where


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    flags: Mapping[str, object] | None = None,
    flag_names: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from the defaults, the TOML file, SUMMARIZER_* variables and `flags`, in order.

    The TOML is `path`, or ./summarizer.toml when present. `flags` are the values given on
    the command line (None: not given); `flag_names` how each was spelled, for messages.
    """
    toml_path = Path(path) if path else Path("summarizer.toml")
    if path and not toml_path.is_file():
        raise ConfigError(f"config file not found: {path}")
    values: dict[str, object] = {}
    where: dict[str, str] = {}
    if toml_path.is_file():
        file_values, file_where = _toml_values(toml_path)
        values.update(file_values)
        where.update(file_where)
    env_values, env_where = _env_values(os.environ if environ is None else environ)
    values.update(env_values)
    where.update(env_where)
    for key, value in (flags or {}).items():
        if value is None:
            continue
        values[key] = value
        where[key] = (flag_names or {}).get(key, f"--{key.replace('_', '-')}")
    return _validated(values, where)
