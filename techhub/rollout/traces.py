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

:func:`load_records` fetches the runs with LangSmith's v2 query API (``runs.query_v2``, through
:mod:`techhub.smith`): one query for the root runs a filter keeps, one for the LLM runs of their
traces. :func:`wait_for_records` waits until the traces of traffic just sent have arrived (the agent
server sends them in the background, so the last turns land a moment after the replies).
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import langsmith
from langsmith.types import Run, RunSelectField
from langsmith.utils import LangSmithNotFoundError

from techhub import smith
from techhub.config import ROOT_RUN_NAME, TRACING_PROJECT
from techhub.models.pricing import cost_of
from techhub.rollout.caching import is_cache_hit
from techhub.rollout.records import QueryRecord, Sentiment

SENTIMENT_KEY = "user_sentiment"

RECORD_ROOT_FIELDS: tuple[RunSelectField, ...] = (
    "ID", "TRACE_ID", "NAME", "STATUS", "START_TIME", "END_TIME", "LATENCY_SECONDS", "ERROR", "METADATA",
    "TAGS", "THREAD_ID", "PROMPT_TOKENS", "COMPLETION_TOKENS", "TOTAL_TOKENS", "FEEDBACK_STATS",
)  # fmt: skip
"""What a turn's record needs from its root run."""

RECORD_LLM_FIELDS: tuple[RunSelectField, ...] = (
    "ID", "TRACE_ID", "METADATA", "PROMPT_TOKENS", "COMPLETION_TOKENS", "OUTPUTS",
)  # fmt: skip
"""What it needs from each LLM run: the model, the tokens and the outputs (to recognise cache hits)."""


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


def _quoted(value: str) -> str:
    return json.dumps(value)


def metadata_filter(key: str, value: str) -> str:
    """The trace-query filter for root runs whose metadata ``key`` is ``value``."""
    return f"and(eq(metadata_key, {_quoted(key)}), eq(metadata_value, {_quoted(str(value))}))"


def any_of(filters: Sequence[str]) -> str:
    """``or(...)`` of filters (one filter is returned as is)."""
    if not filters:
        raise ValueError("any_of needs at least one filter")
    return filters[0] if len(filters) == 1 else f"or({', '.join(filters)})"


def _root_filter(root_run_name: str | None, filter: str | None) -> str | None:  # noqa: A002
    parts = ([f"eq(name, {_quoted(root_run_name)})"] if root_run_name else []) + ([filter] if filter else [])
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else f"and({', '.join(parts)})"


def _ended(run: Run) -> bool:
    return run.end_time is not None or run.latency_seconds is not None


def _roots(
    project_name: str,
    filter: str | None,  # noqa: A002
    start: datetime | None,
    end: datetime | None,
    root_run_name: str | None,
    client: langsmith.Client,
    selects: Sequence[RunSelectField] = RECORD_ROOT_FIELDS,
) -> list[Run]:
    roots = smith.query_root_runs(
        project_name,
        filter=_root_filter(root_run_name, filter),
        min_start_time=start,
        max_start_time=end,
        selects=selects,
        client=client,
    )
    return [run for run in roots if end is None or run.start_time is None or run.start_time < end]


def _llm_runs(
    project_name: str, roots: Sequence[Run], start: datetime | None, client: langsmith.Client
) -> dict[str, list[Run]]:
    """The LLM runs of the roots' traces, by trace id (one query, filtered by trace id here)."""
    if not roots:
        return {}
    traces = {str(run.trace_id or run.id) for run in roots}
    earliest = min((run.start_time for run in roots if run.start_time), default=start)
    pages = smith.api_for(client).runs.query_v2(
        project_ids=[smith.project_id(project_name, client=client)],
        is_root=False,
        run_type="LLM",
        min_start_time=earliest or start or datetime.now(UTC) - smith.LOOKBACK,
        selects=list(RECORD_LLM_FIELDS),
        page_size=100,
    )
    by_trace: dict[str, list[Run]] = defaultdict(list)
    for run in pages:
        if str(run.trace_id) in traces:
            by_trace[str(run.trace_id)].append(run)
    return by_trace


def load_records(
    *,
    project_name: str = TRACING_PROJECT,
    filter: str | None = None,  # noqa: A002 - LangSmith's parameter name
    start: datetime | None = None,
    end: datetime | None = None,
    root_run_name: str | None = ROOT_RUN_NAME,
    with_llm_runs: bool = True,
    client: langsmith.Client | None = None,
) -> list[QueryRecord]:
    """The records of the root runs ``root_run_name`` of the project that ``filter`` keeps and that
    started in ``[start, end)`` (default: the last 14 days), oldest first.

    ``filter`` is LangSmith's trace query language, e.g. ``has(tags, "production")`` or
    :func:`metadata_filter` ``("traffic_batch", batch_id)``; scope every figure to the traffic it is
    about. ``root_run_name=None`` takes every root run (e.g. an experiment's target runs). With
    ``with_llm_runs`` (default) tokens and cost come from each LLM run, priced as its own model and
    with cache hits free; without, from the roots' subtree totals, priced as the turn's model.
    """
    client = client or smith.get_client()
    roots = _roots(project_name, filter, start, end, root_run_name, client)
    llm = _llm_runs(project_name, roots, start, client) if with_llm_runs else {}
    records = [record_from_runs(root, llm.get(str(root.trace_id or root.id), ())) for root in roots]
    return sorted(records, key=lambda record: (record.start_time, record.run_id))


def wait_for_records(
    expected: int,
    *,
    timeout: float = 60.0,
    poll_seconds: float = 0.25,
    settle_seconds: float = 1.0,
    project_name: str = TRACING_PROJECT,
    filter: str | None = None,  # noqa: A002
    start: datetime | None = None,
    root_run_name: str | None = ROOT_RUN_NAME,
    client: langsmith.Client | None = None,
) -> list[QueryRecord]:
    """Wait until at least ``expected`` finished root runs match, then load their records.

    The agent server traces in the background, in batches sent by several threads: a turn's reply
    comes back before its trace has landed, and an LLM run may land after its root. So the records
    are loaded again until they have not changed for ``settle_seconds`` (same runs, same tokens,
    same feedback). Raises ``TimeoutError`` saying how many arrived.
    """
    client = client or smith.get_client()
    deadline = time.monotonic() + timeout
    found = 0
    while True:
        try:
            roots = _roots(project_name, filter, start, None, root_run_name, client, ("ID", "END_TIME"))
        except LangSmithNotFoundError:  # the project is created with its first trace
            roots = []
        found = sum(1 for run in roots if _ended(run))
        if found >= expected:
            break
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"{found} of {expected} finished root runs arrived in {project_name!r} within "
                f"{timeout:.0f} s (filter {filter!r}); is the agent server tracing to this LangSmith?"
            )
        time.sleep(poll_seconds)
    previous, changed = None, time.monotonic()
    while True:
        records = load_records(
            project_name=project_name, filter=filter, start=start, root_run_name=root_run_name, client=client
        )
        now = time.monotonic()
        if records != previous:
            previous, changed = records, now
        elif now - changed >= settle_seconds or now >= deadline:
            return records
        time.sleep(poll_seconds)
