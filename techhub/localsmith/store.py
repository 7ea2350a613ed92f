"""The SQLite database behind the local server.

One file in WAL mode. Writes go through a single connection guarded by a lock (SQLite allows one
writer at a time anyway); reads use one connection per thread so they never wait for a writer.
Each area of the API (runs, datasets, queues, rules, ...) keeps its tables and queries in its own
module and registers its DDL here with :func:`register_schema`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techhub.localsmith.exceptions import BadRequest

_SCHEMAS: list[str] = []


def register_schema(ddl: str) -> str:
    """Add ``CREATE TABLE IF NOT EXISTS ...`` statements run when a :class:`Database` opens."""
    _SCHEMAS.append(ddl)
    return ddl


MAX_OFFSET = 1 << 53  # far beyond any table here, and within SQLite's 64-bit integers


def one_of(column: str, values: Sequence[object]) -> tuple[str, list]:
    """SQL ``column IN (...)`` and its parameters, for a list of any length.

    Short lists get one placeholder per value; a longer one is a single JSON parameter read with
    ``json_each`` (SQLite caps the number of parameters, and a client may send 250,000 ids). SQLite
    uses the column's index either way.
    """
    if len(values) <= 8:
        return f"{column} IN ({','.join('?' * len(values))})", list(values)
    return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(list(values))]


@dataclass
class Where:
    """A WHERE clause built one criterion at a time, with its parameters in order.

    List endpoints filter on whichever criteria the client sent; each one that is set adds a
    condition here, and :attr:`sql` joins them (or is empty when none was sent).
    """

    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, condition: str, *params: Any) -> None:
        """A condition with one ``?`` per parameter."""
        self.conditions.append(condition)
        self.params.extend(params)

    def among(self, column: str, values: Sequence[object]) -> None:
        """``column`` is one of ``values`` (any number of them, see :func:`one_of`)."""
        condition, params = one_of(column, values)
        self.add(condition, *params)

    def contains(self, column: str, text: str) -> None:
        """``column`` contains ``text``, ignoring case (LangSmith's ``name_contains``)."""
        self.add(f"instr(lower({column}), lower(?)) > 0", text)

    @property
    def sql(self) -> str:
        """`` WHERE a AND b ...``, or nothing when no criterion was added."""
        return " WHERE " + " AND ".join(self.conditions) if self.conditions else ""


def check_page(limit: int, offset: int, *, maximum: int | None = 1000) -> None:
    """Offset pagination as LangSmith validates it: a 400 for a limit outside 1..maximum or an offset
    outside 0..MAX_OFFSET (no maximum: the limit is only bounded like the offset)."""
    top = maximum if maximum is not None else MAX_OFFSET
    if not 1 <= limit <= top or not 0 <= offset <= MAX_OFFSET:
        raise BadRequest(f"limit must be 1..{top} and offset 0..{MAX_OFFSET}")


def offset_cursor(cursor: str | None) -> int:
    """The position an offset cursor this server returned stands for (no cursor: 0, the first page).

    Anything else is a 400, checked before ``int()``: ``"²"`` is a digit it refuses, and it refuses
    strings of more than 4300 digits.
    """
    if not cursor:
        return 0
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 16) or int(cursor) > MAX_OFFSET:
        raise BadRequest(f"cursor {cursor[:40]!r} is not one this server returned")
    return int(cursor)


def _connect(path: str, *, writer: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    conn.row_factory = sqlite3.Row
    if writer:
        # New files only (a no-op once the file exists): ingest inserts random keys into several
        # indexes, so every commit rewrites one page per index entry; smaller pages mean fewer WAL
        # bytes per commit. Measured: ~10-15% more runs/s than 4096.
        conn.execute("PRAGMA page_size=2048")
    conn.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit is in the OS once COMMIT returns, so it survives a killed process
    # (not a power cut); only checkpoints fsync.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA mmap_size=268435456")  # reads straight from the shared page cache
    if writer:
        # Ingest dirties index pages all over the file; a large cache keeps them in memory between
        # requests. Checkpoints (which fsync) run in Database's background thread, off the request
        # path; the writer checkpoints itself only if the WAL passes ~200 MB (a safety net).
        conn.execute("PRAGMA cache_size=-131072")
        conn.execute("PRAGMA wal_autocheckpoint=100000")
    return conn


class Database:
    """A SQLite file shared by every part of the server."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = _connect(self.path, writer=True)
        self._write_lock = threading.RLock()
        self._local = threading.local()
        # executescript() commits on its own, so the DDL runs outside write()'s transaction.
        with self._write_lock:
            for ddl in _SCHEMAS:
                self._writer.executescript(ddl)
        self._closing = threading.Event()
        if self.path != ":memory:":
            threading.Thread(target=self._checkpoint_loop, name="localsmith-checkpoint", daemon=True).start()

    def _checkpoint_loop(self, every: float = 0.5, restart_frames: int = 8192) -> None:
        """Copy committed WAL pages into the database file, mostly without blocking a request.

        Under steady ingest the writer appends while a checkpoint runs, so the WAL was never fully
        copied and never started over: it grew to the ~200 MB safety net and ingest slowed down.
        So once the WAL passes ``restart_frames`` pages (~16 MB) and the unblocking pass has copied
        most of it, a second pass finishes the copy under the write lock (a few ms); the next write
        then starts the WAL again from its beginning.
        """
        conn = _connect(self.path)
        try:
            while not self._closing.wait(every):
                try:
                    _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if frames >= restart_frames and not self._closing.is_set():
                        with self._write_lock:
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    continue  # busy or closing: try again next time
        finally:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A transaction on the writer connection; committed on success, rolled back on error."""
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        """This thread's read connection (sees every committed write)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _connect(self.path)
        return conn

    def close(self) -> None:
        self._closing.set()
        with self._write_lock:
            self._writer.close()
