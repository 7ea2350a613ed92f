"""Scoped SQL: a verified customer reads only their own orders, whatever SQL the model writes."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from techhub.db import (
    CUSTOMER_SCHEMA,
    QueryResult,
    ScopedQueryError,
    database_path,
    find_customer_by_email,
    get_customer,
    run_customer_query,
)


@pytest.fixture(scope="module")
def db_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private TECHHUB_HOME so the file under attack is ours alone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TECHHUB_HOME", str(tmp_path_factory.mktemp("home")))
        yield database_path()


def source(db_file: Path, sql: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(db_file)) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def sarah(db_file: Path) -> int:
    customer = find_customer_by_email("sarah.chen@gmail.com")
    assert customer is not None
    return customer.customer_id


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_select_star_returns_only_own_orders(db_file: Path, sarah: int) -> None:
    result = run_customer_query(sarah, "SELECT * FROM orders ORDER BY order_id")
    expected = source(db_file, "SELECT * FROM orders WHERE customer_id = ? ORDER BY order_id", sarah)
    assert len(expected) >= 4
    assert result.rows == expected and not result.truncated
    assert result.columns[:2] == ["order_id", "customer_id"]
    items = run_customer_query(sarah, "SELECT DISTINCT order_id FROM order_items ORDER BY order_id")
    assert items.rows == [(order_id,) for order_id, *_ in expected]


def test_every_customer_sees_exactly_their_own_rows(db_file: Path) -> None:
    for (customer_id,) in source(db_file, "SELECT customer_id FROM customers"):
        seen = run_customer_query(customer_id, "SELECT DISTINCT customer_id FROM orders").rows
        assert seen in ([], [(customer_id,)])
        count = run_customer_query(customer_id, "SELECT count(*) FROM order_items").rows[0][0]
        expected = source(db_file, "SELECT count(*) FROM order_items JOIN orders USING (order_id) "
                                   "WHERE customer_id = ?", customer_id)[0][0]
        assert count == expected


def test_public_catalogue_is_readable(db_file: Path, sarah: int) -> None:
    result = run_customer_query(sarah, "SELECT name, price FROM products ORDER BY product_id")
    assert result.rows == source(db_file, "SELECT name, price FROM products ORDER BY product_id")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM orders WHERE order_id = 'ORD-2025-0030'",
        "SELECT * FROM orders WHERE customer_id != (SELECT customer_id FROM orders LIMIT 1)",
        "SELECT * FROM order_items WHERE order_id = 'ORD-2025-0030'",
        "SELECT * FROM orders WHERE order_id = 'x' OR 1 = 0",
    ],
)
def test_other_customers_rows_are_simply_absent(sarah: int, sql: str) -> None:
    assert run_customer_query(sarah, sql).rows == []


def test_injection_in_where_clause_still_returns_only_own_rows(db_file: Path, sarah: int) -> None:
    result = run_customer_query(sarah, "SELECT order_id FROM orders WHERE customer_id = '' OR '1'='1'")
    assert sorted(result.rows) == source(db_file, "SELECT order_id FROM orders WHERE customer_id = ? "
                                                  "ORDER BY order_id", sarah)


DENIED = {
    "customers table": ("SELECT * FROM customers", "no such table: customers"),
    "union with customers": ("SELECT order_id FROM orders UNION SELECT email FROM customers",
                             "no such table"),
    "sqlite_master": ("SELECT name, sql FROM sqlite_master", "sqlite_master"),
    "sqlite_schema": ("SELECT * FROM sqlite_schema", "not allowed"),
    "temp schema": ("SELECT * FROM temp.sqlite_master", "not allowed"),
    "pragma function": ("SELECT * FROM pragma_table_info('orders')", "not allowed"),
    "pragma database_list": ("PRAGMA database_list", "only SELECT"),
    "pragma query_only off": ("PRAGMA query_only = OFF", "only SELECT"),
    "attach": ("ATTACH DATABASE '{db}' AS src", "only SELECT"),
    "attached schema": ("SELECT * FROM src.customers", "no such table"),
    "insert": ("INSERT INTO orders (order_id) VALUES ('ORD-9999')", "only SELECT"),
    "update": ("UPDATE orders SET status = 'Cancelled'", "only SELECT"),
    "delete": ("DELETE FROM orders", "only SELECT"),
    "drop": ("DROP TABLE orders", "only SELECT"),
    "cte delete": ("WITH x AS (SELECT 1) DELETE FROM orders", "DELETE is not allowed"),
    "cte insert": ("WITH x AS (SELECT 'X' AS id) INSERT INTO orders (order_id) SELECT id FROM x", "INSERT"),
    "two statements": ("SELECT 1; DROP TABLE orders", "exactly one SELECT"),
    "two selects": ("SELECT * FROM orders; SELECT * FROM customers", "exactly one SELECT"),
    "commented drop": ("/* hi */ DROP TABLE orders", "only SELECT"),
    "endless recursion": (
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c",
        "ran too long",
    ),
    "huge value": ("SELECT length(zeroblob(100000000))", "too big"),
    "extension": ("SELECT load_extension('/tmp/evil')", "not authorized"),
    "empty": ("", "empty query"),
    "blank": ("  ;  ", "empty query"),
    "garbage": ("x' OR '1'='1", "only SELECT"),
    "too long": ("SELECT 1" + " " * 20_000 + "+ 1", "too long"),
}


@pytest.mark.parametrize("name", sorted(DENIED))
def test_attacks_are_refused_with_a_clear_message(db_file: Path, sarah: int, name: str) -> None:
    sql, message = DENIED[name]
    before = sha256(db_file)
    started = time.perf_counter()
    with pytest.raises(ScopedQueryError, match=message):
        run_customer_query(sarah, sql.format(db=db_file))
    assert time.perf_counter() - started < 5, "a refused query must stop quickly"
    assert sha256(db_file) == before
    assert len(run_customer_query(sarah, "SELECT * FROM orders").rows) >= 4, "the snapshot is intact"


def test_scoped_errors_are_value_errors_and_name_the_readable_tables(sarah: int) -> None:
    with pytest.raises(ValueError, match="Tables you can read: orders, order_items, products"):
        run_customer_query(sarah, "SELECT * FROM customers")
    with pytest.raises(ScopedQueryError, match="no such column: email"):
        run_customer_query(sarah, "SELECT email FROM orders")


def test_source_database_unchanged_after_all_attacks(db_file: Path, sarah: int) -> None:
    before = sha256(db_file)
    counts = source(db_file, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM customers)")
    for sql, _ in DENIED.values():
        with pytest.raises(ScopedQueryError):
            run_customer_query(sarah, sql.format(db=db_file))
    assert sha256(db_file) == before
    assert source(db_file, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM customers)") == counts


def test_bad_arguments(sarah: int) -> None:
    with pytest.raises(ScopedQueryError, match="unknown customer"):
        run_customer_query(987_654, "SELECT * FROM orders")
    with pytest.raises(ScopedQueryError, match="integer"):
        run_customer_query("7", "SELECT 1")  # type: ignore[arg-type]
    with pytest.raises(ScopedQueryError, match="string"):
        run_customer_query(sarah, None)  # type: ignore[arg-type]
    with pytest.raises(ScopedQueryError, match="max_rows"):
        run_customer_query(sarah, "SELECT 1", max_rows=0)


def test_results_are_truncated_and_rendered_for_the_model(db_file: Path, sarah: int) -> None:
    result = run_customer_query(sarah, "SELECT order_id, status, shipped_date, total_amount FROM orders "
                                       "ORDER BY order_id", max_rows=2)
    assert result.truncated and len(result.rows) == 2
    text = result.as_text()
    own = "SELECT order_id, total_amount FROM orders WHERE customer_id = ? ORDER BY order_id"
    first = source(db_file, own, sarah)[0]
    assert text.splitlines()[0] == "order_id | status | shipped_date | total_amount"
    assert first[0] in text and f"{first[1]:.2f}" in text
    assert "first 2 rows" in text
    empty = run_customer_query(sarah, "SELECT order_id FROM orders WHERE 0")
    assert empty.as_text() == "(no rows) columns: order_id"
    assert QueryResult(["a", "b"], [(None, "x\ny")]).as_text() == "a | b\nNULL | x y"
    assert run_customer_query(sarah, "SELECT 1 AS one").records() == [{"one": 1}]
    endless = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c"
    streamed = run_customer_query(sarah, endless, max_rows=5)
    assert streamed.rows == [(1,), (2,), (3,), (4,), (5,)] and streamed.truncated


def test_schema_description_names_only_the_scoped_tables() -> None:
    for table in ("orders(", "order_items(", "products("):
        assert table in CUSTOMER_SCHEMA
    assert "customers(" not in CUSTOMER_SCHEMA and "email" not in CUSTOMER_SCHEMA


@pytest.mark.parametrize(
    "email",
    ["x' OR '1'='1", "' OR 1=1 --", "sarah.chen@gmail.com' --", "sarah.chen@gmail.com\x00", "a" * 10_000,
     "🙂@🙂.com", "", "   ", "%", "_@%", "sarah.chen@gamil.com", "sarah.chen", "*"],
)
def test_find_customer_by_email_rejects_garbage(db_file: Path, email: str) -> None:
    assert find_customer_by_email(email) is None


def test_find_customer_by_email_normalises(db_file: Path) -> None:
    customer = find_customer_by_email("  Gregory.HARRIS@yahoo.com\n")
    assert customer is not None and customer.full_name == "Gregory Harris"
    assert customer.email == "gregory.harris@yahoo.com"
    assert get_customer(customer.customer_id) == customer
    assert find_customer_by_email(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("customer_id", [-1, 0, 10**6, 10**30, True, "7", 7.0, None])
def test_get_customer_unknown_or_invalid_is_none(db_file: Path, customer_id: object) -> None:
    assert get_customer(customer_id) is None  # type: ignore[arg-type]
