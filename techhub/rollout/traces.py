"""From traces to :class:`QueryRecord` s.

:func:`record_from_runs` is the whole mapping, as a pure function of the runs the SDK's v2 query API
returns (``langsmith.types.Run``): a root run ``supervisor_hitl_sql_agent`` and, optionally, its LLM
runs. Tokens and cost come from the LLM runs when given (each priced as its own model, cache hits
free), else from the root's token counts (subtree totals with ``include_subtree_usage``), priced as
the turn's model. The cost is always ours (tokens x :mod:`techhub.models.pricing`), never the
server's, so LangSmith cloud and the local server give the same figures for the same tokens.

Fields read from the root run's metadata: ``topic`` (recorded by the agent per turn), ``strategy``,
``complexity`` (the router), ``rollout_config`` and ``arm`` (the split), ``model`` /
``ls_model_name``. The ``user_sentiment`` feedback comes from ``feedback_stats``.

:func:`load_records` fetches the runs; it needs the v2 read helpers of ``techhub.smith`` and is
filled in when they land.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from langsmith.types import Run

from techhub.config import ROOT_RUN_NAME
from techhub.models.pricing import cost_of
from techhub.rollout.caching import is_cache_hit
from techhub.rollout.records import QueryRecord, Sentiment

SENTIMENT_KEY = "user_sentiment"


def _usage_dicts(node: Any, found: list[Mapping], depth: int = 0) -> list[Mapping]:
    """Every ``usage_metadata`` dict inside an LLM run's outputs (LangChain nests it in generations)."""
    if depth > 8:
        return found
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "usage_metadata" and isinstance(value, Mapping):
                found.append(value)
            else:
                _usage_dicts(value, found, depth + 1)
    elif isinstance(node, list):
        for item in node:
            _usage_dicts(item, found, depth + 1)
    return found


def llm_run_was_cached(run: Run) -> bool:
    """True when LangChain's cache answered this LLM run (its outputs need to have been selected)."""
    usages = _usage_dicts(run.outputs or {}, [])
    return bool(usages) and all(is_cache_hit(usage) for usage in usages)


def _model_of(run: Run) -> str | None:
    metadata = run.metadata or {}
    name = metadata.get("ls_model_name") or metadata.get("model")
    return str(name) if name else None


def sentiment_from_stats(
    feedback_stats: Mapping[str, Any] | None, key: str = SENTIMENT_KEY
) -> Sentiment | None:
    """The turn's sentiment from ``feedback_stats``: the most frequent category, else the mean score."""
    stats = (feedback_stats or {}).get(key)
    if stats is None:
        return None
    values = getattr(stats, "values", None) if not isinstance(stats, Mapping) else stats.get("values")
    average = getattr(stats, "avg", None) if not isinstance(stats, Mapping) else stats.get("avg")
    counts = {label: n for label, n in (values or {}).items() if label in ("positive", "negative")}
    if counts:
        return max(sorted(counts), key=lambda label: counts[label])  # type: ignore[return-value]
    if average is not None:
        return "positive" if average >= 0.5 else "negative"
    return None


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def record_from_runs(root: Run, llm_runs: Sequence[Run] = ()) -> QueryRecord:
    """One turn's record from its root run and (optionally) its LLM runs.

    Needs on the root: ``id``, ``start_time`` and either ``latency_seconds`` or ``end_time``; reads
    ``thread_id``, ``status``/``error``, ``tags``, ``metadata``, ``feedback_stats`` and the token
    counts when present. On LLM runs: ``metadata`` (``ls_model_name``), ``prompt_tokens``,
    ``completion_tokens`` and ``outputs`` (to recognise cache hits).
    """
    if root.id is None or root.start_time is None:
        raise ValueError("a root run needs at least its id and start_time")
    metadata = root.metadata or {}
    if root.latency_seconds is not None:
        latency = root.latency_seconds
    elif root.end_time is not None:
        latency = (root.end_time - root.start_time).total_seconds()
    else:
        latency = 0.0
    error = root.error if (root.error or root.status == "ERROR") else None
    if root.status == "ERROR" and not error:
        error = "error (no message recorded)"

    billed = [run for run in llm_runs if not llm_run_was_cached(run)]
    child_models = Counter(m for m in (_model_of(run) for run in llm_runs) if m)
    model = child_models.most_common(1)[0][0] if child_models else _model_of(root)
    if llm_runs:
        input_tokens = sum(run.prompt_tokens or 0 for run in billed)
        output_tokens = sum(run.completion_tokens or 0 for run in billed)
        cost = sum(
            cost_of(_model_of(run) or model, run.prompt_tokens or 0, run.completion_tokens or 0)
            for run in billed
        )
    else:
        input_tokens, output_tokens = root.prompt_tokens or 0, root.completion_tokens or 0
        cost = cost_of(model, input_tokens, output_tokens)

    thread_id = root.thread_id or metadata.get("thread_id")
    return QueryRecord(
        run_id=str(root.id),
        thread_id=str(thread_id) if thread_id else None,
        start_time=root.start_time,
        latency_s=max(0.0, float(latency)),
        error=error,
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost=cost,
        topic=metadata.get("topic"),
        tags=tuple(root.tags or ()),
        sentiment=sentiment_from_stats(root.feedback_stats),
        strategy=metadata.get("strategy"),
        complexity=_float_or_none(metadata.get("complexity")),
        config_name=metadata.get("rollout_config"),
        arm=metadata.get("arm"),
    )


def load_records(
    *,
    project_name: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    root_run_name: str = ROOT_RUN_NAME,
) -> list[QueryRecord]:
    """The records of every root run ``root_run_name`` of the project that started in ``[start, end)``.

    Phase 2: fetch the root runs (with ``FEEDBACK_STATS``, ``METADATA``, ``TAGS``, ``THREAD_ID``,
    token counts) and their LLM runs (``METADATA``, token counts, ``OUTPUTS``) through the v2 read
    helpers of ``techhub.smith`` and map each with :func:`record_from_runs`.
    """
    raise NotImplementedError(
        "load_records needs the v2 LangSmith read helpers (techhub.smith), which are not merged yet; "
        "build records with record_from_runs() from runs you fetched"
    )
