"""Runs: ingest (posts and patches in any order, idempotent), read, query, stats, threads.

Public functions (plain Python over a :class:`~techhub.localsmith.store.Database`, no HTTP):

- :func:`ingest` ``(db, posts=(), patches=(), feedback=(), attachments=()) -> IngestResult``: one
  transaction per call (committed before it returns, so an acknowledged request is durable).
  Posts and patches merge: a field that is null in a later payload never erases a stored value.
  Projects are created by ``session_name`` on first use.
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
costs (an LLM run's own; any other run sums its subtree), ``first_token_time``, ``feedback_stats``
and ``child_run_ids``.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from techhub.localsmith import usage
from techhub.localsmith.exceptions import BadRequest, NotFound
from techhub.localsmith.feedback import feedback_stats, insert_feedback, summarize
from techhub.localsmith.filters import filter_sql
from techhub.localsmith.projects import DEFAULT_PROJECT, ensure_project_ids
from techhub.localsmith.store import Database, register_schema
from techhub.localsmith.times import normalize_time, parse_stored

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
    CREATE INDEX IF NOT EXISTS runs_session_root_start ON runs(session_id, is_root, start_time);
    CREATE INDEX IF NOT EXISTS runs_trace ON runs(trace_id, dotted_order);
    CREATE INDEX IF NOT EXISTS runs_parent ON runs(parent_run_id);
    CREATE INDEX IF NOT EXISTS runs_thread ON runs(thread_id, start_time) WHERE thread_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS runs_example ON runs(reference_example_id)
        WHERE reference_example_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS runs_with_tokens ON runs(trace_id) WHERE own_total_tokens IS NOT NULL;
    CREATE TABLE IF NOT EXISTS run_metadata (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT);
    CREATE INDEX IF NOT EXISTS run_metadata_run ON run_metadata(run_id);
    CREATE INDEX IF NOT EXISTS run_metadata_kv ON run_metadata(key, value, run_id);
    CREATE TABLE IF NOT EXISTS run_attachments (
        run_id TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT, data BLOB,
        PRIMARY KEY (run_id, name)
    );
    """
)

# Columns a post/patch may set; on conflict a non-null incoming value replaces the stored one.
_INGEST_COLUMNS = (
    "id", "trace_id", "parent_run_id", "dotted_order", "session_id", "name", "run_type", "start_time",
    "end_time", "error", "tags", "inputs", "outputs", "events", "extra", "serialized",
    "reference_example_id",
)
_UPSERT_SQL = (
    f"INSERT INTO runs ({', '.join(_INGEST_COLUMNS)}) VALUES ({', '.join('?' * len(_INGEST_COLUMNS))})"
    " ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(excluded.{c}, runs.{c})" for c in _INGEST_COLUMNS[1:])
)
_DERIVE_SQL = """
    UPDATE runs SET
        is_root = (parent_run_id IS NULL),
        status = CASE WHEN error IS NOT NULL THEN 'error'
                      WHEN end_time IS NOT NULL THEN 'success' ELSE 'pending' END,
        latency = CASE WHEN end_time IS NOT NULL AND start_time IS NOT NULL
                       THEN {latency} END,
        thread_id = CAST(COALESCE(json_extract(extra, '$.metadata.thread_id'),
                                  json_extract(extra, '$.metadata.session_id'),
                                  json_extract(extra, '$.metadata.conversation_id')) AS TEXT)
    WHERE id IN (SELECT value FROM json_each(?))
"""


def _seconds_sql(start: str, end: str) -> str:
    """Exact seconds between two stored timestamps (julianday() would lose microseconds)."""
    return (f"((CAST(strftime('%s', substr({end}, 1, 19)) AS INTEGER)"
            f" - CAST(strftime('%s', substr({start}, 1, 19)) AS INTEGER))"
            f" + (CAST(substr({end}, 21, 6) AS INTEGER) - CAST(substr({start}, 21, 6) AS INTEGER)) / 1e6)")


_DERIVE_SQL = _DERIVE_SQL.format(latency=_seconds_sql("start_time", "end_time"))
_AGGREGATE_SQL = """
    UPDATE runs SET (prompt_tokens, completion_tokens, total_tokens, prompt_cost, completion_cost,
                     total_cost) = (
        SELECT sum(c.own_prompt_tokens), sum(c.own_completion_tokens), sum(c.own_total_tokens),
               sum(c.own_prompt_cost), sum(c.own_completion_cost),
               sum(COALESCE(c.own_prompt_cost, 0) + COALESCE(c.own_completion_cost, 0))
        FROM runs c
        WHERE c.trace_id = runs.trace_id
          AND (runs.is_root = 1 OR c.id = runs.id
               OR (c.dotted_order > runs.dotted_order || '.' AND c.dotted_order < runs.dotted_order || '/'))
    )
    WHERE trace_id = ?
"""

MAX_PAGE = 100
_JSON_PARTS = ("inputs", "outputs", "events", "extra", "serialized")


@dataclass
class IngestResult:
    """What one :func:`ingest` call wrote."""

    run_ids: list[str] = field(default_factory=list)
    feedback_ids: list[str] = field(default_factory=list)
    trace_ids: set[str] = field(default_factory=set)


def _uuid(value: Any, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise BadRequest(f"{what}: {value!r} is not a UUID") from None


def _opt_uuid(value: Any, what: str) -> str | None:
    return None if value is None or value == "" else _uuid(value, what)


def _dotted_segment(start_time: str | None, run_id: str) -> str | None:
    if not start_time:
        return None
    return parse_stored(start_time).strftime("%Y%m%dT%H%M%S%fZ") + run_id


def _trace_from_dotted(dotted: str | None) -> str | None:
    if not dotted or "Z" not in dotted:
        return None
    return dotted.split(".", 1)[0].split("Z", 1)[1] or None


def _prepare_run(payload: Any, project_ids: dict[str, str], where: str) -> tuple[tuple, dict | None]:
    """Validate one post/patch payload; return its column values and its metadata (if extra was sent)."""
    if not isinstance(payload, dict):
        raise BadRequest(f"{where}: expected a JSON object")
    run_id = _uuid(payload.get("id"), f"{where}.id")
    where = f"run {run_id}"
    for key in ("name", "run_type", "error"):
        if payload.get(key) is not None and not isinstance(payload[key], str):
            raise BadRequest(f"{where}: {key} must be a string")
    tags = payload.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        raise BadRequest(f"{where}: tags must be a list of strings")
    for key in ("inputs", "outputs", "extra", "serialized"):
        if payload.get(key) is not None and not isinstance(payload[key], dict):
            raise BadRequest(f"{where}: {key} must be an object")
    if payload.get("events") is not None and not isinstance(payload["events"], list):
        raise BadRequest(f"{where}: events must be a list")
    for key in ("start_time", "end_time"):
        # The SDK always sends ISO 8601 text; a number here is a client bug, not epoch seconds.
        if payload.get(key) is not None and not isinstance(payload[key], str):
            raise BadRequest(f"{where}: {key} must be an ISO 8601 string, got {payload[key]!r}")
    start = normalize_time(payload.get("start_time"), f"{where}.start_time")
    end = normalize_time(payload.get("end_time"), f"{where}.end_time")
    parent = _opt_uuid(payload.get("parent_run_id"), f"{where}.parent_run_id")
    dotted = payload.get("dotted_order")
    if dotted is not None and not isinstance(dotted, str):
        raise BadRequest(f"{where}: dotted_order must be a string")
    if dotted is None and parent is None:
        dotted = _dotted_segment(start, run_id)
    trace = _opt_uuid(payload.get("trace_id"), f"{where}.trace_id") or _trace_from_dotted(dotted)
    if trace is None and parent is None:
        trace = run_id
    session = _opt_uuid(payload.get("session_id"), f"{where}.session_id")
    if session is None and payload.get("session_name"):
        session = project_ids[payload["session_name"]]
    extra = payload.get("extra")
    dumped = {k: json.dumps(payload[k]) if payload.get(k) is not None else None for k in _JSON_PARTS}
    row = (
        run_id, trace, parent, dotted, session, payload.get("name"), payload.get("run_type"), start, end,
        payload.get("error"), json.dumps(tags) if tags is not None else None,
        dumped["inputs"], dumped["outputs"], dumped["events"], dumped["extra"], dumped["serialized"],
        _opt_uuid(payload.get("reference_example_id"), f"{where}.reference_example_id"),
    )
    metadata = (extra.get("metadata") or {}) if isinstance(extra, dict) else None
    return row, metadata if isinstance(metadata, dict) or metadata is None else {}


def _metadata_rows(run_id: str, metadata: dict) -> Iterable[tuple[str, str, str | None]]:
    for key, value in metadata.items():
        if value is None or isinstance(value, str):
            text = value
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = json.dumps(value)
        yield (run_id, str(key), text)


def _fill_missing_links(conn: sqlite3.Connection, run_ids: list[str]) -> None:
    """Children posted without ``trace_id``/``dotted_order``: inherit them from a known parent."""
    conn.execute(
        """
        UPDATE runs SET
            trace_id = COALESCE(trace_id, (SELECT p.trace_id FROM runs p WHERE p.id = runs.parent_run_id)),
            dotted_order = COALESCE(dotted_order, (
                SELECT p.dotted_order || '.' || strftime('%Y%m%dT%H%M%S', runs.start_time)
                       || substr(runs.start_time, 21, 6) || 'Z' || runs.id
                FROM runs p WHERE p.id = runs.parent_run_id AND p.dotted_order IS NOT NULL))
        WHERE id IN (SELECT value FROM json_each(?)) AND (trace_id IS NULL OR dotted_order IS NULL)
        """,
        (json.dumps(run_ids),),
    )


def _update_usage(conn: sqlite3.Connection, run_ids: list[str]) -> set[str]:
    """Compute own tokens/cost/first token of LLM runs; return the traces that have token counts."""
    traces: set[str] = set()
    rows = conn.execute(
        "SELECT id, trace_id, outputs, extra, events FROM runs"
        " WHERE id IN (SELECT value FROM json_each(?)) AND run_type = 'llm'",
        (json.dumps(run_ids),),
    ).fetchall()
    for row in rows:
        outputs = json.loads(row["outputs"]) if row["outputs"] else None
        extra = json.loads(row["extra"]) if row["extra"] else None
        found = usage.extract_usage(outputs if isinstance(outputs, dict) else None,
                                    extra if isinstance(extra, dict) else None)
        events = json.loads(row["events"]) if row["events"] else None
        first = usage.first_token_time(events if isinstance(events, list) else None)
        try:
            first = normalize_time(first)
        except BadRequest:
            first = None
        if found is None:
            conn.execute("UPDATE runs SET first_token_time = ? WHERE id = ?", (first, row["id"]))
            continue
        conn.execute(
            "UPDATE runs SET own_prompt_tokens = ?, own_completion_tokens = ?, own_total_tokens = ?,"
            " own_prompt_cost = ?, own_completion_cost = ?, first_token_time = ? WHERE id = ?",
            (found.prompt_tokens, found.completion_tokens, found.total_tokens, found.prompt_cost,
             found.completion_cost, first, row["id"]),
        )
        traces.add(row["trace_id"])
    return traces


def ingest(
    db: Database,
    posts: Iterable[dict] = (),
    patches: Iterable[dict] = (),
    feedback: Iterable[dict] = (),
    attachments: Iterable[tuple[str, str, str | None, bytes]] = (),
) -> IngestResult:
    """Write run posts, run patches, feedback and ``(run_id, name, content_type, data)`` attachments.

    Everything is validated first; then one transaction writes it all, or nothing on error.
    """
    posts, patches, feedback = list(posts), list(patches), list(feedback)
    ops = [(p, f"post[{i}]") for i, p in enumerate(posts)]
    ops += [(p, f"patch[{i}]") for i, p in enumerate(patches)]
    names = {p.get("session_name") for p, _ in ops if isinstance(p, dict) and p.get("session_name")}
    for payload, where in ops:
        if isinstance(payload, dict):
            name = payload.get("session_name")
            if name is not None and not isinstance(name, str):
                raise BadRequest(f"{where}: session_name must be a string")
            if not name and not payload.get("session_id") and where.startswith("post"):
                payload["session_name"] = DEFAULT_PROJECT
                names.add(DEFAULT_PROJECT)
    result = IngestResult()
    with db.write() as conn:
        project_ids = ensure_project_ids(conn, names)
        prepared = [_prepare_run(payload, project_ids, where) for payload, where in ops]
        rows = [row for row, _ in prepared]
        if rows:
            conn.executemany(_UPSERT_SQL, rows)
            run_ids = list(dict.fromkeys(row[0] for row in rows))
            with_metadata = [(row[0], md) for row, md in prepared if md is not None]
            if with_metadata:
                conn.executemany("DELETE FROM run_metadata WHERE run_id = ?",
                                 [(rid,) for rid in dict.fromkeys(r for r, _ in with_metadata)])
                conn.executemany("INSERT INTO run_metadata (run_id, key, value) VALUES (?, ?, ?)",
                                 [m for rid, md in with_metadata for m in _metadata_rows(rid, md)])
            ids_json = json.dumps(run_ids)
            if any(row[1] is None or row[3] is None for row in rows):
                _fill_missing_links(conn, run_ids)
            conn.execute(_DERIVE_SQL, (ids_json,))
            touched = {r[0] for r in conn.execute(
                "SELECT DISTINCT trace_id FROM runs WHERE id IN (SELECT value FROM json_each(?))"
                " AND trace_id IS NOT NULL", (ids_json,))}
            _update_usage(conn, run_ids)
            for trace_id in touched:
                if conn.execute("SELECT 1 FROM runs WHERE trace_id = ? AND own_total_tokens IS NOT NULL"
                                " LIMIT 1", (trace_id,)).fetchone():
                    conn.execute(_AGGREGATE_SQL, (trace_id,))
            result.run_ids, result.trace_ids = run_ids, touched
        attachment_rows = [(_uuid(rid, "attachment run id"), name, ctype, data)
                           for rid, name, ctype, data in attachments]
        if attachment_rows:
            conn.executemany("INSERT OR REPLACE INTO run_attachments VALUES (?, ?, ?, ?)", attachment_rows)
        if feedback:
            result.feedback_ids = insert_feedback(conn, feedback)
        if result.run_ids:
            # Feedback that arrived before its run learns the run's project and trace now.
            conn.execute(
                """
                UPDATE feedback SET
                    session_id = COALESCE(session_id, (SELECT session_id FROM runs WHERE runs.id = run_id)),
                    trace_id = COALESCE(trace_id, (SELECT trace_id FROM runs WHERE runs.id = run_id))
                WHERE run_id IN (SELECT value FROM json_each(?)) AND (session_id IS NULL OR trace_id IS NULL)
                """,
                (json.dumps(result.run_ids),),
            )
    return result


# ---------------------------------------------------------------- reading

ALL_FIELDS = (
    "id", "name", "run_type", "start_time", "end_time", "status", "latency", "inputs", "outputs", "error",
    "extra", "events", "tags", "serialized", "session_id", "trace_id", "parent_run_id", "parent_run_ids",
    "dotted_order", "reference_example_id", "thread_id", "prompt_tokens", "completion_tokens",
    "total_tokens", "prompt_cost", "completion_cost", "total_cost", "first_token_time", "feedback_stats",
    "child_run_ids", "app_path",
)
# Always returned, whatever ``select`` says: the SDK's Run model cannot be built without them.
_REQUIRED = ("id", "name", "run_type", "start_time", "trace_id", "dotted_order", "parent_run_id",
             "session_id")


def _to_dict(row: sqlite3.Row, fields: set[str]) -> dict:
    out: dict[str, Any] = {}
    for name in fields:
        if name in _JSON_PARTS or name == "tags":
            raw = row[name]
            out[name] = json.loads(raw) if raw is not None else None
        elif name == "parent_run_ids":
            segments = (row["dotted_order"] or "").split(".")[:-1]
            out[name] = [s.split("Z", 1)[1] for s in segments if "Z" in s]
        elif name in ("prompt_tokens", "completion_tokens", "total_tokens"):
            out[name] = row[name] or 0
        elif name in ("prompt_cost", "completion_cost", "total_cost"):
            out[name] = row[name] if row[name] is not None else None
        elif name == "app_path":
            out[name] = f"/projects/p/{row['session_id']}/r/{row['id']}?trace_id={row['trace_id']}"
        elif name in ("feedback_stats", "child_run_ids"):
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
        children: dict[str, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in conn.execute(
                f"SELECT id, parent_run_id FROM runs WHERE parent_run_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY dotted_order", chunk):
                children.setdefault(row["parent_run_id"], []).append(row["id"])
        for run in runs:
            run["child_run_ids"] = children.get(run["id"], [])
    return runs


def read_run(db: Database, run_id: str) -> dict:
    """One run with every field (posted runs only); :class:`NotFound` if absent."""
    conn = db.read()
    row = conn.execute("SELECT * FROM runs WHERE id = ? AND name IS NOT NULL AND start_time IS NOT NULL",
                       (_uuid(run_id, "run_id"),)).fetchone()
    if row is None:
        raise NotFound(f"run {run_id} not found")
    fields = set(ALL_FIELDS)
    return _decorate(conn, [_to_dict(row, fields)], fields)[0]


def _encode_cursor(start_time: str, run_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([start_time, run_id]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[str, str]:
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
    return [_uuid(v, what) for v in values]


def _where(
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
) -> tuple[list[str], list[Any]]:
    """The WHERE conditions (on alias ``r``) shared by queries and stats."""
    where = ["r.name IS NOT NULL", "r.start_time IS NOT NULL"]
    params: list[Any] = []

    def any_of(column: str, values: list[str]) -> None:
        where.append(f"{column} IN ({','.join('?' * len(values))})")
        params.extend(values)

    if session_ids is not None:
        any_of("r.session_id", _id_list(session_ids, "session"))
    if run_ids is not None:
        any_of("r.id", _id_list(run_ids, "id"))
    if trace_id is not None:
        any_of("r.trace_id", [_uuid(trace_id, "trace")])
    if parent_run_id is not None:
        any_of("r.parent_run_id", [_uuid(parent_run_id, "parent_run")])
    if reference_example_ids is not None:
        any_of("r.reference_example_id", _id_list(reference_example_ids, "reference_example"))
    if run_type is not None:
        if not isinstance(run_type, str):
            raise BadRequest("run_type: expected a string")
        any_of("r.run_type", [run_type])
    for name, value in (("is_root", is_root), ("error", error)):
        if value is not None and not isinstance(value, bool):
            raise BadRequest(f"{name}: expected true or false")
    if is_root is not None:
        where.append("r.is_root = ?")
        params.append(int(is_root))
    if error is not None:
        where.append(f"r.error IS {'NOT ' if error else ''}NULL")
    if start_time is not None:
        where.append("r.start_time >= ?")
        params.append(normalize_time(start_time, "start_time"))
    if end_time is not None:
        where.append("r.start_time <= ?")
        params.append(normalize_time(end_time, "end_time"))
    if thread_id is not None:
        where.append("r.thread_id = ?")
        params.append(str(thread_id))
    if query:
        if not isinstance(query, str):
            raise BadRequest("query: expected a string")
        sql, extra = filter_sql(f"search({json.dumps(query)})")
        where.append(sql)
        params += extra
    for text, wrap in ((filter, "{}"),
                       (trace_filter, "EXISTS (SELECT 1 FROM runs t WHERE t.id = r.trace_id AND {})"),
                       (tree_filter, "EXISTS (SELECT 1 FROM runs t WHERE t.trace_id = r.trace_id AND {})")):
        if text is None:
            continue
        if not isinstance(text, str):
            raise BadRequest("filter, trace_filter and tree_filter must be strings")
        sql, extra = filter_sql(text, "r" if wrap == "{}" else "t")
        where.append(wrap.format(sql))
        params += extra
    return where, params


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
    where, params = _where(**criteria)
    direction, cmp = ("DESC", "<") if order == "desc" else ("ASC", ">")
    if cursor is not None:
        if not isinstance(cursor, str):
            raise BadRequest("cursor: expected a string")
        start, run_id = _decode_cursor(cursor)
        where.append(f"(r.start_time {cmp} ? OR (r.start_time = ? AND r.id {cmp} ?))")
        params += [start, start, run_id]
    sql = (f"SELECT r.* FROM runs r WHERE {' AND '.join(where)}"
           f" ORDER BY r.start_time {direction}, r.id {direction} LIMIT ?")
    conn = db.read()
    rows = conn.execute(sql, (*params, limit + 1)).fetchall()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor(rows[-1]["start_time"], rows[-1]["id"])
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


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _stats(conn: sqlite3.Connection, where: list[str], params: list[Any]) -> dict:
    sql_where = " AND ".join(where)
    row = conn.execute(
        "SELECT count(*) AS n, sum(r.error IS NOT NULL) AS errors, max(r.start_time) AS last,"
        " sum(r.prompt_tokens) AS pt, sum(r.completion_tokens) AS ct, sum(r.total_tokens) AS tt,"
        " sum(r.prompt_cost) AS pc, sum(r.completion_cost) AS cc, sum(r.total_cost) AS tc"
        f" FROM runs r WHERE {sql_where}", params).fetchone()
    latencies = [r[0] for r in conn.execute(
        f"SELECT r.latency FROM runs r WHERE {sql_where} AND r.latency IS NOT NULL", params)]
    first_tokens = [r[0] for r in conn.execute(
        f"SELECT {_seconds_sql('r.start_time', 'r.first_token_time')} FROM runs r"
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
        "latency_p50": _percentile(latencies, 0.5),
        "latency_p99": _percentile(latencies, 0.99),
        "first_token_p50": _percentile(first_tokens, 0.5),
        "first_token_p99": _percentile(first_tokens, 0.99),
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
    where, params = _where(**criteria)
    return _stats(db.read(), where, params)


def project_stats(conn: sqlite3.Connection, session_id: str) -> dict:
    """Stats over a project's root runs (their tokens and cost cover whole traces)."""
    stats = _stats(conn, ["r.session_id = ?", "r.is_root = 1", "r.name IS NOT NULL"], [session_id])
    stats.pop("run_count")
    stats.pop("error_count")
    stats.pop("last_run_start_time")
    return stats
