"""Settings: defaults, then summarizer.toml, then CLI flags. Env vars hold secrets only.

In: a TOML path and flag values. Out: a frozen `Settings`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.errors import ConfigError

DEFAULT_CHUNK_TOKENS = 6000


@dataclass(frozen=True)
class Provider:
    name: str
    base_url: str | None  # None: the SDK's default (OPENAI_BASE_URL or api.openai.com)
    model: str
    api_key_env: str
    encoding: str  # tiktoken encoding used to count this provider's tokens
    needs_key: bool = True


#: Presets for `--provider`. Local servers accept any key; "local" is sent when none is set.
PROVIDERS: dict[str, Provider] = {
    "openai": Provider("openai", None, "gpt-4o-mini", "OPENAI_API_KEY", "o200k_base"),
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


@dataclass(frozen=True)
class Settings:
    backend: str = "auto"  # auto | openai | offline
    provider: str = "openai"
    model: str | None = None  # None: the provider's default
    base_url: str | None = None  # None: the provider's (or OPENAI_BASE_URL)
    api_key_env: str | None = None  # None: the provider's
    json_mode: bool = False
    temperature: float = 0.0
    timeout_s: float | None = None  # idle limit between streamed chunks; None: the model's
    max_retries: int | None = None  # None: the model's (2; 1 on local servers)
    deadline_s: float | None = None  # whole call; None: derived from the output budget
    stream: bool = True  # False: one plain response per call (servers that refuse streaming)
    max_output_tokens: int | None = None  # None: the capability table's limit
    max_response_mb: float = 16.0  # bytes of one answer before the call is cut
    concurrency: int = 8
    lang: str = "zh"
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    encoding: str | None = None  # tiktoken encoding; None: the provider's
    cache_dir: str = "cache"
    use_cache: bool = True
    refresh: bool = False
    strict: bool = False
    overview: bool = True
    max_file_mb: float = 20.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def preset(self) -> Provider:
        try:
            return PROVIDERS[self.provider]
        except KeyError:
            raise ConfigError(
                f"unknown provider {self.provider!r}; choose one of {', '.join(PROVIDERS)}"
            ) from None

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
        if self.base_url:
            return self.base_url
        if self.provider == "openai":
            return os.environ.get("OPENAI_BASE_URL") or None
        return self.preset.base_url

    def api_key(self) -> str | None:
        from summarizer.redact import register_secret

        key = os.environ.get(self.resolved_key_env) or None
        # Whatever the variable is called, its value must never reach a message or a file.
        register_secret(key)
        return key

    def replace(self, **changes: Any) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **clean)


_TOML_KEYS = {f.name for f in dataclasses.fields(Settings)} - {"extra"}
_SECRET_KEYS = {"api_key", "openai_api_key", "key"}


def load_settings(path: str | None = None) -> Settings:
    """Settings from `path`, or ./summarizer.toml when present, or the defaults.

    Also honours SUMMARIZER_CACHE_DIR for the cache folder.
    """
    values: dict[str, Any] = {}
    if os.environ.get("SUMMARIZER_CACHE_DIR"):
        values["cache_dir"] = os.environ["SUMMARIZER_CACHE_DIR"]
    toml_path = Path(path) if path else Path("summarizer.toml")
    if path and not toml_path.is_file():
        raise ConfigError(f"config file not found: {path}")
    if toml_path.is_file():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{toml_path}: invalid TOML: {e}") from e
        table = data.get("summarizer", data)
        for key, value in table.items():
            key = key.replace("-", "_")
            if key in _SECRET_KEYS:
                raise ConfigError(
                    f"{toml_path}: secrets do not belong in the config file; "
                    "put the API key in an environment variable"
                )
            if key not in _TOML_KEYS:
                raise ConfigError(f"{toml_path}: unknown setting {key!r}")
            values[key] = value
    try:
        return Settings(**values)
    except TypeError as e:
        raise ConfigError(f"{toml_path}: {e}") from e
