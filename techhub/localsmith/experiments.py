"""Experiments on datasets: comparative experiments and the per-example view of results.

An experiment itself is a project (:mod:`techhub.localsmith.projects`) with a
``reference_dataset_id``; its runs carry ``reference_example_id``. This module adds what is about
datasets: comparative experiments (``POST /datasets/comparative``, pairwise feedback points at their
id) and ``POST /datasets/{id}/runs`` (each example with its runs in given experiments).
"""

from __future__ import annotations

import json
import uuid

from techhub.localsmith import projects, runs, times
from techhub.localsmith.dataset_versions import parse_ts, require_dataset
from techhub.localsmith.examples import list_examples, object_field
from techhub.localsmith.exceptions import BadRequest, Conflict, NotFound
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.store import Database, check_page, register_schema
from techhub.localsmith.values import json_value

register_schema(
    """
    CREATE TABLE IF NOT EXISTS comparative_experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT,
        reference_dataset_id TEXT NOT NULL,
        experiment_ids TEXT NOT NULL,
        extra TEXT,
        created_at TEXT NOT NULL,
        modified_at TEXT NOT NULL
    );
    """
)


def create_comparative_experiment(db: Database, body: dict) -> dict:
    """Record that experiments on one dataset are compared (pairwise feedback points at its id)."""
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest("'name' must be a non-empty string")
    if body.get("description") is not None and not isinstance(body["description"], str):
        raise BadRequest("'description' must be a string")
    experiment_ids = body.get("experiment_ids")
    if not isinstance(experiment_ids, list) or len(experiment_ids) < 1:
        raise BadRequest("'experiment_ids' must be a non-empty list")
    experiment_ids = [as_uuid(e, "experiment id") for e in experiment_ids]
    comparative_id = as_uuid(body["id"], "id") if body.get("id") else str(uuid.uuid4())
    created = parse_ts(body["created_at"], what="created_at") if body.get("created_at") else times.now()
    extra = object_field(body, "extra") or {}
    if not body.get("reference_dataset_id"):
        raise BadRequest("'reference_dataset_id' is required")
    with db.write() as conn:
        dataset_id = require_dataset(conn, body["reference_dataset_id"])["id"]
        if conn.execute("SELECT 1 FROM comparative_experiments WHERE id = ?", (comparative_id,)).fetchone():
            raise Conflict(f"comparative experiment {comparative_id} already exists")
        conn.execute(
            "INSERT INTO comparative_experiments (id, name, description, reference_dataset_id, "
            "experiment_ids, extra, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                comparative_id,
                name,
                body.get("description"),
                dataset_id,
                json.dumps(experiment_ids),
                json.dumps(extra),
                created,
                created,
            ),
        )
    return get_comparative_experiment(db, comparative_id)


def get_comparative_experiment(db: Database, comparative_id: str) -> dict:
    """One comparative experiment; 404 when unknown."""
    conn = db.read()
    row = conn.execute(
        "SELECT * FROM comparative_experiments WHERE id = ?", (as_uuid(comparative_id, "id"),)
    ).fetchone()
    if row is None:
        raise NotFound(f"comparative experiment not found: {comparative_id}")
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "tenant_id": projects.TENANT_ID,
        "created_at": row["created_at"],
        "modified_at": row["modified_at"],
        "reference_dataset_id": row["reference_dataset_id"],
        "extra": json_value(row["extra"]),
        "experiments_info": [{"id": e} for e in json.loads(row["experiment_ids"])],
        "feedback_stats": None,
    }


def list_comparative_experiments(db: Database, dataset_id: str) -> list[dict]:
    """The comparative experiments on a dataset, oldest first."""
    conn = db.read()
    dataset_id = require_dataset(conn, dataset_id)["id"]
    rows = conn.execute(
        "SELECT id FROM comparative_experiments WHERE reference_dataset_id = ? ORDER BY created_at, id",
        (dataset_id,),
    ).fetchall()
    return [get_comparative_experiment(db, r["id"]) for r in rows]


def examples_with_runs(db: Database, dataset_id: str, body: dict) -> list[dict]:
    """``POST /datasets/{id}/runs``: a page of the dataset's examples, each with its root runs in the
    given experiments (what ``Client.get_experiment_results`` reads).

    The examples are those of the version the first experiment ran on (its ``dataset_version``
    metadata), so an experiment's results stay readable after the dataset changes.
    """
    session_ids = body.get("session_ids")
    if not isinstance(session_ids, list) or not session_ids:
        raise BadRequest("'session_ids' must be a non-empty list of experiment ids")
    offset, limit = body.get("offset") or 0, body.get("limit") or 100
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (offset, limit)):
        raise BadRequest("'offset' and 'limit' must be integers")
    check_page(limit, offset, maximum=None)  # a huge offset is a 400, not an SQLite overflow
    experiment = projects.get_project(db, str(session_ids[0]))
    metadata = (experiment.get("extra") or {}).get("metadata")
    as_of = metadata.get("dataset_version") if isinstance(metadata, dict) else None
    page = list_examples(db, dataset_id=dataset_id, as_of=as_of, offset=offset, limit=min(limit, 100))
    if not page:
        return []
    by_example: dict[str, list[dict]] = {}
    cursor = None
    while True:
        found, cursor = runs.query_runs(
            db,
            session_ids=session_ids,
            reference_example_ids=[e["id"] for e in page],
            is_root=True,
            order="asc",
            cursor=cursor,
        )
        for run in found:
            by_example.setdefault(str(run["reference_example_id"]), []).append(run)
        if cursor is None:
            break
    return [{**example, "runs": by_example.get(example["id"], [])} for example in page]
