"""The v2 query API over runs and traces: what the SDK's generated clients send and parse.

``client.runs.query_v2`` / ``retrieve_v2`` and ``client.traces.query`` / ``list_runs`` (LangSmith's
SmithDB-era API, ``/api/v2/...``) read the same tables as the classic ``/runs/query``; they differ in
shape, and this module is that difference:

- a run has exactly the fields the request names in ``selects`` (upper-case ``RunSelectField``
  names: ``"NAME"``, ``"INPUTS"``, ``"LATENCY_SECONDS"``, ...) plus ``id``; nothing selected, only ``id``;
- ``run_type`` and ``status`` are upper case (``"CHAIN"``, ``"SUCCESS"``), times RFC 3339 with ``Z``;
- token and cost fields are the run's own usage, or its subtree's with ``include_subtree_usage``;
- a query without ``min_start_time`` covers the last day only (LangSmith's default window), up to
  ``max_start_time`` (default now);
- pages are ``{"items": [...], "next_cursor": ...}`` with an opaque cursor.

Public functions (plain Python over a :class:`Database`; the routes are in ``routes/v2.py``):

- :func:`query_runs` ``(db, body) -> (items, next_cursor)``: ``POST /api/v2/runs/query``.
- :func:`retrieve_run` ``(db, run_id, project_id, selects) -> dict``: ``GET /api/v2/runs/{id}``.
- :func:`query_traces` ``(db, body) -> (items, next_cursor)``: ``POST /api/v2/traces/query``; each item
  ``{"root_run": {...}, "trace_aggregates": {total_tokens, total_cost, first_token_time}}``.
- :func:`trace_runs` ``(db, trace_id, ...) -> list[dict]``: ``GET /api/v2/traces/{id}/runs``, every
  run of one trace in tree order.

Semantic search (``ai_search``, ``sem_filter``) and the feedback-time bounds need LangSmith's cloud
services: asking for them is a :class:`NotSupported` (501, as LangSmith answers on a v1 backend).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from techhub.localsmith.exceptions import BadRequest, NotFound, NotSupported
from techhub.localsmith.feedback import feedback_stats
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.queues import parse_model
from techhub.localsmith.runs import attachment_path, decode_cursor, encode_cursor, run_conditions
from techhub.localsmith.store import Database, one_of
from techhub.localsmith.times import normalize_time, stored_time
from techhub.localsmith.usage import Usage, extract_usage
from techhub.localsmith.values import json_value

DEFAULT_WINDOW = timedelta(days=1)  # LangSmith's window when a query gives no min_start_time
PREVIEW_CHARS = 200
# Every name of the SDK's ``RunSelectField`` (tests check this against ``langsmith.types``).
RUN_SELECT_FIELDS = (
    "ID", "NAME", "RUN_TYPE", "STATUS", "START_TIME", "END_TIME", "LATENCY_SECONDS", "FIRST_TOKEN_TIME",
    "ERROR", "ERROR_PREVIEW", "EXTRA", "METADATA", "EVENTS", "INPUTS", "INPUTS_PREVIEW", "OUTPUTS",
    "OUTPUTS_PREVIEW", "MANIFEST", "PARENT_RUN_IDS", "PROJECT_ID", "TRACE_ID", "THREAD_ID", "DOTTED_ORDER",
    "IS_ROOT", "REFERENCE_EXAMPLE_ID", "REFERENCE_DATASET_ID", "TOTAL_TOKENS", "PROMPT_TOKENS",
    "COMPLETION_TOKENS", "TOTAL_COST", "PROMPT_COST", "COMPLETION_COST", "PROMPT_TOKEN_DETAILS",
    "COMPLETION_TOKEN_DETAILS", "PROMPT_COST_DETAILS", "COMPLETION_COST_DETAILS", "PRICE_MODEL_ID", "TAGS",
    "APP_PATH", "ATTACHMENTS", "THREAD_EVALUATION_TIME", "IS_IN_DATASET", "LAST_QUEUED_AT", "SHARE_URL",
    "FEEDBACK_STATS", "LS_USER_ID",
)
# Selected fields that sit in a trace's aggregates rather than on its root run (``traces.query``).
TRACE_AGGREGATE_FIELDS = ("TOTAL_TOKENS", "TOTAL_COST", "FIRST_TOKEN_TIME")
_UNSUPPORTED = ("ai_search", "sem_filter", "min_feedback_modified_at", "max_feedback_modified_at")


# ---------------------------------------------------------------- values


def rfc3339(stored: str | None) -> str | None:
    """A stored timestamp (naive UTC) as RFC 3339 text with ``Z``, the form the v2 API sends."""
    return f"{stored}Z" if stored else None


def _text_of(value: Any) -> str | None:
    """The words of a message-like value: a plain string, or a message's (or LangChain message's)
    text content."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return None
    content = value.get("content")
    if content is None and isinstance(value.get("kwargs"), dict):
        content = value["kwargs"].get("content")
    if isinstance(content, list):  # content blocks
        content = " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    return content if isinstance(content, str) and content else None


def preview(value: Any) -> str | None:
    """A short plain-text preview of run inputs or outputs, as LangSmith's run tables show them.

    A ``messages`` list previews as its last message with text (in outputs the answer, in inputs
    the new question), a single string value as itself, anything else as compact JSON; cut to
    :data:`PREVIEW_CHARS` characters.
    """
    if value is None:
        return None
    text: str | None = None
    if isinstance(value, dict):
        messages = value.get("messages")
        if isinstance(messages, list) and messages:
            text = next((t for t in (_text_of(m) for m in reversed(messages)) if t), None)
        elif len(value) == 1:
            text = _text_of(next(iter(value.values())))
    if text is None:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _usage(row: sqlite3.Row, name: str, subtree: bool) -> Any:
    """A token or cost field: the run's own, or (``subtree``) its whole subtree's."""
    if subtree:
        value = row[name]
    elif name == "total_cost":
        own = (row["own_prompt_cost"], row["own_completion_cost"])
        value = None if own == (None, None) else (own[0] or 0.0) + (own[1] or 0.0)
    else:
        value = row[f"own_{name}"]
    if name.endswith("_tokens"):
        return value or 0
    return value


def _metadata(row: sqlite3.Row) -> dict | None:
    extra = json_value(row["extra"])
    metadata = extra.get("metadata") if isinstance(extra, dict) else None
    return metadata if isinstance(metadata, dict) else None


def _parent_run_ids(row: sqlite3.Row) -> list[str]:
    segments = (row["dotted_order"] or "").split(".")[:-1]
    return [s.split("Z", 1)[1] for s in segments if "Z" in s]


# Each select name and how it reads a row; ``ctx`` holds what needs other rows (see _Context).
_FIELD: dict[str, Callable[[sqlite3.Row, _Context], Any]] = {
    "NAME": lambda r, c: r["name"],
    "RUN_TYPE": lambda r, c: (r["run_type"] or "").upper() or None,
    "STATUS": lambda r, c: (r["status"] or "").upper() or None,
    "START_TIME": lambda r, c: rfc3339(r["start_time"]),
    "END_TIME": lambda r, c: rfc3339(r["end_time"]),
    "LATENCY_SECONDS": lambda r, c: r["latency"],
    "FIRST_TOKEN_TIME": lambda r, c: rfc3339(r["first_token_time"]),
    "ERROR": lambda r, c: r["error"],
    "ERROR_PREVIEW": lambda r, c: r["error"][:PREVIEW_CHARS] if r["error"] else None,
    "EXTRA": lambda r, c: json_value(r["extra"]),
    "METADATA": lambda r, c: _metadata(r),
    "EVENTS": lambda r, c: json_value(r["events"]),
    "INPUTS": lambda r, c: json_value(r["inputs"]) or {},
    "INPUTS_PREVIEW": lambda r, c: preview(json_value(r["inputs"])),
    "OUTPUTS": lambda r, c: json_value(r["outputs"]),
    "OUTPUTS_PREVIEW": lambda r, c: preview(json_value(r["outputs"])),
    "MANIFEST": lambda r, c: json_value(r["serialized"]),
    "PARENT_RUN_IDS": lambda r, c: _parent_run_ids(r),
    "PROJECT_ID": lambda r, c: r["session_id"],
    "TRACE_ID": lambda r, c: r["trace_id"] or r["id"],
    "THREAD_ID": lambda r, c: r["thread_id"],
    "DOTTED_ORDER": lambda r, c: r["dotted_order"] or "",
    "IS_ROOT": lambda r, c: bool(r["is_root"]),
    "REFERENCE_EXAMPLE_ID": lambda r, c: r["reference_example_id"],
    "REFERENCE_DATASET_ID": lambda r, c: c.datasets.get(r["reference_example_id"]),
    "TOTAL_TOKENS": lambda r, c: _usage(r, "total_tokens", c.subtree),
    "PROMPT_TOKENS": lambda r, c: _usage(r, "prompt_tokens", c.subtree),
    "COMPLETION_TOKENS": lambda r, c: _usage(r, "completion_tokens", c.subtree),
    "TOTAL_COST": lambda r, c: _usage(r, "total_cost", c.subtree),
    "PROMPT_COST": lambda r, c: _usage(r, "prompt_cost", c.subtree),
    "COMPLETION_COST": lambda r, c: _usage(r, "completion_cost", c.subtree),
    "TAGS": lambda r, c: json_value(r["tags"]) or [],
    "APP_PATH": lambda r, c: f"/projects/p/{r['session_id']}/r/{r['id']}?trace_id={r['trace_id']}",
    "ATTACHMENTS": lambda r, c: c.attachments.get(r["id"], {}),
    "IS_IN_DATASET": lambda r, c: r["id"] in c.in_dataset,
    "LAST_QUEUED_AT": lambda r, c: rfc3339(c.queued.get(r["id"])),
    "FEEDBACK_STATS": lambda r, c: c.feedback.get(r["id"], {}),
    "PROMPT_TOKEN_DETAILS": lambda r, c: c.details(r, "prompt_token_details"),
    "COMPLETION_TOKEN_DETAILS": lambda r, c: c.details(r, "completion_token_details"),
    "PROMPT_COST_DETAILS": lambda r, c: c.details(r, "prompt_cost_details"),
    "COMPLETION_COST_DETAILS": lambda r, c: c.details(r, "completion_cost_details"),
}
# The price model, thread evaluation, sharing and user ids: nothing here records them.
_ALWAYS_NULL = {"PRICE_MODEL_ID", "THREAD_EVALUATION_TIME", "SHARE_URL", "LS_USER_ID"}


class _Context:
    """What the selected fields of a page of runs need from other tables, read once per page."""

    def __init__(self, conn: sqlite3.Connection, rows: list[sqlite3.Row], selects: set[str], *,
                 subtree: bool, base_url: str) -> None:
        ids = [row["id"] for row in rows]
        self.subtree = subtree
        self._usage: dict[str, Usage | None] = {}
        self.feedback = feedback_stats(conn, ids) if "FEEDBACK_STATS" in selects and ids else {}
        self.attachments: dict[str, dict[str, str]] = {}
        if "ATTACHMENTS" in selects and ids:
            condition, params = one_of("run_id", ids)
            for row in conn.execute(f"SELECT run_id, name FROM run_attachments WHERE {condition}", params):
                self.attachments.setdefault(row["run_id"], {})[row["name"]] = (
                    base_url + attachment_path(row["run_id"], row["name"]))
        self.datasets: dict[str, str] = {}
        examples = sorted({row["reference_example_id"] for row in rows if row["reference_example_id"]})
        if "REFERENCE_DATASET_ID" in selects and examples:
            condition, params = one_of("example_id", examples)
            self.datasets = {row[0]: row[1] for row in conn.execute(
                f"SELECT DISTINCT example_id, dataset_id FROM example_revisions WHERE {condition}", params)}
        self.in_dataset: set[str] = set()
        if "IS_IN_DATASET" in selects and ids:
            condition, params = one_of("source_run_id", ids)
            self.in_dataset = {row[0] for row in conn.execute(
                f"SELECT DISTINCT source_run_id FROM example_revisions WHERE {condition} AND deleted = 0",
                params)}
        self.queued: dict[str, str] = {}
        if "LAST_QUEUED_AT" in selects and ids:
            condition, params = one_of("run_id", ids)
            self.queued = {row[0]: row[1] for row in conn.execute(
                f"SELECT run_id, max(added_at) FROM annotation_queue_items WHERE {condition} GROUP BY run_id",
                params)}


    def details(self, row: sqlite3.Row, key: str) -> dict | None:
        """An LLM run's own per-category breakdown (``{"raw": {...}}``), as its usage reported it."""
        if row["run_type"] != "llm":
            return None
        if row["id"] not in self._usage:
            self._usage[row["id"]] = extract_usage(json_value(row["outputs"]), json_value(row["extra"]))
        found = self._usage[row["id"]]
        return {"raw": getattr(found, key)} if found is not None and getattr(found, key) else None


def check_selects(selects: Iterable[str] | None, allowed: Iterable[str] = RUN_SELECT_FIELDS,
                  what: str = "selects") -> list[str]:
    """The select names, each one checked against ``allowed`` (a 400 naming the unknown ones)."""
    names = list(selects or [])
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise BadRequest(f"{what}: unknown fields {unknown}; expected names such as 'NAME', 'INPUTS'"
                         f" (the SDK's RunSelectField)")
    return names


def run_items(conn: sqlite3.Connection, rows: list[sqlite3.Row], selects: Iterable[str], *,
              subtree: bool = False, base_url: str = "") -> list[dict]:
    """Rows of ``runs`` as v2 run objects: ``id`` and the selected fields, nothing else."""
    names = set(selects)
    ctx = _Context(conn, rows, names, subtree=subtree, base_url=base_url)
    items = []
    for row in rows:
        item: dict[str, Any] = {"id": row["id"]}
        for name in names:
            if name in _FIELD:
                item[name.lower()] = _FIELD[name](row, ctx)
            elif name in _ALWAYS_NULL:
                item[name.lower()] = None
        items.append(item)
    return items


# ---------------------------------------------------------------- requests


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cursor: str | None = None
    min_start_time: str | None = None
    max_start_time: str | None = None
    selects: list[str] | None = None
    trace_filter: str | None = None
    tree_filter: str | None = None
    # Known, refused with a 501 (see the module docstring).
    ai_search: str | None = None
    sem_filter: str | None = None
    min_feedback_modified_at: str | None = None
    max_feedback_modified_at: str | None = None


class RunQuery(_Query):
    """The body of ``POST /api/v2/runs/query`` (``client.runs.query_v2``)."""

    project_ids: list[uuid.UUID] | None = None
    reference_dataset_id: uuid.UUID | None = None
    ids: list[uuid.UUID] | None = None
    trace_id: uuid.UUID | None = None
    is_root: bool | None = None
    has_error: bool | None = None
    run_type: str | None = None
    reference_examples: list[uuid.UUID] | None = None
    filter: str | None = None
    include_subtree_usage: bool = False
    page_size: int = Field(default=100, ge=1, le=1000)


class TraceQuery(_Query):
    """The body of ``POST /api/v2/traces/query`` (``client.traces.query``)."""

    project_id: uuid.UUID | None = None
    trace_ids: list[uuid.UUID] | None = None
    page_size: int = Field(default=20, ge=1, le=100)


def refuse_unsupported(query: BaseModel) -> None:
    """A 501 for the options that need LangSmith's cloud services."""
    asked = [name for name in _UNSUPPORTED if getattr(query, name, None) is not None]
    if asked:
        raise NotSupported(f"{', '.join(asked)}: semantic search and feedback-time bounds are not available"
                           " on the local server; use filter / trace_filter / tree_filter")


def time_window(min_start_time: str | None, max_start_time: str | None) -> tuple[str, str]:
    """The stored-form bounds of a query: ``min`` defaults to a day before ``max``, ``max`` to now."""
    high = normalize_time(max_start_time, "max_start_time") if max_start_time else None
    if high is None:
        high = stored_time(datetime.now(UTC).replace(tzinfo=None))
    low = normalize_time(min_start_time, "min_start_time") if min_start_time else None
    if low is None:
        low = stored_time(datetime.fromisoformat(high) - DEFAULT_WINDOW)
    if low > high:
        raise BadRequest(f"min_start_time {low} is after max_start_time {high}")
    return low, high


def _page(conn: sqlite3.Connection, where_sql: str, params: list, cursor: str | None,
          page_size: int) -> tuple[list[sqlite3.Row], str | None]:
    """One page of ``runs r`` matching ``where_sql``, newest first, and the next page's cursor."""
    if cursor:
        start, run_id = decode_cursor(cursor)
        where_sql += " AND (r.start_time < ? OR (r.start_time = ? AND r.id < ?))"
        params = [*params, start, start, run_id]
    rows = conn.execute(f"SELECT r.* FROM runs r WHERE {where_sql}"
                        " ORDER BY r.start_time DESC, r.id DESC LIMIT ?", (*params, page_size + 1)).fetchall()
    if len(rows) <= page_size:
        return rows, None
    rows = rows[:page_size]
    return rows, encode_cursor(rows[-1]["start_time"], rows[-1]["id"])


def _dataset_projects(conn: sqlite3.Connection, dataset_id: str) -> tuple[list[str], str | None]:
    """The experiments of a dataset (projects with it as reference) and the earliest one's start."""
    rows = conn.execute("SELECT id, start_time FROM projects WHERE reference_dataset_id = ?"
                        " ORDER BY start_time", (dataset_id,)).fetchall()
    return [row["id"] for row in rows], rows[0]["start_time"] if rows else None


def query_runs(db: Database, body: Any, *, base_url: str = "") -> tuple[list[dict], str | None]:
    """``POST /api/v2/runs/query``: one page of runs, newest first, and the next page's cursor."""
    query: RunQuery = parse_model(RunQuery, body, "run query")
    refuse_unsupported(query)
    selects = check_selects(query.selects)
    conn = db.read()
    min_start_time = query.min_start_time
    if (query.project_ids is None) == (query.reference_dataset_id is None):
        raise BadRequest("project_ids / reference_dataset_id: give exactly one")
    if query.reference_dataset_id is not None:
        session_ids, earliest = _dataset_projects(conn, str(query.reference_dataset_id))
        min_start_time = min_start_time or earliest
    else:
        session_ids = [str(p) for p in query.project_ids or []]
    low, high = time_window(min_start_time, query.max_start_time)
    where = run_conditions(
        session_ids=session_ids,
        run_ids=[str(i) for i in query.ids] if query.ids is not None else None,
        trace_id=str(query.trace_id) if query.trace_id else None,
        run_type=query.run_type.lower() if query.run_type else None,
        is_root=query.is_root,
        error=query.has_error,
        start_time=low,
        end_time=high,
        reference_example_ids=(
            [str(i) for i in query.reference_examples] if query.reference_examples is not None else None),
        filter=query.filter,
        trace_filter=query.trace_filter,
        tree_filter=query.tree_filter,
    )
    rows, cursor = _page(conn, " AND ".join(where.conditions), where.params, query.cursor, query.page_size)
    return run_items(conn, rows, selects, subtree=query.include_subtree_usage, base_url=base_url), cursor


def retrieve_run(db: Database, run_id: str, project_id: str, selects: list[str] | None, *,
                 base_url: str = "") -> dict:
    """``GET /api/v2/runs/{run_id}``: one run of the project ``project_id``; 404 if it has none."""
    conn = db.read()
    row = conn.execute("SELECT * FROM runs WHERE id = ? AND session_id = ? AND name IS NOT NULL"
                       " AND start_time IS NOT NULL",
                       (as_uuid(run_id, "run_id"), as_uuid(project_id, "project_id"))).fetchone()
    if row is None:
        raise NotFound(f"run {run_id} not found in project {project_id}")
    return run_items(conn, [row], check_selects(selects), base_url=base_url)[0]


def query_traces(db: Database, body: Any, *, base_url: str = "") -> tuple[list[dict], str | None]:
    """``POST /api/v2/traces/query``: one page of traces (root runs), newest first, and the cursor.

    ``trace_filter`` applies to the root run, ``tree_filter`` to any run of the trace. Of the selected
    fields, ``TOTAL_TOKENS``, ``TOTAL_COST`` and ``FIRST_TOKEN_TIME`` are the whole trace's and go to
    ``trace_aggregates``; the rest go to ``root_run``.
    """
    query: TraceQuery = parse_model(TraceQuery, body, "trace query")
    refuse_unsupported(query)
    if query.project_id is None:
        raise BadRequest("project_id: field required")
    selects = check_selects(query.selects)
    low, high = time_window(query.min_start_time, query.max_start_time)
    where = run_conditions(session_ids=[str(query.project_id)], is_root=True, start_time=low,
                           run_ids=[str(i) for i in query.trace_ids] if query.trace_ids is not None else None,
                           filter=query.trace_filter, tree_filter=query.tree_filter)
    where.add("r.start_time < ?", high)  # exclusive upper bound, as documented for traces
    conn = db.read()
    rows, cursor = _page(conn, " AND ".join(where.conditions), where.params, query.cursor, query.page_size)
    aggregates = [s for s in selects if s in TRACE_AGGREGATE_FIELDS]
    roots = run_items(conn, rows, [s for s in selects if s not in TRACE_AGGREGATE_FIELDS], base_url=base_url)
    items = []
    for row, root in zip(rows, roots, strict=True):
        totals = {"total_tokens": row["total_tokens"] or 0, "total_cost": row["total_cost"],
                  "first_token_time": rfc3339(_first_token_time(conn, row))}
        items.append({"root_run": root,
                      "trace_aggregates": {s.lower(): totals[s.lower()] for s in aggregates}})
    return items, cursor


def _first_token_time(conn: sqlite3.Connection, root: sqlite3.Row) -> str | None:
    row = conn.execute("SELECT min(first_token_time) FROM runs WHERE trace_id = ?", (root["id"],)).fetchone()
    return row[0]


def trace_runs(db: Database, trace_id: str, project_id: str, *, selects: list[str] | None = None,
               filter: str | None = None, min_start_time: str | None = None,
               max_start_time: str | None = None, base_url: str = "") -> list[dict]:
    """``GET /api/v2/traces/{trace_id}/runs``: the trace's runs in tree order (parents before children).

    ``min_start_time`` and ``max_start_time`` come together or not at all (as LangSmith requires);
    ``filter`` keeps the runs that match it.
    """
    if (min_start_time is None) != (max_start_time is None):
        raise BadRequest("min_start_time and max_start_time: give both or neither")
    where = run_conditions(session_ids=[as_uuid(project_id, "project_id")], trace_id=trace_id, filter=filter,
                           start_time=min_start_time, end_time=max_start_time)
    conn = db.read()
    rows = conn.execute(f"SELECT r.* FROM runs r{where.sql} ORDER BY r.dotted_order, r.id",
                        where.params).fetchall()
    return run_items(conn, rows, check_selects(selects), base_url=base_url)
