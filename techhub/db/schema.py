"""Tables of the TechHub store: DDL, how CSV cells become SQLite values, and the scoped view's schema.

One place describes each table so the builder, the per-customer snapshot and the SQL agent's prompt
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Bump when the DDL or the CSV conversion changes, so existing database files get rebuilt.
SCHEMA_VERSION = "1"


def _text(cell: str) -> str:
    return cell


def _optional_text(cell: str) -> str | None:
    """Empty CSV cells (e.g. no shipped_date yet) become NULL, which is what SQL users expect."""
    return cell or None


@dataclass(frozen=True)
class Table:
    """A table: its name, its CREATE statement and one converter per CSV column (in order)."""

    name: str
    ddl: str
    columns: tuple[tuple[str, Callable[[str], object]], ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def insert_sql(self) -> str:
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO {self.name} ({', '.join(self.column_names)}) VALUES ({marks})"


CUSTOMERS = Table(
    "customers",
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, "
    "email TEXT UNIQUE, phone TEXT, city TEXT, state TEXT, joined_date TEXT)",
    (("customer_id", int), ("first_name", _text), ("last_name", _text), ("email", _text),
     ("phone", _text), ("city", _text), ("state", _text), ("joined_date", _text)),
)
PRODUCTS = Table(
    "products",
    "CREATE TABLE products (product_id INTEGER PRIMARY KEY, sku TEXT, name TEXT, category TEXT, "
    "brand TEXT, price REAL, stock INTEGER, description TEXT, specs TEXT)",
    (("product_id", int), ("sku", _text), ("name", _text), ("category", _text), ("brand", _text),
     ("price", float), ("stock", int), ("description", _text), ("specs", _text)),
)
ORDERS = Table(
    "orders",
    "CREATE TABLE orders (order_id TEXT PRIMARY KEY, customer_id INTEGER, order_date TEXT, status TEXT, "
    "shipped_date TEXT, delivered_date TEXT, shipping_address TEXT, total_amount REAL)",
    (("order_id", _text), ("customer_id", int), ("order_date", _text), ("status", _text),
     ("shipped_date", _optional_text), ("delivered_date", _optional_text),
     ("shipping_address", _text), ("total_amount", float)),
)
ORDER_ITEMS = Table(
    "order_items",
    "CREATE TABLE order_items (order_item_id INTEGER PRIMARY KEY, order_id TEXT, product_id INTEGER, "
    "quantity INTEGER, unit_price REAL)",
    (("order_item_id", int), ("order_id", _text), ("product_id", int), ("quantity", int),
     ("unit_price", float)),
)

# Build order; each table is loaded from data/<name>.csv.
TABLES: tuple[Table, ...] = (CUSTOMERS, PRODUCTS, ORDERS, ORDER_ITEMS)
INDEXES: tuple[str, ...] = (
    "CREATE INDEX idx_orders_customer ON orders (customer_id)",
    "CREATE INDEX idx_order_items_order ON order_items (order_id)",
)
META_DDL = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"

# What a verified customer's query can see: never the customers table.
SCOPED_TABLES: tuple[Table, ...] = (ORDERS, ORDER_ITEMS, PRODUCTS)
SCOPED_TABLE_NAMES: tuple[str, ...] = tuple(table.name for table in SCOPED_TABLES)

CUSTOMER_SCHEMA = """\
SQLite tables you can read (they contain only the verified customer's own orders; products is the \
public catalogue):
- orders(order_id TEXT like 'ORD-2025-0030', customer_id INTEGER, order_date TEXT 'YYYY-MM-DD', \
status TEXT one of 'Processing','Shipped','Delivered','Cancelled', shipped_date TEXT or NULL, \
delivered_date TEXT or NULL, shipping_address TEXT, total_amount REAL in USD)
- order_items(order_item_id INTEGER, order_id TEXT -> orders.order_id, product_id INTEGER -> \
products.product_id, quantity INTEGER, unit_price REAL in USD)
- products(product_id INTEGER, sku TEXT, name TEXT, category TEXT one of 'Laptops','Monitors',\
'Keyboards & Mice','Audio','Accessories', brand TEXT, price REAL in USD, stock INTEGER, \
description TEXT, specs TEXT holding a JSON object)
Only one SELECT (or WITH ... SELECT) statement per call; no writes, PRAGMA or ATTACH."""
