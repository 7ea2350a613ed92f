"""A/B test of two configurations: a stable split, per-arm metrics and a verdict that states its uncertainty.

The statistics come from maintained libraries, not from this file: the success-rate difference has a
Newcombe (hybrid score) confidence interval from statsmodels, which stays sensible when an arm has
100% success (the Wald interval collapses to a point there); the cost difference is Welch's t-test
from scipy, with its confidence interval. The verdict says how many queries each arm had and what
the interval allows: "no detectable difference" on 20 queries is a statement about the sample.

Offline, the two configurations answer identically by construction, so an offline A/B test can only
show cost and latency differences; quality differences are measured live.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from techhub.rollout.configs import ABSettings, ModelConfig, load_rollout_config
from techhub.rollout.metrics import WindowMetrics, compute_metrics
from techhub.rollout.records import QueryRecord
from techhub.rollout.split import Arm, assign_arm

Decision = Literal["adopt candidate", "keep control", "keep testing"]


@dataclass(frozen=True)
class ABTest:
    """The seed's ``ABTest``, with a split that survives restarts (salted by the test's name)."""

    name: str
    control: ModelConfig
    candidate: ModelConfig
    candidate_share: float = 0.5

    def assign(self, key: str) -> Arm:
        """The arm of a customer (or thread) id."""
        return assign_arm(key, self.candidate_share, salt=f"ab:{self.name}")

    def config_for(self, key: str) -> ModelConfig:
        return self.candidate if self.assign(key) == "candidate" else self.control


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class ABVerdict:
    control: WindowMetrics
    candidate: WindowMetrics
    confidence: float
    success_difference: Interval | None
    cost_difference: Interval | None
    cost_p_value: float | None
    decision: Decision
    verdict: str

    def __str__(self) -> str:
        return self.verdict


def _success_interval(
    control: Sequence[QueryRecord], candidate: Sequence[QueryRecord], confidence: float
) -> Interval:
    from statsmodels.stats.proportion import confint_proportions_2indep  # heavy: imported when used

    ok_control = sum(r.succeeded for r in control)
    ok_candidate = sum(r.succeeded for r in candidate)
    low, high = confint_proportions_2indep(
        ok_candidate,
        len(candidate),
        ok_control,
        len(control),
        method="newcomb",
        compare="diff",
        alpha=1 - confidence,
    )
    estimate = ok_candidate / len(candidate) - ok_control / len(control)
    return Interval(estimate, float(low), float(high))


def _cost_interval(
    control: Sequence[QueryRecord], candidate: Sequence[QueryRecord], confidence: float
) -> tuple[Interval, float | None]:
    from scipy import stats  # heavy: imported when used

    a = np.array([r.cost for r in candidate], dtype=float)
    b = np.array([r.cost for r in control], dtype=float)
    estimate = float(a.mean() - b.mean())
    if a.std() == 0 and b.std() == 0:
        # No spread in either arm (Welch's test is undefined): the difference is exact.
        return Interval(estimate, estimate, estimate), (0.0 if estimate else 1.0)
    test = stats.ttest_ind(a, b, equal_var=False)
    ci = test.confidence_interval(confidence_level=confidence)
    return Interval(estimate, float(ci.low), float(ci.high)), float(test.pvalue)


def _dollars(value: float) -> str:
    return f"{'-' if value < 0 else '+'}${abs(value):.5f}"


def _pts(value: float) -> str:
    return f"{value * 100:+.1f} pts"


def compare_arms(records: Iterable[QueryRecord], settings: ABSettings | None = None) -> ABVerdict:
    """Compare the ``candidate`` arm with the ``control`` arm of ``records`` (by each record's ``arm``)."""
    settings = settings or load_rollout_config().ab
    records = list(records)
    control = [r for r in records if r.arm == "control"]
    candidate = [r for r in records if r.arm == "candidate"]
    control_m, candidate_m = compute_metrics(control), compute_metrics(candidate)
    level = f"{settings.confidence:.0%} CI"
    sizes = f"control n={len(control)}, candidate n={len(candidate)}"
    if len(control) < 2 or len(candidate) < 2:
        text = f"Keep testing: too few queries to compare ({sizes}; at least 2 per arm)."
        return ABVerdict(control_m, candidate_m, settings.confidence, None, None, None, "keep testing", text)

    success = _success_interval(control, candidate, settings.confidence)
    cost, p_value = _cost_interval(control, candidate, settings.confidence)
    margin = settings.non_inferiority_margin
    alpha = 1 - settings.confidence

    if success.low > 0:
        success_text, success_ok, success_worse = "the candidate succeeds more often", True, False
    elif success.high < 0:
        success_text, success_ok, success_worse = "the candidate fails more often", False, True
    elif success.low > -margin:
        success_text = f"the candidate is not worse by more than {margin * 100:.0f} pts"
        success_ok, success_worse = True, False
    else:
        success_text = (
            f"inconclusive: the interval allows a loss of more than {margin * 100:.0f} pts; "
            "more traffic would narrow it"
        )
        success_ok, success_worse = False, False
    success_line = (
        f"Success rate {candidate_m.success_rate:.1%} vs {control_m.success_rate:.1%}: "
        f"{_pts(success.estimate)} ({level} {_pts(success.low)} to {_pts(success.high)}); "
        f"{success_text}."
    )

    relative = cost.estimate / control_m.cost_per_query if control_m.cost_per_query else math.nan
    significant = p_value is not None and p_value < alpha
    if significant and cost.estimate < 0:
        cost_text, cheaper, dearer = "cheaper", True, False
    elif significant and cost.estimate > 0:
        cost_text, cheaper, dearer = "more expensive", False, True
    else:
        cost_text, cheaper, dearer = "no detectable cost difference", False, False
    p_text = "n/a" if p_value is None else ("<0.001" if p_value < 0.001 else f"={p_value:.3f}")
    cost_line = (
        f"Cost per query ${candidate_m.cost_per_query:.5f} vs ${control_m.cost_per_query:.5f}: "
        f"{_dollars(cost.estimate)} ({relative:+.0%}; {level} {_dollars(cost.low)} to {_dollars(cost.high)}, "
        f"Welch p{p_text}); {cost_text}."
    )

    decision: Decision
    if success_worse or (dearer and not success.low > 0):
        decision = "keep control"
    elif success_ok and (cheaper or success.low > 0):
        decision = "adopt candidate"
    else:
        decision = "keep testing"
    text = "\n".join([f"Decision: {decision} ({sizes}).", success_line, cost_line])
    return ABVerdict(control_m, candidate_m, settings.confidence, success, cost, p_value, decision, text)
