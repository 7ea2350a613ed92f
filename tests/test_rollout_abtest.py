"""The A/B verdict on crafted data: a cheaper equal candidate, a worse one, too little data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from techhub.rollout.abtest import ABTest, compare_arms
from techhub.rollout.configs import ABSettings, load_rollout_config
from techhub.rollout.records import QueryRecord

SETTINGS = ABSettings(confidence=0.95, non_inferiority_margin=0.02)
T0 = datetime(2025, 11, 20, tzinfo=UTC)


def arm(
    name: str, n: int, *, failures: int = 0, cost: float = 0.002, spread: float = 0.0005
) -> list[QueryRecord]:
    return [
        QueryRecord(
            run_id=f"{name}-{i}",
            start_time=T0,
            latency_s=1.0,
            arm=name,
            error="boom" if i < failures else None,
            cost=cost + spread * ((i % 5) - 2) / 2,
        )
        for i in range(n)
    ]


def test_a_cheaper_candidate_that_is_not_worse_is_adopted():
    verdict = compare_arms(arm("control", 300, cost=0.025) + arm("candidate", 300, cost=0.0015), SETTINGS)
    assert verdict.decision == "adopt candidate"
    assert verdict.control.n == 300 and verdict.candidate.n == 300
    # 100% in both arms: the interval is centred on 0 and narrower than the 2-point margin.
    assert verdict.success_difference.estimate == 0
    assert -0.02 < verdict.success_difference.low < 0 < verdict.success_difference.high < 0.02
    assert verdict.cost_difference.estimate == pytest.approx(0.0015 - 0.025)
    assert verdict.cost_difference.high < 0 and verdict.cost_p_value < 0.001
    assert "control n=300, candidate n=300" in verdict.verdict
    assert "not worse by more than 2 pts" in verdict.verdict and "cheaper" in verdict.verdict
    assert "95% CI" in verdict.verdict


def test_a_candidate_that_fails_more_often_is_rejected_even_if_cheaper():
    verdict = compare_arms(
        arm("control", 300, failures=3) + arm("candidate", 300, failures=45, cost=0.001), SETTINGS
    )
    assert verdict.decision == "keep control"
    assert verdict.success_difference.high < 0
    assert "the candidate fails more often" in verdict.verdict


def test_a_small_sample_is_inconclusive_and_says_so():
    verdict = compare_arms(arm("control", 12) + arm("candidate", 12, failures=1), SETTINGS)
    assert verdict.decision == "keep testing"
    assert verdict.success_difference.low < -0.02  # the interval allows a real loss
    assert "inconclusive" in verdict.verdict and "more traffic" in verdict.verdict
    assert "no detectable cost difference" in verdict.verdict


def test_too_few_queries_to_compare():
    verdict = compare_arms(arm("control", 5) + arm("candidate", 1), SETTINGS)
    assert verdict.decision == "keep testing" and verdict.success_difference is None
    assert "too few queries" in verdict.verdict and "candidate n=1" in verdict.verdict


def test_identical_costs_need_no_test():
    verdict = compare_arms(arm("control", 50, spread=0) + arm("candidate", 50, spread=0), SETTINGS)
    assert verdict.cost_difference.estimate == 0 and verdict.cost_p_value == 1.0
    assert verdict.decision == "keep testing"  # not worse, but not cheaper either


def test_ab_test_split_is_stable_and_salted_by_name():
    config = load_rollout_config()
    test = ABTest("fallback_validation", config.production, config.fallback, candidate_share=0.05)
    users = [f"user-{i}" for i in range(4000)]
    arms = [test.assign(u) for u in users]
    assert arms == [test.assign(u) for u in users]
    assert abs(arms.count("candidate") / len(users) - 0.05) < 0.015
    candidate = next(u for u, a in zip(users, arms, strict=True) if a == "candidate")
    assert test.config_for(candidate).model == "gpt-4o"
