"""Build the SQLite store from the CSVs in ``data/`` and keep the built file in step with them.

The CSVs are the source of truth; the database is a cache of them. A hash of the sources is stored in
the ``meta`` table, and :func:`database_path` rebuilds whenever it no longer matches. Builds go to a
temporary file that is renamed into place, so a reader never sees a half-built database and two
processes building at once both end with the same complete file.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
import tempfile
import threading
from contextlib import closing
from pathlib import Path

from techhub.config import get_settings
from techhub.db.schema import INDEXES, META_DDL, SCHEMA_VERSION, TABLES, Table


def source_files(data_dir: Path) -> list[Path]:
    """The CSV files the database is built from, in build order; missing ones are an error."""
    files = [data_dir / f"{table.name}.csv" for table in TABLES]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"TechHub data files not found: {', '.join(missing)}")
    return files


def source_hash(data_dir: Path) -> str:
    """SHA-256 over the schema version and the CSV bytes: changes exactly when a rebuild is needed."""
    digest = hashlib.sha256(f"schema={SCHEMA_VERSION}\n".encode())
    for path in source_files(data_dir):
        digest.update(f"{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read_rows(path: Path, table: Table) -> list[tuple[object, ...]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header != table.column_names:
            raise ValueError(f"{path.name}: expected columns {table.column_names}, found {header}")
        rows = []
        for line_no, cells in enumerate(reader, start=2):
            if len(cells) != len(table.columns):
                raise ValueError(f"{path.name} line {line_no}: expected {len(table.columns)} cells")
            try:
                converters = (convert for _, convert in table.columns)
                rows.append(tuple(convert(cell) for convert, cell in zip(converters, cells, strict=True)))
            except ValueError as exc:
                raise ValueError(f"{path.name} line {line_no}: {exc}") from exc
        return rows


def build_database(path: str | Path, data_dir: Path | None = None) -> Path:
    """Build the store at ``path`` from the CSVs in ``data_dir`` (default: the configured data dir).

    Same CSVs, same rows in the same order. The file appears atomically; returns its path.
    """
    target = Path(path).resolve()
    data_dir = Path(data_dir or get_settings().data_dir)
    digest = source_hash(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        with closing(sqlite3.connect(tmp_name)) as conn:
            for table in TABLES:
                conn.execute(table.ddl)
                conn.executemany(table.insert_sql, _read_rows(data_dir / f"{table.name}.csv", table))
            for statement in INDEXES:
                conn.execute(statement)
            conn.execute(META_DDL)
            conn.execute("INSERT INTO meta (key, value) VALUES ('source_hash', ?)", (digest,))
            conn.commit()
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open the built store read-only: nothing done through this connection can change the file."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)


def stored_hash(path: Path) -> str | None:
    """The source hash recorded in a built database, or None if the file is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        with closing(connect_readonly(path)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'source_hash'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


_lock = threading.Lock()
# (database file, data dir) -> (stat signature, source hash) of the last verified state.
_verified: dict[tuple[Path, Path], tuple[tuple[int, ...], str]] = {}


def _signature(files: list[Path]) -> tuple[int, ...]:
    """Cheap change detector (size, mtime, inode) so a steady state costs a few stat calls, not a hash."""
    signature: list[int] = []
    for path in files:
        try:
            st = path.stat()
        except FileNotFoundError:
            signature.extend((-1, -1, -1))
        else:
            signature.extend((st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(signature)


def current_database() -> tuple[Path, str]:
    """The up-to-date database file and its source hash, building or rebuilding it if needed."""
    settings = get_settings()
    target, data_dir = settings.database_file, settings.data_dir
    files = [*source_files(data_dir), target]
    key = (target, data_dir)
    cached = _verified.get(key)
    if cached and cached[0] == _signature(files):
        return target, cached[1]
    with _lock:
        digest = source_hash(data_dir)
        if stored_hash(target) != digest:
            build_database(target, data_dir)
        _verified[key] = (_signature(files), digest)
    return target, digest


def database_path() -> Path:
    """Path of the built store (``.techhub/techhub.db``), built on first use and after data changes."""
    return current_database()[0]
