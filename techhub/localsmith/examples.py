"""Examples: the rows of a dataset, with their history, splits and attachments.

Plain functions over :class:`~techhub.localsmith.store.Database`, no HTTP. Examples are stored as
revisions, one row per example per dataset version (see :mod:`techhub.localsmith.dataset_versions`);
a deleted revision marks a deletion. ``as_of`` therefore answers "which examples, with which
values, did the dataset hold then" by taking each example's latest revision at or before that time.
Splits live in the example metadata under ``dataset_split`` (a list, ``["base"]`` by default), as in
LangSmith; the pytest plugin relies on that key being present. Attachments are stored (bytes and
MIME type per revision) and served at :func:`attachment_path`. An example created from a traced run
(``use_source_run_io``, ``use_source_run_attachments``) copies the run's values and attachments
when it is written, so it stays as it was if the run changes.
"""

from __future__ import annotations

import json
import reprlib
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from techhub.localsmith.dataset_versions import (
    END_OF_TIME,
    next_version,
    parse_ts,
    record_version,
    require_dataset,
    resolve_as_of,
)
from techhub.localsmith.example_filters import contains, matches, parse_example_filter
from techhub.localsmith.example_schemas import SchemaCheck
from techhub.localsmith.exceptions import BadRequest, Conflict, NotFound
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.store import Database, one_of, register_schema
from techhub.localsmith.values import check_depth, json_text, json_value

register_schema(
    """
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
    """
)

DEFAULT_SPLIT = "base"


def _json_key(value: Any) -> str:
    """A JSON value as comparable text (key order does not matter), for set membership."""
    return json.dumps(value, sort_keys=True)


def object_field(body: dict, key: str, *, required: bool = False) -> dict | None:
    """``body[key]`` when it is a JSON object or absent; anything else is a 400 naming the key."""
    value = body.get(key)
    if value is None:
        if required:
            raise BadRequest(f"'{key}' is required")
        return None
    if not isinstance(value, dict):
        raise BadRequest(f"'{key}' must be a JSON object, got {type(value).__name__}")
    check_depth(value, f"'{key}'")
    return value


def normalize_split(split: Any) -> list[str] | None:
    """``"train"`` -> ``["train"]``; a list of names stays; ``None`` means "not given"."""
    if split is None:
        return None
    if isinstance(split, str):
        return [split]
    if isinstance(split, list) and all(isinstance(s, str) for s in split):
        return list(split)
    raise BadRequest(f"split must be a string or a list of strings, got {reprlib.repr(split)}")


def current_rows(
    conn: sqlite3.Connection,
    *,
    dataset_id: str | None = None,
    example_ids: Sequence[str] | None = None,
    as_of: str = END_OF_TIME,
    page: tuple[int, int] | None = None,
) -> list[sqlite3.Row]:
    """Each example's latest revision at or before ``as_of``, without the deleted ones.

    ``page`` is ``(offset, limit)`` in SQL, for listings that filter nothing in Python.
    """
    scope, params = [], [as_of]
    if dataset_id is not None:
        scope.append("example_id IN (SELECT example_id FROM example_revisions WHERE dataset_id = ?)")
        params.append(dataset_id)
    if example_ids is not None:
        among, ids = one_of("example_id", example_ids)
        scope.append(among)
        params.extend(ids)
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
    if page is not None:
        order += " LIMIT ? OFFSET ?"
        params += [page[1], page[0]]
    return conn.execute(sql + order, params).fetchall()


def count_examples(conn: sqlite3.Connection, dataset_id: str) -> int:
    """How many examples a dataset holds now."""
    return len(current_rows(conn, dataset_id=dataset_id))


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
        "inputs": json_value(row["inputs"]) or {},
        "outputs": json_value(row["outputs"]),
        "metadata": json_value(row["metadata"]),
        "source_run_id": row["source_run_id"],
        "created_at": row["created_at"],
        "modified_at": row["version"],
    }
    if with_attachments:
        example["attachment_urls"] = _attachment_urls(conn, row) or None
    return example


def _latest_dataset(conn: sqlite3.Connection, example_id: str) -> str | None:
    row = conn.execute(
        "SELECT dataset_id FROM example_revisions WHERE example_id = ? ORDER BY version DESC LIMIT 1",
        (example_id,),
    ).fetchone()
    return row["dataset_id"] if row else None


def get_example(db: Database, example_id: str, *, as_of: str | None = None) -> dict:
    """One example as of a version (latest by default); 404 when missing (or deleted by then)."""
    conn = db.read()
    example_id = as_uuid(example_id, "example id")
    moment = resolve_as_of(conn, _latest_dataset(conn, example_id), as_of)
    rows = current_rows(conn, example_ids=[example_id], as_of=moment)
    if not rows:
        raise NotFound(f"example not found: {example_id}")
    return _example_dict(conn, rows[0])


def read_attachment(db: Database, example_id: str, name: str, version: str | None) -> tuple[str, bytes]:
    """``(mime_type, bytes)`` of an example's attachment as of a version (latest by default)."""
    conn = db.read()
    example_id = as_uuid(example_id, "example id")
    moment = parse_ts(version, what="as_of") if version else END_OF_TIME
    row = conn.execute(
        "SELECT a.mime_type, a.data FROM example_attachments a WHERE a.example_id = ? AND a.name = ?"
        " AND a.version = (SELECT MAX(version) FROM example_revisions WHERE example_id = ? AND version <= ?)",
        (example_id, name, example_id, moment),
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
        dataset_id = require_dataset(conn, dataset_id)["id"]
    ids = [as_uuid(i, "example id") for i in example_ids] if example_ids else None
    node = parse_example_filter(filter) if filter else None
    in_python = bool(splits or metadata or node)
    rows = current_rows(
        conn,
        dataset_id=dataset_id,
        example_ids=ids,
        as_of=resolve_as_of(conn, dataset_id, as_of),
        page=None if in_python else (offset, limit),
    )
    examples = [_example_dict(conn, row, with_attachments=with_attachments) for row in rows]
    if not in_python:
        return examples
    if splits:
        wanted = set(splits)
        examples = [e for e in examples if wanted & set((e["metadata"] or {}).get("dataset_split") or [])]
    if metadata:
        examples = [e for e in examples if contains(e["metadata"] or {}, metadata)]
    if node is not None:
        examples = [e for e in examples if matches(node, e)]
    return examples[offset : offset + limit]


def list_splits(db: Database, dataset_id: str, *, as_of: str | None = None) -> list[str]:
    """The split names used by a dataset's examples at a version, sorted."""
    conn = db.read()
    row = require_dataset(conn, dataset_id)
    names: set[str] = set()
    for rev in current_rows(conn, dataset_id=row["id"], as_of=resolve_as_of(conn, row["id"], as_of)):
        names.update((json_value(rev["metadata"]) or {}).get("dataset_split") or [])
    return sorted(names)


def diff_versions(db: Database, dataset_id: str, *, from_version: str, to_version: str) -> dict:
    """Which examples were added, removed or modified between two versions (timestamps or tags)."""
    conn = db.read()
    row = require_dataset(conn, dataset_id)
    before = {
        r["example_id"]: r["version"]
        for r in current_rows(conn, dataset_id=row["id"], as_of=resolve_as_of(conn, row["id"], from_version))
    }
    after = {
        r["example_id"]: r["version"]
        for r in current_rows(conn, dataset_id=row["id"], as_of=resolve_as_of(conn, row["id"], to_version))
    }
    return {
        "examples_added": sorted(set(after) - set(before)),
        "examples_removed": sorted(set(before) - set(after)),
        "examples_modified": sorted(k for k in set(before) & set(after) if before[k] != after[k]),
    }


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
            json_text(inputs, f"inputs of example {example_id}"),
            json_text(outputs, f"outputs of example {example_id}"),
            json_text(metadata, f"metadata of example {example_id}"),
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


def _check_attachments(value: Any) -> list[tuple[str, str, bytes]]:
    """New attachments as the multipart parser hands them over: ``[(name, mime_type, bytes)]``.

    JSON cannot carry bytes, so a JSON body with ``attachments`` is a 400 pointing at the
    multipart endpoint (the SDK itself drops attachments on the JSON path).
    """
    if value is None:
        return []
    if isinstance(value, list) and all(
        isinstance(a, tuple)
        and len(a) == 3
        and isinstance(a[0], str)
        and isinstance(a[1], str)
        and isinstance(a[2], bytes)
        for a in value
    ):
        return value
    raise BadRequest(
        "'attachments' must be sent as multipart parts '<example id>.attachment.<name>' "
        "(POST /v1/platform/datasets/{dataset_id}/examples), not as JSON"
    )


def _check_attachment_ops(value: Any) -> dict | None:
    """``attachments_operations`` as LangSmith's ``AttachmentsOperations``: ``{rename?: {old: new},
    retain?: [name]}``; any other shape is a 400 (it used to crash the server)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest(
            "'attachments_operations' must be a JSON object {rename?: {old: new}, retain?: [names]}, "
            f"got {type(value).__name__}"
        )
    unknown = set(value) - {"rename", "retain"}
    if unknown:
        raise BadRequest(
            f"attachments_operations: unknown key(s) {', '.join(sorted(map(str, unknown)))}"
            " (expected rename, retain)"
        )
    rename = value.get("rename") or {}
    if not isinstance(rename, dict) or not all(isinstance(v, str) and v for v in rename.values()):
        raise BadRequest("attachments_operations.rename must map attachment names to non-empty new names")
    retain = value.get("retain") or []
    if not isinstance(retain, list) or not all(isinstance(n, str) for n in retain):
        raise BadRequest("attachments_operations.retain must be a list of attachment names")
    return {"rename": rename, "retain": retain}


def _check_example_body(body: dict) -> None:
    object_field(body, "inputs")
    object_field(body, "outputs")
    object_field(body, "metadata")
    _check_attachments(body.get("attachments"))


@dataclass
class _NewExample:
    """One example of a create request, validated (nothing read from the database yet)."""

    example_id: str
    body: dict
    metadata: dict
    created_at: str | None
    source_run_id: str | None
    use_source_run_io: bool
    use_source_run_attachments: list[str]


def _prepare(body: Any) -> _NewExample:
    """Check one example of a create request before the transaction starts (a 400 names the field)."""
    if not isinstance(body, dict):
        raise BadRequest("each example must be a JSON object")
    _check_example_body(body)
    use_io = body.get("use_source_run_io") or False
    if not isinstance(use_io, bool):
        raise BadRequest(f"'use_source_run_io' must be true or false, got {reprlib.repr(use_io)}")
    run_attachments = body.get("use_source_run_attachments") or []
    if not isinstance(run_attachments, list) or not all(isinstance(n, str) for n in run_attachments):
        raise BadRequest("'use_source_run_attachments' must be a list of attachment names")
    source_run_id = as_uuid(body["source_run_id"], "source_run_id") if body.get("source_run_id") else None
    if (use_io or run_attachments) and source_run_id is None:
        raise BadRequest("'use_source_run_io' and 'use_source_run_attachments' need a 'source_run_id'")
    if body.get("inputs") is None and not use_io:
        raise BadRequest("an example needs 'inputs' (or 'use_source_run_io' with a 'source_run_id')")
    metadata = dict(body.get("metadata") or {})
    split = normalize_split(body.get("split")) or normalize_split(metadata.get("dataset_split"))
    metadata["dataset_split"] = split or [DEFAULT_SPLIT]
    return _NewExample(
        example_id=as_uuid(body["id"], "example id") if body.get("id") else str(uuid.uuid4()),
        body=body,
        metadata=metadata,
        created_at=parse_ts(body["created_at"], what="created_at") if body.get("created_at") else None,
        source_run_id=source_run_id,
        use_source_run_io=use_io,
        use_source_run_attachments=run_attachments,
    )


def _from_source_run(conn: sqlite3.Connection, new: _NewExample) -> tuple[Any, Any, list]:
    """``(inputs, outputs, attachments)`` of the example, taking what it asks for from its source run.

    As in LangSmith: ``use_source_run_io`` copies the run's inputs, outputs and every attachment;
    ``use_source_run_attachments`` copies the named attachments only. Attachments sent with the
    example win over the run's of the same name. The tables are :mod:`techhub.localsmith.runs`'.
    """
    inputs, outputs = new.body.get("inputs") or {}, new.body.get("outputs")
    own = _check_attachments(new.body.get("attachments"))
    if not new.use_source_run_io and not new.use_source_run_attachments:
        return inputs, outputs, own
    run = conn.execute("SELECT inputs, outputs FROM runs WHERE id = ?", (new.source_run_id,)).fetchone()
    if run is None:
        raise NotFound(f"source run not found: {new.source_run_id}")
    stored = {
        r["name"]: ((r["content_type"] or "application/octet-stream").split(";")[0].strip(), bytes(r["data"]))
        for r in conn.execute(
            "SELECT name, content_type, data FROM run_attachments WHERE run_id = ? ORDER BY name",
            (new.source_run_id,),
        )
    }
    wanted = list(stored) if new.use_source_run_io else new.use_source_run_attachments
    missing = [name for name in wanted if name not in stored]
    if missing:
        raise NotFound(f"source run {new.source_run_id} has no attachment named {missing[0]!r}")
    if new.use_source_run_io:
        inputs, outputs = json_value(run["inputs"]) or {}, json_value(run["outputs"])
    return inputs, outputs, [(name, *stored[name]) for name in wanted] + own


def _write_examples(conn: sqlite3.Connection, placed: Sequence[tuple[str, _NewExample]]) -> dict:
    """Write validated examples (``(dataset_id, example)`` pairs) in one new version, inside the
    caller's transaction; an id that already exists is a 409 (the caller's rollback undoes it all)."""
    ids = [new.example_id for _, new in placed]
    if len(set(ids)) != len(ids):
        raise BadRequest("the same example id appears twice in one request")
    if not placed:
        return {"example_ids": [], "count": 0, "as_of": None}
    taken = current_rows(conn, example_ids=ids)
    if taken:
        raise Conflict(f"example already exists: {taken[0]['example_id']}")
    version = next_version(conn)
    schemas = SchemaCheck(conn)
    for dataset_id, new in placed:
        inputs, outputs, attachments = _from_source_run(conn, new)
        schemas.check(dataset_id, new.example_id, inputs, outputs)
        _write_revision(
            conn,
            example_id=new.example_id,
            version=version,
            dataset_id=dataset_id,
            inputs=inputs,
            outputs=outputs,
            metadata=new.metadata,
            source_run_id=new.source_run_id,
            created_at=new.created_at or version,
        )
        _store_attachments(conn, new.example_id, version, attachments)
    for dataset_id in dict.fromkeys(ds for ds, _ in placed):
        record_version(conn, dataset_id, version)
    return {"example_ids": ids, "count": len(ids), "as_of": version}


def create_examples(db: Database, dataset_id: str, examples: Sequence[dict]) -> dict:
    """Create examples in one version. Each is ``{id?, inputs, outputs?, metadata?, split?,
    source_run_id?, use_source_run_io?, use_source_run_attachments?, created_at?,
    attachments?: [(name, mime_type, bytes)]}``.

    All or nothing: an id that already exists is a 409 and nothing is written.
    """
    if not isinstance(examples, list | tuple):
        raise BadRequest("examples must be a list")
    prepared = [_prepare(body) for body in examples]
    with db.write() as conn:
        dataset_id = require_dataset(conn, dataset_id)["id"]
        return _write_examples(conn, [(dataset_id, new) for new in prepared])


def insert_examples(conn: sqlite3.Connection, dataset_id: str, examples: Sequence[dict]) -> dict:
    """:func:`create_examples` inside the caller's transaction (a dataset created with its examples)."""
    prepared = [_prepare(body) for body in examples]
    dataset_id = require_dataset(conn, dataset_id)["id"]
    return _write_examples(conn, [(dataset_id, new) for new in prepared])


def create_examples_in_datasets(db: Database, examples: Sequence[dict]) -> dict:
    """Create examples that each name their ``dataset_id`` (``POST /examples/bulk``), in one version.

    One transaction for the whole request: everything is checked before anything is written, and
    any error (a bad example, an unknown dataset, a taken id) leaves every dataset as it was.
    """
    if not isinstance(examples, list | tuple):
        raise BadRequest("examples must be a list")
    prepared = []
    for body in examples:
        new = _prepare(body)
        if not body.get("dataset_id"):
            raise BadRequest("every example needs a 'dataset_id'")
        prepared.append((as_uuid(body["dataset_id"], "dataset id"), new))
    with db.write() as conn:
        for dataset_id in dict.fromkeys(ds for ds, _ in prepared):
            require_dataset(conn, dataset_id)
        return _write_examples(conn, prepared)


def _apply_attachment_ops(
    conn: sqlite3.Connection,
    old: sqlite3.Row,
    version: str,
    ops: dict | None,
    new: list[tuple[str, str, bytes]],
) -> None:
    """The new revision's attachments, as LangSmith updates them.

    An update that touches no attachment (no new ones, no ``attachments_operations``) keeps them all.
    Otherwise the example ends with the new attachments plus the old ones ``retain`` keeps and
    ``rename`` renames; every other old attachment is dropped. ``ops`` has been through
    :func:`_check_attachment_ops`.
    """
    rows = conn.execute(
        "SELECT name, mime_type, data FROM example_attachments WHERE example_id = ? AND version = ?",
        (old["example_id"], old["version"]),
    ).fetchall()
    kept: list[tuple[str, str, bytes]] = []
    if ops is None and not new:
        kept = [(r["name"], r["mime_type"], r["data"]) for r in rows]
    elif ops is not None:
        rename, retain = ops["rename"], set(ops["retain"])
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
    update) moves there. One request updates examples of one dataset: examples of several, or not of
    the ``dataset_id`` argument (the dataset in the URL), are a 409, as in LangSmith. The result must
    match the target dataset's schemas.
    """
    if not isinstance(updates, list | tuple) or not updates:
        raise BadRequest("updates must be a non-empty list")
    ops = []
    for body in updates:
        if not isinstance(body, dict) or not body.get("id"):
            raise BadRequest("each update must be a JSON object with an 'id'")
        _check_example_body(body)
        ops.append(_check_attachment_ops(body.get("attachments_operations")))
    with db.write() as conn:
        if dataset_id is not None:
            dataset_id = require_dataset(conn, dataset_id)["id"]
        version = next_version(conn)
        schemas = SchemaCheck(conn)
        touched: set[str] = set()
        ids = []
        olds = []
        for body in updates:
            example_id = as_uuid(body["id"], "example id")
            current = current_rows(conn, example_ids=[example_id])
            if not current:
                raise NotFound(f"example not found: {example_id}")
            olds.append(current[0])
        datasets = {old["dataset_id"] for old in olds}
        if len(datasets) > 1 or (dataset_id is not None and datasets != {dataset_id}):
            raise Conflict(f"one update request changes examples of one dataset; these belong to"
                           f" {', '.join(sorted(datasets))}" + (f", not {dataset_id}" if dataset_id else ""))
        for body, attachment_ops, old in zip(updates, ops, olds, strict=True):
            example_id = old["example_id"]
            target = body.get("dataset_id") or old["dataset_id"]
            target = require_dataset(conn, target)["id"]
            old_meta = json_value(old["metadata"]) or {}
            metadata = dict(body["metadata"]) if body.get("metadata") is not None else dict(old_meta)
            split = (
                normalize_split(body.get("split"))
                or normalize_split(metadata.get("dataset_split"))
                or old_meta.get("dataset_split")
                or [DEFAULT_SPLIT]
            )
            metadata["dataset_split"] = split
            inputs = body["inputs"] if body.get("inputs") is not None else json_value(old["inputs"])
            outputs = body["outputs"] if body.get("outputs") is not None else json_value(old["outputs"])
            schemas.check(target, example_id, inputs, outputs)
            _write_revision(
                conn,
                example_id=example_id,
                version=version,
                dataset_id=target,
                inputs=inputs,
                outputs=outputs,
                metadata=metadata,
                source_run_id=old["source_run_id"],
                created_at=old["created_at"],
            )
            new_attachments = _check_attachments(body.get("attachments"))
            _apply_attachment_ops(conn, old, version, attachment_ops, new_attachments)
            touched.update({old["dataset_id"], target})
            ids.append(example_id)
        for ds in touched:
            record_version(conn, ds, version)
    return {"example_ids": ids, "count": len(ids), "as_of": version}


def delete_examples(db: Database, example_ids: Sequence[str], *, hard: bool = False) -> dict:
    """Soft delete (a deleted revision: older versions still show the example) or hard delete (gone)."""
    if not isinstance(example_ids, list | tuple) or not example_ids:
        raise BadRequest("give a non-empty list of example ids")
    ids = [as_uuid(i, "example id") for i in example_ids]
    with db.write() as conn:
        current = {r["example_id"]: r for r in current_rows(conn, example_ids=ids)}
        missing = [i for i in ids if i not in current]
        if missing:
            raise NotFound(f"example not found: {missing[0]}")
        if hard:
            for example_id in ids:
                conn.execute("DELETE FROM example_attachments WHERE example_id = ?", (example_id,))
                conn.execute("DELETE FROM example_revisions WHERE example_id = ?", (example_id,))
            return {"example_ids": ids, "count": len(ids), "as_of": None}
        version = next_version(conn)
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
            record_version(conn, ds, version)
    return {"example_ids": ids, "count": len(ids), "as_of": version}


def update_example_metadata(
    db: Database, dataset_id: str, example_ids: Sequence[str], operations: list[dict]
) -> dict:
    """Bulk list edits on example metadata (``array_add``/``array_remove`` on a key), one version.

    This is how the SDK edits splits (key ``dataset_split``).
    """
    if not isinstance(example_ids, list | tuple) or not example_ids:
        raise BadRequest("'example_ids' must be a non-empty list of example ids")
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
    ids = [as_uuid(i, "example id") for i in example_ids]
    updates = []
    conn = db.read()
    dataset_id = require_dataset(conn, dataset_id)["id"]
    current = {r["example_id"]: r for r in current_rows(conn, dataset_id=dataset_id, example_ids=ids)}
    for example_id in ids:
        if example_id not in current:
            raise NotFound(f"example {example_id} is not in dataset {dataset_id}")
        metadata = json_value(current[example_id]["metadata"]) or {}
        for op in operations:
            values = metadata.get(op["key"]) or []
            if not isinstance(values, list):
                raise BadRequest(
                    f"metadata {op['key']!r} of example {example_id} is not a list, so {op['operation']}"
                    " cannot apply to it"
                )
            # Compared as JSON text in sets: lists of 60,000 values took 30 s compared pairwise.
            present = {_json_key(v) for v in values}
            if op["operation"].lower() == "array_add":
                new = {}
                for v in op["values"]:
                    new.setdefault(_json_key(v), v)
                values = [*values, *(v for k, v in new.items() if k not in present)]
            else:
                dropped = {_json_key(v) for v in op["values"]}
                values = [v for v in values if _json_key(v) not in dropped]
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
