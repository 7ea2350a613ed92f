"""Write runs: posts and patches in any order, idempotent, one transaction per request.

Public function: :func:`ingest` ``(db, posts=(), patches=(), feedback=(), attachments=()) ->
IngestResult``. Runs are validated first (a bad run payload is a :class:`BadRequest` and nothing
of the request is written); then one transaction writes it all and commits before returning, so
an acknowledged request survives a SIGKILL. Feedback is checked against stored configs inside the
transaction; an invalid one is skipped and named in ``IngestResult.rejected_feedback``, so that a
score the learner got wrong never costs the runs the SDK batched with it. Projects are created by
``session_name`` on first use. A run that arrives before its parent, without the links it would
inherit (``trace_id``, ``dotted_order``), gets them when the parent is written.

Two paths, one result. A run seen for the first time, once in the request (the common case: the
SDK merges a run's post and patch when both are queued), is inserted with every derived column
(status, latency, thread, own tokens and cost) computed here in Python. A run that exists already
or comes several times is merged in SQL: a field that is null in a later payload never erases a
stored value, and derived columns are recomputed from the merged row. Token and cost totals of
traces that have LLM usage are then summed over each run's subtree in SQL.
"""

from __future__ import annotations

import json
import re
import reprlib
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

import orjson

from techhub.localsmith import usage
from techhub.localsmith.exceptions import BadRequest, UnprocessableEntity
from techhub.localsmith.feedback import insert_feedback
from techhub.localsmith.ids import CANONICAL_UUID, as_uuid, optional_uuid
from techhub.localsmith.projects import DEFAULT_PROJECT, ensure_project_ids
from techhub.localsmith.runs import INSERT_COLUMNS, seconds_sql
from techhub.localsmith.times import parse_time, stored_time
from techhub.localsmith.values import MAX_JSON_DEPTH

_JSON_PARTS = ("inputs", "outputs", "events", "extra", "serialized")
# Columns a post/patch may set; on conflict a non-null incoming value replaces the stored one.
_MERGE_COLUMNS = INSERT_COLUMNS[:17]
_INSERT_SQL = (f"INSERT INTO runs ({', '.join(INSERT_COLUMNS)})"
               f" VALUES ({', '.join('?' * len(INSERT_COLUMNS))})")
_UPSERT_SQL = (
    f"INSERT INTO runs ({', '.join(_MERGE_COLUMNS)}) VALUES ({', '.join('?' * len(_MERGE_COLUMNS))})"
    " ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(excluded.{c}, runs.{c})" for c in _MERGE_COLUMNS[1:])
)
# A post that arrives after its run has ended (its patch came first: the SDK sends batches from
# several threads) is the older state: it only fills what is still missing, so it cannot undo the
# patch (metadata added during the run, such as the agent's topic).
_UPSERT_LATE_POST_SQL = (
    f"INSERT INTO runs ({', '.join(_MERGE_COLUMNS)}) VALUES ({', '.join('?' * len(_MERGE_COLUMNS))})"
    " ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(runs.{c}, excluded.{c})" for c in _MERGE_COLUMNS[1:])
)
_DERIVE_SQL = f"""
    UPDATE runs SET
        is_root = (parent_run_id IS NULL),
        status = CASE WHEN error IS NOT NULL THEN 'error'
                      WHEN end_time IS NOT NULL THEN 'success' ELSE 'pending' END,
        latency = CASE WHEN end_time IS NOT NULL AND start_time IS NOT NULL
                       THEN {seconds_sql("start_time", "end_time")} END
    WHERE id IN (SELECT value FROM json_each(?))
"""
_FILL_LINKS_SQL = """
    UPDATE runs SET
        trace_id = COALESCE(trace_id, (SELECT p.trace_id FROM runs p WHERE p.id = runs.parent_run_id)),
        dotted_order = COALESCE(dotted_order, (
            SELECT p.dotted_order || '.' || strftime('%Y%m%dT%H%M%S', runs.start_time)
                   || substr(runs.start_time, 21, 6) || 'Z' || runs.id
            FROM runs p WHERE p.id = runs.parent_run_id AND p.dotted_order IS NOT NULL))
    WHERE id IN (SELECT value FROM json_each(?)) AND (trace_id IS NULL OR dotted_order IS NULL)
"""
# INDEXED BY: left to itself, SQLite scans runs_trace_order, which covers both columns (a scan of
# every run, on every request); the partial index holds only the waiting runs.
_ANY_WAITING_SQL = ("SELECT 1 FROM runs INDEXED BY runs_unlinked"
                    " WHERE trace_id IS NULL OR dotted_order IS NULL LIMIT 1")
# Stored runs still waiting for their links, whose parent is among the given ids (runs_unlinked).
_WAITING_CHILDREN_SQL = """
    SELECT id FROM runs INDEXED BY runs_unlinked WHERE parent_run_id IN (SELECT value FROM json_each(?))
                                                AND (trace_id IS NULL OR dotted_order IS NULL)
"""
# Token and cost totals, re-summed for the runs given: a root over its whole trace, any other run
# over its subtree, the runs whose dotted_order starts with its own (an index range on
# runs_trace_order), itself included. A run not yet linked (no dotted_order) has only its own.
_SUMS = """(prompt_tokens, completion_tokens, total_tokens, prompt_cost, completion_cost, total_cost) = (
        SELECT sum(c.own_prompt_tokens), sum(c.own_completion_tokens), sum(c.own_total_tokens),
               sum(c.own_prompt_cost), sum(c.own_completion_cost),
               sum(c.own_prompt_cost + c.own_completion_cost)  -- both null or neither, per run
        FROM runs c WHERE {members})"""
_AGGREGATE_SQL = tuple(
    f"UPDATE runs SET {_SUMS.format(members=members)}"
    f" WHERE id IN (SELECT value FROM json_each(?)) AND {which}"
    for members, which in (
        ("c.trace_id = runs.trace_id", "is_root = 1"),
        ("c.trace_id = runs.trace_id AND c.dotted_order >= runs.dotted_order"
         " AND c.dotted_order < runs.dotted_order || '/'", "is_root = 0 AND dotted_order IS NOT NULL"),
        ("c.id = runs.id", "is_root = 0 AND dotted_order IS NULL"),
    )
)
_FEEDBACK_LINK_SQL = """
    UPDATE feedback SET
        session_id = COALESCE(session_id, (SELECT session_id FROM runs WHERE runs.id = run_id)),
        trace_id = COALESCE(trace_id, (SELECT trace_id FROM runs WHERE runs.id = run_id))
    WHERE run_id IN (SELECT value FROM json_each(?)) AND (session_id IS NULL OR trace_id IS NULL)
"""


@dataclass
class IngestResult:
    """What one :func:`ingest` call wrote."""

    run_ids: list[str] = field(default_factory=list)
    feedback_ids: list[str] = field(default_factory=list)
    rejected_feedback: list[str] = field(default_factory=list)  # why each invalid feedback was skipped
    linked_ids: list[str] = field(default_factory=list)  # earlier runs that got their links from these


@dataclass
class _Run:
    """One validated post/patch: its mergeable columns, parsed extra and times, own usage.

    ``session_name``: the project named by the payload, whose id fills ``values[4]`` once it is
    known (:func:`_with_session`, inside the write transaction).
    """

    values: tuple
    extra: dict | None
    outputs: dict | None
    events: list | None
    start: datetime | None
    end: datetime | None
    own: tuple
    session_name: str | None
    post: bool = False

    @property
    def id(self) -> str:
        return self.values[0]


def _dump(value: Any) -> str | None:
    """A run field as JSON text; a TypeError when it nests deeper than ``MAX_JSON_DEPTH`` levels.

    :func:`techhub.localsmith.values.check_depth` walks the value; here (run ingest is hot) orjson
    measures it: a value holds no more levels than it has brackets (counted in C), and only one with
    many of them is encoded again inside RESPONSE_LEVELS more, which orjson refuses when too deep.
    """
    if value is None:
        return None
    text = orjson.dumps(value)
    if text.count(b"[") + text.count(b"{") > MAX_JSON_DEPTH:
        orjson.dumps([[[[[[[[value]]]]]]]])  # RESPONSE_LEVELS (8) lists around it
    return text.decode()


_SEGMENT = r"\d{8}T\d{6}\d{6}Z[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_DOTTED_ORDER = re.compile(rf"(?:{_SEGMENT}\.)*{_SEGMENT}")
_OPTIONAL_STR = (str, type(None))
# LangSmith's run types; any other is a 422 (the SDK logs it once and does not retry).
RUN_TYPES = frozenset({"tool", "chain", "llm", "retriever", "embedding", "prompt", "parser"})
_OPTIONAL_DICT = (dict, type(None))


def _type_error(where: str, payload: dict) -> BadRequest:
    """The 400 for the first field of ``payload`` with a wrong type (called only when one has)."""
    for key in ("name", "run_type", "error", "dotted_order"):
        if not isinstance(payload.get(key), _OPTIONAL_STR):
            return BadRequest(f"{where}: {key} must be a string")
    tags = payload.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        return BadRequest(f"{where}: tags must be a list of strings")
    for key in ("inputs", "outputs", "extra", "serialized"):
        if not isinstance(payload.get(key), _OPTIONAL_DICT):
            return BadRequest(f"{where}: {key} must be an object")
    return BadRequest(f"{where}: events must be a list of objects")


def _prepare(payload: Any, where: str, *, post: bool) -> _Run:
    """Validate one post/patch payload (a 400 names the run and the field).

    A post of a root run that leaves out ``trace_id`` or ``dotted_order`` gets them derived (the run
    is its own trace). A patch never does: it updates a run whose links came with its post, and a
    guess would overwrite them (patches merge every non-null field).

    Needs no database, so it runs before the write transaction: another request's SQLite work (which
    releases the GIL) overlaps with it. Every field is read once into a local, types are checked in
    one expression and long messages are formatted only on error: this runs for every run of every
    request.
    """
    if not isinstance(payload, dict):
        raise BadRequest(f"{where}: expected a JSON object")
    get = payload.get
    run_id = get("id")
    if type(run_id) is not str or not CANONICAL_UUID.fullmatch(run_id):
        run_id = as_uuid(run_id, where, "id")
    where = f"run {run_id}"
    name, run_type, error, dotted = get("name"), get("run_type"), get("error"), get("dotted_order")
    inputs, outputs, extra, serialized = get("inputs"), get("outputs"), get("extra"), get("serialized")
    tags, events = get("tags"), get("events")
    if not (isinstance(name, _OPTIONAL_STR) and isinstance(run_type, _OPTIONAL_STR)
            and isinstance(error, _OPTIONAL_STR) and isinstance(dotted, _OPTIONAL_STR)
            and (tags is None or (isinstance(tags, list) and all(isinstance(t, str) for t in tags)))
            and isinstance(inputs, _OPTIONAL_DICT) and isinstance(outputs, _OPTIONAL_DICT)
            and isinstance(extra, _OPTIONAL_DICT) and isinstance(serialized, _OPTIONAL_DICT)
            and (events is None or (isinstance(events, list) and all(isinstance(e, dict) for e in events)))):
        raise _type_error(where, payload)
    if run_type is not None and run_type not in RUN_TYPES:
        raise UnprocessableEntity(f"{where}: run_type {reprlib.repr(run_type)} is not one of"
                                  f" {', '.join(sorted(RUN_TYPES))}")
    start = parse_time(get("start_time"), f"{where}: start_time", epoch=False)
    end = parse_time(get("end_time"), f"{where}: end_time", epoch=False)
    parent = optional_uuid(get("parent_run_id"), where, "parent_run_id")
    if parent == run_id:
        raise BadRequest(f"{where}: parent_run_id is the run itself")
    if post and (name is None or run_type is None or start is None):
        # A run without them could never be read back: the SDK's Run needs all three.
        missing = [k for k, v in (("name", name), ("run_type", run_type), ("start_time", start)) if v is None]
        raise BadRequest(f"{where}: a posted run needs {', '.join(missing)}")
    if dotted is None and parent is None and start is not None and post:
        dotted = f"{start.year:04d}{start.strftime('%m%dT%H%M%S%fZ')}{run_id}"
    elif dotted is not None and not (dotted.endswith(run_id) and _DOTTED_ORDER.fullmatch(dotted)):
        raise BadRequest(
            f"{where}: dotted_order must be '.'-joined segments of <%Y%m%dT%H%M%S%fZ><run id>, one per "
            f"ancestor, ending with this run's id; got {dotted[:120]!r}"
        )
    trace = optional_uuid(get("trace_id"), where, "trace_id")
    if trace is None and dotted and "Z" in dotted:
        trace = dotted.split(".", 1)[0].split("Z", 1)[1] or None
    if trace is None and parent is None and post:
        trace = run_id
    session = optional_uuid(get("session_id"), where, "session_id")
    session_name = get("session_name") if session is None else None
    try:
        values = (
            run_id, trace, parent, dotted, session, name, run_type, stored_time(start), stored_time(end),
            error, _dump(tags), _dump(inputs), _dump(outputs), _dump(events), _dump(extra),
            _dump(serialized), optional_uuid(get("reference_example_id"), where, "reference_example_id"),
        )
    except TypeError:  # see _dump
        raise BadRequest(f"{where}: inputs, outputs, events, extra or serialized nest deeper than"
                         f" {MAX_JSON_DEPTH} levels") from None
    return _Run(values, extra, outputs, events, start, end, _usage_values(run_type, outputs, extra, events),
                session_name or None, post)


def _with_session(run: _Run, project_ids: dict[str, str]) -> _Run:
    """``run`` with the id of the project it names (when it names one by ``session_name``)."""
    if run.session_name:
        values = run.values
        run.values = (*values[:4], project_ids[run.session_name], *values[5:])
    return run


def _metadata_of(extra: Any) -> dict:
    metadata = extra.get("metadata") if isinstance(extra, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _metadata_rows(run_id: str, metadata: dict) -> Iterable[tuple[str, str, str]]:
    """``(key, value, run_id)`` rows for filters: strings as-is, other values as JSON, nulls skipped."""
    for key, value in metadata.items():
        if value is None:
            continue
        if isinstance(value, str):
            text = value
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = json.dumps(value)
        yield (str(key), text, run_id)


def _thread_of(metadata: dict) -> str | None:
    for key in ("thread_id", "session_id", "conversation_id"):
        if metadata.get(key) is not None:
            value = metadata[key]
            return value if isinstance(value, str) else json.dumps(value)
    return None


def _usage_values(run_type: str | None, outputs: Any, extra: Any, events: Any) -> tuple:
    """Own tokens, cost and first-token time of an LLM run (all None for other runs)."""
    if run_type != "llm":
        return (None,) * 6
    found = usage.extract_usage(outputs if isinstance(outputs, dict) else None,
                                extra if isinstance(extra, dict) else None)
    first = usage.first_token_time(events if isinstance(events, list) else None)
    try:
        first_stored = stored_time(parse_time(first, "run: first token", epoch=False))
    except BadRequest:
        first_stored = None
    if found is None:
        return (None,) * 5 + (first_stored,)
    return (found.prompt_tokens, found.completion_tokens, found.total_tokens, found.prompt_cost,
            found.completion_cost, first_stored)


def _full_row(run: _Run, own: tuple, totals: tuple | None = None) -> tuple:
    """Every column of a run seen for the first time (derived ones computed here).

    ``totals``: the run's subtree sums (tokens, costs, total cost) when its trace has token usage;
    otherwise they are its own values.
    """
    values = run.values
    metadata = _metadata_of(run.extra)
    error = values[9]
    status = "error" if error is not None else "success" if values[8] is not None else "pending"
    latency = (run.end - run.start).total_seconds() if run.start and run.end else None
    if totals is None:
        totals = (*own[:5], None if own[3] is None else own[3] + own[4])
    return (*values, int(values[2] is None), status, latency, _thread_of(metadata), own[5], *own[:5],
            *totals)


def _add_usage(sums: list, own: tuple) -> None:
    """Add a run's own tokens/costs to running sums as SQL's ``sum()`` does (None while all are null)."""
    for k in range(5):
        value = own[k]
        if value is not None:
            sums[k] = value if sums[k] is None else sums[k] + value
    if own[3] is not None:  # an LLM run's two costs are both set or both null
        sums[5] = own[3] + own[4] if sums[5] is None else sums[5] + own[3] + own[4]


def _trace_totals(members: list[tuple[_Run, tuple]]) -> dict[str, tuple]:
    """Subtree token/cost sums of every run of a trace held entirely in ``members``.

    Python twin of ``_AGGREGATE_SQL`` (same rows summed, same nulls): a root sums the whole trace,
    any other run itself plus the runs below it, i.e. the runs whose ``dotted_order`` names it as an
    ancestor. Each run is added to the runs its ``dotted_order`` names (linear in the trace's size).
    Empty when no run of the trace reports tokens (then nothing is aggregated, as in SQL).
    """
    if all(own[2] is None for _, own in members):
        return {}
    sums: dict[str, list] = {run.id: [None] * 6 for run, _ in members}
    whole: list = [None] * 6
    for run, own in members:
        _add_usage(whole, own)
        for segment in run.values[3].split("."):
            target = sums.get(segment[-36:])
            if target is not None:
                _add_usage(target, own)
    return {run.id: tuple(whole if run.values[2] is None else sums[run.id]) for run, _ in members}


def _stored_metadata(conn: sqlite3.Connection, ids_json: str) -> list[tuple[str, dict]]:
    """``(run id, metadata)`` of these runs, from their stored ``extra``."""
    rows = conn.execute("SELECT id, extra FROM runs WHERE id IN (SELECT value FROM json_each(?))",
                        (ids_json,))
    return [(row["id"], _metadata_of(orjson.loads(row["extra"]) if row["extra"] else None)) for row in rows]


def _link_waiting_children(conn: sqlite3.Connection, parent_ids: list[str]) -> list[tuple[str, str]]:
    """Give runs that came before their parent the links they lacked; ``(run id, trace id)`` of each.

    A child posted before its parent (``create_run`` without ``trace_id``/``dotted_order``) is stored
    without them; once the parent is written they follow from it, and then from the child for its
    own children, one generation per pass.
    """
    found: list[tuple[str, str]] = []
    if conn.execute(_ANY_WAITING_SQL).fetchone() is None:
        return found  # the usual case, answered from the (empty) partial index
    frontier = parent_ids
    while frontier:
        waiting = [row[0] for row in conn.execute(_WAITING_CHILDREN_SQL, (json.dumps(frontier),))]
        if not waiting:
            break
        waiting_json = json.dumps(waiting)
        conn.execute(_FILL_LINKS_SQL, (waiting_json,))
        linked = conn.execute(
            "SELECT id, trace_id FROM runs WHERE id IN (SELECT value FROM json_each(?))"
            " AND trace_id IS NOT NULL AND dotted_order IS NOT NULL", (waiting_json,)).fetchall()
        found += [(row[0], row[1]) for row in linked]
        # Only runs linked now go on: a run is linked once, so this ends, even on a cycle of
        # parents (A's parent B, B's parent A), whose runs never get links.
        frontier = [row[0] for row in linked]
    return found


def _recompute_usage(conn: sqlite3.Connection, ids_json: str) -> None:
    """Own usage of merged runs, from their merged run_type/outputs/extra/events (a patch may add
    usage, take it away, or make the run something other than an LLM call)."""
    for row in conn.execute("SELECT id, run_type, outputs, extra, events FROM runs"
                            " WHERE id IN (SELECT value FROM json_each(?))", (ids_json,)):
        parsed = [orjson.loads(row[k]) if row[k] else None for k in ("outputs", "extra", "events")]
        own = _usage_values(row["run_type"], *parsed)
        conn.execute("UPDATE runs SET own_prompt_tokens = ?, own_completion_tokens = ?, own_total_tokens = ?,"
                     " own_prompt_cost = ?, own_completion_cost = ?, first_token_time = ? WHERE id = ?",
                     (*own, row["id"]))


def ingest(
    db: Any,
    posts: Iterable[dict] = (),
    patches: Iterable[dict] = (),
    feedback: Iterable[dict] = (),
    attachments: Iterable[tuple[str, str, str | None, bytes]] = (),
) -> IngestResult:
    """Write run posts, run patches, feedback and ``(run_id, name, content_type, data)`` attachments."""
    ops = [(p, f"post[{i}]") for i, p in enumerate(posts)]
    ops += [(p, f"patch[{i}]") for i, p in enumerate(patches)]
    feedback = list(feedback)
    names: set[str] = set()
    for payload, where in ops:
        if not isinstance(payload, dict):
            continue
        name = payload.get("session_name")
        if name is not None and not isinstance(name, str):
            raise BadRequest(f"{where}: session_name must be a string")
        if not name and not payload.get("session_id") and where.startswith("post"):
            payload["session_name"] = name = DEFAULT_PROJECT
        if name:
            names.add(name)
    result = IngestResult()
    runs = [_prepare(payload, where, post=where.startswith("post")) for payload, where in ops]
    attachment_rows = [(as_uuid(rid, "attachment run id"), name, ctype, data)
                       for rid, name, ctype, data in attachments]
    with db.write() as conn:
        project_ids = ensure_project_ids(conn, names)
        runs = [_with_session(run, project_ids) for run in runs]
        if runs:
            _write_runs(conn, runs, result)
        if attachment_rows:
            conn.executemany("INSERT OR REPLACE INTO run_attachments VALUES (?, ?, ?, ?)", attachment_rows)
        if feedback:
            result.feedback_ids = insert_feedback(conn, feedback, rejected=result.rejected_feedback)
        if result.run_ids:
            # Feedback that arrived before its run (or before its run's links) learns them now.
            conn.execute(_FEEDBACK_LINK_SQL, (json.dumps(result.run_ids + result.linked_ids),))
    return result


def _write_runs(conn: sqlite3.Connection, runs: list[_Run], result: IngestResult) -> None:
    ids = [run.id for run in runs]
    ids_json = json.dumps(ids)
    existing = {row[0] for row in conn.execute(
        "SELECT id FROM runs WHERE id IN (SELECT value FROM json_each(?))", (ids_json,))}
    counts = Counter(ids)
    fresh = [run for run in runs if run.id not in existing and counts[run.id] == 1]
    merged = [run for run in runs if run.id in existing or counts[run.id] > 1]
    traces = {run.values[1] for run in runs if run.values[1]}
    # A trace with no stored run, all of whose runs are fresh here with their links (the SDK's usual
    # batch), is aggregated in Python; any other trace with token usage is summed in SQL below.
    local = set()
    if all(run.values[1] is not None and run.values[3] is not None for run in runs):
        local = traces - {row[0] for row in conn.execute(
            "SELECT DISTINCT trace_id FROM runs WHERE trace_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(traces)),))}
        local -= {run.values[1] for run in merged}
    if fresh:
        owns = [run.own for run in fresh]
        by_trace: dict[str, list[tuple[_Run, tuple]]] = {}
        for run, own in zip(fresh, owns, strict=True):
            if run.values[1] in local:
                by_trace.setdefault(run.values[1], []).append((run, own))
        totals: dict[str, tuple] = {}
        for members in by_trace.values():
            totals.update(_trace_totals(members))
        conn.executemany(_INSERT_SQL, [_full_row(run, own, totals.get(run.id))
                                       for run, own in zip(fresh, owns, strict=True)])
        conn.executemany("INSERT OR IGNORE INTO run_metadata (key, value, run_id) VALUES (?, ?, ?)",
                         [row for run in fresh for row in _metadata_rows(run.id, _metadata_of(run.extra))])
    if merged:
        merged_ids = list(dict.fromkeys(run.id for run in merged))
        merged_json = json.dumps(merged_ids)
        if any(run.extra is not None for run in merged):
            conn.executemany("DELETE FROM run_metadata WHERE key = ? AND value = ? AND run_id = ?",
                             [entry for run_id, metadata in _stored_metadata(conn, merged_json)
                              for entry in _metadata_rows(run_id, metadata)])
        ended = {row[0] for row in conn.execute(
            "SELECT id FROM runs WHERE id IN (SELECT value FROM json_each(?)) AND end_time IS NOT NULL",
            (merged_json,))}
        for late_post, group in groupby(merged, key=lambda run: run.post and run.id in ended):
            sql = _UPSERT_LATE_POST_SQL if late_post else _UPSERT_SQL
            conn.executemany(sql, [run.values for run in group])
        conn.execute(_DERIVE_SQL, (merged_json,))
        _recompute_usage(conn, merged_json)
        merged_metadata = _stored_metadata(conn, merged_json)
        conn.executemany("UPDATE runs SET thread_id = ? WHERE id = ?",
                         [(_thread_of(metadata), run_id) for run_id, metadata in merged_metadata])
        conn.executemany("INSERT OR IGNORE INTO run_metadata (key, value, run_id) VALUES (?, ?, ?)",
                         [entry for run_id, metadata in merged_metadata
                          for entry in _metadata_rows(run_id, metadata)])
    if any(run.values[1] is None or run.values[3] is None for run in runs):
        conn.execute(_FILL_LINKS_SQL, (ids_json,))
        traces = {row[0] for row in conn.execute(  # some were filled from a parent
            "SELECT DISTINCT trace_id FROM runs WHERE id IN (SELECT value FROM json_each(?))"
            " AND trace_id IS NOT NULL", (ids_json,))}
    run_ids = list(dict.fromkeys(ids))
    linked = _link_waiting_children(conn, run_ids)
    joined = {trace for _, trace in linked}
    local -= joined
    traces |= joined
    others = traces - local
    if others:
        # Traces with usage, and those of merged runs, whose usage may just have gone.
        to_sum = sorted({row[0] for row in conn.execute(
            "SELECT DISTINCT trace_id FROM runs WHERE trace_id IN (SELECT value FROM json_each(?))"
            " AND (own_total_tokens IS NOT NULL OR id IN (SELECT value FROM json_each(?)))",
            (json.dumps(sorted(others)), json.dumps([run.id for run in merged])))})
        if to_sum:
            _aggregate(conn, to_sum, run_ids + [run_id for run_id, _ in linked])
    result.run_ids = run_ids
    result.linked_ids = [run_id for run_id, _ in linked]


def _aggregate(conn: sqlite3.Connection, traces: list[str], changed: list[str]) -> None:
    """Re-sum the totals the changed runs count in: theirs, their ancestors' (the ids their
    dotted_order names) and their traces' roots (a root's id is its trace's). Only those: re-summing
    every run of a trace made each batch of a 3,000-run trace slower than the one before."""
    targets = set(traces) | set(changed)
    for (dotted,) in conn.execute(
        "SELECT dotted_order FROM runs WHERE id IN (SELECT value FROM json_each(?))"
        " AND dotted_order IS NOT NULL AND trace_id IN (SELECT value FROM json_each(?))",
        (json.dumps(changed), json.dumps(traces)),
    ):
        targets.update(segment[-36:] for segment in dotted.split("."))
    targets_json = json.dumps(sorted(targets))
    for statement in _AGGREGATE_SQL:
        conn.execute(statement, (targets_json,))
