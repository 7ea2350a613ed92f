"""Scoped, read-only SQL for the agent's SQL tool: a customer can read only their own orders.

The guarantee does not rest on parsing the model's SQL. Each call runs against a private in-memory
database that holds *only* the verified customer's ``orders``, the ``order_items`` of those orders and
the public ``products`` catalogue; there is no ``customers`` table and no path to the real file. On top
of that the connection is ``query_only``, an authorizer allows nothing but reading those three tables
and calling functions (no ATTACH, PRAGMA, writes or temp objects), SQLite limits cap string sizes, and
a progress handler stops runaway queries after a fixed number of VM steps (deterministic, unlike a
clock). Every failure is a :class:`ScopedQueryError` whose message tells the model what to fix.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from techhub.db.build import connect_readonly, current_database
from techhub.db.schema import ORDER_ITEMS, ORDERS, PRODUCTS, SCOPED_TABLE_NAMES, SCOPED_TABLES

MAX_SQL_LENGTH = 10_000
# The progress handler runs every _STEP VM instructions; _STEP * _BUDGET_CALLS is the query budget.
_STEP = 1_000
_BUDGET_CALLS = 5_000
_MAX_VALUE_BYTES = 1_000_000
_MAX_CELL_CHARS = 200
_TABLES_HINT = f"Tables you can read: {', '.join(SCOPED_TABLE_NAMES)}"
_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.DOTALL)
_ALLOWED_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE})
_ACTION_NAMES = {
    getattr(sqlite3, f"SQLITE_{name}"): name.replace("_", " ")
    for name in (
        "CREATE_INDEX", "CREATE_TABLE", "CREATE_TEMP_INDEX", "CREATE_TEMP_TABLE", "CREATE_TEMP_TRIGGER",
        "CREATE_TEMP_VIEW", "CREATE_TRIGGER", "CREATE_VIEW", "DELETE", "DROP_INDEX", "DROP_TABLE",
        "DROP_TEMP_INDEX", "DROP_TEMP_TABLE", "DROP_TEMP_TRIGGER", "DROP_TEMP_VIEW", "DROP_TRIGGER",
        "DROP_VIEW", "INSERT", "PRAGMA", "TRANSACTION", "UPDATE", "ATTACH", "DETACH", "ALTER_TABLE",
        "REINDEX", "ANALYZE", "CREATE_VTABLE", "DROP_VTABLE", "SAVEPOINT",
    )
}


class ScopedQueryError(ValueError):
    """The customer's query was refused or failed; the message says why and what is allowed."""


@dataclass(frozen=True)
class QueryResult:
    """Rows of a scoped query, at most ``max_rows`` of them (``truncated`` says there were more)."""

    columns: list[str]
    rows: list[tuple] = field(default_factory=list)
    truncated: bool = False

    def records(self) -> list[dict[str, object]]:
        """Rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def as_text(self) -> str:
        """A compact pipe-separated table for the model to read (NULL for missing values)."""
        if not self.rows:
            return f"(no rows) columns: {', '.join(self.columns)}"
        lines = [" | ".join(self.columns)]
        lines.extend(" | ".join(_cell(value) for value in row) for row in self.rows)
        if self.truncated:
            lines.append(f"(only the first {len(self.rows)} rows are shown; add filters or LIMIT)")
        return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        text = f"{value:.2f}" if round(value, 2) == value else f"{value:.6g}"
    elif isinstance(value, bytes):
        text = f"<{len(value)} bytes>"
    else:
        text = str(value).replace("\n", " ")
    return text if len(text) <= _MAX_CELL_CHARS else text[: _MAX_CELL_CHARS - 3] + "..."


@lru_cache(maxsize=256)
def _snapshot(database: str, source_hash: str, customer_id: int) -> bytes:
    """Serialized in-memory database with this customer's rows only (cached per data version)."""
    del source_hash  # part of the cache key only: new data, new snapshot
    with closing(connect_readonly(Path(database))) as source, closing(sqlite3.connect(":memory:")) as snap:
        if source.execute("SELECT 1 FROM customers WHERE customer_id = ?", (customer_id,)).fetchone() is None:
            raise ScopedQueryError(f"unknown customer id {customer_id}; verify the customer first")
        columns = {table.name: ", ".join(table.column_names) for table in SCOPED_TABLES}
        selects = {
            ORDERS.name: (f"SELECT {columns['orders']} FROM orders WHERE customer_id = ? ORDER BY order_id",
                          (customer_id,)),
            ORDER_ITEMS.name: (
                f"SELECT {columns['order_items']} FROM order_items WHERE order_id IN "
                "(SELECT order_id FROM orders WHERE customer_id = ?) ORDER BY order_item_id",
                (customer_id,),
            ),
            PRODUCTS.name: (f"SELECT {columns['products']} FROM products ORDER BY product_id", ()),
        }
        for table in SCOPED_TABLES:
            snap.execute(table.ddl)
            sql, params = selects[table.name]
            snap.executemany(table.insert_sql, source.execute(sql, params).fetchall())
        snap.commit()
        return snap.serialize()


class _Guard:
    """Authorizer and progress budget of one query; remembers why it refused, for the error message."""

    def __init__(self) -> None:
        self.denied: str | None = None
        self.steps = 0

    def authorize(
        self, action: int, arg1: str | None, _arg2: str | None, db: str | None, _src: str | None
    ) -> int:
        if action in _ALLOWED_ACTIONS:
            return sqlite3.SQLITE_OK
        # db is None when reading a CTE or subquery result; real tables must be one of ours.
        if action == sqlite3.SQLITE_READ and (db is None or (db == "main" and arg1 in SCOPED_TABLE_NAMES)):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ:
            self.denied = f"reading {arg1} is not allowed. {_TABLES_HINT}"
        else:
            what = _ACTION_NAMES.get(action, f"action {action}")
            self.denied = f"{what} is not allowed: only SELECT queries. {_TABLES_HINT}"
        return sqlite3.SQLITE_DENY

    def progress(self) -> int:
        self.steps += 1
        return 1 if self.steps > _BUDGET_CALLS else 0


def _check_sql(sql: str) -> str:
    if not isinstance(sql, str):
        raise ScopedQueryError("the query must be a string holding one SELECT statement")
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise ScopedQueryError("empty query: send one SELECT statement")
    if len(text) > MAX_SQL_LENGTH:
        raise ScopedQueryError(f"query too long ({len(text)} characters, at most {MAX_SQL_LENGTH})")
    first_word = _LEADING_COMMENTS.sub("", text).split(None, 1)
    keyword = first_word[0].upper() if first_word else ""
    if keyword not in {"SELECT", "WITH"}:
        raise ScopedQueryError(f"only SELECT queries are allowed, not {keyword or 'an empty statement'}")
    return text


def _explain(exc: Exception, guard: _Guard) -> str:
    message = str(exc)
    if guard.steps > _BUDGET_CALLS or message == "interrupted":
        return "query stopped: it ran too long. Simplify it or add a LIMIT"
    if guard.denied:
        return guard.denied
    if message.startswith("no such table"):
        return f"{message}. {_TABLES_HINT}"
    if message.startswith("no such column"):
        return f"{message}. See the schema of {', '.join(SCOPED_TABLE_NAMES)}"
    if "one statement at a time" in message:
        return "send exactly one SELECT statement per call (no ';' between statements)"
    return f"query failed: {message}"


def run_customer_query(customer_id: int, sql: str, *, max_rows: int = 50) -> QueryResult:
    """Run one read-only SELECT over the customer's own orders, order items and the product catalogue."""
    if isinstance(customer_id, bool) or not isinstance(customer_id, int):
        raise ScopedQueryError("customer_id must be an integer")
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise ScopedQueryError("max_rows must be a positive integer")
    text = _check_sql(sql)
    database, digest = current_database()
    image = _snapshot(str(database), digest, customer_id)
    guard = _Guard()
    with closing(sqlite3.connect(":memory:", check_same_thread=False)) as conn:
        conn.deserialize(image)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # load the schema before locking down
        conn.execute("PRAGMA query_only = ON")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE_BYTES)
        conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_LENGTH + 100)
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.set_authorizer(guard.authorize)
        conn.set_progress_handler(guard.progress, _STEP)
        try:
            cursor = conn.execute(text)
            rows = cursor.fetchmany(max_rows + 1)
        except (sqlite3.Error, sqlite3.Warning, OverflowError, MemoryError) as exc:
            raise ScopedQueryError(_explain(exc, guard)) from None
        columns = [column[0] for column in cursor.description or ()]
    return QueryResult(columns=columns, rows=rows[:max_rows], truncated=len(rows) > max_rows)
