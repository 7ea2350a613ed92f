"""Annotation queues: the queues, their rubric, and the runs or threads waiting for human review.

Plain Python over the SQLite store (no HTTP here; :mod:`techhub.localsmith.routes.queues` is the thin
layer). LangSmith has two APIs over the same items and the SDK uses both: the classic one
(``/annotation-queues/{id}/runs``, ``.../run/{index}``) speaks in runs, the newer one
(``/platform/annotation-queues/{id}/items``) in items of type ``RUN`` or ``THREAD``. Here one table
holds the items and both APIs read it.

An item is ``needs_review`` until a reviewer marks it ``completed`` (LangSmith: archived). Adding a
run that is already in the queue returns the existing item: an automation that sees the same run
twice must not queue it twice.
"""

from __future__ import annotations

import json
import reprlib
import sqlite3
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from techhub.localsmith.datasets import get_dataset
from techhub.localsmith.exceptions import BadRequest, Conflict, NotFound
from techhub.localsmith.projects import TENANT_ID
from techhub.localsmith.runs import read_run
from techhub.localsmith.store import MAX_OFFSET, Database, Where, check_page, offset_cursor, register_schema
from techhub.localsmith.times import now as now_stored
from techhub.localsmith.values import json_text

register_schema(
    """
CREATE TABLE IF NOT EXISTS annotation_queues (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    default_dataset TEXT,
    rubric_instructions TEXT,
    rubric_items TEXT NOT NULL DEFAULT '[]',
    metadata TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS annotation_queue_items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    queue_id TEXT NOT NULL,
    item_key TEXT NOT NULL,
    item_type TEXT NOT NULL,
    run_id TEXT,
    thread_id TEXT,
    project_id TEXT,
    start_time TEXT,
    source_proposed_example_id TEXT,
    status TEXT NOT NULL DEFAULT 'needs_review',
    added_at TEXT NOT NULL,
    last_reviewed_time TEXT,
    UNIQUE (queue_id, item_key)
);
CREATE INDEX IF NOT EXISTS annotation_queue_items_by_queue ON annotation_queue_items (queue_id, status, seq);
CREATE INDEX IF NOT EXISTS annotation_queue_items_by_run ON annotation_queue_items (run_id);
"""
)

ReviewStatus = Literal["needs_review", "completed"]
_SETTINGS = ("enable_reservations", "num_reviewers_per_item", "reservation_minutes", "reviewer_access_mode")


def now_iso() -> str:
    """The current time in the store's timestamp form (UTC, microseconds; the SDK reads it as UTC)."""
    return now_stored()


def find_dataset(db: Database, dataset_id: str) -> dict | None:
    """The dataset ``dataset_id`` or None (queues and rules only check that it exists)."""
    try:
        return get_dataset(db, dataset_id)
    except (NotFound, BadRequest):
        return None


def _run_key(conn: sqlite3.Connection, run_id: str) -> sqlite3.Row | None:
    """What a queue item copies from its run: project, start time, thread."""
    return conn.execute(
        "SELECT id, session_id, start_time, thread_id FROM runs WHERE id = ? AND name IS NOT NULL", (run_id,)
    ).fetchone()


# ---------------------------------------------------------------------------------------------- queues


class RubricItem(BaseModel):
    """One feedback key reviewers fill in (LangSmith's ``AnnotationQueueRubricItemSchema``)."""

    model_config = ConfigDict(extra="allow")
    feedback_key: str = Field(min_length=1)
    description: str | None = None


class QueueFields(BaseModel):
    """What the classic and the generated clients send when they create or update a queue."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1)
    id: uuid.UUID | None = None
    description: str | None = None
    default_dataset: uuid.UUID | None = None
    rubric_instructions: str | None = None
    rubric_items: list[RubricItem] | None = None
    metadata: dict[str, Any] | None = None
    enable_reservations: bool | None = None
    num_reviewers_per_item: int | None = Field(default=None, ge=1)
    reservation_minutes: int | None = Field(default=None, ge=1)
    reviewer_access_mode: Literal["any", "assigned"] | None = None
    session_ids: list[uuid.UUID] | None = None
    queue_type: Literal["single"] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


def parse_model(model: type[BaseModel], body: Any, what: str) -> Any:
    """Validate ``body`` with ``model``; a 400 naming each bad field instead of a pydantic trace."""
    if not isinstance(body, dict):
        raise BadRequest(f"{what} must be a JSON object, got {type(body).__name__}")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or what}: {e['msg']}" for e in error.errors()
        )
        raise BadRequest(f"invalid {what}: {problems}") from None


def _queue_dict(row: sqlite3.Row, *, total_runs: int | None = None) -> dict:
    settings = json.loads(row["settings"])
    rubric = json.loads(row["rubric_items"])
    queue = {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "tenant_id": TENANT_ID,
        "queue_type": "single",
        "default_dataset": row["default_dataset"],
        "rubric_instructions": row["rubric_instructions"],
        "rubric_items": rubric,
        "rubric_keys": [item["feedback_key"] for item in rubric],
        "metadata": json.loads(row["metadata"]) if row["metadata"] else None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "assigned_reviewers": [],
        "run_rule_id": None,
        "source_rule_id": None,
        **{key: settings.get(key) for key in _SETTINGS},
    }
    if total_runs is not None:
        queue["total_runs"] = total_runs
    return queue


def _check_dataset(db: Database, dataset_id: uuid.UUID | None) -> str | None:
    if dataset_id is None:
        return None
    if find_dataset(db, str(dataset_id)) is None:
        raise NotFound(f"default_dataset: dataset {dataset_id} not found")
    return str(dataset_id)


def create_queue(db: Database, body: Any) -> dict:
    """Create a queue from a ``POST /annotation-queues`` body; 409 when the name or id is taken."""
    fields: QueueFields = parse_model(QueueFields, body, "annotation queue")
    if not fields.name:
        raise BadRequest("invalid annotation queue: name: field required")
    queue_id = str(fields.id or uuid.uuid4())
    dataset = _check_dataset(db, fields.default_dataset)
    stamp = now_iso()
    rubric = [item.model_dump(exclude_none=True) for item in fields.rubric_items or []]
    settings = {key: getattr(fields, key) for key in _SETTINGS if getattr(fields, key) is not None}
    try:
        with db.write() as conn:
            conn.execute(
                "INSERT INTO annotation_queues (id, name, description, default_dataset, rubric_instructions,"
                " rubric_items, metadata, settings, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    queue_id,
                    fields.name,
                    fields.description,
                    dataset,
                    fields.rubric_instructions,
                    json_text(rubric, "rubric_items"),
                    json_text(fields.metadata, "metadata"),
                    json.dumps(settings),
                    stamp,
                    stamp,
                ),
            )
    except sqlite3.IntegrityError:
        raise Conflict(
            f"an annotation queue named {fields.name!r} or with id {queue_id} already exists"
        ) from None
    return read_queue(db, queue_id)


def _queue_row(conn: sqlite3.Connection, queue_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM annotation_queues WHERE id = ?", (str(queue_id),)).fetchone()
    if row is None:
        raise NotFound(f"annotation queue {queue_id} not found")
    return row


def queue_exists(db: Database, queue_id: str) -> bool:
    """True when a queue with this id exists (rules check their ``add_to_annotation_queue_id``)."""
    return (
        db.read().execute("SELECT 1 FROM annotation_queues WHERE id = ?", (str(queue_id),)).fetchone()
        is not None
    )


def queue_name(db: Database, queue_id: str) -> str | None:
    row = db.read().execute("SELECT name FROM annotation_queues WHERE id = ?", (str(queue_id),)).fetchone()
    return row["name"] if row else None


def read_queue(db: Database, queue_id: str) -> dict:
    """A queue with its rubric (``GET /annotation-queues/{id}``)."""
    return _queue_dict(_queue_row(db.read(), queue_id))


def list_queues(
    db: Database,
    *,
    ids: list[str] | None = None,
    name: str | None = None,
    name_contains: str | None = None,
    dataset_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """Queues by name, substring, ids or default dataset, oldest first, with their open item count."""
    check_page(limit, offset, maximum=None)
    where = Where()
    if ids:
        where.among("q.id", [str(i) for i in ids])
    if name is not None:
        where.add("q.name = ?", name)
    if name_contains:
        where.contains("q.name", name_contains)
    if dataset_id:
        where.add("q.default_dataset = ?", dataset_id)
    rows = (
        db.read()
        .execute(
            "SELECT q.*, (SELECT count(*) FROM annotation_queue_items i WHERE i.queue_id = q.id"
            " AND i.status = 'needs_review') AS open_items FROM annotation_queues q"
            f"{where.sql} ORDER BY q.created_at, q.id LIMIT ? OFFSET ?",
            (*where.params, limit, offset),
        )
        .fetchall()
    )
    return [_queue_dict(row, total_runs=row["open_items"]) for row in rows]


def update_queue(db: Database, queue_id: str, body: Any) -> dict:
    """Change the fields given (``PATCH``); ``rubric_items`` replaces the rubric."""
    fields: QueueFields = parse_model(QueueFields, body, "annotation queue update")
    given = fields.model_fields_set
    for frozen in ("id", "session_ids", "created_at", "queue_type"):
        if frozen in given:
            raise BadRequest(f"{frozen} cannot be changed on an annotation queue")
    dataset = _check_dataset(db, fields.default_dataset) if "default_dataset" in given else None
    try:
        with db.write() as conn:
            row = _queue_row(conn, queue_id)
            settings = json.loads(row["settings"])
            settings.update({key: getattr(fields, key) for key in _SETTINGS if key in given})
            values = {
                "name": fields.name if "name" in given and fields.name else row["name"],
                "description": fields.description if "description" in given else row["description"],
                "default_dataset": dataset if "default_dataset" in given else row["default_dataset"],
                "rubric_instructions": (
                    fields.rubric_instructions
                    if "rubric_instructions" in given
                    else row["rubric_instructions"]
                ),
                "rubric_items": (
                    json_text([i.model_dump(exclude_none=True) for i in fields.rubric_items or []],
                              "rubric_items")
                    if "rubric_items" in given
                    else row["rubric_items"]
                ),
                "metadata": (
                    json_text(fields.metadata, "metadata") if "metadata" in given else row["metadata"]
                ),
                "settings": json.dumps(settings),
            }
            conn.execute(
                "UPDATE annotation_queues SET name=?, description=?, default_dataset=?,"
                " rubric_instructions=?, rubric_items=?, metadata=?, settings=?, updated_at=? WHERE id=?",
                (*values.values(), now_iso(), str(queue_id)),
            )
    except sqlite3.IntegrityError:
        raise Conflict(f"an annotation queue named {fields.name!r} already exists") from None
    return read_queue(db, queue_id)


def delete_queue(db: Database, queue_id: str) -> None:
    """Delete a queue and its items (the runs themselves stay)."""
    with db.write() as conn:
        _queue_row(conn, queue_id)
        conn.execute("DELETE FROM annotation_queue_items WHERE queue_id = ?", (str(queue_id),))
        conn.execute("DELETE FROM annotation_queues WHERE id = ?", (str(queue_id),))


# ----------------------------------------------------------------------------------------------- items


class ItemSpec(BaseModel):
    """One item to add: a run (``run_id``) or a thread (``thread_id`` + ``project_id``)."""

    model_config = ConfigDict(extra="forbid")
    item_type: Literal["RUN", "THREAD"] = "RUN"
    run_id: uuid.UUID | None = None
    thread_id: str | None = Field(default=None, min_length=1)
    project_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    start_time: datetime | None = None
    source_proposed_example_id: uuid.UUID | None = None
    # Fields of the classic ``runs`` bodies (by key, or the deprecated variant) that carry nothing new.
    parent_run_id: uuid.UUID | None = None
    trace_id: uuid.UUID | None = None
    trace_tier: str | None = None


def _item_dict(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "queue_id": row["queue_id"],
        "item_type": row["item_type"],
        "run_id": row["run_id"],
        "thread_id": row["thread_id"],
        "project_id": row["project_id"],
        "start_time": row["start_time"],
        "source_proposed_example_id": row["source_proposed_example_id"],
        "added_at": row["added_at"],
        "effective_added_at": row["added_at"],
        "last_reviewed_time": row["last_reviewed_time"],
        "status": row["status"],
        "assigned_to": [],
        "completed_by": [],
        "reserved_by": [],
    }


def add_item(conn: sqlite3.Connection, queue_id: str, spec: ItemSpec) -> dict:
    """Add one item inside the caller's transaction (the rule engine records its action alongside).

    A RUN item must name a run the server has; its project and start time come from the run.
    Returns the item, the existing one when the run or thread is already in the queue.
    """
    _queue_row(conn, queue_id)
    project_id = spec.project_id or spec.session_id
    if spec.item_type == "RUN":
        if spec.run_id is None:
            raise BadRequest("run_id: required for a RUN item")
        run = _run_key(conn, str(spec.run_id))
        if run is None:
            raise NotFound(f"run {spec.run_id} not found")
        key = f"RUN:{spec.run_id}"
        values = (str(spec.run_id), run["thread_id"], run["session_id"], run["start_time"])
    else:
        if not spec.thread_id or project_id is None:
            raise BadRequest("thread_id and project_id: both required for a THREAD item")
        key = f"THREAD:{project_id}:{spec.thread_id}"
        values = (
            None,
            spec.thread_id,
            str(project_id),
            spec.start_time.isoformat() if spec.start_time else None,
        )
    source = str(spec.source_proposed_example_id) if spec.source_proposed_example_id else None
    conn.execute(
        "INSERT INTO annotation_queue_items (id, queue_id, item_key, item_type, run_id, thread_id,"
        " project_id, start_time, source_proposed_example_id, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (queue_id, item_key) DO NOTHING",
        (str(uuid.uuid4()), str(queue_id), key, spec.item_type, *values, source, now_iso()),
    )
    row = conn.execute(
        "SELECT * FROM annotation_queue_items WHERE queue_id = ? AND item_key = ?", (str(queue_id), key)
    ).fetchone()
    return _item_dict(row)


def add_items(db: Database, queue_id: str, specs: list[Any]) -> list[dict]:
    """Add runs or threads (all or none): ``specs`` are run ids or item objects."""
    if not isinstance(specs, list):
        raise BadRequest("expected a JSON list of run ids or items")
    parsed: list[ItemSpec] = []
    for index, spec in enumerate(specs):
        if isinstance(spec, str):
            try:
                parsed.append(ItemSpec(run_id=uuid.UUID(spec)))
            except ValueError:
                raise BadRequest(f"items[{index}]: {reprlib.repr(spec)} is not a run id (UUID)") from None
        else:
            parsed.append(parse_model(ItemSpec, spec, f"items[{index}]"))
    with db.write() as conn:
        return [add_item(conn, queue_id, spec) for spec in parsed]


def _item_row(conn: sqlite3.Connection, queue_id: str | None, item_or_run_id: str) -> sqlite3.Row:
    """An item by its id, or by the id of its run (the classic API names items by run)."""
    query = "SELECT * FROM annotation_queue_items WHERE (id = ? OR run_id = ?)"
    params: list[str] = [str(item_or_run_id), str(item_or_run_id)]
    if queue_id is not None:
        query += " AND queue_id = ?"
        params.append(str(queue_id))
    row = conn.execute(query + " ORDER BY seq LIMIT 1", params).fetchone()
    if row is None:
        where = f" in annotation queue {queue_id}" if queue_id else ""
        raise NotFound(f"queue item or run {item_or_run_id} not found{where}")
    return row


def _status_filter(status: str | None, archived: bool | None = None) -> ReviewStatus | Literal["none"] | None:
    """LangSmith's review sections mapped onto our two states (one reviewer: nobody else's review)."""
    if archived is not None and status is None:
        return "completed" if archived else "needs_review"
    match status:
        case None | "all":
            return None
        case "needs_my_review":
            return "needs_review"
        case "needs_others_review":
            return "none"
        case "completed" | "archived":
            return "completed"
    raise BadRequest(
        "status must be needs_my_review, needs_others_review, completed or archived,"
        f" not {reprlib.repr(status)}"
    )


def list_item_rows(
    db: Database,
    queue_id: str,
    *,
    status: str | None = None,
    archived: bool | None = None,
    item_type: str | None = None,
    after_seq: int = 0,
    limit: int = 100,
    offset: int = 0,
) -> list[sqlite3.Row]:
    """Items of a queue in the order they were added."""
    conn = db.read()
    _queue_row(conn, queue_id)
    wanted = _status_filter(status, archived)
    if wanted == "none":
        return []
    if item_type not in (None, "RUN", "THREAD"):
        raise BadRequest(f"item_type must be RUN or THREAD, not {reprlib.repr(item_type)}")
    check_page(limit, offset, maximum=None)
    where = Where()
    where.add("queue_id = ? AND seq > ?", str(queue_id), after_seq)
    if wanted:
        where.add("status = ?", wanted)
    if item_type:
        where.add("item_type = ?", item_type)
    return conn.execute(
        f"SELECT * FROM annotation_queue_items{where.sql} ORDER BY seq LIMIT ? OFFSET ?",
        (*where.params, limit, offset),
    ).fetchall()


def list_items(
    db: Database,
    queue_id: str,
    *,
    status: str | None,
    item_type: str | None = None,
    cursor: str | None = None,
    page_size: int = 100,
) -> dict:
    """One page of items (``{items, next_cursor}``); the cursor is the last item's position."""
    if not 1 <= page_size <= 100:
        raise BadRequest("page_size must be between 1 and 100")
    after = offset_cursor(cursor)
    rows = list_item_rows(
        db, queue_id, status=status, item_type=item_type, after_seq=after, limit=page_size + 1
    )
    page = rows[:page_size]
    return {
        "items": [_item_dict(row) for row in page],
        "next_cursor": str(page[-1]["seq"]) if len(rows) > page_size else None,
    }


def count_items(db: Database, queue_id: str, status: str | None = None) -> int:
    """How many items are in a section (default: waiting for review, as ``/size`` counts)."""
    conn = db.read()
    _queue_row(conn, queue_id)
    wanted = _status_filter(status)
    if wanted == "none":
        return 0
    query, params = "SELECT count(*) FROM annotation_queue_items WHERE queue_id = ?", [str(queue_id)]
    if wanted:
        query += " AND status = ?"
        params.append(wanted)
    return int(conn.execute(query, params).fetchone()[0])


def _run_with_queue_info(db: Database, row: sqlite3.Row) -> dict:
    if row["run_id"] is None:
        raise BadRequest(f"item {row['id']} is a thread, not a run: use the items API")
    run = read_run(db, row["run_id"])
    run.update(
        {
            "queue_run_id": row["id"],
            "added_at": row["added_at"],
            "effective_added_at": row["added_at"],
            "last_reviewed_time": row["last_reviewed_time"],
            "source_proposed_example_id": row["source_proposed_example_id"],
            "completed_by": [],
            "reserved_by": [],
        }
    )
    return run


def list_queue_runs(
    db: Database,
    queue_id: str,
    *,
    status: str | None = None,
    archived: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """The classic view: the queue's runs with ``added_at`` / ``last_reviewed_time``."""
    rows = list_item_rows(
        db, queue_id, status=status, archived=archived, item_type="RUN", limit=limit, offset=offset
    )
    return [_run_with_queue_info(db, row) for row in rows]


def run_at_index(db: Database, queue_id: str, index: int) -> dict:
    """The run at ``index`` among the runs still waiting for review (``GET .../run/{index}``)."""
    if not 0 <= index <= MAX_OFFSET:
        raise BadRequest(f"index must be 0..{MAX_OFFSET}, got {index}")
    rows = list_item_rows(db, queue_id, status="needs_my_review", item_type="RUN", offset=index, limit=1)
    if not rows:
        raise NotFound(f"no run at index {index} of annotation queue {queue_id}")
    return _run_with_queue_info(db, rows[0])


class ItemTimes(BaseModel):
    """The mutable timestamps of an item (``PATCH``): ``added_at`` orders the queue."""

    model_config = ConfigDict(extra="forbid")
    added_at: datetime | None = None
    last_reviewed_time: datetime | None = None


def update_item(db: Database, queue_id: str, item_or_run_id: str, body: Any) -> dict:
    """Set ``added_at`` / ``last_reviewed_time`` (null or missing leaves a field as it is)."""

    times: ItemTimes = parse_model(ItemTimes, body, "queue item update")
    with db.write() as conn:
        row = _item_row(conn, queue_id, item_or_run_id)
        conn.execute(
            "UPDATE annotation_queue_items SET added_at = coalesce(?, added_at),"
            " last_reviewed_time = coalesce(?, last_reviewed_time) WHERE id = ?",
            (
                times.added_at.isoformat() if times.added_at else None,
                times.last_reviewed_time.isoformat() if times.last_reviewed_time else None,
                row["id"],
            ),
        )
        return _item_dict(
            conn.execute("SELECT * FROM annotation_queue_items WHERE id = ?", (row["id"],)).fetchone()
        )


def set_item_status(db: Database, item_id: str, status: str | None, queue_id: str | None = None) -> dict:
    """A reviewer's verdict on an item: ``completed`` archives it, ``viewed`` or null re-shows it."""
    if status not in (None, "viewed", "completed"):
        raise BadRequest(f"status must be viewed, completed or null, not {reprlib.repr(status)}")
    with db.write() as conn:
        row = _item_row(conn, queue_id, item_id)
        if status == "completed":
            conn.execute(
                "UPDATE annotation_queue_items SET status = 'completed', last_reviewed_time = ? WHERE id = ?",
                (now_iso(), row["id"]),
            )
        elif status is None:
            conn.execute(
                "UPDATE annotation_queue_items SET status = 'needs_review' WHERE id = ?", (row["id"],)
            )
        else:
            conn.execute(
                "UPDATE annotation_queue_items SET last_reviewed_time = ? WHERE id = ?",
                (now_iso(), row["id"]),
            )
    return {
        "queue_item_id": row["id"],
        "status": status,
        "is_archived": status == "completed",
        "override_added_at": None,
    }


def _id_list(value: Any, field: str) -> list[str]:
    """A list of item or run ids from a request body (anything else is a 400 naming ``field``)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"{field}: expected a list of ids (strings), got {reprlib.repr(value)}")
    return value


def delete_items(
    db: Database,
    queue_id: str,
    ids: list[str] | None = None,
    *,
    every: bool | None = False,
    exclude: list[str] | None = None,
    field: str = "run_ids",
) -> int:
    """Remove items by item id or run id (or all of them, minus ``exclude``); returns how many went.

    The arguments come straight from a request body, so their types are checked here (``field`` names
    the list of ``ids`` in errors). Id lists go to SQLite as one JSON parameter: no list is too long.
    """
    if every is not None and not isinstance(every, bool):
        raise BadRequest(f"delete_all: expected true or false, got {reprlib.repr(every)}")
    ids = _id_list(ids, field)
    excluded = json.dumps(_id_list(exclude, "exclude_run_ids"))
    with db.write() as conn:
        _queue_row(conn, queue_id)
        if every:
            return conn.execute(
                "DELETE FROM annotation_queue_items WHERE queue_id = ?"
                " AND coalesce(run_id, '') NOT IN (SELECT value FROM json_each(?))"
                " AND id NOT IN (SELECT value FROM json_each(?))",
                (str(queue_id), excluded, excluded),
            ).rowcount
        listed = json.dumps(ids)
        return conn.execute(
            "DELETE FROM annotation_queue_items WHERE queue_id = ?"
            " AND (id IN (SELECT value FROM json_each(?)) OR run_id IN (SELECT value FROM json_each(?)))",
            (str(queue_id), listed, listed),
        ).rowcount


def delete_run(db: Database, queue_id: str, item_or_run_id: str) -> None:
    """The classic ``DELETE .../runs/{run_id}``: 404 when the run is not in the queue."""
    with db.write() as conn:
        row = _item_row(conn, queue_id, item_or_run_id)
        conn.execute("DELETE FROM annotation_queue_items WHERE id = ?", (row["id"],))


def queues_of_run(db: Database, run_id: str) -> list[dict]:
    """The queues a run is in (``GET /annotation-queues/{run_id}/queues``)."""
    rows = (
        db.read()
        .execute(
            "SELECT q.* FROM annotation_queues q JOIN annotation_queue_items i ON i.queue_id = q.id"
            " WHERE i.run_id = ? ORDER BY i.seq",
            (str(run_id),),
        )
        .fetchall()
    )
    return [_queue_dict(row) for row in rows]
