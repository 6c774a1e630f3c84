"""Prices and cost estimates, kept in one place.

In: token counts and a model name. Out: US dollars. Prices are per million tokens as listed by
the providers; override with --price-in/--price-out when yours differ.
"""

from __future__ import annotations

from dataclasses import dataclass

#: model -> (input $/1M tokens, output $/1M tokens)
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "deepseek-chat": (0.27, 1.10),
    "qwen-plus": (0.11, 0.28),
    "qwen-turbo": (0.04, 0.08),
}

#: Batch APIs (OpenAI, DashScope) bill this share of the live price.
BATCH_PRICE_SHARE = 0.5

#: Tokens of instructions and schema sent with every chunk (measured on prompts/).
PROMPT_OVERHEAD_TOKENS = 1400
#: Completion tokens per prompt token of document text, from canned and real answers.
COMPLETION_RATIO = 0.35
#: The overview call: digest in, two or three sentences out.
OVERVIEW_TOKENS = (900, 150)


@dataclass(frozen=True)
class CostEstimate:
    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    usd: float | None  # None: no price known for the model


def price_of(
    model: str, price_in: float | None = None, price_out: float | None = None
) -> tuple[float, float] | None:
    """(input, output) price per million tokens, overrides first."""
    known = PRICES.get(model)
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
