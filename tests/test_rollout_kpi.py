"""The seed's KPI table filled from crafted records, against figures computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from techhub.rollout.alerts import query_alert
from techhub.rollout.kpi import kpi_table
from techhub.rollout.metrics import compute_metrics
from techhub.rollout.records import priced_record

DAY1 = datetime(2025, 11, 20, 9, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def records():
    """Two days, 10 turns: 9 on gpt-4o-mini at 10,000/1,000 tokens ($0.0021, baseline $0.035), one on gpt-4o
    routed to the fallback ($0.035), one failure. Savings: 9 x (0.035 - 0.0021) = $0.2961 over 2 days."""
    rows = []
    for i in range(10):
        fallback = i == 9
        rows.append(
            priced_record(
                model="gpt-4o" if fallback else "gpt-4o-mini",
                input_tokens=10_000,
                output_tokens=1_000,
                run_id=f"r{i}",
                start_time=(DAY1 if i < 5 else DAY2) + timedelta(minutes=i),
                latency_s=0.5 + i * 0.1,
                strategy="fallback" if fallback else "standard",
                sentiment="positive" if i % 2 else "negative",
                error="boom" if i == 4 else None,
            )
        )
    return rows


def test_kpi_rows_from_records():
    data = records()
    alerts = [a for a in map(query_alert, data) if a]
    baseline = compute_metrics(data[:3], correctness=0.82)  # e.g. a control arm
    table = kpi_table(data, correctness=0.9, baseline=baseline, alerts=alerts)
    rows = {row.metric: row for row in table.rows}
    assert table.queries == 10 and table.days == 2
    cost = rows["Cost per Query"]
    assert cost.baseline == pytest.approx(0.035)
    assert cost.actual == pytest.approx((9 * 0.0021 + 0.035) / 10)
    assert cost.target == 0.002 and cost.met is False
    assert rows["Success Rate"].actual == pytest.approx(0.9) and rows["Success Rate"].met is False
    assert rows["Success Rate"].baseline == 1.0
    assert rows["Positive Sentiment (seed: HRM confidence)"].actual == pytest.approx(0.5)
    correctness = rows["Correctness (seed: TRM confidence)"]
    assert (correctness.baseline, correctness.actual, correctness.met) == (0.82, 0.9, True)
    assert rows["Latency p95"].actual == pytest.approx(compute_metrics(data).latency_p95_s)
    monthly = rows["Monthly Savings (extrapolated)"]
    assert monthly.actual == pytest.approx(9 * (0.035 - 0.0021) / 2 * 30)
    assert monthly.baseline == 0 and monthly.target == 1100
    routing = rows["Routing Rate (seed: MCTS usage)"]
    assert routing.actual == pytest.approx(0.1) and routing.met is False  # target < 5%
    assert rows["Alerts per Day"].actual == pytest.approx(0.5) and rows["Alerts per Day"].met is True
    assert "extrapolated" in table.note and "10 queries over 2 day(s)" in table.note


def test_kpi_frame_reads_like_the_seed_table():
    frame = kpi_table(records()).to_frame()
    assert list(frame.columns) == ["Metric", "Baseline", "Target", "Actual", "Met"]
    success = frame.set_index("Metric").loc["Success Rate"]
    assert (success["Baseline"], success["Target"], success["Actual"], success["Met"]) == (
        "n/a",
        "≥ 99.0%",
        "90.0%",
        "no",
    )
    assert frame.set_index("Metric").loc["Monthly Savings (extrapolated)", "Target"] == "≥ $1,100.00"


def test_an_empty_period_has_no_actuals():
    table = kpi_table([])
    assert table.days == 0 and all(row.actual is None and row.met is None for row in table.rows)
