"""The seed's LangSmith dashboards as matplotlib figures, drawn from records.

``cost_dashboard``: cost per query over time (one line per model), cumulative savings against the
gpt-4o baseline (area), cost by topic (bars): the seed's "Cost Analysis" and "Domain-Specific"
dashboards. ``performance_dashboard``: success and positive-sentiment rates per group (e.g. per
stage or arm) and latency percentiles per model (box plot, p50/p95 marked): its "Performance"
dashboard. Periods are as long as the data needs (``freq``): a course run spans minutes, production
traffic days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from techhub.rollout.costs import cost_by_period, cost_by_topic
from techhub.rollout.metrics import compute_metrics
from techhub.rollout.records import QueryRecord


def plot_cost_per_query(ax: Axes, records: Sequence[QueryRecord], freq: str = "10s") -> None:
    for model in sorted({r.model or "unknown" for r in records}):
        table = cost_by_period([r for r in records if (r.model or "unknown") == model], freq)
        ax.plot(table.index, table["cost_per_query"], marker="o", label=model)
    ax.set_title("Cost per query over time")
    ax.set_ylabel("US$ per query")
    ax.legend()
    ax.tick_params(axis="x", labelrotation=30)


def plot_cumulative_savings(ax: Axes, records: Sequence[QueryRecord], freq: str = "10s") -> None:
    table = cost_by_period(records, freq)
    ax.fill_between(table.index, table["cumulative_savings"], alpha=0.4, step="post")
    ax.plot(table.index, table["cumulative_savings"], drawstyle="steps-post")
    ax.set_title("Cumulative savings vs. gpt-4o prices")
    ax.set_ylabel("US$ saved")
    ax.tick_params(axis="x", labelrotation=30)


def plot_cost_by_topic(ax: Axes, records: Sequence[QueryRecord]) -> None:
    topics = cost_by_topic(records)
    ax.barh(list(topics)[::-1], [s.cost for s in topics.values()][::-1])
    ax.set_title("Cost by topic")
    ax.set_xlabel("US$")


def plot_rates(
    ax: Axes, records: Sequence[QueryRecord], group: Callable[[QueryRecord], str], title: str
) -> None:
    names = sorted({group(r) for r in records})
    metrics = [compute_metrics([r for r in records if group(r) == name]) for name in names]
    x = np.arange(len(names))
    success = [m.success_rate or 0.0 for m in metrics]
    sentiment = [np.nan if m.positive_sentiment_rate is None else m.positive_sentiment_rate for m in metrics]
    ax.bar(x - 0.2, success, 0.4, label="success")
    ax.bar(x + 0.2, sentiment, 0.4, label="positive sentiment")
    ax.set_xticks(x, names, rotation=20)
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(loc="lower right")


def plot_latency(ax: Axes, records: Sequence[QueryRecord]) -> None:
    models = sorted({r.model or "unknown" for r in records})
    data = [[r.latency_s for r in records if (r.model or "unknown") == m] for m in models]
    ax.boxplot(data, tick_labels=models, whis=(5, 95), showfliers=False)
    for i, values in enumerate(data, start=1):
        if values:
            ax.scatter([i, i], np.percentile(values, [50, 95]), marker="_", s=300, color="black")
    ax.set_title("Latency per turn (whiskers p5-p95)")
    ax.set_ylabel("seconds")


def cost_dashboard(records: Sequence[QueryRecord], freq: str = "10s") -> Figure:
    fig = Figure(figsize=(13, 3.8), dpi=90, layout="constrained")
    axes = fig.subplots(1, 3)
    plot_cost_per_query(axes[0], records, freq)
    plot_cumulative_savings(axes[1], records, freq)
    plot_cost_by_topic(axes[2], records)
    return fig


def performance_dashboard(
    records: Sequence[QueryRecord], group: Callable[[QueryRecord], str], group_title: str
) -> Figure:
    fig = Figure(figsize=(11, 3.8), dpi=90, layout="constrained")
    axes = fig.subplots(1, 2)
    plot_rates(axes[0], records, group, group_title)
    plot_latency(axes[1], records)
    return fig
