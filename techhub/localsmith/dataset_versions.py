"""Dataset versions: one clock for every dataset write, tags, and reading ``as_of`` references.

Every write to a dataset (creating it, adding, changing or deleting examples) is one *version*: a
UTC timestamp in the stored form of :mod:`techhub.localsmith.times`, strictly later than every
version before it. A version can carry tags (``prod``, ``git:commit:...``); ``latest`` is always the
newest. ``as_of`` in the API is ``latest``, a timestamp or a tag, and :func:`resolve_as_of` turns it
into a timestamp that the example queries in :mod:`techhub.localsmith.examples` compare against.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from techhub.localsmith import times
from techhub.localsmith.exceptions import BadRequest, NotFound
from techhub.localsmith.ids import as_uuid
from techhub.localsmith.store import Database, register_schema
from techhub.localsmith.times import normalize_time

register_schema(
    """
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
    """
)

# Later than every stored timestamp: what "latest" resolves to.
END_OF_TIME = "9999-12-31T23:59:59.999999"


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


def require_dataset(conn: sqlite3.Connection, dataset_id: str) -> sqlite3.Row:
    """The dataset's row (table owned by :mod:`techhub.localsmith.datasets`); 404 when unknown."""
    row = conn.execute("SELECT * FROM datasets WHERE id = ?", (as_uuid(dataset_id, "dataset id"),)).fetchone()
    if row is None:
        raise NotFound(f"dataset not found: {dataset_id}")
    return row


def next_version(conn: sqlite3.Connection) -> str:
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


def record_version(conn: sqlite3.Connection, dataset_id: str, version: str) -> None:
    """Note that ``dataset_id`` changed at ``version`` (it becomes the dataset's ``modified_at``)."""
    conn.execute(
        "INSERT OR IGNORE INTO dataset_versions (dataset_id, as_of) VALUES (?, ?)", (dataset_id, version)
    )
    conn.execute(
        "UPDATE datasets SET modified_at = ? WHERE id = ? AND modified_at < ?", (version, dataset_id, version)
    )


# A date at the start of a string: what tells a timestamp that does not parse from a tag name.
_LOOKS_LIKE_TIME = re.compile(r"\s*[+-]?\d{4,}-\d{2}-\d{2}")


def resolve_as_of(conn: sqlite3.Connection, dataset_id: str | None, as_of: str | datetime | None) -> str:
    """A version reference (``None``/``latest``, a timestamp or a tag name) as a stored timestamp.

    A value that is no timestamp is looked up as a tag (404 when there is none). One that starts
    like a timestamp but is invalid or out of range (``0001-01-01T00:00:00+05:00``) and names no tag
    is the 400 of the timestamp, not a 404 for a tag nobody meant.
    """
    if as_of is None or as_of == "latest" or as_of == "":
        return END_OF_TIME
    try:
        return parse_ts(as_of, what="as_of")
    except BadRequest as exc:
        if not isinstance(as_of, str):
            raise
        bad_time = exc if _LOOKS_LIKE_TIME.match(as_of) else None
    tagged = _tagged(conn, dataset_id, as_of) if dataset_id is not None else None
    if tagged is not None:
        return tagged
    if bad_time is not None:
        raise bad_time
    if dataset_id is None:
        raise BadRequest(f"as_of={as_of!r} is a tag; give the dataset too")
    raise NotFound(f"dataset {dataset_id} has no version tagged {as_of!r}")


def _tagged(conn: sqlite3.Connection, dataset_id: str, tag: str) -> str | None:
    """The version a tag points at (``latest``: the end of time), or ``None``."""
    if tag == "latest":
        return END_OF_TIME
    row = conn.execute(
        "SELECT as_of FROM dataset_tags WHERE dataset_id = ? AND tag = ?", (dataset_id, tag)
    ).fetchone()
    return row["as_of"] if row is not None else None


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
    row = require_dataset(conn, dataset_id)
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
    row = require_dataset(conn, dataset_id)
    if tag is not None:
        # Only a tag, even one that reads like a date.
        moment = _tagged(conn, row["id"], tag)
        if moment is None:
            raise NotFound(f"dataset {row['id']} has no version tagged {tag!r}")
    else:
        moment = parse_ts(as_of, what="as_of")
    version = _version_at(conn, row["id"], moment)
    if version is None:
        raise NotFound(f"dataset {row['id']} has no version at or before {as_of}")
    latest = _version_at(conn, row["id"], END_OF_TIME)
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
        row = require_dataset(conn, dataset_id)
        version = _version_at(conn, row["id"], moment)
        if version is None:
            raise NotFound(f"dataset {row['id']} has no version at or before {as_of}")
        conn.execute(
            "INSERT INTO dataset_tags (dataset_id, tag, as_of) VALUES (?, ?, ?) "
            "ON CONFLICT (dataset_id, tag) DO UPDATE SET as_of = excluded.as_of",
            (row["id"], tag, version),
        )
    return {"as_of": version, "tag": tag}
