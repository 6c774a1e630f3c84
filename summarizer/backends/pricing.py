"""Prices and cost estimates, kept in one place.

In: token counts and a model name. Out: US dollars. Prices are per million tokens as listed by
the providers, kept in the capability table (summarizer/data/models.toml); override with --price-in/--price-out when yours differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from summarizer.backends.capabilities import price_for_model, priced_capabilities
from summarizer.backends.capabilities import prices as capability_prices

#: model -> (input $/1M tokens, output $/1M tokens), from the capability table.
PRICES: dict[str, tuple[float, float]] = capability_prices()

#: Batch APIs (OpenAI, DashScope) bill this share of the live price.
BATCH_PRICE_SHARE = 0.5

#: Tokens of instructions and schema sent with every chunk (measured on prompts/); the
#: dry run computes them per model from the prompt files (`prompt_sizes`), this is the
#: context-window allowance of the chunk budget.
PROMPT_OVERHEAD_TOKENS = 1400
#: Completion tokens per token of document text: 0.57 over the seven lean answers a capable
#: model wrote to this tool's requests for the seeds (../shared/recordings/seeds-lean:
#: 12,829 completion tokens for 22,644 o200k_base tokens of chunk text, 2026-12-06).
COMPLETION_RATIO = 0.57
#: The ratio a chunk is sized for, so nearly every answer fits the output limit with a margin
#: (the few that do not are split and asked again).
COMPLETION_RATIO_HIGH = 1.05
#: Share of the output limit a chunk's expected answer may fill.
OUTPUT_MARGIN = 0.85
#: The overview call: digest in, two or three sentences out.
OVERVIEW_TOKENS = (900, 150)


@dataclass(frozen=True)
class CostEstimate:
    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    usd: float | None  # None: no price known for the model
    # Prompt tokens a prefix cache is expected to serve (the stable prefix of every chunk
    # call after the first), and the bill with them at the cache rate.
    cached_tokens: int = 0
    usd_cache: float | None = None
    usd_batch: float | None = None  # None also where the provider has no Batch API
    usd_offpeak_cache: float | None = None  # DeepSeek's off-peak hours, with the cache


def chunk_budget(chunk_tokens: int, max_output_tokens: int, context_window: int) -> int:
    """Text tokens per chunk so that the expected answer fits the output limit with a margin
    and prompt, text and answer fit the context window; never above `chunk_tokens`."""
    fits_output = int(max_output_tokens * OUTPUT_MARGIN / COMPLETION_RATIO_HIGH)
    fits_context = context_window - max_output_tokens - PROMPT_OVERHEAD_TOKENS
    return max(200, min(chunk_tokens, fits_output, fits_context))


def price_of(
    model: str, price_in: float | None = None, price_out: float | None = None
) -> tuple[float, float] | None:
    """(input, output) price per million tokens, overrides first."""
    known = price_for_model(model) if model else None
    if price_in is not None and price_out is not None:
        return price_in, price_out
    if known is None:
        return None
    return (
        price_in if price_in is not None else known[0],
        price_out if price_out is not None else known[1],
    )


def estimate(
    chunk_tokens: list[int],
    reports: int,
    model: str,
    *,
    overview: bool = True,
    price_in: float | None = None,
    price_out: float | None = None,
    overhead: int = PROMPT_OVERHEAD_TOKENS,
    stable: int = 0,
) -> CostEstimate:
    """Estimated calls, tokens and cost of summarizing chunks of these sizes.

    `overhead`: tokens every chunk call sends besides its text; `stable`: the part of it
    identical in every call, which the provider's prompt cache serves from the second call
    on when it is at least the provider's minimum.
    """
    calls = len(chunk_tokens) + (reports if overview else 0)
    prompt = sum(t + overhead for t in chunk_tokens)
    completion = int(sum(chunk_tokens) * COMPLETION_RATIO)
    if overview:
        prompt += reports * OVERVIEW_TOKENS[0]
        completion += reports * OVERVIEW_TOKENS[1]
    caps = priced_capabilities(model) if model else None
    cache_min = caps.cache_min_tokens if caps is not None else 0
    cached = max(len(chunk_tokens) - 1, 0) * stable if stable >= max(cache_min, 1) else 0

    def bill(mode: PriceMode, cached_tokens: int) -> float | None:
        return usd_for(
            model, prompt, completion, price_in, price_out, cached_tokens=cached_tokens, mode=mode
        )

    has_batch = caps is not None and caps.batch_share is not None
    has_offpeak = caps is not None and caps.price_offpeak_in is not None
    return CostEstimate(
        model,
        calls,
        prompt,
        completion,
        bill("live", 0),
        cached_tokens=cached,
        usd_cache=bill("live", cached),
        usd_batch=bill("batch", 0) if has_batch else None,
        usd_offpeak_cache=bill("offpeak", cached) if has_offpeak else None,
    )


def usd_for(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    price_in: float | None = None,
    price_out: float | None = None,
    *,
    cached_tokens: int = 0,
    mode: PriceMode = "live",
) -> float | None:
    """Dollars for these token counts, or None when the model has no known price.

    `cached_tokens` (part of `prompt_tokens`) are billed at the provider's cache rate;
    `mode` picks the live, Batch API or off-peak list prices (the live ones where the
    provider has no such mode).
    """
    r = rates_for(model or "", price_in, price_out, mode=mode)
    if r is None:
        return None
    cached = min(max(cached_tokens, 0), prompt_tokens)
    total = (prompt_tokens - cached) * r.input + cached * r.cached_input
    return round((total + completion_tokens * r.output) / 1_000_000, 6)


PriceMode = Literal["live", "batch", "offpeak"]


@dataclass(frozen=True)
class Rates:
    """$ per million tokens: fresh input, input served from the prompt cache, output."""

    input: float
    cached_input: float
    output: float


def rates_for(
    model: str,
    price_in: float | None = None,
    price_out: float | None = None,
    *,
    mode: PriceMode = "live",
) -> Rates | None:
    """The rates of a model in a price mode (capability table); --price-in/--price-out
    override the live rates (and so scale the others), None when no price is known."""
    base = price_of(model, price_in, price_out)
    if base is None:
        return None
    caps = priced_capabilities(model) if model else None
    listed_in = caps.price_in if caps is not None and caps.price_in else None
    # A cache rate is a share of the list input price; an overridden input price keeps it.
    cached_share = (
        caps.price_cached_in / listed_in
        if caps is not None and caps.price_cached_in is not None and listed_in
        else 1.0
    )
    live = Rates(base[0], base[0] * cached_share, base[1])
    if caps is None or mode == "live":
        return live
    if mode == "batch":
        share = caps.batch_share
        if share is None:
            return live
        # Counted conservatively: a batch's cached tokens get no further discount.
        return Rates(live.input * share, live.input * share, live.output * share)
    if caps.price_offpeak_in is None or caps.price_offpeak_out is None or listed_in is None:
        return live
    scale_in = base[0] / listed_in
    scale_out = base[1] / caps.price_out if caps.price_out else 1.0
    offpeak_cached = (
        caps.price_offpeak_cached_in
        if caps.price_offpeak_cached_in is not None
        else caps.price_offpeak_in
    )
    return Rates(
        caps.price_offpeak_in * scale_in,
        offpeak_cached * scale_in,
        caps.price_offpeak_out * scale_out,
    )
