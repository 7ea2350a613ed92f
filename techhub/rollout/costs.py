"""Cost of the traffic: per query, per period, per topic, against the gpt-4o baseline; blended savings.

Prices come from the package's one table, :mod:`techhub.models.pricing` (the seed's $2.50 / $10.00
per million tokens for gpt-4o and $0.15 / $0.60 for gpt-4o-mini). Offline token counts are
approximate, so offline dollar figures show orders of magnitude and ratios, not a bill.

At these prices gpt-4o-mini is 94% cheaper than gpt-4o per token, in and out alike. The seed's 87%
saving therefore cannot come from gpt-4o-mini alone: it is the blended figure when part of the
traffic still goes to the fallback. :func:`blended_savings` gives the saving for a routing rate and
:func:`routing_rate_for_savings` the routing rate that gives a saving (87% -> about 7.4%).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from techhub.models.pricing import cost_of
from techhub.rollout.records import BASELINE_MODEL, QueryRecord, records_frame

UNKNOWN_TOPIC = "unknown"


@dataclass(frozen=True)
class CostSummary:
    """Cost of a group of queries and what the same tokens would have cost at the baseline's prices."""

    queries: int
    cost: float
    baseline_cost: float

    @property
    def cost_per_query(self) -> float:
        return self.cost / self.queries if self.queries else 0.0

    @property
    def savings(self) -> float:
        return self.baseline_cost - self.cost

    @property
    def savings_fraction(self) -> float:
        """Savings as a fraction of the baseline (0.87 for the seed's 87%); 0 without baseline cost."""
        return self.savings / self.baseline_cost if self.baseline_cost > 0 else 0.0


def summarize_costs(records: Iterable[QueryRecord], baseline_model: str = BASELINE_MODEL) -> CostSummary:
    """Total cost, number of queries and the baseline cost of ``records``."""
    records = list(records)
    return CostSummary(
        queries=len(records),
        cost=sum(r.cost for r in records),
        baseline_cost=sum(r.baseline_cost(baseline_model) for r in records),
    )


def cost_by_topic(records: Iterable[QueryRecord]) -> dict[str, CostSummary]:
    """Cost per topic (the route the agent recorded; ``unknown`` when none), most expensive first."""
    groups: dict[str, list[QueryRecord]] = defaultdict(list)
    for record in records:
        groups[record.topic or UNKNOWN_TOPIC].append(record)
    summaries = {topic: summarize_costs(group) for topic, group in groups.items()}
    return dict(sorted(summaries.items(), key=lambda item: (-item[1].cost, item[0])))


def cost_by_day(records: Iterable[QueryRecord]) -> dict[date, CostSummary]:
    """Cost per UTC calendar day, in date order (for finer or coarser periods use the DataFrame)."""
    groups: dict[date, list[QueryRecord]] = defaultdict(list)
    for record in records:
        groups[record.start_time.date()].append(record)
    return {day: summarize_costs(groups[day]) for day in sorted(groups)}


def cost_by_period(records: Sequence[QueryRecord], freq: str = "D") -> pd.DataFrame:
    """Cost, baseline cost, queries and cost per query per period (a pandas offset alias: ``h``, ``D``,
    ``W``), with cumulative savings: the data behind the seed's cost-over-time and savings charts."""
    frame = records_frame(records)
    columns = ["queries", "cost", "baseline_cost", "cost_per_query", "savings", "cumulative_savings"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = frame.set_index("start_time").resample(freq)
    table = grouped.agg(
        queries=("run_id", "count"), cost=("cost", "sum"), baseline_cost=("baseline_cost", "sum")
    )
    table = table[table["queries"] > 0]
    table["cost_per_query"] = table["cost"] / table["queries"]
    table["savings"] = table["baseline_cost"] - table["cost"]
    table["cumulative_savings"] = table["savings"].cumsum()
    return table[columns]


def per_token_savings(
    model: str, baseline_model: str = BASELINE_MODEL, *, input_tokens: int = 1_000, output_tokens: int = 1_000
) -> float:
    """How much cheaper ``model`` is than ``baseline_model`` for a given token mix (a fraction)."""
    baseline = cost_of(baseline_model, input_tokens, output_tokens)
    if baseline <= 0:
        raise ValueError(f"no price for the baseline model {baseline_model!r}")
    return 1.0 - cost_of(model, input_tokens, output_tokens) / baseline


def blended_savings(
    routing_rate: float,
    *,
    model: str = "gpt-4o-mini",
    fallback_model: str = BASELINE_MODEL,
    input_tokens: int = 1_000,
    output_tokens: int = 1_000,
) -> float:
    """Savings against an all-``fallback_model`` baseline when ``routing_rate`` of the queries go to the
    fallback and the rest to ``model`` (queries assumed to use the same tokens either way).

    Savings are linear in the routing rate: ``(1 - r) * per_token_savings``; 0.94 at r = 0.
    """
    if not 0.0 <= routing_rate <= 1.0:
        raise ValueError(f"routing_rate must be between 0 and 1, not {routing_rate}")
    return (1.0 - routing_rate) * per_token_savings(
        model, fallback_model, input_tokens=input_tokens, output_tokens=output_tokens
    )


def routing_rate_for_savings(
    savings: float,
    *,
    model: str = "gpt-4o-mini",
    fallback_model: str = BASELINE_MODEL,
    input_tokens: int = 1_000,
    output_tokens: int = 1_000,
) -> float:
    """The routing rate at which :func:`blended_savings` equals ``savings`` (0.87 -> about 0.074)."""
    best = per_token_savings(model, fallback_model, input_tokens=input_tokens, output_tokens=output_tokens)
    if not 0.0 <= savings <= best:
        raise ValueError(f"savings must be between 0 and {best:.4f} ({model} alone), not {savings}")
    return 1.0 - savings / best
