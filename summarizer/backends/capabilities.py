"""The model capability table: what a model and its server accept, and what it costs.

In: a provider name and a model name. Out: a frozen `Capabilities`, built from the one data
file `summarizer/data/models.toml` in three layers (defaults, the provider's profile, the
first matching model entry). `summarizer models` prints the table; pricing reads its prices.

A model the table does not know gets its provider's conservative defaults, and
`Capabilities.known` is False so the caller can say so in one line.
"""

from __future__ import annotations

import fnmatch
import functools
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from summarizer.core.errors import ConfigError

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "models.toml"

ResponseFormat = Literal["json_schema", "json_object", "none"]
_FORMATS = ("json_schema", "json_object", "none")


@dataclass(frozen=True)
class Capabilities:
    """What one model on one provider accepts; see the header of models.toml."""

    provider: str
    model: str
    known: bool
    context_window: int
    max_output_tokens: int
    response_format: ResponseFormat
    json_object_schema: bool
    json_word: bool
    schema_limits: bool
    max_tokens_field: str
    temperature: bool
    timeout_s: float
    max_retries: int
    local: bool
    extra_body: dict[str, Any] = field(default_factory=dict)
    server_props: bool = False  # the server says its slots and context at /props
    price_in: float | None = None
    price_out: float | None = None
    # Input tokens the provider served from its prompt cache ($ per million); None: no cache
    # discount known, cached tokens cost what others do.
    price_cached_in: float | None = None
    # The share of the live prices a Batch API bills (OpenAI, DashScope: 0.5); None: no batch.
    batch_share: float | None = None
    # DeepSeek's off-peak hours (16:30-00:30 UTC): input (cache miss), cached input, output.
    price_offpeak_in: float | None = None
    price_offpeak_cached_in: float | None = None
    price_offpeak_out: float | None = None
    # The shortest prompt prefix the provider caches (OpenAI: 1,024 tokens); 0: unknown.
    cache_min_tokens: int = 0
    prices_as_of: str | None = None  # where the prices come from and when they were read
    match: str | None = None  # the table entry that matched, None for provider defaults

    def with_changes(self, **changes: Any) -> Capabilities:
        return replace(self, **changes)

    def summary(self) -> str:
        """One line for messages: window, output limit and response format."""
        return (
            f"context {self.context_window:,}, max output {self.max_output_tokens:,}, "
            f"{self.response_format}"
        )


_FIELDS = {f.name for f in fields(Capabilities)} - {"provider", "model", "known", "match"}


@functools.cache
def _table() -> dict[str, Any]:
    try:
        data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(
            f"capability table {DATA_FILE} unreadable: {e}; reinstall summarizer"
        ) from e
    for where, entry in (
        [("defaults", data.get("defaults", {}))]
        + [(f"provider.{k}", v) for k, v in data.get("provider", {}).items()]
        + [(f"model {m.get('match')}", m) for m in data.get("model", [])]
    ):
        unknown = set(entry) - _FIELDS - {"match", "provider"}
        if unknown:
            raise ConfigError(f"{DATA_FILE}: {where} has unknown fields {sorted(unknown)}")
        fmt = entry.get("response_format")
        if fmt is not None and fmt not in _FORMATS:
            raise ConfigError(f"{DATA_FILE}: {where}: response_format {fmt!r}")
    return data


def model_entries() -> list[dict[str, Any]]:
    """The [[model]] entries in table order."""
    return list(_table().get("model", []))


def listed_entries(provider: str) -> list[dict[str, Any]]:
    """The model entries `summarizer models` lists under a provider: its own, and, under
    openai's, the entries that name no provider (they are OpenAI's models)."""
    return [
        entry
        for entry in model_entries()
        if entry.get("provider") == provider
        or (entry.get("provider") is None and provider == "openai")
    ]


def provider_names() -> list[str]:
    return sorted(_table().get("provider", {}))


def _matching_entry(provider: str, model: str) -> dict[str, Any] | None:
    for entry in model_entries():
        if entry.get("provider") not in (None, provider):
            continue
        if matches(entry["match"], model):
            return entry
    return None


def matches(pattern: str, model: str) -> bool:
    """A name covers itself and its variants (gpt-4o-2024-08-06, qwen3:8b); `*` is a glob."""
    name, pattern = model.lower(), pattern.lower()
    if "*" in pattern:
        return fnmatch.fnmatchcase(name, pattern)
    return name == pattern or (name.startswith(pattern) and name[len(pattern)] in "-:@/.")


@functools.cache
def capabilities_for(provider: str, model: str) -> Capabilities:
    """Defaults, then the provider's profile, then the first model entry that matches."""
    table = _table()
    values: dict[str, Any] = dict(table.get("defaults", {}))
    values.update(table.get("provider", {}).get(provider, {}))
    entry = _matching_entry(provider, model)
    if entry is not None:
        values.update({k: v for k, v in entry.items() if k not in ("match", "provider")})
    else:
        # An unknown model may be small: never promise it more than the conservative defaults.
        for name in ("context_window", "max_output_tokens"):
            values[name] = min(values[name], table["defaults"][name])
    return Capabilities(
        provider=provider,
        model=model,
        known=entry is not None,
        match=entry["match"] if entry is not None else None,
        **{k: v for k, v in values.items() if k in _FIELDS},
    )


def prices() -> dict[str, tuple[float, float]]:
    """Model name → (input, output) $ per million tokens, for every priced model entry."""
    out: dict[str, tuple[float, float]] = {}
    for entry in model_entries():
        if "price_in" in entry and "price_out" in entry and "*" not in entry["match"]:
            out[entry["match"]] = (float(entry["price_in"]), float(entry["price_out"]))
    return out


def priced_capabilities(model: str) -> Capabilities | None:
    """The capabilities of the first priced entry matching `model` (any provider), with its
    provider's profile (batch share, cache minimum) under it; None when no entry is priced."""
    for entry in model_entries():
        if "price_in" in entry and matches(entry["match"], model):
            return capabilities_for(entry.get("provider") or "openai", model)
    return None


def price_for_model(model: str) -> tuple[float, float] | None:
    """The price of the first priced entry matching `model` (any provider)."""
    for entry in model_entries():
        if "price_in" not in entry:
            continue
        if matches(entry["match"], model):
            return float(entry["price_in"]), float(entry["price_out"])
    return None
