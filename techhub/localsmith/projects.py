"""Projects (LangSmith "sessions"): tracing projects and experiments.

Public functions (plain Python over a :class:`~techhub.localsmith.store.Database`, no HTTP):

- :func:`find_project` ``(db, *, name=None, project_id=None) -> dict | None``: one project or None.
- :func:`get_project` ``(db, project_id) -> dict``: one project or :class:`NotFound`.
- :func:`create_project` ``(db, body, *, upsert=False) -> dict``.
- :func:`list_projects` ``(db, *, ids, name, name_contains, reference_dataset, reference_free,
  metadata, include_stats, limit, offset) -> list[dict]``.
- :func:`update_project`, :func:`delete_project` (deletes the project's runs and their feedback).
- :func:`ensure_project_ids` ``(conn, names) -> {name: id}``: get-or-create by name inside an open
  write transaction (ingest creates projects on first use, as LangSmith does).

Returned dicts have the shape of the SDK's ``TracerSessionResult``: ``id``, ``tenant_id`` (one fixed
tenant), ``name``, ``description``, ``extra``, ``start_time``, ``end_time``,
``reference_dataset_id``, ``run_count``, ``last_run_start_time`` and, with ``include_stats``,
latency percentiles, token and cost totals, ``error_rate`` and ``feedback_stats`` over root runs.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from techhub.localsmith.exceptions import BadRequest, Conflict, NotFound
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.store import Database, Where, check_page, register_schema
from techhub.localsmith.times import normalize_time, now
from techhub.localsmith.values import json_text

TENANT_ID = "00000000-0000-4000-8000-000000000001"
DEFAULT_PROJECT = "default"

register_schema(
    """
    CREATE TABLE IF NOT EXISTS projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT,
        extra TEXT,
        start_time TEXT NOT NULL,
        end_time TEXT,
        reference_dataset_id TEXT
    );
    CREATE INDEX IF NOT EXISTS projects_dataset ON projects(reference_dataset_id);
    """
)

_COLUMNS = "id, name, description, extra, start_time, end_time, reference_dataset_id"


def _row_to_dict(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "tenant_id": TENANT_ID,
        "name": row["name"],
        "description": row["description"],
        "extra": json.loads(row["extra"]) if row["extra"] else None,
        "start_time": row["start_time"],
        "end_time": row["end_time"],
        "reference_dataset_id": row["reference_dataset_id"],
    }


def _attach_counts(conn: sqlite3.Connection, projects: list[dict], include_stats: bool) -> list[dict]:
    """Add ``run_count`` and ``last_run_start_time`` (and full stats if asked) to each project.

    Counted over root runs (traces), the basis of every other project stat: an experiment's
    ``run_count`` is the number of examples run, however many child runs each made.
    """
    from techhub.localsmith.runs import project_stats  # runs imports this module

    for project in projects:
        row = conn.execute(
            "SELECT count(*) AS n, max(start_time) AS last FROM runs"
            " WHERE session_id = ? AND is_root = 1 AND name IS NOT NULL",
            (project["id"],),
        ).fetchone()
        project["run_count"] = row["n"]
        project["last_run_start_time"] = row["last"]
        if include_stats:
            project.update(project_stats(conn, project["id"]))
    return projects


def find_project(db: Database, *, name: str | None = None, project_id: str | None = None) -> dict | None:
    """The project with this ``name`` or ``project_id`` (with run counts), or ``None``."""
    conn = db.read()
    if project_id is not None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM projects WHERE id = ?",
                           (as_uuid(project_id, "project_id"),)).fetchone()
    elif name is not None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM projects WHERE name = ?", (name,)).fetchone()
    else:
        raise BadRequest("find_project needs a name or a project_id")
    return _attach_counts(conn, [_row_to_dict(row)], False)[0] if row else None


def get_project(db: Database, project_id: str, *, include_stats: bool = False) -> dict:
    """The project ``project_id``; :class:`NotFound` if there is none."""
    conn = db.read()
    row = conn.execute(f"SELECT {_COLUMNS} FROM projects WHERE id = ?",
                       (as_uuid(project_id, "project_id"),)).fetchone()
    if row is None:
        raise NotFound(f"project {project_id} not found")
    return _attach_counts(conn, [_row_to_dict(row)], include_stats)[0]


def _check_body(body: Any) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("expected a JSON object")
    for field in ("name", "description"):
        if body.get(field) is not None and not isinstance(body[field], str):
            raise BadRequest(f"{field}: expected a string")
    if body.get("extra") is not None and not isinstance(body["extra"], dict):
        raise BadRequest("extra: expected an object")
    return body


def create_project(db: Database, body: dict, *, upsert: bool = False) -> dict:
    """Create a project from ``{name, description?, extra?, id?, reference_dataset_id?, start_time?}``.

    A second project with the same name is a :class:`Conflict`, unless ``upsert`` (then the
    existing one is updated with the given non-null fields and returned).
    """
    body = _check_body(body)
    name = body.get("name")
    if not name:
        raise BadRequest("name: required")
    project_id = as_uuid(body["id"], "id") if body.get("id") else str(uuid.uuid4())
    dataset_id = body.get("reference_dataset_id")
    dataset_id = as_uuid(dataset_id, "reference_dataset_id") if dataset_id else None
    extra = json_text(body.get("extra"), "extra")
    start = normalize_time(body.get("start_time"), "start_time") or now()
    with db.write() as conn:
        existing = conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        if existing is not None:
            if not upsert:
                raise Conflict(f"a project named {name!r} already exists")
            conn.execute(
                "UPDATE projects SET description = COALESCE(?, description), extra = COALESCE(?, extra),"
                " reference_dataset_id = COALESCE(?, reference_dataset_id) WHERE id = ?",
                (body.get("description"), extra, dataset_id, existing["id"]),
            )
            project_id = existing["id"]
        else:
            if conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone():
                raise Conflict(f"a project with id {project_id} already exists")
            conn.execute(
                f"INSERT INTO projects ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (project_id, name, body.get("description"), extra, start,
                 normalize_time(body.get("end_time"), "end_time"), dataset_id),
            )
    return get_project(db, project_id)


def ensure_project_ids(conn: sqlite3.Connection, names: set[str]) -> dict[str, str]:
    """Ids of the projects named ``names``, creating the missing ones (inside a write transaction)."""
    ids: dict[str, str] = {}
    for name in names:
        row = conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        if row is None:
            project_id = str(uuid.uuid4())
            conn.execute("INSERT INTO projects (id, name, start_time) VALUES (?, ?, ?)",
                         (project_id, name, now()))
            ids[name] = project_id
        else:
            ids[name] = row["id"]
    return ids


def list_projects(
    db: Database,
    *,
    ids: list[str] | None = None,
    name: str | None = None,
    name_contains: str | None = None,
    reference_dataset: list[str] | None = None,
    reference_free: bool | None = None,
    metadata: dict | None = None,
    include_stats: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """Projects matching every given criterion, newest first, ``offset``/``limit`` paginated."""
    check_page(limit, offset)
    where = Where()
    if ids:
        where.among("id", [as_uuid(i, "id") for i in ids])
    if name is not None:
        where.add("name = ?", name)
    if name_contains:
        where.contains("name", name_contains)
    if reference_dataset:
        where.among("reference_dataset_id", [as_uuid(i, "reference_dataset") for i in reference_dataset])
    if reference_free is True:
        where.add("reference_dataset_id IS NULL")
    elif reference_free is False:
        where.add("reference_dataset_id IS NOT NULL")
    for key, value in (metadata or {}).items():
        where.add("json_extract(extra, '$.metadata.' || json_quote(?)) = json_extract(?, '$')",
                  key, json.dumps(value))
    sql = f"SELECT {_COLUMNS} FROM projects{where.sql} ORDER BY start_time DESC, id LIMIT ? OFFSET ?"
    conn = db.read()
    rows = conn.execute(sql, (*where.params, limit, offset)).fetchall()
    return _attach_counts(conn, [_row_to_dict(r) for r in rows], include_stats)


def update_project(db: Database, project_id: str, body: dict) -> dict:
    """Change ``name``, ``description``, ``extra`` or ``end_time`` (null fields are left alone)."""
    body = _check_body(body)
    project_id = as_uuid(project_id, "project_id")
    extra = json_text(body.get("extra"), "extra")
    end_time = normalize_time(body.get("end_time"), "end_time")
    with db.write() as conn:
        if not conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone():
            raise NotFound(f"project {project_id} not found")
        if body.get("name"):
            clash = conn.execute("SELECT 1 FROM projects WHERE name = ? AND id != ?",
                                 (body["name"], project_id)).fetchone()
            if clash:
                raise Conflict(f"a project named {body['name']!r} already exists")
        conn.execute(
            "UPDATE projects SET name = COALESCE(?, name), description = COALESCE(?, description),"
            " extra = COALESCE(?, extra), end_time = COALESCE(?, end_time) WHERE id = ?",
            (body.get("name"), body.get("description"), extra, end_time, project_id),
        )
    return get_project(db, project_id)


def delete_project(db: Database, project_id: str) -> None:
    """Delete the project, its runs, their metadata rows and feedback."""
    project_id = as_uuid(project_id, "project_id")
    with db.write() as conn:
        if conn.execute("DELETE FROM projects WHERE id = ?", (project_id,)).rowcount == 0:
            raise NotFound(f"project {project_id} not found")
        conn.execute("DELETE FROM feedback WHERE run_id IN (SELECT id FROM runs WHERE session_id = ?)",
                     (project_id,))
        conn.execute("DELETE FROM run_metadata WHERE run_id IN (SELECT id FROM runs WHERE session_id = ?)",
                     (project_id,))
        conn.execute("DELETE FROM runs WHERE session_id = ?", (project_id,))
