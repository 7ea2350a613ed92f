"""Check metrics against a gate: the alerts that fire, each with its message.

The thresholds are data (:class:`techhub.rollout.configs.Gate`, from ``rollout.toml``); this module
only compares and words. The seed's three lists stay apart: ``gates.stage`` is what the staged
rollout checks at each stage, ``gates.rollback`` what rolls production back once rolled out, and
``gates.alerts`` what is sent to the alert sink (:mod:`techhub.rollout.sinks`). Messages keep the
seed's style (an emoji, what moved, the value and the limit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from techhub.rollout.configs import Gate, Trigger
from techhub.rollout.metrics import WindowMetrics
from techhub.rollout.records import QueryRecord

Severity = Literal["warning", "critical"]

# metric -> (emoji, label, how to print a value)
_WORDING: dict[str, tuple[str, str, str]] = {
    "success_rate": ("🚨", "Success rate drop", "{:.2%}"),
    "error_rate": ("🚨", "Error rate spike", "{:.2%}"),
    "latency_p50_s": ("⏱️", "Latency p50 spike", "{:.2f}s"),
    "latency_p95_s": ("⏱️", "Latency p95 spike", "{:.2f}s"),
    "cost_per_query": ("💰", "Cost spike", "${:.4f}"),
    "positive_sentiment_rate": ("⚠️", "Positive sentiment drop", "{:.2%}"),
    "correctness": ("⚠️", "Correctness drop", "{:.3f}"),
    "routing_rate": ("🔀", "Routing rate spike", "{:.2%}"),
}


@dataclass(frozen=True)
class Alert:
    """One fired trigger (or one failed query), with the message a person reads."""

    gate: str
    metric: str
    value: float | None
    limit: float | None
    message: str
    severity: Severity = "warning"
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    run_id: str | None = None


def alert_message(trigger: Trigger, value: float) -> str:
    """``🚨 Success rate drop: 93.00% < 95.00% (n=100)`` style wording for a fired trigger."""
    emoji, label, fmt = _WORDING.get(trigger.metric, ("⚠️", trigger.metric, "{:g}"))
    return f"{emoji} {label}: {fmt.format(value)} {trigger.op} {fmt.format(trigger.limit)}"


def _severity(trigger: Trigger) -> Severity:
    return "critical" if trigger.metric in ("success_rate", "error_rate") else "warning"


def check_gate(metrics: WindowMetrics, gate: Gate, *, at: datetime | None = None) -> list[Alert]:
    """The alerts that fire for ``metrics`` on ``gate``, in the gate's order; ``[]`` when all is well.

    A metric without data (``None``: no queries, no sentiment judged yet, no experiment passed in)
    fires nothing. The message ends with the sample size it was measured on.
    """
    at = at or metrics.end or datetime.now(UTC)
    alerts = []
    for trigger in gate.triggers:
        value = metrics.value(trigger.metric)
        if trigger.fires(value):
            sample = metrics.sentiment_n if trigger.metric == "positive_sentiment_rate" else metrics.n
            size = "" if trigger.metric == "correctness" else f" (n={sample})"
            alerts.append(
                Alert(
                    gate=gate.name,
                    metric=trigger.metric,
                    value=value,
                    limit=trigger.limit,
                    message=alert_message(trigger, value) + size,
                    severity=_severity(trigger),
                    at=at,
                )
            )
    return alerts


def query_alert(record: QueryRecord) -> Alert | None:
    """An alert for a single failed query (the seed's ``Query processing error``), else ``None``."""
    if record.succeeded:
        return None
    first_line = (
        (record.error or "").strip().splitlines()[0] if (record.error or "").strip() else "unknown error"
    )
    return Alert(
        gate="query",
        metric="error",
        value=None,
        limit=None,
        severity="critical",
        at=record.start_time,
        run_id=record.run_id,
        message=f"🚨 Query processing error (run {record.run_id}): {first_line[:200]}",
    )
