"""The cost-optimised rollout of the TechHub agent (notebook 07), built on plain records of traffic.

Every figure starts from :class:`QueryRecord` (one customer turn = one root run), built from traces
(:mod:`.traces`) or crafted. Modules, one job each:

``configs``   the production and fallback configurations, gates and targets (``rollout.toml``)
``records``   ``QueryRecord`` and its DataFrame
``traces``    root runs (LangSmith v2 API) -> records
``costs``     cost per query / period / topic, baseline, blended savings for a routing rate
``report``    the seed's daily cost report
``caching``   LangChain's model cache and its measured effect
``metrics``   window metrics (success, errors, latency percentiles, cost, sentiment, routing)
``alerts``    gate checks and per-query alerts; ``sinks``: where alerts go (log, webhook)
``monitor``   production check: alerts gate, rollback gate, failed queries
``kpi``       the seed's KPI table
``split``     stable hash split (and why ``hash()`` is not one)
``staged``    10% -> 50% -> 100% with automatic rollback and a decision log
``abtest``    A/B test with per-arm metrics and a verdict with its uncertainty
``routing``   complexity scorer and router to the fallback
``wandb_monitor``  W&B logging, offline by default (needs the ``monitoring`` extra)
"""

from techhub.rollout.abtest import ABTest, ABVerdict, compare_arms
from techhub.rollout.alerts import Alert, check_gate, query_alert
from techhub.rollout.caching import (
    CacheEffect,
    UsageMeter,
    apply_caching,
    enable_model_cache,
    is_cache_hit,
    measure_cache_effect,
    model_cache,
)
from techhub.rollout.configs import (
    Gate,
    ModelConfig,
    RolloutConfig,
    RolloutConfigError,
    Trigger,
    load_rollout_config,
)
from techhub.rollout.costs import (
    blended_savings,
    cost_by_day,
    cost_by_period,
    cost_by_topic,
    per_token_savings,
    routing_rate_for_savings,
    summarize_costs,
)
from techhub.rollout.kpi import KPITable, kpi_table
from techhub.rollout.metrics import WindowMetrics, compute_metrics
from techhub.rollout.monitor import MonitorResult, check_production
from techhub.rollout.records import QueryRecord, priced_record, records_frame
from techhub.rollout.report import DailyReport, daily_report
from techhub.rollout.routing import ComplexityRouter, RoutingDecision, complexity_score, routing_rate
from techhub.rollout.sinks import ListSink, LoggingSink, WebhookSink, default_sink
from techhub.rollout.split import assign_arm, bucket, python_hash_arms
from techhub.rollout.staged import DecisionEntry, RolloutOutcome, Stage, default_stages, run_staged_rollout
from techhub.rollout.traces import load_records, record_from_runs

__all__ = [
    "ABTest",
    "ABVerdict",
    "Alert",
    "CacheEffect",
    "ComplexityRouter",
    "DailyReport",
    "DecisionEntry",
    "Gate",
    "KPITable",
    "ListSink",
    "LoggingSink",
    "ModelConfig",
    "MonitorResult",
    "QueryRecord",
    "RolloutConfig",
    "RolloutConfigError",
    "RolloutOutcome",
    "RoutingDecision",
    "Stage",
    "Trigger",
    "UsageMeter",
    "WebhookSink",
    "WindowMetrics",
    "apply_caching",
    "assign_arm",
    "blended_savings",
    "bucket",
    "check_gate",
    "check_production",
    "compare_arms",
    "complexity_score",
    "compute_metrics",
    "cost_by_day",
    "cost_by_period",
    "cost_by_topic",
    "daily_report",
    "default_sink",
    "default_stages",
    "enable_model_cache",
    "is_cache_hit",
    "kpi_table",
    "load_records",
    "load_rollout_config",
    "measure_cache_effect",
    "model_cache",
    "per_token_savings",
    "priced_record",
    "python_hash_arms",
    "query_alert",
    "record_from_runs",
    "records_frame",
    "routing_rate",
    "routing_rate_for_savings",
    "run_staged_rollout",
    "summarize_costs",
]
