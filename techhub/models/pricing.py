"""Prices of the models the course uses, in US dollars per token.

One table for the whole package: cost tracking in the rollout notebook, the local LangSmith
server's run costs, and the offline model (which reports the price of the model it stands in for).
Prices are OpenAI's list prices per 1M tokens at the time of writing; edit them here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ModelPrice:
    input_per_million: float
    output_per_million: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_million + output_tokens * self.output_per_million) / 1_000_000


PRICES: dict[str, ModelPrice] = {
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
}


@lru_cache(maxsize=1024)
def price_of(model_name: str | None) -> ModelPrice | None:
    """The price of a model by name; dated snapshots (``gpt-4o-2024-08-06``) match their family.

    Cached: the local server prices every LLM run it ingests, mostly with a handful of names.
    """
    if not model_name:
        return None
    name = model_name.lower()
    if name in PRICES:
        return PRICES[name]
    # Longest family first, so "gpt-4o-mini-2024-07-18" is not priced as "gpt-4o".
    for family in sorted(PRICES, key=len, reverse=True):
        if name.startswith(family + "-"):
            return PRICES[family]
    return None


def cost_of(model_name: str | None, input_tokens: int, output_tokens: int) -> float:
    """Dollars for one call; 0.0 for a model we have no price for."""
    price = price_of(model_name)
    return price.cost(input_tokens, output_tokens) if price else 0.0
