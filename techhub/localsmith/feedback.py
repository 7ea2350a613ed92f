"""Feedback on runs, and feedback configs (how a key's scores are to be read).

Public functions (plain Python over a :class:`~techhub.localsmith.store.Database`, no HTTP):

- :func:`create_feedback` ``(db, body) -> dict``: body as the SDK sends it (``id, run_id, trace_id,
  key, score, value, comment, correction, feedback_source {type, metadata}, feedback_config,
  session_id, extra, ...``). Idempotent on ``id``. The run need not exist yet.
- :func:`insert_feedback` ``(conn, bodies)``: the same inside an open write transaction (ingest).
- :func:`get_feedback`, :func:`list_feedback` ``(db, *, run_ids, keys, sources, session_ids, limit,
  offset)``, :func:`update_feedback`, :func:`delete_feedback`.
- :func:`feedback_stats` ``(conn, run_ids) -> {run_id: {key: {n, avg, stdev, values, comments}}}``.
- :func:`create_feedback_config`, :func:`list_feedback_configs`, :func:`update_feedback_config`,
  :func:`delete_feedback_config`.

A categorical ``feedback_config`` (given with the feedback or stored for its key) is enforced: the
score must be one of the categories' values; a continuous one's ``min``/``max`` bound the score. A
config is checked when it is given (categories with numeric values; bounds that are numbers, ``min <=
max``), since every later score of the key is compared with it.
"""

from __future__ import annotations

import json
import math
import reprlib
import sqlite3
import uuid
from typing import Any

from techhub.localsmith.exceptions import BadRequest, Conflict, NotFound, UnprocessableEntity
from techhub.localsmith.ids import optional_uuid
from techhub.localsmith.projects import TENANT_ID
from techhub.localsmith.store import Database, Where, check_page, register_schema
from techhub.localsmith.times import normalize_time, now
from techhub.localsmith.values import json_text

register_schema(
    """
    CREATE TABLE IF NOT EXISTS feedback (
        id TEXT PRIMARY KEY,
        run_id TEXT,
        trace_id TEXT,
        session_id TEXT,
        key TEXT NOT NULL,
        score REAL,
        value TEXT,
        value_text TEXT,
        comment TEXT,
        correction TEXT,
        feedback_source TEXT,
        source_type TEXT,
        feedback_config TEXT,
        extra TEXT,
        comparative_experiment_id TEXT,
        feedback_group_id TEXT,
        start_time TEXT,
        created_at TEXT NOT NULL,
        modified_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS feedback_run ON feedback(run_id, key);
    CREATE INDEX IF NOT EXISTS feedback_key_score ON feedback(key, score, run_id);
    CREATE INDEX IF NOT EXISTS feedback_key_value ON feedback(key, value_text, run_id);
    CREATE INDEX IF NOT EXISTS feedback_session ON feedback(session_id);
    CREATE TABLE IF NOT EXISTS feedback_configs (
        id TEXT PRIMARY KEY,
        feedback_key TEXT NOT NULL,
        feedback_config TEXT NOT NULL,
        is_lower_score_better INTEGER,
        is_enforced INTEGER NOT NULL DEFAULT 0,
        is_deleted INTEGER NOT NULL DEFAULT 0,
        modified_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS feedback_configs_key ON feedback_configs(feedback_key);
    """
)

SOURCE_TYPES = {"api", "model", "app"}
_COLUMNS = (
    "id, run_id, trace_id, session_id, key, score, value, value_text, comment, correction, "
    "feedback_source, source_type, feedback_config, extra, comparative_experiment_id, "
    "feedback_group_id, start_time, created_at, modified_at"
)


def _value_text(value: Any) -> str | None:
    """The value as filters compare it: strings as-is, everything else as JSON."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _check_score(score: Any) -> float | None:
    if score is None:
        return None
    if isinstance(score, bool):
        return float(score)
    if not isinstance(score, int | float) or math.isnan(score) or math.isinf(score):
        raise BadRequest(f"score: expected a number or a boolean, got {reprlib.repr(score)}")
    return float(score)


def _finite(value: Any) -> bool:
    """A JSON number (not a boolean) that is a finite float: what a score can be compared with."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any float
        return False


def _check_bounds(config: dict) -> None:
    """A continuous config's ``min``/``max``: numbers (or absent/null), ``min <= max``.

    Checked when the config is given, because every score of the key is later compared with them.
    """
    for bound in ("min", "max"):
        value = config.get(bound)
        if value is not None and not _finite(value):
            raise BadRequest(f"feedback_config: continuous {bound} must be a number,"
                             f" got {reprlib.repr(value)}")
    low, high = config.get("min"), config.get("max")
    if low is not None and high is not None and low > high:
        raise BadRequest(f"feedback_config: continuous min {low} is greater than max {high}")


def _category_value(value: Any) -> bool:
    """A category's value is a finite number (a boolean reads as 0 or 1)."""
    return isinstance(value, bool) or _finite(value)


def _check_config(config: Any) -> dict | None:
    if config is None:
        return None
    if not isinstance(config, dict) or config.get("type") not in ("continuous", "categorical", "freeform"):
        raise BadRequest("feedback_config: expected {type: continuous|categorical|freeform, ...}")
    if config["type"] == "categorical":
        categories = config.get("categories")
        if not isinstance(categories, list) or not categories or not all(
            isinstance(c, dict) and _category_value(c.get("value")) for c in categories
        ):
            raise BadRequest("feedback_config: categorical needs categories [{value: number, label}, ...]")
        values = [float(c["value"]) for c in categories]
        if len(set(values)) < len(values):
            raise BadRequest("feedback_config: two categories have the same value")
    elif config["type"] == "continuous":
        _check_bounds(config)
    return config


def _enforce_config(config: dict | None, score: float | None, key: str) -> None:
    if not config or score is None:
        return
    if config["type"] == "categorical":
        allowed = {float(c["value"]) for c in config["categories"]}
        if score not in allowed:
            raise BadRequest(f"feedback {key!r}: score {score:g} is not one of the categories"
                             f" {sorted(allowed)}")
    elif config["type"] == "continuous":
        # A bound that is not a number can only be in a config stored before bounds were checked:
        # it bounds nothing (rather than failing every score of the key).
        low, high = (b if _finite(b) else None for b in (config.get("min"), config.get("max")))
        if (low is not None and score < low) or (high is not None and score > high):
            raise BadRequest(f"feedback {key!r}: score {score:g} is outside [{low}, {high}]")


# A key may have several configs; "the key's config" is its enforced one, else its first (oldest).
# Stable under updates (ordering by modified_at made every update switch to the other config).
_KEY_CONFIG_ORDER = "ORDER BY is_enforced DESC, rowid LIMIT 1"
# Every column, and whether the row is its key's first live config.
_CONFIG_COLUMNS = ("*, rowid = (SELECT min(f.rowid) FROM feedback_configs f WHERE f.is_deleted = 0"
                   " AND f.feedback_key = feedback_configs.feedback_key) AS is_first")


def _stored_config(conn: sqlite3.Connection, key: str) -> dict | None:
    row = conn.execute(
        f"SELECT feedback_config FROM feedback_configs WHERE feedback_key = ? AND is_deleted = 0"
        f" {_KEY_CONFIG_ORDER}",
        (key,),
    ).fetchone()
    return json.loads(row["feedback_config"]) if row else None


def _prepare(conn: sqlite3.Connection, body: Any, configs: dict[str, dict | None], stamp: str,
             runs: dict[str, tuple[str, str]]) -> tuple:
    """Validate one feedback body and return its row for INSERT.

    ``configs``: stored configs by key already looked up in this transaction (a batch of feedback
    mostly repeats a few keys); updated when this body stores a new one. ``stamp``: the batch's
    ``created_at``/``modified_at``. ``runs``: ``(session_id, trace_id)`` of the batch's stored runs.
    """
    if not isinstance(body, dict):
        raise BadRequest("feedback: expected a JSON object")
    key = body.get("key")
    if not isinstance(key, str) or not key:
        raise BadRequest("feedback key: required string")
    run_id = optional_uuid(body.get("run_id"), "run_id")
    trace_id = optional_uuid(body.get("trace_id"), "trace_id")
    run_id = run_id or trace_id
    session_id = optional_uuid(body.get("session_id"), "session_id")
    if run_id is None and session_id is None:
        raise BadRequest("feedback needs a run_id, a trace_id or a session_id")
    score = _check_score(body.get("score"))
    config = _check_config(body.get("feedback_config"))
    if key not in configs:
        configs[key] = _stored_config(conn, key)
    stored = configs[key]
    _enforce_config(config or stored, score, key)
    source = body.get("feedback_source") or {"type": "api", "metadata": {}}
    if not isinstance(source, dict):
        raise BadRequest("feedback_source: expected an object {type, metadata}")
    source_type = source.get("type") or "api"
    if not isinstance(source_type, str) or source_type not in SOURCE_TYPES:
        raise BadRequest(f"feedback_source.type: expected one of {sorted(SOURCE_TYPES)}")
    if run_id is not None and session_id is None and run_id in runs:
        session_id, stored_trace = runs[run_id]
        trace_id = trace_id or stored_trace
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise BadRequest("comment: expected a string")
    row = (
        optional_uuid(body.get("id"), "id") or str(uuid.uuid4()),
        run_id, trace_id, session_id, key, score,
        json_text(body.get("value"), "feedback value"), _value_text(body.get("value")), comment,
        json_text(body.get("correction"), "correction"), json_text(source, "feedback_source"), source_type,
        json_text(config, "feedback_config"), json_text(body.get("extra"), "extra"),
        optional_uuid(body.get("comparative_experiment_id"), "comparative_experiment_id"),
        optional_uuid(body.get("feedback_group_id"), "feedback_group_id"),
        normalize_time(body.get("start_time"), "start_time"),
        normalize_time(body.get("created_at"), "created_at") or stamp, stamp,
    )
    if config is not None and stored is None:  # valid: the key's first config is stored with it
        configs[key] = config
        conn.execute(
            "INSERT INTO feedback_configs (id, feedback_key, feedback_config, modified_at)"
            " VALUES (?, ?, ?, ?)",
            (str(uuid.uuid4()), key, json_text(config, "feedback_config"), now()),
        )
    return row


def _run_ids(bodies: list[dict]) -> list[str]:
    """The canonical run ids the bodies refer to (invalid ones are left for :func:`_prepare` to reject)."""
    ids = []
    for body in bodies:
        if isinstance(body, dict):
            try:
                run_id = optional_uuid(body.get("run_id") or body.get("trace_id"), "run_id")
            except BadRequest:
                continue
            if run_id:
                ids.append(run_id)
    return ids


def insert_feedback(
    conn: sqlite3.Connection, bodies: list[dict], *, rejected: list[str] | None = None
) -> list[str]:
    """Insert feedback bodies inside an open write transaction; a repeated id keeps the first copy.

    An invalid body is a :class:`BadRequest` and the caller's transaction writes nothing, unless
    ``rejected`` is given: then the body is skipped, its error appended there, and the rest written
    (run ingest does this, so that one bad score never costs the runs it was batched with).
    """
    configs: dict[str, dict | None] = {}
    runs = {row[0]: (row[1], row[2]) for row in conn.execute(
        "SELECT id, session_id, trace_id FROM runs WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(_run_ids(bodies)),))}
    stamp = now()
    rows = []
    for body in bodies:
        try:
            rows.append(_prepare(conn, body, configs, stamp, runs))
        except BadRequest as exc:
            if rejected is None:
                raise
            name = body.get("id") if isinstance(body, dict) else None
            rejected.append(f"feedback {name}: {exc.message}" if name else exc.message)
    conn.executemany(
        f"INSERT INTO feedback ({_COLUMNS}) VALUES ({','.join('?' * 19)}) ON CONFLICT(id) DO NOTHING", rows
    )
    return [row[0] for row in rows]


def _row_to_dict(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "run_id": row["run_id"],
        "trace_id": row["trace_id"],
        "session_id": row["session_id"],
        "key": row["key"],
        "score": row["score"],
        "value": json.loads(row["value"]) if row["value"] is not None else None,
        "comment": row["comment"],
        "correction": json.loads(row["correction"]) if row["correction"] is not None else None,
        "feedback_source": json.loads(row["feedback_source"]) if row["feedback_source"] else None,
        "feedback_config": json.loads(row["feedback_config"]) if row["feedback_config"] else None,
        "extra": json.loads(row["extra"]) if row["extra"] else None,
        "comparative_experiment_id": row["comparative_experiment_id"],
        "feedback_group_id": row["feedback_group_id"],
        "start_time": row["start_time"],
        "created_at": row["created_at"],
        "modified_at": row["modified_at"],
    }


def get_feedback(db: Database, feedback_id: str) -> dict:
    """One feedback; :class:`NotFound` if there is none."""
    row = db.read().execute(
        f"SELECT {_COLUMNS} FROM feedback WHERE id = ?", (optional_uuid(feedback_id, "feedback_id"),)
    ).fetchone()
    if row is None:
        raise NotFound(f"feedback {feedback_id} not found")
    return _row_to_dict(row)


def create_feedback(db: Database, body: dict) -> dict:
    """Create one feedback (see the module docstring) and return it as stored."""
    with db.write() as conn:
        (feedback_id,) = insert_feedback(conn, [body])
    return get_feedback(db, feedback_id)


def list_feedback(
    db: Database,
    *,
    run_ids: list[str] | None = None,
    keys: list[str] | None = None,
    sources: list[str] | None = None,
    session_ids: list[str] | None = None,
    has_score: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """Feedback matching every given criterion, oldest first, ``offset``/``limit`` paginated."""
    check_page(limit, offset)
    where = Where()
    for column, values, is_id in (("run_id", run_ids, True), ("key", keys, False),
                                  ("source_type", sources, False), ("session_id", session_ids, True)):
        if values:
            where.among(column, [optional_uuid(v, column) if is_id else v for v in values])
    if has_score is not None:
        where.add(f"score IS {'NOT ' if has_score else ''}NULL")
    sql = f"SELECT {_COLUMNS} FROM feedback{where.sql} ORDER BY created_at, id LIMIT ? OFFSET ?"
    return [_row_to_dict(r) for r in db.read().execute(sql, (*where.params, limit, offset))]


def update_feedback(db: Database, feedback_id: str, body: dict) -> dict:
    """Change ``score``, ``value``, ``comment``, ``correction`` (keys present are set, null clears)."""
    if not isinstance(body, dict):
        raise BadRequest("expected a JSON object")
    feedback_id = optional_uuid(feedback_id, "feedback_id") or ""
    sets: list[str] = []
    params: list[Any] = []
    if "score" in body:
        sets.append("score = ?")
        params.append(_check_score(body["score"]))
    if "value" in body:
        sets += ["value = ?", "value_text = ?"]
        params += [json_text(body["value"], "feedback value"), _value_text(body["value"])]
    if "comment" in body:
        if body["comment"] is not None and not isinstance(body["comment"], str):
            raise BadRequest("comment: expected a string")
        sets.append("comment = ?")
        params.append(body["comment"])
    if "correction" in body:
        sets.append("correction = ?")
        params.append(json_text(body["correction"], "correction"))
    with db.write() as conn:
        row = conn.execute("SELECT key, feedback_config FROM feedback WHERE id = ?",
                           (feedback_id,)).fetchone()
        if row is None:
            raise NotFound(f"feedback {feedback_id} not found")
        if "score" in body:
            config = json.loads(row["feedback_config"]) if row["feedback_config"] else None
            config = config or _stored_config(conn, row["key"])
            _enforce_config(config, _check_score(body["score"]), row["key"])
        if sets:
            conn.execute(f"UPDATE feedback SET {', '.join(sets)}, modified_at = ? WHERE id = ?",
                         (*params, now(), feedback_id))
    return get_feedback(db, feedback_id)


def delete_feedback(db: Database, feedback_id: str) -> None:
    """Delete one feedback; :class:`NotFound` if there is none."""
    with db.write() as conn:
        deleted = conn.execute("DELETE FROM feedback WHERE id = ?",
                               (optional_uuid(feedback_id, "feedback_id"),)).rowcount
    if not deleted:
        raise NotFound(f"feedback {feedback_id} not found")


def summarize(rows: list[tuple[str, float | None, str | None, str | None]]) -> dict:
    """``{key: {n, avg, stdev, values: {value: count}, comments}}`` from (key, score, value, comment)."""
    stats: dict[str, dict] = {}
    scores: dict[str, list[float]] = {}
    for key, score, value_text, comment in rows:
        entry = stats.setdefault(key, {"n": 0, "avg": None, "stdev": None, "values": {}, "comments": []})
        entry["n"] += 1
        if score is not None:
            scores.setdefault(key, []).append(score)
        if value_text is not None:
            entry["values"][value_text] = entry["values"].get(value_text, 0) + 1
        if comment:
            entry["comments"].append(comment)
    for key, values in scores.items():
        mean = sum(values) / len(values)
        stats[key]["avg"] = mean
        stats[key]["stdev"] = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return stats


def feedback_stats(conn: sqlite3.Connection, run_ids: list[str]) -> dict[str, dict]:
    """Feedback stats per run id (runs without feedback are absent)."""
    grouped: dict[str, list] = {}
    for start in range(0, len(run_ids), 500):
        chunk = run_ids[start:start + 500]
        for row in conn.execute(
            f"SELECT run_id, key, score, value_text, comment FROM feedback"
            f" WHERE run_id IN ({','.join('?' * len(chunk))}) ORDER BY created_at, id",
            chunk,
        ):
            grouped.setdefault(row["run_id"], []).append(
                (row["key"], row["score"], row["value_text"], row["comment"]))
    return {run_id: summarize(rows) for run_id, rows in grouped.items()}


# ---------------------------------------------------------------- feedback configs


def _config_to_dict(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "feedback_key": row["feedback_key"],
        "feedback_config": json.loads(row["feedback_config"]),
        "tenant_id": TENANT_ID,
        "modified_at": row["modified_at"],
        "is_lower_score_better": bool(row["is_lower_score_better"]),
        "is_enforced": bool(row["is_enforced"]),
        "is_deleted": bool(row["is_deleted"]),
        "is_first": bool(row["is_first"]),
    }


def _config_key(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest(f"feedback_key: expected a non-empty string, got {reprlib.repr(value)}")
    return value


def _optional_flag(body: dict, field: str) -> bool | None:
    """An optional boolean of a body (checked: ``"false"`` must not be read as true)."""
    value = body.get(field)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{field}: expected true, false or null, got {reprlib.repr(value)}")
    return value


def _removed_values(value: Any) -> set[float]:
    """``remove_categories``: the values (numbers, as the SDK sends them) of the categories to drop."""
    if value is None:
        return set()
    if not isinstance(value, list) or not all(_finite(v) for v in value):
        raise BadRequest("remove_categories: expected a list of category values (numbers),"
                         f" got {reprlib.repr(value)}")
    return {float(v) for v in value}


def _added_categories(value: Any) -> list[dict]:
    """``add_categories``: new categories ``[{value: number, label?: str}, ...]``."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(c, dict) and _category_value(c.get("value")) and isinstance(c.get("label", ""), str | None)
        for c in value
    ):
        raise BadRequest("add_categories: expected a list of categories [{value: number, label: str}],"
                         f" got {reprlib.repr(value)}")
    return value


def create_feedback_config(db: Database, body: dict) -> dict:
    """Store how ``feedback_key`` is read. A second enforced config of a key is a :class:`Conflict`."""
    if not isinstance(body, dict):
        raise BadRequest("feedback config: expected a JSON object {feedback_key, feedback_config, ...}")
    key = _config_key(body.get("feedback_key"))
    config = _check_config(body.get("feedback_config"))
    if config is None:
        raise BadRequest("feedback_config: required")
    lower = _optional_flag(body, "is_lower_score_better")
    enforced = bool(_optional_flag(body, "is_enforced"))
    with db.write() as conn:
        existing = conn.execute(
            "SELECT id, feedback_config, is_enforced, is_lower_score_better FROM feedback_configs"
            " WHERE feedback_key = ? AND is_deleted = 0 ORDER BY rowid", (key,)).fetchall()
        if lower is None:  # the direction is the key's: kept when omitted, False for a new key
            lower = bool(existing and existing[0]["is_lower_score_better"])
        for row in existing:
            if json.loads(row["feedback_config"]) == config:
                config_id = row["id"]
                break
        else:
            if enforced and any(r["is_enforced"] for r in existing):
                raise Conflict(f"feedback key {key!r} already has an enforced configuration")
            config_id = str(uuid.uuid4())
            conn.execute(
                "INSERT INTO feedback_configs (id, feedback_key, feedback_config, is_lower_score_better,"
                " is_enforced, modified_at) VALUES (?, ?, ?, ?, ?, ?)",
                (config_id, key, json_text(config, "feedback_config"), int(lower), int(enforced), now()),
            )
        conn.execute("UPDATE feedback_configs SET is_lower_score_better = ? WHERE feedback_key = ?",
                     (int(lower), key))
        row = conn.execute(f"SELECT {_CONFIG_COLUMNS} FROM feedback_configs WHERE id = ?",
                           (config_id,)).fetchone()
    return _config_to_dict(row)


def list_feedback_configs(
    db: Database, *, keys: list[str] | None = None, name_contains: str | None = None,
    include_deleted: bool = False, is_enforced: bool | None = None, limit: int = 100, offset: int = 0,
) -> list[dict]:
    """Feedback configs by key, oldest first, ``offset``/``limit`` paginated."""
    check_page(limit, offset)
    where = Where()
    if keys:
        where.among("feedback_key", list(keys))
    if name_contains:
        where.contains("feedback_key", name_contains)
    if not include_deleted:
        where.add("is_deleted = 0")
    if is_enforced is not None:
        where.add("is_enforced = ?", int(is_enforced))
    rows = db.read().execute(
        f"SELECT {_CONFIG_COLUMNS} FROM feedback_configs{where.sql} ORDER BY rowid LIMIT ? OFFSET ?",
        (*where.params, limit, offset)).fetchall()
    return [_config_to_dict(r) for r in rows]


def update_feedback_config(db: Database, body: dict) -> dict:
    """Replace the config of ``feedback_key`` (or of config ``id``); categories may be added or removed.

    The whole body is checked before anything is read, so a malformed one is a 400 and changes nothing;
    a well-formed change the config cannot take (categories removed from a continuous config, or
    fewer than two left) is a 422.
    """
    if not isinstance(body, dict):
        raise BadRequest("feedback config update: expected a JSON object {feedback_key | id, ...}")
    config_id = optional_uuid(body.get("id"), "id")
    key = _config_key(body["feedback_key"]) if body.get("feedback_key") is not None else None
    if config_id is None and key is None:
        raise BadRequest("feedback_key or id: required")
    new_config = _check_config(body.get("feedback_config"))
    drop = _removed_values(body.get("remove_categories"))
    add = _added_categories(body.get("add_categories"))
    lower = _optional_flag(body, "is_lower_score_better")
    with db.write() as conn:
        if config_id is not None:
            row = conn.execute("SELECT * FROM feedback_configs WHERE id = ? AND is_deleted = 0",
                               (config_id,)).fetchone()
        else:
            row = conn.execute("SELECT * FROM feedback_configs WHERE feedback_key = ? AND is_deleted = 0"
                               f" {_KEY_CONFIG_ORDER}", (key,)).fetchone()
        if row is None:
            raise NotFound("no feedback config matches")
        config = new_config if new_config is not None else json.loads(row["feedback_config"])
        if (drop or add) and config.get("type") != "categorical":
            raise UnprocessableEntity("only categorical configs have categories to add or remove")
        if add:
            taken = {float(c["value"]) for c in config["categories"]}
            repeated = [c["value"] for c in add if float(c["value"]) in taken]
            if repeated or len({float(c["value"]) for c in add}) < len(add):
                raise UnprocessableEntity(f"category values already in the config: {repeated or add}")
            config["categories"] = [*config["categories"], *add]
        if drop:
            config["categories"] = [c for c in config["categories"] if float(c["value"]) not in drop]
            if len(config["categories"]) < 2:
                raise UnprocessableEntity("a categorical config needs at least two categories")
        conn.execute("UPDATE feedback_configs SET feedback_config = ?, modified_at = ? WHERE id = ?",
                     (json_text(config, "feedback_config"), now(), row["id"]))
        if lower is not None:  # the direction is shared by every config of the key
            conn.execute("UPDATE feedback_configs SET is_lower_score_better = ? WHERE feedback_key = ?",
                         (int(lower), row["feedback_key"]))
        row = conn.execute(f"SELECT {_CONFIG_COLUMNS} FROM feedback_configs WHERE id = ?",
                           (row["id"],)).fetchone()
    return _config_to_dict(row)


def delete_feedback_config(
    db: Database, *, feedback_key: str | None = None, config_id: str | None = None
) -> None:
    """Soft-delete the configs of a key (or one config by id)."""
    with db.write() as conn:
        if config_id:
            n = conn.execute("UPDATE feedback_configs SET is_deleted = 1 WHERE id = ?",
                             (optional_uuid(config_id, "id"),)).rowcount
        elif feedback_key:
            n = conn.execute("UPDATE feedback_configs SET is_deleted = 1 WHERE feedback_key = ?",
                             (feedback_key,)).rowcount
        else:
            raise BadRequest("feedback_key or id: required")
    if not n:
        raise NotFound("no feedback config matches")
