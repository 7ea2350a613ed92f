"""The LangSmith clients of the active mode, and the reads of runs, traces and threads the course shares.

The ``langsmith`` SDK has two clients, and the course uses both:

* :func:`get_client`: the classic ``langsmith.Client``: tracing, projects, datasets, examples,
  feedback, ``evaluate()``;
* :func:`get_api`: the SDK's generated synchronous client ``langsmith.Langsmith``, for LangSmith's
  current (v2) query API: ``api.runs.query_v2`` / ``retrieve_v2``, ``api.traces.query`` /
  ``list_runs``, ``api.threads.query`` / ``list_traces``. It replaces ``Client.list_runs``,
  ``read_run``, ``list_threads`` and ``read_thread``, which the pinned SDK marks deprecated.
  ``Client().runs`` etc. are the same API, asynchronous (``await`` them in a notebook); package code
  is synchronous and must not start an event loop inside a notebook's, so it uses this one.

Both point at the active mode's LangSmith (``Settings.langsmith_endpoint``: LangSmith cloud, or the
local server offline) with its key. ``langsmith.Langsmith()`` alone would read ``LANGCHAIN_BASE_URL``
(not ``LANGSMITH_ENDPOINT``) and default to the cloud, which is why the course builds it here.

The read helpers below are what the trace view, the queue reviewer, the traffic summaries and the
rollout metrics build on. Each takes the classic ``client`` it should read through (default: the
active mode's), names a project by its name (default: the workshop's tracing project), and returns
the SDK's own v2 type :class:`langsmith.types.Run` with the fields listed in its ``selects``
(upper-case names, ``langsmith.types.RunSelectField``). In those runs latency is
``latency_seconds``, a run's parent is the last of its ``parent_run_ids`` (:func:`parent_id`), and
``run_type`` and ``status`` are the SDK's enums (``"LLM"``, ``"SUCCESS"``; the local server sends
them so, LangSmith cloud may send them lower case: compare with ``.upper()``).

LangSmith's v2 queries only look at runs started in a time window (one day when none is given);
these helpers look back :data:`LOOKBACK` unless told otherwise.
"""

from __future__ import annotations

import json
import uuid
import weakref
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import langsmith
from langsmith.types import Run, RunSelectField

from techhub.config import TRACING_PROJECT, Settings, get_settings

LOOKBACK = timedelta(days=14)
"""How far back the helpers look by default: LangSmith keeps base traces 14 days."""

ROOT_RUN_FIELDS: tuple[RunSelectField, ...] = (
    "ID", "NAME", "RUN_TYPE", "STATUS", "START_TIME", "END_TIME", "LATENCY_SECONDS", "INPUTS", "OUTPUTS",
    "ERROR", "METADATA", "TAGS", "PROJECT_ID", "TRACE_ID", "THREAD_ID", "PROMPT_TOKENS",
    "COMPLETION_TOKENS", "TOTAL_TOKENS", "PROMPT_COST", "COMPLETION_COST", "TOTAL_COST", "FEEDBACK_STATS",
)
"""What a conversation turn (a root run) is read with: its messages, outcome, usage and feedback."""

TRACE_TREE_FIELDS: tuple[RunSelectField, ...] = (
    "ID", "NAME", "RUN_TYPE", "STATUS", "START_TIME", "END_TIME", "LATENCY_SECONDS", "INPUTS", "OUTPUTS",
    "ERROR", "METADATA", "PARENT_RUN_IDS", "DOTTED_ORDER", "TRACE_ID", "PROJECT_ID", "PROMPT_TOKENS",
    "COMPLETION_TOKENS", "TOTAL_TOKENS", "PROMPT_COST", "COMPLETION_COST", "TOTAL_COST",
)
"""What every run of a trace is read with to draw the trace as a tree."""


# ---------------------------------------------------------------- clients


def _openapi_base_url(endpoint: str) -> str:
    """The generated client's base URL: the endpoint without ``/api/v1`` (its paths are absolute)."""
    endpoint = endpoint.rstrip("/")
    for suffix in ("/api/v1", "/api"):
        if endpoint.endswith(suffix):
            return endpoint[: -len(suffix)]
    return endpoint


@lru_cache(maxsize=8)
def _client(endpoint: str, api_key: str) -> langsmith.Client:
    return langsmith.Client(api_url=endpoint, api_key=api_key)


def get_client(settings: Settings | None = None) -> langsmith.Client:
    """The classic ``langsmith.Client`` of the active mode (one per endpoint and key, shared)."""
    settings = settings or get_settings()
    return _client(settings.langsmith_endpoint, settings.langsmith_api_key)


def get_api(settings: Settings | None = None) -> langsmith.Langsmith:
    """The SDK's generated synchronous client (``langsmith.Langsmith``) of the active mode.

    A new client each call; close it (or use it in a ``with`` block) when done.
    """
    settings = settings or get_settings()
    return langsmith.Langsmith(base_url=_openapi_base_url(settings.langsmith_endpoint),
                               api_key=settings.langsmith_api_key)


_APIS: weakref.WeakKeyDictionary[langsmith.Client, langsmith.Langsmith] = weakref.WeakKeyDictionary()


def api_for(client: langsmith.Client) -> langsmith.Langsmith:
    """The generated synchronous client on the same LangSmith, with the same key, as ``client``.

    One per classic client, kept as long as that client lives.
    """
    api = _APIS.get(client)
    if api is None:
        api = _APIS[client] = langsmith.Langsmith(base_url=_openapi_base_url(client.api_url),
                                                  api_key=client.api_key)
    return api


# ---------------------------------------------------------------- reads


def project_id(name: str = TRACING_PROJECT, *, client: langsmith.Client | None = None) -> str:
    """The id of the tracing project called ``name``.

    Raises ``langsmith.utils.LangSmithNotFoundError`` when there is no such project.
    """
    client = client or get_client()
    return str(client.read_project(project_name=name).id)


def _since(min_start_time: datetime | None) -> datetime:
    return min_start_time if min_start_time is not None else datetime.now(UTC) - LOOKBACK


def query_root_runs(
    project: str = TRACING_PROJECT,
    *,
    filter: str | None = None,  # noqa: A002 - LangSmith's parameter name
    trace_filter: str | None = None,
    min_start_time: datetime | None = None,
    max_start_time: datetime | None = None,
    selects: Sequence[RunSelectField] = ROOT_RUN_FIELDS,
    client: langsmith.Client | None = None,
) -> Iterator[Run]:
    """Every root run (one per trace, a conversation turn) of ``project`` that ``filter`` keeps,
    newest first, through all pages (``api.runs.query_v2``).

    ``filter`` and ``trace_filter`` are LangSmith's trace query language, e.g.
    ``and(eq(name, "supervisor_hitl_sql_agent"), eq(feedback_key, "user_sentiment"))``. Tokens and
    costs are the whole trace's (``include_subtree_usage``). Runs started from ``min_start_time``
    (default: :data:`LOOKBACK` ago) to ``max_start_time`` (default: now).
    """
    client = client or get_client()
    extra = {"max_start_time": max_start_time} if max_start_time is not None else {}
    if trace_filter is not None:
        extra["trace_filter"] = trace_filter
    if filter is not None:
        extra["filter"] = filter
    yield from api_for(client).runs.query_v2(
        project_ids=[project_id(project, client=client)],
        is_root=True,
        min_start_time=_since(min_start_time),
        selects=list(selects),
        include_subtree_usage=True,
        page_size=100,
        **extra,
    )


def _quoted(value: str) -> str:
    """A string literal of the trace query language."""
    return json.dumps(value)


def thread_root_runs(
    thread_id: str,
    *,
    project: str = TRACING_PROJECT,
    min_start_time: datetime | None = None,
    selects: Sequence[RunSelectField] = ROOT_RUN_FIELDS,
    client: langsmith.Client | None = None,
) -> list[Run]:
    """The turns of conversation ``thread_id``: its root runs, oldest first.

    A thread is the root runs whose metadata carries the same ``thread_id`` (LangGraph sets it).
    """
    runs = query_root_runs(project, filter=f"eq(thread_id, {_quoted(str(thread_id))})",
                           min_start_time=min_start_time, selects=selects, client=client)
    return sorted(runs, key=lambda run: (run.start_time or datetime.min.replace(tzinfo=UTC), run.id or ""))


def trace_runs(
    trace_id: str | uuid.UUID,
    *,
    project: str = TRACING_PROJECT,
    selects: Sequence[RunSelectField] = TRACE_TREE_FIELDS,
    client: langsmith.Client | None = None,
) -> list[Run]:
    """Every run of one trace, in tree order (each run after its parent, siblings by start time),
    with what a trace tree shows (:data:`TRACE_TREE_FIELDS`; ``api.traces.list_runs``).

    Tokens and costs are each run's own (an LLM call's); a subtree's are the sum of its runs'.
    """
    client = client or get_client()
    selected = list(dict.fromkeys([*selects, "DOTTED_ORDER"]))
    runs = api_for(client).traces.list_runs(
        str(trace_id), project_id=project_id(project, client=client), selects=selected).items or []
    return sorted(runs, key=lambda run: run.dotted_order or "")


def get_run(
    run_id: str | uuid.UUID,
    *,
    project: str = TRACING_PROJECT,
    selects: Sequence[RunSelectField] = ROOT_RUN_FIELDS,
    client: langsmith.Client | None = None,
) -> Run:
    """One run of ``project`` by id (``api.runs.retrieve_v2``).

    Raises ``langsmith.NotFoundError`` when the project has no such run.
    """
    client = client or get_client()
    return api_for(client).runs.retrieve_v2(str(run_id), project_id=project_id(project, client=client),
                                            selects=list(selects))


def parent_id(run: Run) -> str | None:
    """The id of ``run``'s parent (``None`` for a root run), from its ``parent_run_ids``."""
    return run.parent_run_ids[-1] if run.parent_run_ids else None
