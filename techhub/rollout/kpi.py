"""The seed's KPI table (metric, baseline, target, actual), filled from records.

Rows follow the seed's primary and secondary KPIs, with our stand-ins: positive-sentiment rate for
HRM confidence, offline correctness for TRM confidence, the routing rate for the MCTS usage rate.
The cost baseline is the same traffic priced at gpt-4o; other baselines are the metrics of a
baseline arm when one is passed (e.g. the control of an A/B test), else ``n/a``.

Monthly savings and alerts per day are extrapolated: the savings of the days that had traffic,
per day, times 30; the alerts passed in, per day with traffic. The table's ``note`` says so, with
the number of queries and days behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from techhub.rollout.alerts import Alert
from techhub.rollout.configs import RolloutConfig, load_rollout_config
from techhub.rollout.costs import summarize_costs
from techhub.rollout.metrics import WindowMetrics, compute_metrics
from techhub.rollout.records import QueryRecord

DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class KPIRow:
    metric: str
    baseline: float | None
    target: float
    actual: float | None
    higher_is_better: bool
    unit: str  # "$", "%", "s", "/day"

    @property
    def met(self) -> bool | None:
        if self.actual is None:
            return None
        return self.actual >= self.target if self.higher_is_better else self.actual <= self.target


@dataclass(frozen=True)
class KPITable:
    rows: tuple[KPIRow, ...]
    queries: int
    days: int

    @property
    def note(self) -> str:
        return (
            f"Actuals from {self.queries:,} queries over {self.days} day(s) with traffic; monthly savings "
            f"and alerts per day are extrapolated from them (x{DAYS_PER_MONTH} days, per day)."
        )

    def to_frame(self) -> pd.DataFrame:
        def show(row: KPIRow, value: float | None) -> str:
            return "n/a" if value is None else _FORMATS[row.unit](value)

        return pd.DataFrame(
            [
                {
                    "Metric": row.metric,
                    "Baseline": show(row, row.baseline),
                    "Target": ("≥ " if row.higher_is_better else "≤ ") + _FORMATS[row.unit](row.target),
                    "Actual": show(row, row.actual),
                    "Met": {True: "yes", False: "no", None: "n/a"}[row.met],
                }
                for row in self.rows
            ]
        )


_FORMATS: dict[str, Callable[[float], str]] = {
    "$": lambda v: f"${v:.4f}" if abs(v) < 1 else f"${v:,.2f}",
    "%": lambda v: f"{v:.1%}",
    "s": lambda v: f"{v:.2f}s",
    "/day": lambda v: f"{v:.1f}/day",
    "": lambda v: f"{v:.3f}",
}


def kpi_table(
    records: Sequence[QueryRecord],
    *,
    config: RolloutConfig | None = None,
    correctness: float | None = None,
    baseline: WindowMetrics | None = None,
    alerts: Sequence[Alert] = (),
) -> KPITable:
    """The KPI table of ``records``; ``correctness`` of the latest offline experiment, ``baseline`` the
    metrics of a baseline arm, ``alerts`` those raised over the same period."""
    config = config or load_rollout_config()
    targets = config.kpi
    records = list(records)
    metrics = compute_metrics(records, correctness=correctness, fallback_strategy=config.fallback.strategy)
    costs = summarize_costs(records)
    days = len({r.start_time.date() for r in records})
    per_day = (lambda total: total / days) if days else (lambda total: None)
    monthly = per_day(costs.savings)
    base = baseline or compute_metrics([])
    rows = (
        KPIRow(
            "Cost per Query",
            costs.baseline_cost / costs.queries if costs.queries else None,
            targets.cost_per_query,
            metrics.cost_per_query,
            False,
            "$",
        ),
        KPIRow("Success Rate", base.success_rate, targets.success_rate, metrics.success_rate, True, "%"),
        KPIRow(
            "Positive Sentiment (seed: HRM confidence)",
            base.positive_sentiment_rate,
            targets.positive_sentiment_rate,
            metrics.positive_sentiment_rate,
            True,
            "%",
        ),
        KPIRow(
            "Correctness (seed: TRM confidence)", base.correctness, targets.correctness, correctness, True, ""
        ),
        KPIRow("Latency p95", base.latency_p95_s, targets.latency_p95_s, metrics.latency_p95_s, False, "s"),
        KPIRow(
            "Monthly Savings (extrapolated)",
            0.0,
            targets.monthly_savings,
            None if monthly is None else monthly * DAYS_PER_MONTH,
            True,
            "$",
        ),
        KPIRow(
            "Routing Rate (seed: MCTS usage)",
            base.routing_rate,
            targets.routing_rate,
            metrics.routing_rate,
            False,
            "%",
        ),
        KPIRow("Alerts per Day", None, targets.alerts_per_day, per_day(float(len(alerts))), False, "/day"),
    )
    return KPITable(rows=rows, queries=len(records), days=days)
