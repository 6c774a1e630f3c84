"""Prices and cost estimates, kept in one place.

In: token counts and a model name. Out: US dollars. Prices are per million tokens as listed by
the providers, kept in the capability table (summarizer/data/models.toml); override with --price-in/--price-out when yours differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.backends.capabilities import price_for_model
from summarizer.backends.capabilities import prices as capability_prices

#: model -> (input $/1M tokens, output $/1M tokens), from the capability table.
PRICES: dict[str, tuple[float, float]] = capability_prices()

#: Batch APIs (OpenAI, DashScope) bill this share of the live price.
BATCH_PRICE_SHARE = 0.5

#: Tokens of instructions and schema sent with every chunk (measured on prompts/).
PROMPT_OVERHEAD_TOKENS = 1400
#: Completion tokens per token of document text of the lean answer: 0.71 over the recorded
#: answers to the seeds converted to it (tests/chatserver.lean_answer; o200k_base, compact
#: JSON), 0.60-1.04 per chunk. The recorded answers themselves: 1.08 (0.86-1.48).
COMPLETION_RATIO = 0.71
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
) -> CostEstimate:
    """Estimated calls, tokens and cost of summarizing chunks of these sizes."""
    calls = len(chunk_tokens) + (reports if overview else 0)
    prompt = sum(t + PROMPT_OVERHEAD_TOKENS for t in chunk_tokens)
    completion = int(sum(chunk_tokens) * COMPLETION_RATIO)
    if overview:
        prompt += reports * OVERVIEW_TOKENS[0]
        completion += reports * OVERVIEW_TOKENS[1]
    return CostEstimate(
        model, calls, prompt, completion, usd_for(model, prompt, completion, price_in, price_out)
    )


def usd_for(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    price_in: float | None = None,
    price_out: float | None = None,
) -> float | None:
    """Dollars for these token counts, or None when the model has no known price."""
    price = price_of(model or "", price_in, price_out)
    if price is None:
        return None
    return round((prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000, 6)
