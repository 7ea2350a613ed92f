"""Datasets, examples, versions, tags, splits and comparative experiments: state and behaviour.

Plain functions over :class:`~techhub.localsmith.store.Database`, no HTTP (the routes in
:mod:`techhub.localsmith.routes.datasets` are a thin layer over these).

History is kept the way LangSmith exposes it: every write to a dataset is one *version*, a UTC
timestamp. Examples are stored as revisions (one row per example per version, a deleted revision
marks a deletion), so ``as_of`` (a timestamp or a tag) answers "which examples, with which values,
did the dataset hold then" by taking each example's latest revision at or before that time.
Splits live in the example metadata under ``dataset_split`` (a list, ``["base"]`` by default), as in
LangSmith; the pytest plugin relies on that key being present.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from techhub.localsmith import projects, runs, times
from techhub.localsmith.example_filters import contains, matches, parse_example_filter
from techhub.localsmith.exceptions import BadRequest, Conflict, NotFound
from techhub.localsmith.store import Database, register_schema
from techhub.localsmith.times import normalize_time

register_schema(
    """
    CREATE TABLE IF NOT EXISTS datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT,
        data_type TEXT NOT NULL,
        inputs_schema TEXT,
        outputs_schema TEXT,
        transformations TEXT,
        metadata TEXT,
        created_at TEXT NOT NULL,
        modified_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS dataset_versions (
        dataset_id TEXT NOT NULL,
        as_of TEXT NOT NULL,
        PRIMARY KEY (dataset_id, as_of)
    );
    CREATE TABLE IF NOT EXISTS dataset_tags (
        dataset_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        as_of TEXT NOT NULL,
        PRIMARY KEY (dataset_id, tag)
    );
    CREATE TABLE IF NOT EXISTS example_revisions (
        example_id TEXT NOT NULL,
        version TEXT NOT NULL,
        dataset_id TEXT NOT NULL,
        inputs TEXT,
        outputs TEXT,
        metadata TEXT,
        source_run_id TEXT,
        created_at TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (example_id, version)
    );
    CREATE INDEX IF NOT EXISTS example_revisions_by_dataset ON example_revisions (dataset_id, version);
    CREATE TABLE IF NOT EXISTS example_attachments (
        example_id TEXT NOT NULL,
        version TEXT NOT NULL,
        name TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (example_id, version, name)
    );
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

DATA_TYPES = ("kv", "llm", "chat")
DEFAULT_SPLIT = "base"
# Later than every stored timestamp (stored form of :mod:`techhub.localsmith.times`): "latest".
_END_OF_TIME = "9999-12-31T23:59:59.999999"


# ---------------------------------------------------------------- small conversions


def parse_ts(value: Any, *, what: str = "timestamp") -> str:
    """A client timestamp in stored form; a missing one is a 400 naming ``what``.

    A ``+`` in a query string arrives as a space (``...00 00:00``), so that is read back as ``+``.
    """
    if isinstance(value, str):
        value = value.strip().replace(" ", "+")
    stored = normalize_time(value, what)
    if stored is None:
        raise BadRequest(f"{what} is required")
    return stored


def _as_uuid(value: Any, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError) as exc:
        raise BadRequest(f"{what} {value!r} is not a UUID") from exc


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _object_field(body: dict, key: str, *, required: bool = False) -> dict | None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadRequest(f"'{key}' is required")
        return None
    if not isinstance(value, dict):
        raise BadRequest(f"'{key}' must be a JSON object, got {type(value).__name__}")
    return value


def normalize_split(split: Any) -> list[str] | None:
    """``"train"`` -> ``["train"]``; a list of names stays; ``None`` means "not given"."""
    if split is None:
        return None
    if isinstance(split, str):
        return [split]
    if isinstance(split, list) and all(isinstance(s, str) for s in split):
        return list(split)
    raise BadRequest(f"split must be a string or a list of strings, got {split!r}")


def _next_version(conn: sqlite3.Connection) -> str:
    """A new version timestamp, strictly after every version recorded so far.

    Strictly increasing so that two writes never share a version, even within one microsecond.
    """
    now = times.now()
    last = conn.execute("SELECT MAX(as_of) FROM dataset_versions").fetchone()[0]
    if last is not None and now <= last:
        now = (
            (times.parse_stored(last) + timedelta(microseconds=1))
            .replace(tzinfo=None)
            .isoformat(timespec="microseconds")
        )
    return now


def _record_version(conn: sqlite3.Connection, dataset_id: str, version: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO dataset_versions (dataset_id, as_of) VALUES (?, ?)", (dataset_id, version)
    )
    conn.execute(
        "UPDATE datasets SET modified_at = ? WHERE id = ? AND modified_at < ?", (version, dataset_id, version)
    )


# ---------------------------------------------------------------- datasets


def _experiment_stats(conn: sqlite3.Connection, dataset_ids: Sequence[str]) -> dict[str, tuple]:
    """Per dataset: how many experiments (projects with it as reference dataset), latest start time."""
    if not dataset_ids:
        return {}
    marks = ",".join("?" * len(dataset_ids))
    rows = conn.execute(
        f"SELECT reference_dataset_id AS ds, COUNT(*) AS n, MAX(start_time) AS last FROM projects "
        f"WHERE reference_dataset_id IN ({marks}) GROUP BY reference_dataset_id",
        list(dataset_ids),
    ).fetchall()
    return {row["ds"]: (row["n"], row["last"]) for row in rows}


def _example_counts(conn: sqlite3.Connection, dataset_ids: Sequence[str]) -> dict[str, int]:
    counts = {}
    for dataset_id in dataset_ids:
        counts[dataset_id] = len(_current_rows(conn, dataset_id=dataset_id, as_of=_END_OF_TIME))
    return counts


def _dataset_dicts(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict]:
    ids = [row["id"] for row in rows]
    counts = _example_counts(conn, ids)
    sessions = _experiment_stats(conn, ids)
    out = []
    for row in rows:
        session_count, last_start = sessions.get(row["id"], (0, None))
        out.append(
            {
                "id": row["id"],
                "name": row["name"],
                "description": row["description"],
                "data_type": row["data_type"],
                "created_at": row["created_at"],
                "modified_at": row["modified_at"],
                "example_count": counts.get(row["id"], 0),
                "session_count": session_count,
                "last_session_start_time": last_start,
                "inputs_schema_definition": _loads(row["inputs_schema"]),
                "outputs_schema_definition": _loads(row["outputs_schema"]),
                "transformations": _loads(row["transformations"]),
                "metadata": _loads(row["metadata"]),
                "tenant_id": projects.TENANT_ID,
            }
        )
    return out


def _dataset_row(conn: sqlite3.Connection, dataset_id: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT * FROM datasets WHERE id = ?", (_as_uuid(dataset_id, "dataset id"),)
    ).fetchone()
    if row is None:
        raise NotFound(f"dataset not found: {dataset_id}")
    return row


def create_dataset(db: Database, body: dict) -> dict:
    """Create a dataset from the SDK's ``POST /datasets`` body; a taken name is a 409."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("dataset 'name' must be a non-empty string")
    data_type = body.get("data_type") or "kv"
    if data_type not in DATA_TYPES:
        raise BadRequest(f"data_type must be one of {', '.join(DATA_TYPES)}, got {data_type!r}")
    extra = _object_field(body, "extra") or {}
    metadata = body.get("metadata") if body.get("metadata") is not None else extra.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("dataset metadata must be a JSON object")
    dataset_id = _as_uuid(body["id"], "dataset id") if body.get("id") else str(uuid.uuid4())
    inputs_schema = _object_field(body, "inputs_schema_definition")
    outputs_schema = _object_field(body, "outputs_schema_definition")
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM datasets WHERE name = ?", (name,)).fetchone():
            raise Conflict(f"a dataset named {name!r} already exists")
        if conn.execute("SELECT 1 FROM datasets WHERE id = ?", (dataset_id,)).fetchone():
            raise Conflict(f"a dataset with id {dataset_id} already exists")
        version = _next_version(conn)
        conn.execute(
            "INSERT INTO datasets (id, name, description, data_type, inputs_schema, outputs_schema, "
            "transformations, metadata, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                dataset_id,
                name,
                body.get("description"),
                data_type,
                _json_or_none(inputs_schema),
                _json_or_none(outputs_schema),
                _json_or_none(body.get("transformations")),
                _json_or_none(metadata),
                version,
                version,
            ),
        )
        _record_version(conn, dataset_id, version)
        return _dataset_dicts(conn, [_dataset_row(conn, dataset_id)])[0]


def get_dataset(db: Database, dataset_id: str) -> dict:
    """One dataset with its counts; 404 when unknown."""
    conn = db.read()
    return _dataset_dicts(conn, [_dataset_row(conn, dataset_id)])[0]


def list_datasets(
    db: Database,
    *,
    ids: Sequence[str] | None = None,
    name: str | None = None,
    name_contains: str | None = None,
    data_type: str | None = None,
    metadata: dict | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[dict]:
    """Datasets matching every given filter, newest first (offset pagination, like LangSmith)."""
    where, params = [], []
    if ids:
        ids = [_as_uuid(i, "dataset id") for i in ids]
        where.append(f"id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    if name is not None:
        where.append("name = ?")
        params.append(name)
    if name_contains:
        where.append("instr(lower(name), lower(?)) > 0")
        params.append(name_contains)
    if data_type is not None:
        where.append("data_type = ?")
        params.append(data_type)
    conn = db.read()
    sql = "SELECT * FROM datasets" + (" WHERE " + " AND ".join(where) if where else "")
    rows = conn.execute(sql + " ORDER BY created_at DESC, id", params).fetchall()
    if metadata:
        rows = [row for row in rows if contains(_loads(row["metadata"]) or {}, metadata)]
    return _dataset_dicts(conn, rows[offset : offset + limit])


def update_dataset(db: Database, dataset_id: str, patch: dict) -> dict:
    """Change name, description, metadata or schemas (a rename to a taken name is a 409)."""
    columns = {
        "name": "name",
        "description": "description",
        "metadata": "metadata",
        "inputs_schema_definition": "inputs_schema",
        "outputs_schema_definition": "outputs_schema",
    }
    unknown = set(patch) - set(columns)
    if unknown:
        raise BadRequest(f"cannot update dataset field(s): {', '.join(sorted(unknown))}")
    if "name" in patch and (not isinstance(patch["name"], str) or not patch["name"].strip()):
        raise BadRequest("dataset 'name' must be a non-empty string")
    for key in ("metadata", "inputs_schema_definition", "outputs_schema_definition"):
        if key in patch:
            _object_field(patch, key)
    with db.write() as conn:
        row = _dataset_row(conn, dataset_id)
        if "name" in patch and patch["name"] != row["name"]:
            if conn.execute("SELECT 1 FROM datasets WHERE name = ?", (patch["name"],)).fetchone():
                raise Conflict(f"a dataset named {patch['name']!r} already exists")
        for key, value in patch.items():
            stored = value if key in ("name", "description") else _json_or_none(value)
            conn.execute(f"UPDATE datasets SET {columns[key]} = ? WHERE id = ?", (stored, row["id"]))
        return _dataset_dicts(conn, [_dataset_row(conn, row["id"])])[0]


def delete_dataset(db: Database, dataset_id: str) -> None:
    """Delete a dataset with its examples (all their revisions), versions and tags.

    An example that was moved to another dataset stays there; only its revisions here go.
    """
    with db.write() as conn:
        row = _dataset_row(conn, dataset_id)
        for current in _current_rows(conn, dataset_id=row["id"]):
            conn.execute("DELETE FROM example_attachments WHERE example_id = ?", (current["example_id"],))
            conn.execute("DELETE FROM example_revisions WHERE example_id = ?", (current["example_id"],))
        conn.execute(
            "DELETE FROM example_attachments WHERE (example_id, version) IN "
            "(SELECT example_id, version FROM example_revisions WHERE dataset_id = ?)",
            (row["id"],),
        )
        conn.execute("DELETE FROM example_revisions WHERE dataset_id = ?", (row["id"],))
        for table, column in (
            ("dataset_versions", "dataset_id"),
            ("dataset_tags", "dataset_id"),
            ("datasets", "id"),
        ):
            conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (row["id"],))


# ---------------------------------------------------------------- versions and tags


def resolve_as_of(conn: sqlite3.Connection, dataset_id: str | None, as_of: str | datetime | None) -> str:
    """A version reference (``None``/``latest``, a timestamp or a tag name) as a stored timestamp."""
    if as_of is None or as_of == "latest" or as_of == "":
        return _END_OF_TIME
    try:
        return parse_ts(as_of, what="as_of")
    except BadRequest:
        pass
    if dataset_id is None:
        raise BadRequest(f"as_of={as_of!r} is a tag; give the dataset too")
    row = conn.execute(
        "SELECT as_of FROM dataset_tags WHERE dataset_id = ? AND tag = ?", (dataset_id, as_of)
    ).fetchone()
    if row is None:
        raise NotFound(f"dataset {dataset_id} has no version tagged {as_of!r}")
    return row["as_of"]


def _tags_by_version(conn: sqlite3.Connection, dataset_id: str) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    rows = conn.execute(
        "SELECT tag, as_of FROM dataset_tags WHERE dataset_id = ? ORDER BY tag", (dataset_id,)
    )
    for row in rows:
        tags.setdefault(row["as_of"], []).append(row["tag"])
    return tags


def list_versions(
    db: Database, dataset_id: str, *, search: str | None = None, offset: int = 0, limit: int = 100
) -> list[dict]:
    """Every version of a dataset, newest first, with its tags (``latest`` on the newest)."""
    conn = db.read()
    row = _dataset_row(conn, dataset_id)
    tags = _tags_by_version(conn, row["id"])
    versions = [
        r["as_of"]
        for r in conn.execute(
            "SELECT as_of FROM dataset_versions WHERE dataset_id = ? ORDER BY as_of DESC", (row["id"],)
        )
    ]
    out = []
    for i, as_of in enumerate(versions):
        version_tags = (["latest"] if i == 0 else []) + tags.get(as_of, [])
        if search and not any(search.lower() in t.lower() for t in version_tags):
            continue
        out.append({"as_of": as_of, "tags": version_tags})
    return out[offset : offset + limit]


def _version_at(conn: sqlite3.Connection, dataset_id: str, moment: str) -> str | None:
    row = conn.execute(
        "SELECT MAX(as_of) FROM dataset_versions WHERE dataset_id = ? AND as_of <= ?", (dataset_id, moment)
    ).fetchone()
    return row[0]


def read_version(db: Database, dataset_id: str, *, as_of: str | None = None, tag: str | None = None) -> dict:
    """The version a timestamp falls in (the latest one at or before it), or the one a tag names."""
    if (as_of is None) == (tag is None):
        raise BadRequest("give exactly one of 'as_of' and 'tag'")
    conn = db.read()
    row = _dataset_row(conn, dataset_id)
    moment = resolve_as_of(conn, row["id"], tag if tag is not None else parse_ts(as_of, what="as_of"))
    version = _version_at(conn, row["id"], moment)
    if version is None:
        raise NotFound(f"dataset {row['id']} has no version at or before {as_of}")
    latest = _version_at(conn, row["id"], _END_OF_TIME)
    tags = (["latest"] if version == latest else []) + _tags_by_version(conn, row["id"]).get(version, [])
    return {"as_of": version, "tags": tags}


def tag_version(db: Database, dataset_id: str, *, as_of: str, tag: str) -> dict:
    """Point ``tag`` at the version ``as_of`` falls in (moving it if it pointed elsewhere)."""
    if not isinstance(tag, str) or not tag.strip():
        raise BadRequest("'tag' must be a non-empty string")
    if tag == "latest":
        raise BadRequest("'latest' is maintained by the server and cannot be assigned")
    moment = parse_ts(as_of, what="as_of")
    with db.write() as conn:
        row = _dataset_row(conn, dataset_id)
        version = _version_at(conn, row["id"], moment)
        if version is None:
            raise NotFound(f"dataset {row['id']} has no version at or before {as_of}")
        conn.execute(
            "INSERT INTO dataset_tags (dataset_id, tag, as_of) VALUES (?, ?, ?) "
            "ON CONFLICT (dataset_id, tag) DO UPDATE SET as_of = excluded.as_of",
            (row["id"], tag, version),
        )
    return {"as_of": version, "tag": tag}


def diff_versions(db: Database, dataset_id: str, *, from_version: str, to_version: str) -> dict:
    """Which examples were added, removed or modified between two versions (timestamps or tags)."""
    conn = db.read()
    row = _dataset_row(conn, dataset_id)
    before = {
        r["example_id"]: r["version"]
        for r in _current_rows(conn, dataset_id=row["id"], as_of=resolve_as_of(conn, row["id"], from_version))
    }
    after = {
        r["example_id"]: r["version"]
        for r in _current_rows(conn, dataset_id=row["id"], as_of=resolve_as_of(conn, row["id"], to_version))
    }
    return {
        "examples_added": sorted(set(after) - set(before)),
        "examples_removed": sorted(set(before) - set(after)),
        "examples_modified": sorted(k for k in set(before) & set(after) if before[k] != after[k]),
    }


# ---------------------------------------------------------------- examples: reading


def _current_rows(
    conn: sqlite3.Connection,
    *,
    dataset_id: str | None = None,
    example_ids: Sequence[str] | None = None,
    as_of: str = _END_OF_TIME,
) -> list[sqlite3.Row]:
    """Each example's latest revision at or before ``as_of``, without the deleted ones."""
    scope, params = [], [as_of]
    if dataset_id is not None:
        scope.append("example_id IN (SELECT example_id FROM example_revisions WHERE dataset_id = ?)")
        params.append(dataset_id)
    if example_ids is not None:
        scope.append(f"example_id IN ({','.join('?' * len(example_ids))})")
        params.extend(example_ids)
    sql = (
        "SELECT r.* FROM example_revisions r JOIN ("
        " SELECT example_id, MAX(version) AS v FROM example_revisions WHERE version <= ?"
        + "".join(f" AND {s}" for s in scope)
        + " GROUP BY example_id) last ON r.example_id = last.example_id AND r.version = last.v"
        " WHERE r.deleted = 0"
    )
    if dataset_id is not None:
        sql += " AND r.dataset_id = ?"
        params.append(dataset_id)
    # Ties on created_at (examples created in one request) keep the order they were written in.
    order = (
        " ORDER BY r.created_at,"
        " (SELECT MIN(rowid) FROM example_revisions f WHERE f.example_id = r.example_id)"
    )
    return conn.execute(sql + order, params).fetchall()


def attachment_path(example_id: str, name: str, version: str) -> str:
    """Where the server serves an attachment's bytes (the SDK downloads ``presigned_url``)."""
    return f"/api/v1/examples/{example_id}/attachments/{name}?as_of={version}"


def _attachment_urls(conn: sqlite3.Connection, row: sqlite3.Row) -> dict:
    rows = conn.execute(
        "SELECT name, mime_type FROM example_attachments WHERE example_id = ? AND version = ? ORDER BY name",
        (row["example_id"], row["version"]),
    )
    return {
        f"attachment.{a['name']}": {
            "presigned_url": attachment_path(row["example_id"], a["name"], row["version"]),
            "mime_type": a["mime_type"],
        }
        for a in rows
    }


def _example_dict(conn: sqlite3.Connection, row: sqlite3.Row, *, with_attachments: bool = True) -> dict:
    example = {
        "id": row["example_id"],
        "dataset_id": row["dataset_id"],
        "inputs": _loads(row["inputs"]) or {},
        "outputs": _loads(row["outputs"]),
        "metadata": _loads(row["metadata"]),
        "source_run_id": row["source_run_id"],
        "created_at": row["created_at"],
        "modified_at": row["version"],
    }
    if with_attachments:
        example["attachment_urls"] = _attachment_urls(conn, row) or None
    return example


def get_example(db: Database, example_id: str, *, as_of: str | None = None) -> dict:
    """One example as of a version (latest by default); 404 when missing or deleted."""
    conn = db.read()
    example_id = _as_uuid(example_id, "example id")
    rows = _current_rows(conn, example_ids=[example_id])
    if as_of not in (None, "", "latest") and rows:
        rows = _current_rows(
            conn, example_ids=[example_id], as_of=resolve_as_of(conn, rows[0]["dataset_id"], as_of)
        )
    if not rows:
        raise NotFound(f"example not found: {example_id}")
    return _example_dict(conn, rows[0])


def read_attachment(db: Database, example_id: str, name: str, version: str | None) -> tuple[str, bytes]:
    """``(mime_type, bytes)`` of an example's attachment at a version (latest by default)."""
    conn = db.read()
    example_id = _as_uuid(example_id, "example id")
    moment = parse_ts(version, what="as_of") if version else _END_OF_TIME
    row = conn.execute(
        "SELECT mime_type, data FROM example_attachments WHERE example_id = ? AND name = ? AND version <= ? "
        "ORDER BY version DESC LIMIT 1",
        (example_id, name, moment),
    ).fetchone()
    if row is None:
        raise NotFound(f"example {example_id} has no attachment named {name!r}")
    return row["mime_type"], bytes(row["data"])


def list_examples(
    db: Database,
    *,
    dataset_id: str | None = None,
    example_ids: Sequence[str] | None = None,
    as_of: str | None = None,
    splits: Sequence[str] | None = None,
    metadata: dict | None = None,
    filter: str | None = None,
    offset: int = 0,
    limit: int = 100,
    with_attachments: bool = False,
) -> list[dict]:
    """Examples (of a dataset, by id, or all) as of a version, filtered like LangSmith's ``GET /examples``.

    ``with_attachments`` adds ``attachment_urls``; the SDK downloads every attachment it is given,
    so listings carry them only when asked (``select=attachment_urls``, ``include_attachments``).
    """
    conn = db.read()
    if dataset_id is not None:
        dataset_id = _dataset_row(conn, dataset_id)["id"]
    ids = [_as_uuid(i, "example id") for i in example_ids] if example_ids else None
    rows = _current_rows(
        conn, dataset_id=dataset_id, example_ids=ids, as_of=resolve_as_of(conn, dataset_id, as_of)
    )
    examples = [_example_dict(conn, row, with_attachments=with_attachments) for row in rows]
    if splits:
        wanted = set(splits)
        examples = [e for e in examples if wanted & set((e["metadata"] or {}).get("dataset_split") or [])]
    if metadata:
        examples = [e for e in examples if contains(e["metadata"] or {}, metadata)]
    if filter:
        node = parse_example_filter(filter)
        examples = [e for e in examples if matches(node, e)]
    return examples[offset : offset + limit]


def list_splits(db: Database, dataset_id: str, *, as_of: str | None = None) -> list[str]:
    """The split names used by a dataset's examples at a version, sorted."""
    conn = db.read()
    row = _dataset_row(conn, dataset_id)
    names: set[str] = set()
    for rev in _current_rows(conn, dataset_id=row["id"], as_of=resolve_as_of(conn, row["id"], as_of)):
        names.update((_loads(rev["metadata"]) or {}).get("dataset_split") or [])
    return sorted(names)


# ---------------------------------------------------------------- examples: writing


def _write_revision(
    conn: sqlite3.Connection,
    *,
    example_id: str,
    version: str,
    dataset_id: str,
    inputs: Any,
    outputs: Any,
    metadata: Any,
    source_run_id: str | None,
    created_at: str,
    deleted: bool = False,
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO example_revisions (example_id, version, dataset_id, inputs, outputs, "
        "metadata, "
        "source_run_id, created_at, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            example_id,
            version,
            dataset_id,
            _json_or_none(inputs),
            _json_or_none(outputs),
            _json_or_none(metadata),
            source_run_id,
            created_at,
            int(deleted),
        ),
    )


def _store_attachments(
    conn: sqlite3.Connection, example_id: str, version: str, attachments: Iterable[tuple[str, str, bytes]]
) -> None:
    for name, mime_type, data in attachments:
        conn.execute(
            "INSERT OR REPLACE INTO example_attachments (example_id, version, name, mime_type, data) "
            "VALUES (?, ?, ?, ?, ?)",
            (example_id, version, name, mime_type, data),
        )


def _check_example_body(body: dict) -> None:
    _object_field(body, "inputs")
    _object_field(body, "outputs")
    _object_field(body, "metadata")


def create_examples(db: Database, dataset_id: str, examples: Sequence[dict]) -> dict:
    """Create examples in one version. Each is ``{id?, inputs, outputs?, metadata?, split?,
    source_run_id?, created_at?, attachments?: [(name, mime_type, bytes)]}``.

    All or nothing: an id that already exists is a 409 and nothing is written.
    """
    if not isinstance(examples, list | tuple):
        raise BadRequest("examples must be a list")
    prepared = []
    for body in examples:
        if not isinstance(body, dict):
            raise BadRequest("each example must be a JSON object")
        _check_example_body(body)
        if body.get("inputs") is None and not body.get("use_source_run_io"):
            raise BadRequest("an example needs 'inputs'")
        example_id = _as_uuid(body["id"], "example id") if body.get("id") else str(uuid.uuid4())
        metadata = dict(body.get("metadata") or {})
        split = normalize_split(body.get("split")) or normalize_split(metadata.get("dataset_split"))
        metadata["dataset_split"] = split or [DEFAULT_SPLIT]
        source_run_id = (
            _as_uuid(body["source_run_id"], "source_run_id") if body.get("source_run_id") else None
        )
        prepared.append((example_id, body, metadata, source_run_id))
    ids = [p[0] for p in prepared]
    if len(set(ids)) != len(ids):
        raise BadRequest("the same example id appears twice in one request")
    with db.write() as conn:
        dataset_id = _dataset_row(conn, dataset_id)["id"]
        if not prepared:
            return {"example_ids": [], "count": 0, "as_of": None}
        taken = _current_rows(conn, example_ids=ids)
        if taken:
            raise Conflict(f"example already exists: {taken[0]['example_id']}")
        version = _next_version(conn)
        for example_id, body, metadata, source_run_id in prepared:
            _write_revision(
                conn,
                example_id=example_id,
                version=version,
                dataset_id=dataset_id,
                inputs=body.get("inputs") or {},
                outputs=body.get("outputs"),
                metadata=metadata,
                source_run_id=source_run_id,
                created_at=parse_ts(body["created_at"], what="created_at")
                if body.get("created_at")
                else version,
            )
            _store_attachments(conn, example_id, version, body.get("attachments") or [])
        _record_version(conn, dataset_id, version)
    return {"example_ids": ids, "count": len(ids), "as_of": version}


def _apply_attachment_ops(
    conn: sqlite3.Connection,
    old: sqlite3.Row,
    version: str,
    ops: dict | None,
    new: list[tuple[str, str, bytes]],
) -> None:
    """Carry attachments into the new revision: all of them, or only ``retain``/``rename`` ones."""
    rows = conn.execute(
        "SELECT name, mime_type, data FROM example_attachments WHERE example_id = ? AND version = ?",
        (old["example_id"], old["version"]),
    ).fetchall()
    kept: list[tuple[str, str, bytes]] = []
    if ops is None:
        kept = [(r["name"], r["mime_type"], r["data"]) for r in rows]
    else:
        rename = ops.get("rename") or {}
        retain = set(ops.get("retain") or [])
        for r in rows:
            if r["name"] in rename:
                kept.append((rename[r["name"]], r["mime_type"], r["data"]))
            elif r["name"] in retain:
                kept.append((r["name"], r["mime_type"], r["data"]))
    _store_attachments(conn, old["example_id"], version, kept + list(new))


def update_examples(db: Database, updates: Sequence[dict], *, dataset_id: str | None = None) -> dict:
    """Apply partial updates in one version: given fields replace, missing ones are kept.

    Each update is ``{id, inputs?, outputs?, metadata?, split?, dataset_id?, attachments?,
    attachments_operations?}``. An example whose update names another dataset (``dataset_id`` in the
    update, else the ``dataset_id`` argument: the dataset in the URL) moves there.
    """
    if not isinstance(updates, list | tuple) or not updates:
        raise BadRequest("updates must be a non-empty list")
    for body in updates:
        if not isinstance(body, dict) or not body.get("id"):
            raise BadRequest("each update must be a JSON object with an 'id'")
        _check_example_body(body)
    with db.write() as conn:
        if dataset_id is not None:
            dataset_id = _dataset_row(conn, dataset_id)["id"]
        version = _next_version(conn)
        touched: set[str] = set()
        ids = []
        for body in updates:
            example_id = _as_uuid(body["id"], "example id")
            current = _current_rows(conn, example_ids=[example_id])
            if not current:
                raise NotFound(f"example not found: {example_id}")
            old = current[0]
            target = body.get("dataset_id") or dataset_id or old["dataset_id"]
            target = _dataset_row(conn, target)["id"]
            old_meta = _loads(old["metadata"]) or {}
            metadata = dict(body["metadata"]) if body.get("metadata") is not None else dict(old_meta)
            split = (
                normalize_split(body.get("split"))
                or normalize_split(metadata.get("dataset_split"))
                or old_meta.get("dataset_split")
                or [DEFAULT_SPLIT]
            )
            metadata["dataset_split"] = split
            _write_revision(
                conn,
                example_id=example_id,
                version=version,
                dataset_id=target,
                inputs=body["inputs"] if body.get("inputs") is not None else _loads(old["inputs"]),
                outputs=body["outputs"] if body.get("outputs") is not None else _loads(old["outputs"]),
                metadata=metadata,
                source_run_id=old["source_run_id"],
                created_at=old["created_at"],
            )
            _apply_attachment_ops(
                conn, old, version, body.get("attachments_operations"), body.get("attachments") or []
            )
            touched.update({old["dataset_id"], target})
            ids.append(example_id)
        for ds in touched:
            _record_version(conn, ds, version)
    return {"example_ids": ids, "count": len(ids), "as_of": version}


def delete_examples(db: Database, example_ids: Sequence[str], *, hard: bool = False) -> dict:
    """Soft delete (a deleted revision: older versions still show the example) or hard delete (gone)."""
    if not example_ids:
        raise BadRequest("give at least one example id")
    ids = [_as_uuid(i, "example id") for i in example_ids]
    with db.write() as conn:
        current = {r["example_id"]: r for r in _current_rows(conn, example_ids=ids)}
        missing = [i for i in ids if i not in current]
        if missing:
            raise NotFound(f"example not found: {missing[0]}")
        if hard:
            for example_id in ids:
                conn.execute("DELETE FROM example_attachments WHERE example_id = ?", (example_id,))
                conn.execute("DELETE FROM example_revisions WHERE example_id = ?", (example_id,))
            return {"example_ids": ids, "count": len(ids), "as_of": None}
        version = _next_version(conn)
        for example_id, row in current.items():
            _write_revision(
                conn,
                example_id=example_id,
                version=version,
                dataset_id=row["dataset_id"],
                inputs=None,
                outputs=None,
                metadata=None,
                source_run_id=row["source_run_id"],
                created_at=row["created_at"],
                deleted=True,
            )
        for ds in {r["dataset_id"] for r in current.values()}:
            _record_version(conn, ds, version)
    return {"example_ids": ids, "count": len(ids), "as_of": version}


def update_example_metadata(
    db: Database, dataset_id: str, example_ids: Sequence[str], operations: list[dict]
) -> dict:
    """Bulk list edits on example metadata (``array_add``/``array_remove`` on a key), one version.

    This is how the SDK edits splits (key ``dataset_split``).
    """
    if not example_ids:
        raise BadRequest("give at least one example id")
    if not isinstance(operations, list) or not operations:
        raise BadRequest("give at least one operation")
    for op in operations:
        if not isinstance(op, dict) or str(op.get("operation", "")).lower() not in (
            "array_add",
            "array_remove",
        ):
            raise BadRequest("each operation needs 'key', 'values' and 'operation' array_add or array_remove")
        if not isinstance(op.get("key"), str) or not isinstance(op.get("values"), list):
            raise BadRequest("each operation needs a string 'key' and a list of 'values'")
    ids = [_as_uuid(i, "example id") for i in example_ids]
    updates = []
    conn = db.read()
    dataset_id = _dataset_row(conn, dataset_id)["id"]
    current = {r["example_id"]: r for r in _current_rows(conn, dataset_id=dataset_id, example_ids=ids)}
    for example_id in ids:
        if example_id not in current:
            raise NotFound(f"example {example_id} is not in dataset {dataset_id}")
        metadata = _loads(current[example_id]["metadata"]) or {}
        for op in operations:
            values = list(metadata.get(op["key"]) or [])
            if op["operation"].lower() == "array_add":
                values += [v for v in op["values"] if v not in values]
            else:
                values = [v for v in values if v not in op["values"]]
            metadata[op["key"]] = values
        if metadata.get("dataset_split") == []:
            metadata["dataset_split"] = [DEFAULT_SPLIT]
        updates.append({"id": example_id, "metadata": metadata})
    return update_examples(db, updates, dataset_id=dataset_id)


def update_splits(
    db: Database, dataset_id: str, *, split_name: str, example_ids: Sequence[str], remove: bool = False
) -> list[str]:
    """Add examples to (or remove them from) a split; returns the example ids touched."""
    if not isinstance(split_name, str) or not split_name:
        raise BadRequest("'split_name' must be a non-empty string")
    operation = {
        "key": "dataset_split",
        "operation": "array_remove" if remove else "array_add",
        "values": [split_name],
    }
    return update_example_metadata(db, dataset_id, example_ids, [operation])["example_ids"]


# ---------------------------------------------------------------- comparative experiments


def create_comparative_experiment(db: Database, body: dict) -> dict:
    """Record that experiments on one dataset are compared (pairwise feedback points at its id)."""
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest("'name' must be a non-empty string")
    experiment_ids = body.get("experiment_ids")
    if not isinstance(experiment_ids, list) or len(experiment_ids) < 1:
        raise BadRequest("'experiment_ids' must be a non-empty list")
    experiment_ids = [_as_uuid(e, "experiment id") for e in experiment_ids]
    comparative_id = _as_uuid(body["id"], "id") if body.get("id") else str(uuid.uuid4())
    created = parse_ts(body["created_at"], what="created_at") if body.get("created_at") else times.now()
    extra = _object_field(body, "extra") or {}
    with db.write() as conn:
        dataset_id = (
            _dataset_row(conn, body.get("reference_dataset_id") or "")["id"]
            if body.get("reference_dataset_id")
            else None
        )
        if dataset_id is None:
            raise BadRequest("'reference_dataset_id' is required")
        if conn.execute("SELECT 1 FROM comparative_experiments WHERE id = ?", (comparative_id,)).fetchone():
            raise Conflict(f"comparative experiment {comparative_id} already exists")
        conn.execute(
            "INSERT INTO comparative_experiments (id, name, description, reference_dataset_id, "
            "experiment_ids, "
            "extra, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
        "SELECT * FROM comparative_experiments WHERE id = ?", (_as_uuid(comparative_id, "id"),)
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
        "extra": _loads(row["extra"]),
        "experiments_info": [{"id": e} for e in json.loads(row["experiment_ids"])],
        "feedback_stats": None,
    }


def list_comparative_experiments(db: Database, dataset_id: str) -> list[dict]:
    """The comparative experiments on a dataset, oldest first."""
    conn = db.read()
    dataset_id = _dataset_row(conn, dataset_id)["id"]
    rows = conn.execute(
        "SELECT id FROM comparative_experiments WHERE reference_dataset_id = ? ORDER BY created_at, id",
        (dataset_id,),
    ).fetchall()
    return [get_comparative_experiment(db, r["id"]) for r in rows]


# ---------------------------------------------------------------- experiment results


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
    if not isinstance(offset, int) or not isinstance(limit, int) or offset < 0 or limit < 1:
        raise BadRequest("'offset' must be >= 0 and 'limit' >= 1")
    experiment = projects.get_project(db, str(session_ids[0]))
    as_of = ((experiment.get("extra") or {}).get("metadata") or {}).get("dataset_version")
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
