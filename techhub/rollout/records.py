"""``QueryRecord``: one customer turn, the unit every rollout figure is computed from.

One record is one root run ``supervisor_hitl_sql_agent`` (a customer message and the agent's answer).
Records are plain data: :mod:`techhub.rollout.traces` builds them from LangSmith runs, tests and
notebooks may craft them, and everything else in :mod:`techhub.rollout` (cost, reports, metrics,
gates, the staged rollout, the A/B test) reads only them. So the figures do not depend on where the
traces live, and every rule can be tested on crafted records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from techhub.models.pricing import cost_of

Sentiment = Literal["positive", "negative"]
Topic = Literal["orders", "products", "policies", "chitchat", "out_of_scope"]
"""The topics the agent records per turn (root-run metadata ``topic``); other values are kept as is."""

BASELINE_MODEL = "gpt-4o"
"""What every query would have cost without the rollout: the seed's baseline prices."""


class QueryRecord(BaseModel):
    """One customer turn: what it cost, how long it took, whether it worked, what it was about.

    ``cost`` is in US dollars, from the tokens at the package's prices
    (:mod:`techhub.models.pricing`); cached model calls cost nothing and their tokens are not counted
    (see :mod:`techhub.rollout.caching`). Offline, token counts are approximate.
    ``arm`` is the side of a split the turn was served by (``control`` / ``candidate``), when any.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    thread_id: str | None = None
    start_time: datetime
    latency_s: float = Field(ge=0)
    error: str | None = None
    model: str | None = None
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    cost: float = Field(default=0.0, ge=0)
    topic: str | None = None
    tags: tuple[str, ...] = ()
    sentiment: Sentiment | None = None
    strategy: str | None = None
    complexity: float | None = None
    config_name: str | None = None
    arm: str | None = None

    @field_validator("start_time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        """Naive times are taken as UTC, so periods and windows compare like with like."""
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @property
    def succeeded(self) -> bool:
        return self.error is None

    @property
    def status(self) -> Literal["success", "error"]:
        return "success" if self.error is None else "error"

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def baseline_cost(self, model: str = BASELINE_MODEL) -> float:
        """What this turn's tokens would have cost on ``model`` (default gpt-4o, the seed's baseline)."""
        return cost_of(model, self.input_tokens, self.output_tokens)


def priced_record(*, model: str, input_tokens: int, output_tokens: int, **fields) -> QueryRecord:
    """A record whose cost is computed from its tokens at ``model``'s price (one model per turn)."""
    cost = cost_of(model, input_tokens, output_tokens)
    return QueryRecord(
        model=model, input_tokens=input_tokens, output_tokens=output_tokens, cost=cost, **fields
    )


def records_frame(records: Iterable[QueryRecord]) -> pd.DataFrame:
    """The records as a DataFrame (one row per turn, plus ``status``, ``total_tokens``, ``baseline_cost``)."""
    rows = [
        {
            **record.model_dump(),
            "status": record.status,
            "total_tokens": record.total_tokens,
            "baseline_cost": record.baseline_cost(),
        }
        for record in records
    ]
    columns = [*QueryRecord.model_fields, "status", "total_tokens", "baseline_cost"]
    return pd.DataFrame(rows, columns=columns)
