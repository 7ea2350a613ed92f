"""record_from_runs: the SDK's v2 run objects mapped to QueryRecords (tokens, cost, cache hits, feedback)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from langsmith.types import Run

from techhub.models.pricing import cost_of
from techhub.rollout.traces import load_records, record_from_runs, sentiment_from_stats

T0 = datetime(2025, 11, 20, 9, tzinfo=UTC)


def root(**fields) -> Run:
    base = {
        "id": "0b5c6a8e-0000-4000-8000-000000000001",
        "name": "supervisor_hitl_sql_agent",
        "start_time": T0,
        "end_time": T0 + timedelta(seconds=2.5),
        "status": "SUCCESS",
        "thread_id": "thread-1",
        "tags": ["production", "gpt-4o-mini", "standard"],
        "metadata": {
            "topic": "orders",
            "strategy": "standard",
            "complexity": 0.25,
            "rollout_config": "production",
            "arm": "candidate",
            "model": "gpt-4o-mini",
        },
        "feedback_stats": {"user_sentiment": {"n": 1, "avg": 1.0, "values": {"positive": 1}}},
    }
    return Run(**{**base, **fields})


def llm(prompt: int, completion: int, model: str = "gpt-4o-mini", cached: bool = False) -> Run:
    usage = {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}
    if cached:
        usage["total_cost"] = 0
    outputs = {"generations": [[{"message": {"kwargs": {"usage_metadata": usage}}}]]}
    return Run(
        run_type="LLM",
        prompt_tokens=prompt,
        completion_tokens=completion,
        metadata={"ls_model_name": model},
        outputs=outputs,
    )


def test_a_turn_from_its_root_and_llm_runs():
    record = record_from_runs(root(), [llm(1000, 100), llm(2000, 50), llm(2000, 50, cached=True)])
    assert record.run_id == "0b5c6a8e-0000-4000-8000-000000000001" and record.thread_id == "thread-1"
    assert record.latency_s == pytest.approx(2.5) and record.succeeded
    assert (record.input_tokens, record.output_tokens) == (3000, 150)  # the cache hit is not billed
    assert record.cost == pytest.approx(cost_of("gpt-4o-mini", 3000, 150))
    assert record.model == "gpt-4o-mini" and record.topic == "orders"
    assert record.tags == ("production", "gpt-4o-mini", "standard")
    assert record.sentiment == "positive"
    assert (record.strategy, record.complexity, record.config_name, record.arm) == (
        "standard",
        0.25,
        "production",
        "candidate",
    )


def test_each_llm_run_is_priced_as_its_own_model():
    record = record_from_runs(
        root(), [llm(1000, 100, "gpt-4o"), llm(1000, 100, "gpt-4o-mini"), llm(1000, 100, "gpt-4o")]
    )
    assert record.model == "gpt-4o"
    assert record.cost == pytest.approx(2 * cost_of("gpt-4o", 1000, 100) + cost_of("gpt-4o-mini", 1000, 100))


def test_without_llm_runs_the_root_totals_are_priced_as_the_turns_model():
    record = record_from_runs(root(prompt_tokens=5000, completion_tokens=500, latency_seconds=1.25))
    assert (record.input_tokens, record.output_tokens) == (5000, 500)
    assert record.cost == pytest.approx(cost_of("gpt-4o-mini", 5000, 500))
    assert record.latency_s == 1.25


def test_errors_and_missing_feedback():
    failed = record_from_runs(root(status="ERROR", error="GraphRecursionError: limit", feedback_stats={}))
    assert not failed.succeeded and failed.error.startswith("GraphRecursionError")
    assert failed.sentiment is None
    silent = record_from_runs(root(status="ERROR", error=None))
    assert silent.error == "error (no message recorded)"
    with pytest.raises(ValueError, match="id and start_time"):
        record_from_runs(Run(id="x"))


def test_sentiment_from_categories_or_scores():
    assert sentiment_from_stats({"user_sentiment": {"values": {"negative": 2, "positive": 1}}}) == "negative"
    assert sentiment_from_stats({"user_sentiment": {"avg": 0.0, "values": {}}}) == "negative"
    assert sentiment_from_stats({"user_sentiment": {"avg": 1.0}}) == "positive"
    assert sentiment_from_stats({"correctness": {"avg": 1.0}}) is None
    stats = root().feedback_stats  # the SDK's typed FeedbackStats objects work too
    assert sentiment_from_stats(stats) == "positive"


def test_the_trace_loader_waits_for_the_v2_helpers():
    with pytest.raises(NotImplementedError, match="techhub.smith"):
        load_records(project_name="techhub-workshop-deployment")
