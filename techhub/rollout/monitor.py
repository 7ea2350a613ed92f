"""The production monitor: one window of traffic checked against the alerts and the rollback gate.

Which gate does what (the seed's lists disagree, so each keeps its own job):

* ``gates.alerts`` (Week 3 ``ProductionAlerts.THRESHOLDS``): alerts sent to the sink, nothing more;
* ``gates.rollback`` (risk section ``ROLLBACK_CONDITIONS``): any trigger asks for an automatic
  rollback of production to the fallback configuration;
* every failed query raises its own alert (the seed's ``Query processing error``);
* ``gates.stage`` (Day 3-4 ``ROLLBACK_TRIGGERS``) is not used here: the staged rollout checks it on the
  candidate at each stage (:mod:`techhub.rollout.staged`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from techhub.rollout.alerts import Alert, check_gate, query_alert
from techhub.rollout.configs import RolloutConfig, load_rollout_config
from techhub.rollout.metrics import WindowMetrics, compute_metrics, in_window
from techhub.rollout.records import QueryRecord
from techhub.rollout.sinks import AlertSink


@dataclass(frozen=True)
class MonitorResult:
    metrics: WindowMetrics
    alerts: tuple[Alert, ...]
    query_alerts: tuple[Alert, ...]
    rollback_alerts: tuple[Alert, ...]

    @property
    def rollback(self) -> bool:
        return bool(self.rollback_alerts)

    @property
    def all_alerts(self) -> tuple[Alert, ...]:
        return self.rollback_alerts + self.alerts + self.query_alerts

    def summary(self) -> str:
        """One line, then one line per alert: what a cell prints."""
        head = (
            f"{self.metrics.n} queries: rollback requested"
            if self.rollback
            else f"{self.metrics.n} queries: no rollback"
        )
        head += f", {len(self.alerts)} alert(s), {len(self.query_alerts)} failed quer(y/ies)"
        return "\n".join([head, *(f"  [{a.gate}] {a.message}" for a in self.all_alerts)])


def check_production(
    records: Iterable[QueryRecord],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    correctness: float | None = None,
    config: RolloutConfig | None = None,
    sink: AlertSink | None = None,
) -> MonitorResult:
    """Check the window ``[start, end)``; send every alert to ``sink`` when one is given."""
    config = config or load_rollout_config()
    window = in_window(records, start, end)
    metrics = compute_metrics(
        window, start=start, end=end, correctness=correctness, fallback_strategy=config.fallback.strategy
    )
    result = MonitorResult(
        metrics=metrics,
        alerts=tuple(check_gate(metrics, config.gates.alerts)),
        query_alerts=tuple(a for a in map(query_alert, window) if a is not None),
        rollback_alerts=tuple(check_gate(metrics, config.gates.rollback)),
    )
    if sink is not None and result.all_alerts:
        sink.send(result.all_alerts)
    return result
