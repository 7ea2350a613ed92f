"""Staged rollout: 10% -> 50% -> 100% of traffic to the candidate, checked at every stage.

At each stage, ``send(share, conversations)`` runs that many conversations with ``share`` of the
customers on the candidate (the split is :func:`techhub.rollout.split.assign_arm`, so a customer
keeps their arm from stage to stage) and returns their :class:`QueryRecord` s, each with its
``arm``. The candidate's records are checked against the stage gate (the seed's Day 3-4
``ROLLBACK_TRIGGERS``, ``gates.stage`` in ``rollout.toml``): no trigger, the next stage; any trigger,
automatic rollback to 0% with the reason; after the last stage, complete. Every decision is logged.

``send`` is the only thing that touches an agent, so the logic runs on crafted records in tests and
on simulated customers against the deployment in the notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from techhub.rollout.alerts import Alert, check_gate
from techhub.rollout.configs import Gate, load_rollout_config
from techhub.rollout.metrics import WindowMetrics, compute_metrics
from techhub.rollout.records import QueryRecord
from techhub.rollout.sinks import AlertSink

SendTraffic = Callable[[float, int], Sequence[QueryRecord]]
"""``send(candidate_share, conversations) -> records`` (each record's ``arm`` is set)."""

Action = Literal["promote", "complete", "rollback"]


@dataclass(frozen=True)
class Stage:
    share: float
    conversations: int

    def __post_init__(self) -> None:
        if not 0.0 < self.share <= 1.0:
            raise ValueError(f"a stage's share must be in (0, 1], not {self.share}")
        if self.conversations < 1:
            raise ValueError(f"a stage needs at least one conversation, not {self.conversations}")


def default_stages(conversations: int = 40) -> tuple[Stage, ...]:
    """The seed's 10% -> 50% -> 100%, each with ``conversations`` conversations."""
    return tuple(Stage(share, conversations) for share in (0.10, 0.50, 1.00))


@dataclass(frozen=True)
class DecisionEntry:
    """One line of the decision log: what a stage saw and what was decided."""

    step: int
    share: float
    conversations: int
    candidate: WindowMetrics
    control_n: int
    action: Action
    reason: str
    alerts: tuple[Alert, ...] = ()


@dataclass
class RolloutOutcome:
    stages: tuple[Stage, ...]
    log: list[DecisionEntry] = field(default_factory=list)

    @property
    def rolled_back(self) -> bool:
        return bool(self.log) and self.log[-1].action == "rollback"

    @property
    def completed(self) -> bool:
        return bool(self.log) and self.log[-1].action == "complete"

    @property
    def final_share(self) -> float:
        """The candidate's share of traffic after the rollout: 0 after a rollback."""
        if not self.log or self.rolled_back:
            return 0.0
        return self.log[-1].share

    @property
    def reason(self) -> str:
        return self.log[-1].reason if self.log else "not started"

    def to_frame(self) -> pd.DataFrame:
        """The decision log, one row per stage."""
        return pd.DataFrame(
            [
                {
                    "stage": e.step,
                    "candidate share": f"{e.share:.0%}",
                    "conversations": e.conversations,
                    "candidate queries": e.candidate.n,
                    "control queries": e.control_n,
                    "success": _fmt(e.candidate.success_rate, "{:.1%}"),
                    "error rate": _fmt(e.candidate.error_rate, "{:.1%}"),
                    "p95 (s)": _fmt(e.candidate.latency_p95_s, "{:.2f}"),
                    "cost/query": _fmt(e.candidate.cost_per_query, "${:.4f}"),
                    "positive sentiment": _fmt(e.candidate.positive_sentiment_rate, "{:.0%}"),
                    "decision": e.action,
                    "reason": e.reason,
                }
                for e in self.log
            ]
        )

    def table(self) -> str:
        return self.to_frame().to_string(index=False)


def _fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else pattern.format(value)


def decide_stage(
    step: int,
    stage: Stage,
    records: Sequence[QueryRecord],
    gate: Gate,
    *,
    last: bool,
    correctness: float | None = None,
) -> DecisionEntry:
    """The decision for one stage from its records (pure: no traffic, no side effect)."""
    candidate = [r for r in records if r.arm == "candidate"]
    control_n = sum(1 for r in records if r.arm != "candidate")
    metrics = compute_metrics(candidate, correctness=correctness)
    if not candidate:
        return DecisionEntry(
            step,
            stage.share,
            stage.conversations,
            metrics,
            control_n,
            "rollback",
            "no candidate traffic at this stage: the gate cannot be checked",
        )
    alerts = tuple(check_gate(metrics, gate))
    if alerts:
        reason = "; ".join(a.message for a in alerts)
        return DecisionEntry(
            step, stage.share, stage.conversations, metrics, control_n, "rollback", reason, alerts
        )
    action: Action = "complete" if last else "promote"
    reason = f"all {len(gate.triggers)} triggers clear on {metrics.n} candidate queries"
    return DecisionEntry(step, stage.share, stage.conversations, metrics, control_n, action, reason)


def run_staged_rollout(
    send: SendTraffic,
    stages: Sequence[Stage] | None = None,
    *,
    gate: Gate | None = None,
    correctness: float | None = None,
    sink: AlertSink | None = None,
    on_rollback: Callable[[DecisionEntry], None] | None = None,
) -> RolloutOutcome:
    """Run the stages in order until one rolls back or the last completes.

    ``gate`` defaults to ``gates.stage`` of ``rollout.toml``. On rollback the alerts go to ``sink``
    (if given) and ``on_rollback`` is called (e.g. to point every customer back at the control).
    """
    stages = tuple(stages or default_stages())
    gate = gate or load_rollout_config().gates.stage
    outcome = RolloutOutcome(stages=stages)
    for step, stage in enumerate(stages, start=1):
        records = send(stage.share, stage.conversations)
        entry = decide_stage(step, stage, records, gate, last=step == len(stages), correctness=correctness)
        outcome.log.append(entry)
        if entry.action == "rollback":
            if sink is not None and entry.alerts:
                sink.send(entry.alerts)
            if on_rollback is not None:
                on_rollback(entry)
            break
    return outcome
