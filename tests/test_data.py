"""The TechHub source data and the database built from it: consistency, demo facts, determinism."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from techhub.config import REPO_ROOT, STORE_TODAY
from techhub.db import build_database, database_path
from techhub.db.build import stored_hash

DATA = REPO_ROOT / "data"
TABLES = ("customers", "products", "orders", "order_items")
CATEGORIES = {"Laptops", "Monitors", "Keyboards & Mice", "Audio", "Accessories"}
STATUSES = {"Processing", "Shipped", "Delivered", "Cancelled"}


def read_csv(name: str, data_dir: Path = DATA) -> list[dict[str, str]]:
    with (data_dir / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def dump(path: Path) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(path)) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in (*TABLES, "meta")}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = build_database(tmp_path_factory.mktemp("db") / "techhub.db", DATA)
    with closing(sqlite3.connect(path)) as conn:
        yield conn


def test_build_is_deterministic_and_complete(tmp_path: Path) -> None:
    first = dump(build_database(tmp_path / "a.db", DATA))
    second = dump(build_database(tmp_path / "b.db", DATA))
    assert first == second
    for table in TABLES:
        assert len(first[table]) == len(read_csv(table)), table
    assert [key for key, _ in first["meta"]] == ["source_hash"]
    assert not list(tmp_path.glob("*.tmp")), "temporary build files must not be left behind"


def test_schema_matches_the_interface(db: sqlite3.Connection) -> None:
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {*TABLES, "meta"}
    columns = {t: [row[1] for row in db.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    assert columns["orders"] == ["order_id", "customer_id", "order_date", "status", "shipped_date",
                                 "delivered_date", "shipping_address", "total_amount"]
    assert columns["order_items"] == ["order_item_id", "order_id", "product_id", "quantity", "unit_price"]
    types = db.execute("SELECT typeof(price), typeof(stock) FROM products LIMIT 1").fetchone()
    assert types == ("real", "integer")
    assert db.execute("SELECT count(*) FROM orders WHERE shipped_date = ''").fetchone() == (0,)


def test_row_counts_and_catalogue() -> None:
    customers, products, orders = read_csv("customers"), read_csv("products"), read_csv("orders")
    assert 45 <= len(customers) <= 60
    assert 230 <= len(orders) <= 270
    assert len(products) == 25
    assert Counter(p["category"] for p in products) == {category: 5 for category in CATEGORIES}
    names = [p["name"] for p in products]
    assert len(set(names)) == len(names)
    assert not [(a, b) for a in names for b in names if a != b and a.lower() in b.lower()]
    assert sum(int(p["stock"]) == 0 for p in products) >= 2
    for product in products:
        assert Decimal(product["price"]).as_tuple().exponent == -2, product["name"]
        assert isinstance(json.loads(product["specs"]), dict)
        assert product["description"].strip()


def test_customers_are_unique_and_clean() -> None:
    customers = read_csv("customers")
    emails = [c["email"] for c in customers]
    assert len(set(emails)) == len(emails)
    assert all(e == e.strip().lower() and "@" in e for e in emails)
    assert all(c["joined_date"] < STORE_TODAY for c in customers)
    ids = [int(c["customer_id"]) for c in customers]
    assert ids == sorted(set(ids))


def test_order_dates_and_statuses_are_consistent() -> None:
    customer_ids = {c["customer_id"] for c in read_csv("customers")}
    orders = read_csv("orders")
    assert [o["order_id"] for o in orders] == [f"ORD-2025-{n:04d}" for n in range(1, len(orders) + 1)]
    assert {o["status"] for o in orders} == STATUSES
    for order in orders:
        status, ordered, shipped, delivered = (order[k] for k in ("status", "order_date", "shipped_date",
                                                                   "delivered_date"))
        assert order["customer_id"] in customer_ids
        assert ordered < STORE_TODAY and order["shipping_address"]
        assert bool(shipped) == (status in {"Shipped", "Delivered"}), order
        assert bool(delivered) == (status == "Delivered"), order
        if shipped:
            assert ordered < shipped < STORE_TODAY, order
        if delivered:
            assert shipped < delivered < STORE_TODAY, order
        if status == "Processing":
            assert ordered >= "2025-11-10", f"Processing orders are recent: {order}"


def test_totals_equal_sum_of_items_and_prices_match_catalogue() -> None:
    prices = {p["product_id"]: Decimal(p["price"]) for p in read_csv("products")}
    totals: dict[str, Decimal] = {}
    lines: Counter[str] = Counter()
    for item in read_csv("order_items"):
        assert Decimal(item["unit_price"]) == prices[item["product_id"]]
        assert int(item["quantity"]) >= 1
        totals[item["order_id"]] = totals.get(item["order_id"], Decimal(0)) + (
            Decimal(item["unit_price"]) * int(item["quantity"]))
        lines[item["order_id"]] += 1
    for order in read_csv("orders"):
        assert Decimal(order["total_amount"]) == totals[order["order_id"]], order["order_id"]
        assert 1 <= lines[order["order_id"]] <= 4


def test_totals_in_the_database_match_to_the_cent(db: sqlite3.Connection) -> None:
    mismatches = db.execute(
        "SELECT o.order_id FROM orders o JOIN order_items i USING (order_id) GROUP BY o.order_id "
        "HAVING round(o.total_amount * 100) != round(sum(i.quantity * i.unit_price) * 100)"
    ).fetchall()
    assert mismatches == []


def test_demo_facts(db: sqlite3.Connection) -> None:
    def customers_named(first: str, last: str) -> list[tuple]:
        return db.execute("SELECT customer_id, email FROM customers WHERE first_name = ? AND last_name = ?",
                          (first, last)).fetchall()

    [(gregory, gregory_email)] = customers_named("Gregory", "Harris")
    assert gregory_email == "gregory.harris@yahoo.com"
    demo_order = "SELECT customer_id, status FROM orders WHERE order_id = 'ORD-2025-0030'"
    owner, status = db.execute(demo_order).fetchone()
    assert (owner, status) == (gregory, "Processing")
    assert db.execute("SELECT count(*) FROM order_items WHERE order_id = 'ORD-2025-0030'").fetchone()[0] >= 1

    [(sarah, sarah_email)] = customers_named("Sarah", "Chen")
    assert sarah_email == "sarah.chen@gmail.com"
    orders = db.execute("SELECT order_date, status FROM orders WHERE customer_id = ?", (sarah,)).fetchall()
    statuses = {status for _, status in orders}
    assert len(orders) >= 4 and {"Shipped", "Delivered", "Processing"} <= statuses
    shipped_dates = [d for d, status in orders if status == "Shipped"]
    # "Where is my order?! It's been weeks!": a shipped order placed about three weeks before today.
    assert any("2025-10-26" <= d <= "2025-11-03" for d in shipped_dates), shipped_dates


def test_support_contact_is_in_the_policies() -> None:
    policies = DATA / "documents" / "policies"
    names = {p.stem for p in policies.glob("*.md")}
    assert names == {"returns", "warranty", "shipping", "order-changes-and-cancellation", "support-contact"}
    for name in ("support-contact", "returns", "order-changes-and-cancellation"):
        text = (policies / f"{name}.md").read_text(encoding="utf-8")
        for fact in ("support@techhub.com", "1-800-TECHHUB", "1-800-832-4482"):
            assert fact in text, (name, fact)
    assert "Mon" in (policies / "support-contact.md").read_text(encoding="utf-8")
    assert "30 days" in (policies / "returns.md").read_text(encoding="utf-8")
    assert "1-year" in (policies / "warranty.md").read_text(encoding="utf-8")


def test_every_product_has_a_document() -> None:
    docs = DATA / "documents" / "products"
    titles = {path.read_text(encoding="utf-8").splitlines()[0] for path in docs.glob("*.md")}
    assert titles == {f"# {p['name']}" for p in read_csv("products")}


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "make_data.py"), "--data-dir", str(tmp_path)],
                   check=True, capture_output=True, timeout=60)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(generated) == 4 + 25
    for relative in generated:
        assert (tmp_path / relative).read_bytes() == (DATA / relative).read_bytes(), relative


@pytest.fixture
def private_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for table in TABLES:
        shutil.copy(DATA / f"{table}.csv", data_dir)
    monkeypatch.setenv("TECHHUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHHUB_DATA_DIR", str(data_dir))
    return data_dir


def test_database_path_builds_once_and_rebuilds_on_change(private_data: Path, tmp_path: Path) -> None:
    path = database_path()
    assert path == tmp_path / "home" / "techhub.db" and path.is_file()
    inode = path.stat().st_ino
    assert database_path() == path and path.stat().st_ino == inode, "unchanged data must not rebuild"
    products = private_data / "products.csv"
    cheaper = products.read_text(encoding="utf-8").replace(",1099.00,", ",999.00,")
    products.write_text(cheaper, encoding="utf-8")
    old_hash = stored_hash(path)
    database_path()
    assert stored_hash(path) != old_hash
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT price FROM products WHERE product_id = 1").fetchone() == (999.0,)


def test_bad_source_data_gives_clear_errors(private_data: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="data files not found"):
        build_database(tmp_path / "x.db", tmp_path / "nowhere")
    orders = private_data / "orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").replace(",1158.00", ",lots"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"orders.csv line \d+"):
        build_database(tmp_path / "x.db", private_data)
    assert not (tmp_path / "x.db").exists()
    assert not list(tmp_path.glob(".x.db.*")), "a failed build leaves no temporary file"
