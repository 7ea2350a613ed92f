"""Cost arithmetic, the daily report and the blended savings, against figures computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from techhub.rollout.costs import (
    blended_savings,
    cost_by_day,
    cost_by_period,
    cost_by_topic,
    per_token_savings,
    routing_rate_for_savings,
    summarize_costs,
)
from techhub.rollout.records import priced_record, records_frame
from techhub.rollout.report import daily_report

DAY = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


def traffic():
    """Four turns on 2025-11-20. By hand, at $/1M tokens (in/out) 0.15/0.60 (mini) and 2.50/10.00 (4o):
    r1 mini 10,000/2,000: 0.0015 + 0.0012 = 0.0027;   baseline 0.025 + 0.020 = 0.045
    r2 mini 20,000/1,000: 0.0030 + 0.0006 = 0.0036;   baseline 0.050 + 0.010 = 0.060
    r3 4o    4,000/1,000: 0.0100 + 0.0100 = 0.0200;   baseline 0.0200
    r4 mini  1,000/0 (failed): 0.00015;               baseline 0.0025
    total 0.02645, baseline 0.1275, savings 0.10105 (79.2549%), success 3/4.
    """
    return [
        priced_record(
            model="gpt-4o-mini",
            input_tokens=10_000,
            output_tokens=2_000,
            run_id="r1",
            start_time=DAY,
            latency_s=1.0,
            topic="orders",
            sentiment="positive",
        ),
        priced_record(
            model="gpt-4o-mini",
            input_tokens=20_000,
            output_tokens=1_000,
            run_id="r2",
            start_time=DAY.replace(hour=10),
            latency_s=1.5,
            topic="products",
            sentiment="negative",
        ),
        priced_record(
            model="gpt-4o",
            input_tokens=4_000,
            output_tokens=1_000,
            run_id="r3",
            start_time=DAY.replace(hour=11),
            latency_s=3.0,
            topic="policies",
            strategy="fallback",
        ),
        priced_record(
            model="gpt-4o-mini",
            input_tokens=1_000,
            output_tokens=0,
            run_id="r4",
            start_time=DAY.replace(hour=12),
            latency_s=0.2,
            topic="orders",
            error="Timeout",
        ),
    ]


def test_per_query_cost_uses_the_seed_prices():
    r1, r2, r3, r4 = traffic()
    assert r1.cost == pytest.approx(0.0027) and r1.baseline_cost() == pytest.approx(0.045)
    assert r2.cost == pytest.approx(0.0036) and r2.baseline_cost() == pytest.approx(0.060)
    assert r3.cost == pytest.approx(0.0200) and r3.baseline_cost() == pytest.approx(0.0200)
    assert r4.cost == pytest.approx(0.00015) and not r4.succeeded


def test_totals_and_topics():
    summary = summarize_costs(traffic())
    assert summary.queries == 4
    assert summary.cost == pytest.approx(0.02645)
    assert summary.baseline_cost == pytest.approx(0.1275)
    assert summary.savings == pytest.approx(0.10105)
    assert summary.savings_fraction == pytest.approx(0.10105 / 0.1275)
    topics = cost_by_topic(traffic())
    assert list(topics) == ["policies", "products", "orders"]
    assert topics["orders"].cost == pytest.approx(0.00285) and topics["orders"].queries == 2


def test_periods():
    records = traffic() + [
        priced_record(
            model="gpt-4o-mini",
            input_tokens=10_000,
            output_tokens=0,
            run_id="r5",
            start_time=datetime(2025, 11, 21, 8, tzinfo=UTC),
            latency_s=1.0,
        ),
    ]
    days = cost_by_day(records)
    assert list(days) == [date(2025, 11, 20), date(2025, 11, 21)]
    assert days[date(2025, 11, 21)].cost == pytest.approx(0.0015)
    table = cost_by_period(records, "D")
    assert list(table["queries"]) == [4, 1]
    assert table["cumulative_savings"].iloc[-1] == pytest.approx(0.10105 + (0.025 - 0.0015))
    hourly = cost_by_period(records, "h")
    assert len(hourly) == 5  # empty hours are dropped
    assert cost_by_period([], "D").empty


def test_daily_report_figures():
    report = daily_report(traffic(), correctness=0.9)
    assert report.date == date(2025, 11, 20)
    assert report.total_queries == 4
    assert report.total_cost == pytest.approx(0.02645)
    assert report.avg_cost_per_query == pytest.approx(0.02645 / 4)
    assert report.baseline_cost == pytest.approx(0.1275)
    assert report.savings == pytest.approx(0.10105)
    assert report.savings_percentage == pytest.approx(79.2549, abs=1e-3)
    assert report.success_rate == pytest.approx(0.75)
    assert report.positive_sentiment_rate == pytest.approx(0.5) and report.sentiment_n == 2
    assert report.routing_rate == pytest.approx(0.25)
    assert [t.topic for t in report.top_topics] == ["policies", "products", "orders"]
    assert report.top_topics[0].share == pytest.approx(0.02 / 0.02645)
    # success 75% < 95%: the rollback gate fires, and the recommendation says so.
    assert report.recommendation.startswith("Roll back to gpt-4o")
    assert "Success rate drop: 75.00% < 95.00%" in report.recommendation
    data = report.as_dict()
    assert data["date"] == "2025-11-20" and data["top_topics"][0]["topic"] == "policies"
    frame = report.to_frame()
    assert frame.set_index("figure").loc["total_queries", "value"] == 4


def test_daily_report_text_looks_like_the_seed_sample():
    text = daily_report(traffic()).render()
    lines = text.splitlines()
    assert lines[0] == "=" * 60 and lines[2] == "=" * 60 and lines[-1] == "=" * 60
    assert lines[1] == "Daily Cost Report - 2025-11-20"
    assert "Total Queries:        4" in lines
    assert "Optimized Cost:       $0.0265" in lines
    assert "Savings:              $0.1011 (79%)" in lines
    assert "Success Rate:         75.0%" in lines
    assert "  1. policies:        $0.0200 (76%)" in lines
    assert any(line.startswith("Recommendation: Roll back") for line in lines)
    assert any("approximate" in line for line in lines)  # the offline caveat (tests run offline)


def test_healthy_day_recommends_continuing_and_picks_the_latest_day():
    healthy = [
        r.model_copy(update={"sentiment": "positive"})
        for r in traffic()
        if r.succeeded and r.model == "gpt-4o-mini"
    ]
    earlier = priced_record(
        model="gpt-4o",
        input_tokens=1,
        output_tokens=1,
        run_id="old",
        start_time=datetime(2025, 11, 19, tzinfo=UTC),
        latency_s=1,
        error="boom",
    )
    report = daily_report([earlier, *healthy], note="")
    assert report.date == date(2025, 11, 20) and report.total_queries == 2
    assert report.recommendation.startswith("Continue with gpt-4o-mini")
    assert "Note:" not in report.render()


def test_mini_is_94_percent_cheaper_per_token_so_87_percent_needs_some_fallback_traffic():
    assert per_token_savings("gpt-4o-mini") == pytest.approx(0.94)
    assert per_token_savings("gpt-4o-mini", input_tokens=1, output_tokens=0) == pytest.approx(0.94)
    assert blended_savings(0.0) == pytest.approx(0.94)
    assert blended_savings(1.0) == pytest.approx(0.0)
    rate = routing_rate_for_savings(0.87)
    assert rate == pytest.approx(1 - 0.87 / 0.94)  # about 7.4% of queries on gpt-4o
    assert blended_savings(rate) == pytest.approx(0.87)
    with pytest.raises(ValueError, match="between 0 and 0.9400"):
        routing_rate_for_savings(0.95)
    with pytest.raises(ValueError, match="routing_rate"):
        blended_savings(1.5)


def test_records_frame_has_one_row_per_turn():
    frame = records_frame(traffic())
    assert list(frame["status"]) == ["success", "success", "success", "error"]
    assert frame["baseline_cost"].sum() == pytest.approx(0.1275)
