"""The monitoring metrics of a window of traffic, computed from records.

They replace the seed's HRM/TRM confidence scores, which belong to another system:

* ``positive_sentiment_rate`` stands where ``hrm_confidence`` stood: the share of judged turns the
  online ``user_sentiment`` evaluator found positive (turns not judged yet are left out, and
  ``sentiment_n`` says how many were judged);
* ``correctness`` stands where ``trm_confidence`` stood: the mean correctness of the latest offline
  experiment, passed in (traffic has no reference answers to be graded against);
* ``routing_rate`` stands where the MCTS usage rate stood: the share of turns the complexity router
  sent to the fallback configuration.

A metric with no data is ``None``, and a gate never fires on ``None`` (no sentiment yet is not a
sentiment drop). ``n`` is the sample size: a gate decided on 5 queries is weak evidence; say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np

from techhub.rollout.records import QueryRecord


@dataclass(frozen=True)
class WindowMetrics:
    """Metrics of the queries that started in ``[start, end)`` (``None`` bounds: open)."""

    n: int
    success_rate: float | None
    error_rate: float | None
    latency_p50_s: float | None
    latency_p95_s: float | None
    cost_per_query: float | None
    positive_sentiment_rate: float | None
    sentiment_n: int
    correctness: float | None
    routing_rate: float | None
    start: datetime | None = None
    end: datetime | None = None

    def value(self, metric: str) -> float | None:
        """A metric by name, as gates name them."""
        return getattr(self, metric)

    def as_dict(self) -> dict:
        return asdict(self)


def in_window(
    records: Iterable[QueryRecord], start: datetime | None = None, end: datetime | None = None
) -> list[QueryRecord]:
    """The records that started in ``[start, end)``."""
    return [
        r for r in records if (start is None or r.start_time >= start) and (end is None or r.start_time < end)
    ]


def compute_metrics(
    records: Iterable[QueryRecord],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    correctness: float | None = None,
    fallback_strategy: str = "fallback",
) -> WindowMetrics:
    """Metrics of the records in the window; ``correctness`` from the latest offline experiment, if any.

    Latency percentiles use numpy's default (linear interpolation between closest ranks).
    """
    window = in_window(records, start, end)
    n = len(window)
    judged = [r.sentiment for r in window if r.sentiment is not None]
    latencies = np.array([r.latency_s for r in window], dtype=float)
    failures = sum(1 for r in window if not r.succeeded)
    return WindowMetrics(
        n=n,
        success_rate=(n - failures) / n if n else None,
        error_rate=failures / n if n else None,
        latency_p50_s=float(np.percentile(latencies, 50)) if n else None,
        latency_p95_s=float(np.percentile(latencies, 95)) if n else None,
        cost_per_query=sum(r.cost for r in window) / n if n else None,
        positive_sentiment_rate=judged.count("positive") / len(judged) if judged else None,
        sentiment_n=len(judged),
        correctness=correctness,
        routing_rate=sum(1 for r in window if r.strategy == fallback_strategy) / n if n else None,
        start=start,
        end=end,
    )
