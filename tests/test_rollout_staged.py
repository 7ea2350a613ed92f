"""Staged rollout on crafted traffic: healthy to 100%, a regression rolled back with its reason, the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from techhub.rollout.configs import load_rollout_config
from techhub.rollout.records import QueryRecord
from techhub.rollout.sinks import ListSink
from techhub.rollout.split import assign_arm
from techhub.rollout.staged import Stage, decide_stage, default_stages, run_staged_rollout

GATE = load_rollout_config().gates.stage
T0 = datetime(2025, 11, 20, tzinfo=UTC)


class Traffic:
    """Simulated customers: customer i is split by a stable hash; the candidate may be broken."""

    def __init__(self, *, broken_from_share: float | None = None, candidate_cost: float = 0.0015) -> None:
        self.calls: list[tuple[float, int]] = []
        self.broken_from_share = broken_from_share
        self.candidate_cost = candidate_cost
        self.next_customer = 0

    def __call__(self, share: float, conversations: int) -> list[QueryRecord]:
        self.calls.append((share, conversations))
        records = []
        for _ in range(conversations):
            customer = f"customer-{self.next_customer}"
            self.next_customer += 1
            arm = assign_arm(customer, share, salt="rollout")
            broken = (
                arm == "candidate" and self.broken_from_share is not None and share >= self.broken_from_share
            )
            records.append(
                QueryRecord(
                    run_id=f"run-{customer}",
                    thread_id=customer,
                    start_time=T0 + timedelta(seconds=self.next_customer),
                    latency_s=0.9,
                    arm=arm,
                    error="ToolException: no such table: orders" if broken else None,
                    cost=self.candidate_cost if arm == "candidate" else 0.025,
                    sentiment="positive",
                )
            )
        return records


def test_a_healthy_candidate_reaches_full_traffic():
    traffic = Traffic()
    outcome = run_staged_rollout(traffic, default_stages(60), gate=GATE)
    assert traffic.calls == [(0.10, 60), (0.50, 60), (1.00, 60)]
    assert [e.action for e in outcome.log] == ["promote", "promote", "complete"]
    assert outcome.completed and not outcome.rolled_back and outcome.final_share == 1.0
    assert outcome.log[-1].candidate.n == 60 and outcome.log[-1].control_n == 0
    assert outcome.log[1].candidate.n + outcome.log[1].control_n == 60


def test_a_regression_is_rolled_back_at_the_stage_that_sees_it():
    traffic = Traffic(broken_from_share=0.5)
    sink, rolled_back = ListSink(), []
    outcome = run_staged_rollout(
        traffic, default_stages(60), gate=GATE, sink=sink, on_rollback=rolled_back.append
    )
    assert [e.action for e in outcome.log] == ["promote", "rollback"]
    assert len(traffic.calls) == 2  # the 100% stage never runs
    assert outcome.rolled_back and outcome.final_share == 0.0
    assert "Success rate drop: 0.00% < 95.00%" in outcome.reason
    assert "Error rate spike: 100.00% > 5.00%" in outcome.reason
    assert {a.metric for a in sink.alerts} == {"success_rate", "error_rate"}
    assert rolled_back == [outcome.log[-1]]


def test_a_cost_regression_alone_rolls_back():
    outcome = run_staged_rollout(Traffic(candidate_cost=0.009), default_stages(40), gate=GATE)
    assert outcome.rolled_back and len(outcome.log) == 1
    assert [a.metric for a in outcome.log[0].alerts] == ["cost_per_query"]


def test_no_candidate_traffic_is_not_a_pass():
    entry = decide_stage(1, Stage(0.1, 3), [], GATE, last=False)
    assert entry.action == "rollback" and "no candidate traffic" in entry.reason


def test_the_decision_log_prints_as_a_table():
    outcome = run_staged_rollout(Traffic(broken_from_share=0.5), default_stages(60), gate=GATE)
    frame = outcome.to_frame()
    assert list(frame["decision"]) == ["promote", "rollback"]
    assert list(frame["candidate share"]) == ["10%", "50%"]
    assert frame["success"].iloc[1] == "0.0%"
    table = outcome.table()
    assert "candidate queries" in table.splitlines()[0] and "rollback" in table


def test_stages_are_validated():
    with pytest.raises(ValueError, match="share"):
        Stage(0.0, 10)
    with pytest.raises(ValueError, match="conversation"):
        Stage(0.5, 0)
