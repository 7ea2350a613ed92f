"""The complexity router: thresholds, decisions and their run metadata, accuracy on labelled questions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from techhub.rollout.configs import load_rollout_config
from techhub.rollout.records import QueryRecord
from techhub.rollout.routing import (
    ComplexityRouter,
    complexity_score,
    complexity_signals,
    load_labelled_questions,
    router_accuracy,
    routing_rate,
)

CONFIG = load_rollout_config()
ROUTER = ComplexityRouter.from_config(CONFIG)
COMPARISON = "Compare the Keystrel Quietboard vs the Keystrel Tactile TKL."  # one signal: 0.5


def test_simple_questions_stay_on_production():
    decision = ROUTER.route("What's the status of my order ORD-2025-0030?")
    assert decision.score == 0 and not decision.escalated
    assert decision.model == "gpt-4o-mini" and decision.strategy == "standard"


def test_signals_add_up_and_cap_at_one():
    assert complexity_signals(COMPARISON) == {"comparison": 0.5}
    text = (
        "Maybe compare ORD-2025-0001 and ORD-2025-0002? Then the third? Not sure what I need first, "
        "it must arrive before Friday and I also want to return and exchange the webcam, possibly."
    )
    signals = complexity_signals(text)
    assert {
        "comparison",
        "several_orders",
        "several_questions",
        "sequence",
        "constraints",
        "ambiguity",
        "several_requests",
    } <= set(signals)
    assert complexity_score(text) == 1.0


def test_the_threshold_is_inclusive():
    at = replace(ROUTER, threshold=0.5).route(COMPARISON)
    above = replace(ROUTER, threshold=0.51).route(COMPARISON)
    assert at.escalated and at.model == "gpt-4o"
    assert not above.escalated and above.model == "gpt-4o-mini"


def test_a_decision_carries_the_run_metadata():
    decision = ROUTER.route(COMPARISON)
    assert decision.metadata() == {
        "complexity": 0.5,
        "strategy": "fallback",
        "rollout_config": "fallback",
        "complexity_signals": ["comparison"],
    }


def test_routing_rate_from_decisions_and_from_records():
    decisions = [ROUTER.route(q) for q in ("Hi", COMPARISON, "Do you ship to Canada?", "Hello")]
    assert routing_rate(decisions) == pytest.approx(0.25)
    records = [
        QueryRecord(
            run_id=str(i),
            start_time="2025-11-20T10:00:00Z",
            latency_s=1,
            strategy="fallback" if i < 3 else "standard",
        )
        for i in range(10)
    ]
    assert routing_rate(records) == pytest.approx(0.3)
    assert routing_rate([]) is None


def test_accuracy_on_dev_and_held_out_questions(capsys):
    questions = load_labelled_questions()
    assert {q.split for q in questions} == {"dev", "heldout"}
    accuracy = router_accuracy(ROUTER, questions)
    with capsys.disabled():
        for split, result in accuracy.items():
            print(f"\nrouter accuracy {split}: {result.correct}/{result.n} ({result.accuracy:.0%})")
    assert accuracy["dev"].accuracy >= 0.9
    assert accuracy["heldout"].accuracy >= 0.8
    assert accuracy["heldout"].n >= 15
