"""Datasets: create, read, list, update, delete, with their counts.

Plain functions over :class:`~techhub.localsmith.store.Database`, no HTTP (the routes in
:mod:`techhub.localsmith.routes.datasets` are a thin layer). The rest of the dataset API lives
next door: :mod:`~techhub.localsmith.dataset_versions` (versions and tags),
:mod:`~techhub.localsmith.examples` (examples, splits, history) and
:mod:`~techhub.localsmith.experiments` (comparative experiments, results per example).
"""

from __future__ import annotations

import csv
import io
import reprlib
import sqlite3
import uuid
from collections import Counter
from collections.abc import Sequence

from techhub.localsmith import projects
from techhub.localsmith.dataset_versions import next_version, record_version, require_dataset
from techhub.localsmith.example_filters import contains
from techhub.localsmith.example_schemas import check_schema
from techhub.localsmith.examples import (
    count_examples,
    current_rows,
    insert_examples,
    object_field,
)
from techhub.localsmith.exceptions import BadRequest, Conflict
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.store import Database, Where, one_of, register_schema
from techhub.localsmith.values import check_depth, json_text, json_value

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
    """
)

DATA_TYPES = ("kv", "llm", "chat")


def _experiment_stats(conn: sqlite3.Connection, dataset_ids: Sequence[str]) -> dict[str, tuple]:
    """Per dataset: how many experiments (projects with it as reference dataset), latest start time."""
    if not dataset_ids:
        return {}
    among, params = one_of("reference_dataset_id", dataset_ids)
    rows = conn.execute(
        f"SELECT reference_dataset_id AS ds, COUNT(*) AS n, MAX(start_time) AS last FROM projects "
        f"WHERE {among} GROUP BY reference_dataset_id",
        params,
    ).fetchall()
    return {row["ds"]: (row["n"], row["last"]) for row in rows}


def _dataset_dicts(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict]:
    ids = [row["id"] for row in rows]
    counts = {dataset_id: count_examples(conn, dataset_id) for dataset_id in ids}
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
                "inputs_schema_definition": json_value(row["inputs_schema"]),
                "outputs_schema_definition": json_value(row["outputs_schema"]),
                "transformations": json_value(row["transformations"]),
                "metadata": json_value(row["metadata"]),
                "tenant_id": projects.TENANT_ID,
            }
        )
    return out


def _check_description(value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"dataset 'description' must be a string, got {type(value).__name__}")


def _insert_dataset(conn: sqlite3.Connection, body: dict) -> str:
    """Validate a ``POST /datasets`` body and insert the dataset in the caller's transaction; its id.

    A taken name or id is a 409.
    """
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("dataset 'name' must be a non-empty string")
    _check_description(body.get("description"))
    data_type = body.get("data_type") or "kv"
    if data_type not in DATA_TYPES:
        raise BadRequest(f"data_type must be one of {', '.join(DATA_TYPES)}, got {reprlib.repr(data_type)}")
    extra = object_field(body, "extra") or {}
    metadata = body.get("metadata") if body.get("metadata") is not None else extra.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("dataset metadata must be a JSON object")
    check_depth(metadata, "dataset metadata")
    check_depth(body.get("transformations"), "'transformations'")
    dataset_id = as_uuid(body["id"], "dataset id") if body.get("id") else str(uuid.uuid4())
    inputs_schema = object_field(body, "inputs_schema_definition")
    outputs_schema = object_field(body, "outputs_schema_definition")
    check_schema(inputs_schema, "inputs_schema_definition")
    check_schema(outputs_schema, "outputs_schema_definition")
    if conn.execute("SELECT 1 FROM datasets WHERE name = ?", (name,)).fetchone():
        raise Conflict(f"a dataset named {name!r} already exists")
    if conn.execute("SELECT 1 FROM datasets WHERE id = ?", (dataset_id,)).fetchone():
        raise Conflict(f"a dataset with id {dataset_id} already exists")
    version = next_version(conn)
    conn.execute(
        "INSERT INTO datasets (id, name, description, data_type, inputs_schema, outputs_schema, "
        "transformations, metadata, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            dataset_id,
            name,
            body.get("description"),
            data_type,
            json_text(inputs_schema),
            json_text(outputs_schema),
            json_text(body.get("transformations")),
            json_text(metadata),
            version,
            version,
        ),
    )
    record_version(conn, dataset_id, version)
    return dataset_id


def create_dataset(db: Database, body: dict) -> dict:
    """Create a dataset from the SDK's ``POST /datasets`` body; a taken name is a 409."""
    with db.write() as conn:
        dataset_id = _insert_dataset(conn, body)
        return _dataset_dicts(conn, [require_dataset(conn, dataset_id)])[0]


def _csv_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows of a CSV file; a 400 saying what is wrong with a bad one."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the CSV file is not UTF-8 text: {exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = [row for row in reader if row]  # blank lines carry no example
    except csv.Error as exc:
        raise BadRequest(f"the CSV file is malformed at line {reader.line_num}: {exc}") from None
    if not rows:
        raise BadRequest("the CSV file is empty: expected a header row with the column names")
    header, data = rows[0], rows[1:]
    duplicates = sorted(c for c, n in Counter(header).items() if n > 1)
    if duplicates:
        raise BadRequest(f"the CSV header repeats column(s): {', '.join(map(repr, duplicates))}")
    for number, row in enumerate(data, start=1):
        if len(row) != len(header):
            raise BadRequest(
                f"CSV data row {number} has {len(row)} values but the header has {len(header)} columns"
            )
    return header, data


def upload_csv(
    db: Database,
    content: bytes,
    *,
    file_name: str | None,
    input_keys: Sequence[str],
    output_keys: Sequence[str],
    name: str | None = None,
    description: str | None = None,
    data_type: str | None = None,
    dataset_id: str | None = None,
) -> dict:
    """A new dataset with one example per CSV row (``Client.upload_csv``, ``upload_dataframe``).

    Inputs are the ``input_keys`` columns and outputs the ``output_keys`` columns, values as the
    text in the file (a CSV has no types). The name defaults to the file's name, as in LangSmith.
    Dataset and examples are written in one transaction: a bad file or a taken name (409) leaves
    nothing behind.
    """
    if not input_keys:
        raise BadRequest("give at least one input key (the CSV columns that become the inputs)")
    header, data = _csv_rows(content)
    for what, keys in (("input_keys", input_keys), ("output_keys", output_keys)):
        unknown = [k for k in keys if k not in header]
        if unknown:
            raise BadRequest(
                f"{what} {', '.join(map(repr, unknown))} are not columns of the CSV"
                f" (its columns: {', '.join(map(repr, header))})"
            )
    position = {column: i for i, column in enumerate(header)}
    examples = [
        {
            "inputs": {k: row[position[k]] for k in input_keys},
            "outputs": {k: row[position[k]] for k in output_keys},
        }
        for row in data
    ]
    body = {
        "name": name or file_name,
        "description": description,
        "data_type": data_type,
        "id": dataset_id,
    }
    with db.write() as conn:
        new_id = _insert_dataset(conn, body)
        insert_examples(conn, new_id, examples)
        return _dataset_dicts(conn, [require_dataset(conn, new_id)])[0]


def get_dataset(db: Database, dataset_id: str) -> dict:
    """One dataset with its counts; 404 when unknown."""
    conn = db.read()
    return _dataset_dicts(conn, [require_dataset(conn, dataset_id)])[0]


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
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("the metadata filter must be a JSON object")
    where = Where()
    if ids:
        where.among("id", [as_uuid(i, "dataset id") for i in ids])
    if name is not None:
        where.add("name = ?", name)
    if name_contains:
        where.contains("name", name_contains)
    if data_type is not None:
        where.add("data_type = ?", data_type)
    conn = db.read()
    sql = "SELECT * FROM datasets" + where.sql
    rows = conn.execute(sql + " ORDER BY created_at DESC, id", where.params).fetchall()
    if metadata:
        rows = [row for row in rows if contains(json_value(row["metadata"]) or {}, metadata)]
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
    _check_description(patch.get("description"))
    for key in ("metadata", "inputs_schema_definition", "outputs_schema_definition"):
        if key in patch:
            object_field(patch, key)
            if key != "metadata":
                check_schema(patch[key], key)
    with db.write() as conn:
        row = require_dataset(conn, dataset_id)
        if "name" in patch and patch["name"] != row["name"]:
            if conn.execute("SELECT 1 FROM datasets WHERE name = ?", (patch["name"],)).fetchone():
                raise Conflict(f"a dataset named {patch['name']!r} already exists")
        for key, value in patch.items():
            stored = value if key in ("name", "description") else json_text(value)
            conn.execute(f"UPDATE datasets SET {columns[key]} = ? WHERE id = ?", (stored, row["id"]))
        return _dataset_dicts(conn, [require_dataset(conn, row["id"])])[0]


def delete_dataset(db: Database, dataset_id: str) -> None:
    """Delete a dataset with its examples (all their revisions), versions and tags.

    An example that was moved to another dataset stays there; only its revisions here go.
    """
    with db.write() as conn:
        row = require_dataset(conn, dataset_id)
        for current in current_rows(conn, dataset_id=row["id"]):
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
