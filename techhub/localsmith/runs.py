"""Runs: the tables, and reading them (one run, queries, stats, threads).

Writing runs is :func:`techhub.localsmith.ingest.ingest`. Public functions here (plain Python over a
:class:`~techhub.localsmith.store.Database`, no HTTP):

- :func:`read_run` ``(db, run_id) -> dict``: one run with every field; :class:`NotFound` if absent.
- :func:`query_runs` ``(db, *, session_ids, run_ids, trace_id, parent_run_id, run_type, is_root,
  error, start_time, end_time, reference_example_ids, thread_id, query, filter, trace_filter,
  tree_filter, select, order, limit, cursor) -> (runs, next_cursor)``. ``filter`` applies to the run,
  ``trace_filter`` to the root of its trace, ``tree_filter`` to any run of its trace (see
  :mod:`techhub.localsmith.filters`). ``order`` is ``"desc"`` (newest first, default) or ``"asc"``.
- :func:`thread_runs` ``(db, thread_id, *, session_id=None, is_root=True) -> list[dict]``: the runs
  of one conversation, oldest first.
- :func:`run_stats` ``(db, **same criteria as query_runs) -> dict`` and :func:`project_stats`.

A run dict has the SDK's ``Run`` fields: ``id, name, run_type, start_time, end_time, status``
(success/error/pending), ``latency`` (s), ``inputs, outputs, error, extra, events, tags, serialized,
session_id, trace_id, parent_run_id, parent_run_ids, dotted_order, reference_example_id,
thread_id`` (from metadata ``thread_id``, ``session_id`` or ``conversation_id``), token counts and
costs (an LLM run's own; any other run sums its subtree), ``first_token_time``, ``feedback_stats``,
``child_run_ids`` and ``s3_urls`` (its attachments, each with the local ``presigned_url`` that
:func:`read_attachment` serves).
"""

from __future__ import annotations

import base64
import binascii
import json
import reprlib
import sqlite3
import uuid
from typing import Any
from urllib.parse import quote

import orjson

from techhub.localsmith.exceptions import BadRequest, NotFound
from techhub.localsmith.feedback import feedback_stats, summarize
from techhub.localsmith.filters import filter_sql
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.store import Database, Where, register_schema
from techhub.localsmith.times import normalize_time

register_schema(
    """
    CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY,
        trace_id TEXT,
        parent_run_id TEXT,
        dotted_order TEXT,
        session_id TEXT,
        name TEXT,
        run_type TEXT,
        start_time TEXT,
        end_time TEXT,
        error TEXT,
        tags TEXT,
        inputs TEXT,
        outputs TEXT,
        events TEXT,
        extra TEXT,
        serialized TEXT,
        reference_example_id TEXT,
        is_root INTEGER,
        status TEXT,
        latency REAL,
        thread_id TEXT,
        first_token_time TEXT,
        own_prompt_tokens INTEGER,
        own_completion_tokens INTEGER,
        own_total_tokens INTEGER,
        own_prompt_cost REAL,
        own_completion_cost REAL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        total_tokens INTEGER,
        prompt_cost REAL,
        completion_cost REAL,
        total_cost REAL
    );
    CREATE INDEX IF NOT EXISTS runs_session_start ON runs(session_id, start_time);
    CREATE INDEX IF NOT EXISTS runs_session_name_start ON runs(session_id, name, start_time);
    CREATE INDEX IF NOT EXISTS runs_session_roots ON runs(session_id, start_time) WHERE is_root = 1;
    -- A trace in tree order: subtree sums are index ranges (dotted_order prefixes).
    DROP INDEX IF EXISTS runs_trace;
    CREATE INDEX IF NOT EXISTS runs_trace_order ON runs(trace_id, dotted_order);
    CREATE INDEX IF NOT EXISTS runs_thread ON runs(thread_id, start_time) WHERE thread_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS runs_example ON runs(reference_example_id)
        WHERE reference_example_id IS NOT NULL;
    -- Runs that came before their parent and wait for it to learn their links (empty as a rule).
    CREATE INDEX IF NOT EXISTS runs_unlinked ON runs(parent_run_id)
        WHERE trace_id IS NULL OR dotted_order IS NULL;
    -- One row per top-level metadata entry (null values skipped), for metadata_key/value filters.
    -- A single b-tree: ingest deletes a run's old rows by their full key, read from its old extra.
    CREATE TABLE IF NOT EXISTS run_metadata (
        key TEXT NOT NULL, value TEXT NOT NULL, run_id TEXT NOT NULL,
        PRIMARY KEY (key, value, run_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS run_attachments (
        run_id TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT, data BLOB,
        PRIMARY KEY (run_id, name)
    );
    """
)

# Every column ingest writes, in order: the first 17 come from the SDK's payloads (and merge), the
# rest are derived from them (see techhub.localsmith.ingest).
INSERT_COLUMNS = (
    "id", "trace_id", "parent_run_id", "dotted_order", "session_id", "name", "run_type", "start_time",
    "end_time", "error", "tags", "inputs", "outputs", "events", "extra", "serialized",
    "reference_example_id",
    "is_root", "status", "latency", "thread_id", "first_token_time",
    "own_prompt_tokens", "own_completion_tokens", "own_total_tokens", "own_prompt_cost",
    "own_completion_cost",
    "prompt_tokens", "completion_tokens", "total_tokens", "prompt_cost", "completion_cost", "total_cost",
)
MAX_PAGE = 100
_JSON_PARTS = ("inputs", "outputs", "events", "extra", "serialized")


def seconds_sql(start: str, end: str) -> str:
    """SQL for the exact seconds between two stored timestamps (julianday() loses microseconds)."""
    return (f"((CAST(strftime('%s', substr({end}, 1, 19)) AS INTEGER)"
            f" - CAST(strftime('%s', substr({start}, 1, 19)) AS INTEGER))"
            f" + (CAST(substr({end}, 21, 6) AS INTEGER) - CAST(substr({start}, 21, 6) AS INTEGER)) / 1e6)")


# ---------------------------------------------------------------- reading

ALL_FIELDS = (
    "id", "name", "run_type", "start_time", "end_time", "status", "latency", "inputs", "outputs", "error",
    "extra", "events", "tags", "serialized", "session_id", "trace_id", "parent_run_id", "parent_run_ids",
    "dotted_order", "reference_example_id", "thread_id", "prompt_tokens", "completion_tokens",
    "total_tokens", "prompt_cost", "completion_cost", "total_cost", "first_token_time", "feedback_stats",
    "child_run_ids", "app_path", "s3_urls",
)
# Always returned, whatever ``select`` says: the SDK's Run model cannot be built without them.
_REQUIRED = ("id", "name", "run_type", "start_time", "trace_id", "dotted_order", "parent_run_id",
             "session_id")


def _to_dict(row: sqlite3.Row, fields: set[str]) -> dict:
    out: dict[str, Any] = {}
    for name in fields:
        if name in _JSON_PARTS or name == "tags":
            raw = row[name]
            out[name] = orjson.loads(raw) if raw is not None else None
        elif name == "parent_run_ids":
            segments = (row["dotted_order"] or "").split(".")[:-1]
            out[name] = [s.split("Z", 1)[1] for s in segments if "Z" in s]
        elif name in ("prompt_tokens", "completion_tokens", "total_tokens"):
            out[name] = row[name] or 0
        elif name in ("prompt_cost", "completion_cost", "total_cost"):
            out[name] = row[name] if row[name] is not None else None
        elif name == "dotted_order":
            out[name] = row[name] or ""  # a run still waiting for its parent (the SDK needs a str)
        elif name == "trace_id":
            # Until a waiting run's parent arrives, its parent is the best guess at its trace.
            out[name] = row[name] or row["parent_run_id"] or row["id"]
        elif name == "app_path":
            out[name] = f"/projects/p/{row['session_id']}/r/{row['id']}?trace_id={row['trace_id']}"
        elif name in ("feedback_stats", "child_run_ids", "s3_urls"):
            continue
        else:
            out[name] = row[name]
    if "inputs" in out and out["inputs"] is None:
        out["inputs"] = {}
    return out


def _decorate(conn: sqlite3.Connection, runs: list[dict], fields: set[str]) -> list[dict]:
    """Add fields that need other rows: feedback stats and child run ids."""
    ids = [run["id"] for run in runs]
    if "feedback_stats" in fields and ids:
        stats = feedback_stats(conn, ids)
        for run in runs:
            run["feedback_stats"] = stats.get(run["id"], {})
    if "child_run_ids" in fields and ids:
        # Children share their parent's trace: look them up through the trace index.
        children: dict[str, list[str]] = {}
        parents = set(ids)
        traces = sorted({run["trace_id"] for run in runs if run.get("trace_id")})
        for row in conn.execute(
            "SELECT id, parent_run_id FROM runs WHERE trace_id IN (SELECT value FROM json_each(?))"
            " AND parent_run_id IS NOT NULL ORDER BY dotted_order", (json.dumps(traces),)):
            if row["parent_run_id"] in parents:
                children.setdefault(row["parent_run_id"], []).append(row["id"])
        for run in runs:
            run["child_run_ids"] = children.get(run["id"], [])
    if "s3_urls" in fields and ids:
        urls: dict[str, dict] = {}
        for row in conn.execute("SELECT run_id, name, content_type FROM run_attachments"
                                " WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY name",
                                (json.dumps(ids),)):
            urls.setdefault(row["run_id"], {})[f"attachment.{row['name']}"] = {
                "presigned_url": attachment_path(row["run_id"], row["name"]),
                "mime_type": row["content_type"],
            }
        for run in runs:
            run["s3_urls"] = urls.get(run["id"], {})
    return runs


def attachment_path(run_id: str, name: str) -> str:
    """Where the server serves a run attachment's bytes (the SDK downloads ``presigned_url``)."""
    return f"/api/v1/runs/{run_id}/attachments/{quote(name, safe='')}"


def read_attachment(db: Database, run_id: str, name: str) -> tuple[str | None, bytes]:
    """The content type and bytes of one attachment of a run; :class:`NotFound` if absent."""
    row = db.read().execute("SELECT content_type, data FROM run_attachments WHERE run_id = ? AND name = ?",
                            (as_uuid(run_id, "run_id"), name)).fetchone()
    if row is None:
        raise NotFound(f"run {run_id} has no attachment {name!r}")
    return row["content_type"], row["data"]


def read_run(db: Database, run_id: str) -> dict:
    """One run with every field (posted runs only); :class:`NotFound` if absent."""
    conn = db.read()
    row = conn.execute("SELECT * FROM runs WHERE id = ? AND name IS NOT NULL AND start_time IS NOT NULL",
                       (as_uuid(run_id, "run_id"),)).fetchone()
    if row is None:
        raise NotFound(f"run {run_id} not found")
    fields = set(ALL_FIELDS)
    return _decorate(conn, [_to_dict(row, fields)], fields)[0]


def encode_cursor(start_time: str, run_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([start_time, run_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        start_time, run_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(start_time, str) or not isinstance(run_id, str):
            raise ValueError
        return start_time, run_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(f"cursor: {cursor!r} is not a cursor this server returned") from None


def _id_list(values: Any, what: str) -> list[str]:
    if isinstance(values, str | uuid.UUID):
        values = [values]
    if not isinstance(values, list | tuple):
        raise BadRequest(f"{what}: expected a list of UUIDs")
    return [as_uuid(v, what) for v in values]


# Where each filter of a query applies, as (alias the filter is compiled on, SQL around it): to the
# run itself, to its trace's root run, or to any run of its trace. Rules check theirs the same way.
FILTER_SCOPES = {
    "filter": ("r", "{}"),
    "trace_filter": ("t", "EXISTS (SELECT 1 FROM runs t WHERE t.id = r.trace_id AND {})"),
    "tree_filter": ("t", "EXISTS (SELECT 1 FROM runs t WHERE t.trace_id = r.trace_id AND {})"),
}


def run_conditions(
    *,
    session_ids: Any = None,
    run_ids: Any = None,
    trace_id: Any = None,
    parent_run_id: Any = None,
    run_type: str | None = None,
    is_root: bool | None = None,
    error: bool | None = None,
    start_time: Any = None,
    end_time: Any = None,
    reference_example_ids: Any = None,
    thread_id: str | None = None,
    query: str | None = None,
    filter: str | None = None,
    trace_filter: str | None = None,
    tree_filter: str | None = None,
) -> Where:
    """The WHERE conditions (on alias ``r``) shared by queries and stats."""
    where = Where(["r.name IS NOT NULL", "r.start_time IS NOT NULL"])
    if session_ids is not None:
        where.among("r.session_id", _id_list(session_ids, "session"))
    if run_ids is not None:
        where.among("r.id", _id_list(run_ids, "id"))
    if trace_id is not None:
        where.among("r.trace_id", [as_uuid(trace_id, "trace")])
    if parent_run_id is not None:
        where.among("r.parent_run_id", [as_uuid(parent_run_id, "parent_run")])
    if reference_example_ids is not None:
        where.among("r.reference_example_id", _id_list(reference_example_ids, "reference_example"))
    if run_type is not None:
        if not isinstance(run_type, str):
            raise BadRequest("run_type: expected a string")
        where.among("r.run_type", [run_type])
    for name, value in (("is_root", is_root), ("error", error)):
        # LangSmith's API reads 0 and 1 as booleans (the SDK's own docs pass is_root=1).
        if value is not None and value not in (True, False):
            raise BadRequest(f"{name}: expected true or false, got {reprlib.repr(value)}")
    is_root = None if is_root is None else bool(is_root)
    error = None if error is None else bool(error)
    if is_root is not None:
        # A literal, not a parameter: SQLite only uses the partial index of roots when it can see it.
        where.add(f"r.is_root = {int(is_root)}")
    if error is not None:
        where.add(f"r.error IS {'NOT ' if error else ''}NULL")
    if start_time is not None:
        where.add("r.start_time >= ?", normalize_time(start_time, "start_time"))
    if end_time is not None:
        where.add("r.start_time <= ?", normalize_time(end_time, "end_time"))
    if thread_id is not None:
        where.add("r.thread_id = ?", str(thread_id))
    if query:
        if not isinstance(query, str):
            raise BadRequest("query: expected a string")
        sql, extra = filter_sql(f"search({json.dumps(query)})")
        where.add(sql, *extra)
    for name, text in (("filter", filter), ("trace_filter", trace_filter), ("tree_filter", tree_filter)):
        if text is None:
            continue
        if not isinstance(text, str):
            raise BadRequest("filter, trace_filter and tree_filter must be strings")
        alias, scope = FILTER_SCOPES[name]
        sql, extra = filter_sql(text, alias)
        where.add(scope.format(sql), *extra)
    return where


def query_runs(
    db: Database,
    *,
    select: list[str] | None = None,
    order: str = "desc",
    limit: int = MAX_PAGE,
    cursor: str | None = None,
    **criteria: Any,
) -> tuple[list[dict], str | None]:
    """One page of runs matching ``criteria`` (see the module docstring) and the next page's cursor."""
    if order not in ("asc", "desc"):
        raise BadRequest("order: expected 'asc' or 'desc'")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise BadRequest("limit: expected a positive integer")
    limit = min(limit, MAX_PAGE)
    if select is not None:
        if not isinstance(select, list) or not all(isinstance(s, str) for s in select):
            raise BadRequest("select: expected a list of field names")
        unknown = set(select) - set(ALL_FIELDS) - {"s3_urls", "manifest_id", "in_dataset", "share_token",
                                                   "attachments", "messages", "price_model_id"}
        if unknown:
            raise BadRequest(f"select: unknown fields {sorted(unknown)}")
        fields = (set(select) & set(ALL_FIELDS)) | set(_REQUIRED)
    else:
        fields = set(ALL_FIELDS)
    where = run_conditions(**criteria)
    direction, cmp = ("DESC", "<") if order == "desc" else ("ASC", ">")
    if cursor is not None:
        if not isinstance(cursor, str):
            raise BadRequest("cursor: expected a string")
        start, run_id = decode_cursor(cursor)
        where.add(f"(r.start_time {cmp} ? OR (r.start_time = ? AND r.id {cmp} ?))", start, start, run_id)
    sql = f"SELECT r.* FROM runs r{where.sql} ORDER BY r.start_time {direction}, r.id {direction} LIMIT ?"
    conn = db.read()
    rows = conn.execute(sql, (*where.params, limit + 1)).fetchall()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["start_time"], rows[-1]["id"])
    runs = _decorate(conn, [_to_dict(row, fields) for row in rows], fields)
    return runs, next_cursor


def thread_runs(db: Database, thread_id: str, *, session_id: str | None = None,
                is_root: bool | None = True) -> list[dict]:
    """Every run of the conversation ``thread_id`` (root runs only by default), oldest first."""
    runs: list[dict] = []
    cursor = None
    while True:
        page, cursor = query_runs(db, thread_id=thread_id, order="asc", cursor=cursor, is_root=is_root,
                                  session_ids=[session_id] if session_id else None)
        runs += page
        if cursor is None:
            return runs


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile, interpolated between neighbours (the median of [1, 2, 3, 4] is 2.5)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _stats(conn: sqlite3.Connection, where: Where) -> dict:
    sql_where, params = " AND ".join(where.conditions), where.params
    row = conn.execute(
        "SELECT count(*) AS n, sum(r.error IS NOT NULL) AS errors, max(r.start_time) AS last,"
        " sum(r.prompt_tokens) AS pt, sum(r.completion_tokens) AS ct, sum(r.total_tokens) AS tt,"
        " sum(r.prompt_cost) AS pc, sum(r.completion_cost) AS cc, sum(r.total_cost) AS tc"
        f" FROM runs r WHERE {sql_where}", params).fetchone()
    latencies = [r[0] for r in conn.execute(
        f"SELECT r.latency FROM runs r WHERE {sql_where} AND r.latency IS NOT NULL", params)]
    first_tokens = [r[0] for r in conn.execute(
        f"SELECT {seconds_sql('r.start_time', 'r.first_token_time')} FROM runs r"
        f" WHERE {sql_where} AND r.first_token_time IS NOT NULL", params)]
    feedback_rows = [(r["key"], r["score"], r["value_text"], r["comment"]) for r in conn.execute(
        f"SELECT f.key, f.score, f.value_text, f.comment FROM feedback f JOIN runs r ON r.id = f.run_id"
        f" WHERE {sql_where}", params)]
    n = row["n"] or 0
    return {
        "run_count": n,
        "error_count": row["errors"] or 0,
        "error_rate": (row["errors"] or 0) / n if n else None,
        "last_run_start_time": row["last"],
        "latency_p50": percentile(latencies, 0.5),
        "latency_p99": percentile(latencies, 0.99),
        "first_token_p50": percentile(first_tokens, 0.5),
        "first_token_p99": percentile(first_tokens, 0.99),
        "prompt_tokens": row["pt"] or 0,
        "completion_tokens": row["ct"] or 0,
        "total_tokens": row["tt"] or 0,
        "prompt_cost": row["pc"],
        "completion_cost": row["cc"],
        "total_cost": row["tc"],
        "feedback_stats": summarize(feedback_rows),
    }


def run_stats(db: Database, **criteria: Any) -> dict:
    """Counts, error rate, latency and first-token percentiles (s), tokens, cost, feedback stats."""
    return _stats(db.read(), run_conditions(**criteria))


def project_stats(conn: sqlite3.Connection, session_id: str) -> dict:
    """Stats over a project's root runs (their tokens and cost cover whole traces), and
    ``session_feedback_stats``: feedback on the project itself (an experiment's summary evaluators)."""
    stats = _stats(conn, Where(["r.session_id = ? AND r.is_root = 1 AND r.name IS NOT NULL"], [session_id]))
    stats.pop("run_count")
    stats.pop("error_count")
    stats.pop("last_run_start_time")
    stats["session_feedback_stats"] = summarize([
        (r["key"], r["score"], r["value_text"], r["comment"]) for r in conn.execute(
            "SELECT key, score, value_text, comment FROM feedback WHERE session_id = ? AND run_id IS NULL"
            " ORDER BY created_at, id", (session_id,))])
    return stats
