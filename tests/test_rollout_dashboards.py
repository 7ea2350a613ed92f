"""The seed's dashboards drawn from crafted records: one line per model, savings that accumulate, topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from techhub.rollout import priced_record
from techhub.rollout.assistants import describe
from techhub.rollout.dashboards import cost_dashboard, performance_dashboard

T0 = datetime(2025, 11, 20, 9, tzinfo=UTC)


def records():
    rows = []
    for i in range(12):
        model = "gpt-4o" if i < 4 else "gpt-4o-mini"
        rows.append(
            priced_record(
                model=model, input_tokens=2000, output_tokens=200, run_id=f"r{i}",
                start_time=T0 + timedelta(seconds=5 * i),
                latency_s=0.1 * (i + 1), topic="orders" if i % 3 else "policies",
                config_name="baseline" if model == "gpt-4o" else "production",
                sentiment="positive" if i % 2 else "negative", error=None if i != 7 else "boom",
            )
        )  # fmt: skip
    return rows


def test_cost_dashboard():
    fig = cost_dashboard(records(), freq="10s")
    cost, savings, topics = fig.axes
    assert sorted(line.get_label() for line in cost.get_lines()) == ["gpt-4o", "gpt-4o-mini"]
    cumulative = savings.get_lines()[0].get_ydata()
    assert list(cumulative) == sorted(cumulative) and cumulative[-1] > 0  # savings only grow
    assert [t.get_text() for t in topics.get_yticklabels()] == ["policies", "orders"]  # dearest on top


def test_performance_dashboard():
    fig = performance_dashboard(records(), group=lambda r: r.config_name, group_title="by configuration")
    rates, latency = fig.axes
    assert [t.get_text() for t in rates.get_xticklabels()] == ["baseline", "production"]
    heights = [bar.get_height() for bar in rates.patches]
    assert heights[:2] == [1.0, 7 / 8]  # success: production has one failed query in 8
    assert [t.get_text() for t in latency.get_xticklabels()] == ["gpt-4o", "gpt-4o-mini"]


def test_describe_an_assistant():
    assistant = {"config": {"configurable": {"model": "gpt-4o", "version": "v2", "enable_caching": False},
                            "tags": ["production", "gpt-4o", "fallback"]}}  # fmt: skip
    assert describe(assistant) == "gpt-4o, prompt v2, caching off, tags production/gpt-4o/fallback"
