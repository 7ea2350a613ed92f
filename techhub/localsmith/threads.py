"""Threads (conversations) in the v2 API: the root runs of a project that share a ``thread_id``.

A thread is not stored as such: ingest derives each run's ``thread_id`` from its metadata
(``thread_id``, ``session_id`` or ``conversation_id``), and a thread is the set of root runs (turns,
one trace each) of a project with the same ``thread_id``. Public functions, one per endpoint the
SDK's ``client.threads`` calls:

- :func:`query_threads` ``(db, body) -> (items, next_cursor)``: ``POST /api/v2/threads/query``, the
  threads active in a time window (default: the last day), most recently active first.
- :func:`thread_traces` ``(db, thread_id, project_id, ...) -> (items, next_cursor)``:
  ``GET /api/v2/threads/{thread_id}/traces``, a thread's turns oldest first with ``turn_number``.
- :func:`thread_stats` ``(db, thread_id, session_id, selects, filter) -> dict``:
  ``GET /api/v2/threads/{thread_id}/stats``.
- :func:`aggregate_stats` ``(db, body) -> dict``: ``POST /api/v2/threads/stats``, over all threads of a
  window, optionally as a time series (``stride``).

Filters (our trace query language) select threads: ``filter``, ``trace_filter`` and
``thread_filter`` keep threads with at least one root run that matches, ``tree_filter`` threads
with a run anywhere in one of their traces that matches. (LangSmith evaluates ``thread_filter``
against a thread summary; here the summary is its root runs.) A thread's tokens and costs are the
sums over its traces; its latency percentiles are over its turns.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.feedback import summarize
from techhub.localsmith.filters import filter_sql
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.queues import parse_model
from techhub.localsmith.runs import decode_cursor, encode_cursor, percentile
from techhub.localsmith.runs_v2 import preview, refuse_unsupported, rfc3339, time_window
from techhub.localsmith.store import Database, Where, one_of
from techhub.localsmith.times import parse_stored, stored_time
from techhub.localsmith.values import json_value

THREAD_TRACE_FIELDS = (
    "THREAD_ID", "TRACE_ID", "OP", "PROMPT_TOKENS", "COMPLETION_TOKENS", "TOTAL_TOKENS", "START_TIME",
    "END_TIME", "LATENCY", "FIRST_TOKEN_TIME", "INPUTS_PREVIEW", "OUTPUTS_PREVIEW", "INPUTS", "OUTPUTS",
    "ERROR", "PROMPT_COST", "COMPLETION_COST", "TOTAL_COST", "PROMPT_TOKEN_DETAILS",
    "COMPLETION_TOKEN_DETAILS", "PROMPT_COST_DETAILS", "COMPLETION_COST_DETAILS", "NAME", "ERROR_PREVIEW",
    "TURN_NUMBER",
)
THREAD_STATS_FIELDS = (
    "TURNS", "FIRST_START_TIME", "LAST_START_TIME", "LAST_END_TIME", "LATENCY_P50", "LATENCY_P99",
    "PROMPT_TOKENS", "PROMPT_COST", "COMPLETION_TOKENS", "COMPLETION_COST", "TOTAL_TOKENS", "TOTAL_COST",
    "PROMPT_TOKEN_DETAILS", "COMPLETION_TOKEN_DETAILS", "PROMPT_COST_DETAILS", "COMPLETION_COST_DETAILS",
    "FEEDBACK_STATS",
)
AGGREGATE_FIELDS = (
    "THREAD_COUNT", "TRACE_COUNT", "TOTAL_TOKENS", "TOTAL_COST", "ERROR_RATE", "STREAMING_RATE",
    "LATENCY_P50", "LATENCY_P99", "MEDIAN_TOKENS", "FIRST_TOKEN_P50", "FIRST_TOKEN_P99", "PROMPT_TOKENS",
    "COMPLETION_TOKENS", "PROMPT_COST", "COMPLETION_COST", "PROMPT_TOKEN_DETAILS", "COMPLETION_TOKEN_DETAILS",
    "PROMPT_COST_DETAILS", "COMPLETION_COST_DETAILS", "THREAD_FEEDBACK_STATS",
)
_STRIDE_UNITS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}
MAX_BUCKETS = 1000


def _check(selects: list[str] | None, allowed: tuple[str, ...], what: str, *, required: bool) -> list[str]:
    names = list(selects or [])
    if required and not names:
        raise BadRequest(f"{what}: at least one field required, from {list(allowed)}")
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise BadRequest(f"{what}: unknown fields {unknown}; expected some of {list(allowed)}")
    return names


# ---------------------------------------------------------------- which threads


def _filters(where: Where, *, filter: str | None = None, trace_filter: str | None = None,
             thread_filter: str | None = None, tree_filter: str | None = None) -> None:
    """Keep the threads (of the root runs ``r``) that have a root run, or a run in one of their
    traces (``tree_filter``), matching each filter given."""
    for name, text in (("filter", filter), ("trace_filter", trace_filter), ("thread_filter", thread_filter),
                       ("tree_filter", tree_filter)):
        if text is None:
            continue
        if not isinstance(text, str):
            raise BadRequest(f"{name}: expected a string")
        if name == "tree_filter":
            sql, params = filter_sql(text, "u")
            where.add("r.thread_id IN (SELECT t.thread_id FROM runs t JOIN runs u ON u.trace_id = t.id"
                      f" WHERE t.session_id = r.session_id AND t.is_root = 1 AND {sql})", *params)
        else:
            sql, params = filter_sql(text, "t")
            where.add("r.thread_id IN (SELECT t.thread_id FROM runs t WHERE t.session_id = r.session_id"
                      f" AND t.is_root = 1 AND {sql})", *params)


def _roots(project_id: str, low: str | None = None, high: str | None = None) -> Where:
    """The root runs of a project that belong to a thread, started in ``[low, high)``."""
    where = Where(["r.session_id = ?", "r.is_root = 1", "r.thread_id IS NOT NULL", "r.name IS NOT NULL"],
                  [as_uuid(project_id, "project_id")])
    if low is not None:
        where.add("r.start_time >= ?", low)
    if high is not None:
        where.add("r.start_time < ?", high)
    return where


def _thread_roots(conn: sqlite3.Connection, where: Where,
                  thread_ids: list[str]) -> dict[str, list[sqlite3.Row]]:
    """The root runs of each of ``thread_ids`` that ``where`` keeps, oldest first."""
    if not thread_ids:
        return {}
    condition, params = one_of("r.thread_id", thread_ids)
    grouped: dict[str, list[sqlite3.Row]] = {t: [] for t in thread_ids}
    for row in conn.execute(f"SELECT r.* FROM runs r{where.sql} AND {condition} ORDER BY r.start_time, r.id",
                            (*where.params, *params)):
        grouped[row["thread_id"]].append(row)
    return grouped


def _feedback(conn: sqlite3.Connection, run_ids: list[str]) -> dict:
    """Feedback stats over the given runs together, per key (none of it given on a thread itself)."""
    if not run_ids:
        return {}
    condition, params = one_of("run_id", run_ids)
    rows = [(r["key"], r["score"], r["value_text"], r["comment"]) for r in conn.execute(
        f"SELECT key, score, value_text, comment FROM feedback WHERE {condition} ORDER BY created_at, id",
        params)]
    stats = summarize(rows)
    for entry in stats.values():
        entry["contains_thread_feedback"] = False
    return stats


def _sum(rows: list[sqlite3.Row], column: str) -> Any:
    values = [row[column] for row in rows if row[column] is not None]
    if column.endswith("_tokens"):
        return sum(values)
    return sum(values) if values else None


# ---------------------------------------------------------------- threads.query


class ThreadQuery(BaseModel):
    """The body of ``POST /api/v2/threads/query`` (``client.threads.query``)."""

    model_config = ConfigDict(extra="forbid")
    project_id: uuid.UUID | None = None
    cursor: str | None = None
    filter: str | None = None
    trace_filter: str | None = None
    tree_filter: str | None = None
    thread_filter: str | None = None
    min_start_time: str | None = None
    max_start_time: str | None = None
    page_size: int = Field(default=20, ge=1, le=100)
    ai_search: str | None = None
    sem_filter: str | None = None


def _thread_item(conn: sqlite3.Connection, thread_id: str, roots: list[sqlite3.Row]) -> dict:
    first, last = roots[0], roots[-1]
    errors = [row["error"] for row in roots if row["error"] is not None]
    latencies = [row["latency"] for row in roots if row["latency"] is not None]
    return {
        "thread_id": thread_id,
        "count": len(roots),
        "min_start_time": rfc3339(first["start_time"]),
        "max_start_time": rfc3339(last["start_time"]),
        "start_time": rfc3339(first["start_time"]),
        "first_trace_id": first["id"],
        "last_trace_id": last["id"],
        "trace_id": last["id"],
        "first_inputs": preview(json_value(first["inputs"])),
        "last_outputs": preview(json_value(last["outputs"])),
        "last_error": errors[-1] if errors else None,
        "num_errored_turns": len(errors),
        "latency_p50": percentile(latencies, 0.5),
        "latency_p99": percentile(latencies, 0.99),
        "total_tokens": _sum(roots, "total_tokens"),
        "total_cost": _sum(roots, "total_cost"),
        "feedback_stats": _feedback(conn, [row["id"] for row in roots]),
    }


def query_threads(db: Database, body: Any) -> tuple[list[dict], str | None]:
    """``POST /api/v2/threads/query``: one page of threads, most recently active first.

    A thread is active in the window when one of its turns started in ``[min_start_time,
    max_start_time)``; its figures cover those turns.
    """
    query: ThreadQuery = parse_model(ThreadQuery, body, "thread query")
    refuse_unsupported(query)
    if query.project_id is None:
        raise BadRequest("project_id: field required")
    low, high = time_window(query.min_start_time, query.max_start_time)
    roots = _roots(str(query.project_id), low, high)
    where = Where(list(roots.conditions), list(roots.params))
    _filters(where, filter=query.filter, trace_filter=query.trace_filter, thread_filter=query.thread_filter,
             tree_filter=query.tree_filter)
    having, having_params = "", []
    if query.cursor:
        last, thread_id = decode_cursor(query.cursor)
        having = " HAVING (max(r.start_time) < ? OR (max(r.start_time) = ? AND r.thread_id < ?))"
        having_params = [last, last, thread_id]
    conn = db.read()
    page = conn.execute(
        f"SELECT r.thread_id, max(r.start_time) AS last FROM runs r{where.sql} GROUP BY r.thread_id{having}"
        " ORDER BY last DESC, r.thread_id DESC LIMIT ?",
        (*where.params, *having_params, query.page_size + 1)).fetchall()
    cursor = None
    if len(page) > query.page_size:
        page = page[: query.page_size]
        cursor = encode_cursor(page[-1]["last"], page[-1]["thread_id"])
    grouped = _thread_roots(conn, roots, [row["thread_id"] for row in page])
    return [_thread_item(conn, thread_id, grouped[thread_id]) for thread_id in grouped], cursor


# ---------------------------------------------------------------- a thread's traces and stats


def _first_tokens(conn: sqlite3.Connection, trace_ids: list[str]) -> dict[str, str]:
    if not trace_ids:
        return {}
    condition, params = one_of("trace_id", trace_ids)
    return {row[0]: row[1] for row in conn.execute(
        f"SELECT trace_id, min(first_token_time) FROM runs WHERE {condition} AND first_token_time IS NOT NULL"
        " GROUP BY trace_id", params)}


def _trace_item(row: sqlite3.Row, selects: list[str], turn: int, first_token: str | None) -> dict:
    values = {
        "THREAD_ID": row["thread_id"], "TRACE_ID": row["id"], "OP": None, "NAME": row["name"],
        "START_TIME": rfc3339(row["start_time"]), "END_TIME": rfc3339(row["end_time"]),
        "LATENCY": row["latency"], "FIRST_TOKEN_TIME": rfc3339(first_token),
        "INPUTS": json_value(row["inputs"]), "OUTPUTS": json_value(row["outputs"]),
        "INPUTS_PREVIEW": preview(json_value(row["inputs"])),
        "OUTPUTS_PREVIEW": preview(json_value(row["outputs"])),
        "ERROR": row["error"], "ERROR_PREVIEW": row["error"][:200] if row["error"] else None,
        "PROMPT_TOKENS": row["prompt_tokens"] or 0, "COMPLETION_TOKENS": row["completion_tokens"] or 0,
        "TOTAL_TOKENS": row["total_tokens"] or 0, "PROMPT_COST": row["prompt_cost"],
        "COMPLETION_COST": row["completion_cost"], "TOTAL_COST": row["total_cost"], "TURN_NUMBER": turn,
    }
    item = {"trace_id": row["id"]}
    item.update({name.lower(): values.get(name) for name in selects})
    return item


def thread_traces(db: Database, thread_id: str, project_id: str, *, selects: list[str] | None = None,
                  filter: str | None = None, trace_filter: str | None = None, tree_filter: str | None = None,
                  page_size: int = 20, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """``GET /api/v2/threads/{thread_id}/traces``: the thread's traces (turns), oldest first.

    ``turn_number`` counts from 1 over all the thread's turns, whichever the filters keep: ``filter``
    and ``trace_filter`` apply to each trace's root run, ``tree_filter`` to any run of it.
    """
    names = _check(selects, THREAD_TRACE_FIELDS, "selects", required=False)
    if not 1 <= page_size <= 100:
        raise BadRequest("page_size must be between 1 and 100")
    roots = _roots(project_id)
    roots.add("r.thread_id = ?", thread_id)
    conn = db.read()
    turns = {row[0]: n for n, row in enumerate(conn.execute(
        f"SELECT r.id FROM runs r{roots.sql} ORDER BY r.start_time, r.id", roots.params), start=1)}
    where = Where(list(roots.conditions), list(roots.params))
    in_tree = "EXISTS (SELECT 1 FROM runs u WHERE u.trace_id = r.id AND {})"
    for text, alias, scope in ((filter, "r", "{}"), (trace_filter, "r", "{}"), (tree_filter, "u", in_tree)):
        if text is not None:
            sql, params = filter_sql(text, alias)
            where.add(scope.format(sql), *params)
    if cursor:
        start, run_id = decode_cursor(cursor)
        where.add("(r.start_time > ? OR (r.start_time = ? AND r.id > ?))", start, start, run_id)
    rows = conn.execute(f"SELECT r.* FROM runs r{where.sql} ORDER BY r.start_time, r.id LIMIT ?",
                        (*where.params, page_size + 1)).fetchall()
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        next_cursor = encode_cursor(rows[-1]["start_time"], rows[-1]["id"])
    first_tokens = _first_tokens(conn, [row["id"] for row in rows])
    items = [_trace_item(row, names, turns[row["id"]], first_tokens.get(row["id"])) for row in rows]
    return items, next_cursor


def thread_stats(db: Database, thread_id: str, session_id: str, selects: list[str] | None,
                 filter: str | None = None) -> dict:
    """``GET /api/v2/threads/{thread_id}/stats``: turns, times, latency, usage and feedback of one
    thread (of the traces ``filter`` keeps); only the selected figures."""
    names = _check(selects, THREAD_STATS_FIELDS, "selects", required=True)
    where = _roots(session_id)
    where.add("r.thread_id = ?", thread_id)
    if filter is not None:
        sql, params = filter_sql(filter, "r")
        where.add(sql, *params)
    conn = db.read()
    rows = conn.execute(f"SELECT r.* FROM runs r{where.sql} ORDER BY r.start_time, r.id",
                        where.params).fetchall()
    latencies = [row["latency"] for row in rows if row["latency"] is not None]
    ends = [row["end_time"] for row in rows if row["end_time"]]
    values = {
        "TURNS": len(rows),
        "FIRST_START_TIME": rfc3339(rows[0]["start_time"]) if rows else None,
        "LAST_START_TIME": rfc3339(rows[-1]["start_time"]) if rows else None,
        "LAST_END_TIME": rfc3339(max(ends)) if ends else None,
        "LATENCY_P50": percentile(latencies, 0.5),
        "LATENCY_P99": percentile(latencies, 0.99),
        "FEEDBACK_STATS": _feedback(conn, [row["id"] for row in rows]),
        **{name: _sum(rows, name.lower()) for name in ("PROMPT_TOKENS", "COMPLETION_TOKENS", "TOTAL_TOKENS",
                                                       "PROMPT_COST", "COMPLETION_COST", "TOTAL_COST")},
    }
    keys = {"LATENCY_P50": "latency_p50_seconds", "LATENCY_P99": "latency_p99_seconds"}
    return {keys.get(name, name.lower()): values.get(name) for name in names}


# ---------------------------------------------------------------- threads.aggregate_stats


class Stride(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: Literal["SECOND", "MINUTE", "HOUR", "DAY"]
    value: int = Field(default=1, ge=1)


class AggregateQuery(BaseModel):
    """The body of ``POST /api/v2/threads/stats`` (``client.threads.aggregate_stats``)."""

    model_config = ConfigDict(extra="forbid")
    project_id: uuid.UUID
    select: list[str]
    filter: str | None = None
    trace_filter: str | None = None
    tree_filter: str | None = None
    thread_filter: str | None = None
    min_start_time: str | None = None
    max_start_time: str | None = None
    stride: Stride | None = None


def _aggregate(conn: sqlite3.Connection, threads: dict[str, list[sqlite3.Row]], names: list[str]) -> dict:
    roots = [row for rows in threads.values() for row in rows]
    latencies = [row["latency"] for row in roots if row["latency"] is not None]
    first_tokens = _first_tokens(conn, [row["id"] for row in roots])
    to_first_token = [
        (parse_stored(first_tokens[row["id"]]) - parse_stored(row["start_time"])).total_seconds()
        for row in roots if row["id"] in first_tokens]
    thread_tokens = [float(_sum(rows, "total_tokens")) for rows in threads.values()]
    median = percentile(thread_tokens, 0.5)
    values = {
        "THREAD_COUNT": len(threads),
        "TRACE_COUNT": len(roots),
        "ERROR_RATE": sum(row["error"] is not None for row in roots) / len(roots) if roots else None,
        "STREAMING_RATE": len(first_tokens) / len(roots) if roots else None,
        "LATENCY_P50": percentile(latencies, 0.5),
        "LATENCY_P99": percentile(latencies, 0.99),
        "FIRST_TOKEN_P50": percentile(to_first_token, 0.5),
        "FIRST_TOKEN_P99": percentile(to_first_token, 0.99),
        "MEDIAN_TOKENS": round(median) if median is not None else None,
        "THREAD_FEEDBACK_STATS": _feedback(conn, [row["id"] for row in roots]),
        **{name: _sum(roots, name.lower()) for name in ("PROMPT_TOKENS", "COMPLETION_TOKENS", "TOTAL_TOKENS",
                                                        "PROMPT_COST", "COMPLETION_COST", "TOTAL_COST")},
    }
    keys = {"LATENCY_P50": "latency_p50_seconds", "LATENCY_P99": "latency_p99_seconds",
            "FIRST_TOKEN_P50": "first_token_p50_seconds", "FIRST_TOKEN_P99": "first_token_p99_seconds"}
    return {keys.get(name, name.lower()): values.get(name) for name in names}


def aggregate_stats(db: Database, body: Any) -> dict:
    """``POST /api/v2/threads/stats``: the selected figures over every thread active in the window.

    ``MEDIAN_TOKENS`` is the median of the threads' token totals; rates and percentiles are over
    turns. With ``stride``, ``buckets`` holds the same figures per interval from ``min_start_time``,
    each thread counted once, in the interval where its most recent turn started.
    """
    query: AggregateQuery = parse_model(AggregateQuery, body, "thread stats query")
    names = _check(query.select, AGGREGATE_FIELDS, "select", required=True)
    low, high = time_window(query.min_start_time, query.max_start_time)
    roots = _roots(str(query.project_id), low, high)
    where = Where(list(roots.conditions), list(roots.params))
    _filters(where, filter=query.filter, trace_filter=query.trace_filter, thread_filter=query.thread_filter,
             tree_filter=query.tree_filter)
    conn = db.read()
    thread_ids = [row[0] for row in conn.execute(f"SELECT DISTINCT r.thread_id FROM runs r{where.sql}",
                                                 where.params)]
    threads = _thread_roots(conn, roots, thread_ids)
    result = _aggregate(conn, threads, names)
    if query.stride is not None:
        step = timedelta(seconds=_STRIDE_UNITS[query.stride.unit] * query.stride.value)
        start, end = datetime.fromisoformat(low), datetime.fromisoformat(high)
        if (end - start) / step > MAX_BUCKETS:
            raise BadRequest(f"stride: more than {MAX_BUCKETS} buckets in the window; choose a longer stride")
        buckets: list[dict[str, list[sqlite3.Row]]] = [{} for _ in range(max(1, -(-(end - start) // step)))]
        for thread_id, rows in threads.items():
            index = int((datetime.fromisoformat(rows[-1]["start_time"]) - start) // step)
            buckets[min(index, len(buckets) - 1)][thread_id] = rows
        result["buckets"] = [{"bucket_start_time": rfc3339(stored_time(start + i * step)),
                              **_aggregate(conn, bucket, names)} for i, bucket in enumerate(buckets)]
    return result

