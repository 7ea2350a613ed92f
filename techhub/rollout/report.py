"""The seed's daily cost report, computed from records and printed like its sample.

Queries, cost, average per query, the baseline (the same tokens at gpt-4o prices), savings and their
percentage, success rate, our stand-ins for its confidence lines (positive sentiment, correctness),
top topics by cost and a recommendation line, in a box of ``=``. ``as_dict()`` and ``to_frame()``
give the same figures as data (for W&B, a table, a test).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

import pandas as pd

from techhub.config import get_settings
from techhub.rollout.alerts import check_gate
from techhub.rollout.configs import RolloutConfig, load_rollout_config
from techhub.rollout.costs import cost_by_topic, summarize_costs
from techhub.rollout.metrics import compute_metrics
from techhub.rollout.records import QueryRecord

WIDTH = 60
OFFLINE_NOTE = (
    "Offline: token counts are approximate and both configurations answer identically; "
    "quality differences are measured live only."
)


@dataclass(frozen=True)
class TopicCost:
    topic: str
    cost: float
    share: float
    queries: int


@dataclass(frozen=True)
class DailyReport:
    date: date
    total_queries: int
    total_cost: float
    avg_cost_per_query: float
    baseline_cost: float
    savings: float
    savings_percentage: float
    success_rate: float | None
    positive_sentiment_rate: float | None
    sentiment_n: int
    correctness: float | None
    routing_rate: float | None
    top_topics: tuple[TopicCost, ...]
    recommendation: str
    note: str | None = field(default=None)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data["top_topics"] = [asdict(t) for t in self.top_topics]
        return data

    def to_frame(self) -> pd.DataFrame:
        """One row per figure (``figure``, ``value``); topics as ``topic cost: <name>`` rows."""
        data = self.as_dict()
        topics = data.pop("top_topics")
        rows = [(key, value) for key, value in data.items()]
        rows += [(f"topic cost: {t['topic']}", t["cost"]) for t in topics]
        return pd.DataFrame(rows, columns=["figure", "value"])

    def render(self) -> str:
        """The report as text, like the seed's sample."""
        rule = "=" * WIDTH
        lines = [rule, f"Daily Cost Report - {self.date.isoformat()}", rule, ""]
        lines += [
            _line("Total Queries:", f"{self.total_queries:,}"),
            _line("Optimized Cost:", _money(self.total_cost)),
            _line("Baseline Cost:", f"{_money(self.baseline_cost)} (gpt-4o prices)"),
            _line("Savings:", f"{_money(self.savings)} ({self.savings_percentage:.0f}%)"),
            "",
            _line("Average per Query:", _money(self.avg_cost_per_query)),
            _line("Success Rate:", _percent(self.success_rate)),
            _line("Positive Sentiment:", f"{_percent(self.positive_sentiment_rate)} (n={self.sentiment_n})"),
            _line(
                "Correctness:",
                "n/a" if self.correctness is None else f"{self.correctness:.3f} (offline eval)",
            ),
            _line("Routing Rate:", f"{_percent(self.routing_rate)} to the fallback"),
            "",
            "Top Topics by Cost:",
        ]
        for rank, topic in enumerate(self.top_topics, start=1):
            lines.append(_line(f"  {rank}. {topic.topic}:", f"{_money(topic.cost)} ({topic.share:.0%})"))
        if not self.top_topics:
            lines.append("  (no queries)")
        lines.append("")
        lines += textwrap.wrap(f"Recommendation: {self.recommendation}", WIDTH, subsequent_indent=" " * 16)
        if self.note:
            lines += textwrap.wrap(f"Note: {self.note}", WIDTH, subsequent_indent="      ")
        lines.append(rule)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _line(label: str, value: str) -> str:
    return f"{label:<22}{value}"


def _money(amount: float) -> str:
    """Dollars with cents, or with four decimals below a dollar (offline queries cost fractions of a cent)."""
    return f"${amount:,.2f}" if abs(amount) >= 1 else f"${amount:.4f}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def recommend(records: list[QueryRecord], config: RolloutConfig, correctness: float | None = None) -> str:
    """One line: roll back if the rollback gate fires, investigate if alerts fire, else continue."""
    if not records:
        return "No traffic in this period: nothing to recommend."
    metrics = compute_metrics(records, correctness=correctness, fallback_strategy=config.fallback.strategy)
    rollback = check_gate(metrics, config.gates.rollback)
    if rollback:
        reasons = "; ".join(a.message for a in rollback)
        return f"Roll back to {config.fallback.model} ({reasons})"
    alerts = check_gate(metrics, config.gates.alerts)
    if alerts:
        return f"Investigate before scaling up ({'; '.join(a.message for a in alerts)})"
    return f"Continue with {config.production.model} (no alert on {metrics.n:,} queries)"


def daily_report(
    records: Iterable[QueryRecord],
    day: date | None = None,
    *,
    config: RolloutConfig | None = None,
    correctness: float | None = None,
    top: int = 4,
    note: str | None = None,
) -> DailyReport:
    """The report of one UTC day (default: the latest day in ``records``).

    ``correctness``: of the latest offline experiment, if any. ``note``: printed under the
    recommendation; offline it defaults to the caveat that offline figures are approximate.
    """
    records = list(records)
    config = config or load_rollout_config()
    if day is None and records:
        day = max(r.start_time for r in records).date()
    day = day or date.today()
    todays = [r for r in records if r.start_time.date() == day]
    costs = summarize_costs(todays)
    metrics = compute_metrics(todays, correctness=correctness, fallback_strategy=config.fallback.strategy)
    topics = tuple(
        TopicCost(
            topic=name,
            cost=summary.cost,
            queries=summary.queries,
            share=summary.cost / costs.cost if costs.cost > 0 else 0.0,
        )
        for name, summary in list(cost_by_topic(todays).items())[:top]
    )
    if note is None and get_settings().model_backend == "offline":
        note = OFFLINE_NOTE
    return DailyReport(
        date=day,
        total_queries=costs.queries,
        total_cost=costs.cost,
        avg_cost_per_query=costs.cost_per_query,
        baseline_cost=costs.baseline_cost,
        savings=costs.savings,
        savings_percentage=costs.savings_fraction * 100,
        success_rate=metrics.success_rate,
        positive_sentiment_rate=metrics.positive_sentiment_rate,
        sentiment_n=metrics.sentiment_n,
        correctness=correctness,
        routing_rate=metrics.routing_rate,
        top_topics=topics,
        recommendation=recommend(todays, config, correctness),
        note=note,
    )
