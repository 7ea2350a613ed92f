"""The tools the agent's models can call.

The supervisor gets two handoff tools (``transfer_to_sql_agent``, ``transfer_to_docs_agent``); the
graph turns a call into a run of that specialist. The SQL agent gets ``run_sql_query``, bound to
the verified customer: the query runs on a scoped, read-only snapshot of that customer's rows, so
no prompt or model mistake can reveal another customer's data. The docs agent gets
``search_documents`` (BM25 over ``data/documents``), ``get_product_details`` (one product of the
public catalogue) and ``find_products`` (a kind or category of products ranked by price, weight,
battery, screen or stock: "the cheapest laptop", "which mice are in stock"). Tool errors come back
to the model as text it can act on, never as exceptions.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from difflib import SequenceMatcher

from langchain_core.tools import BaseTool, StructuredTool, tool

from techhub.agent.catalogue import SORT_KEYS, SortKey, load_catalogue
from techhub.agent.retrieval import search_documents as bm25_search
from techhub.db import ScopedQueryError, database_path, run_customer_query


@tool
def transfer_to_sql_agent(task: str) -> str:
    """Hand a task to the SQL agent: the verified customer's orders, order status, items and spending.

    Args:
        task: What to look up, in plain words, including any order ids the customer gave.
    """
    return task


@tool
def transfer_to_docs_agent(task: str) -> str:
    """Hand a task to the docs agent: product information (price, stock, specs, compatibility) and
    store policies (returns, warranty, shipping, order changes and cancellation, support contact).

    Args:
        task: The question to answer from TechHub's product pages and policies.
    """
    return task


SUPERVISOR_TOOLS = [transfer_to_sql_agent, transfer_to_docs_agent]


def sql_tools(customer_id: int) -> list[BaseTool]:
    """``run_sql_query`` bound to one verified customer."""

    def run_sql_query(query: str) -> str:
        try:
            result = run_customer_query(customer_id, query)
        except ScopedQueryError as error:
            return f"Error: {error}"
        return json.dumps(
            {
                "columns": result.columns,
                "rows": [list(r) for r in result.rows],
                "truncated": result.truncated,
            },
            default=str,
        )

    return [
        StructuredTool.from_function(
            run_sql_query,
            name="run_sql_query",
            description=(
                "Run one read-only SQLite SELECT on the verified customer's orders database. "
                "Returns JSON with columns and rows, or an error message to fix the query."
            ),
        )
    ]


@tool
def search_documents(query: str) -> str:
    """Search TechHub's product pages and policies (returns, warranty, shipping, order changes and
    cancellation, support contact). Returns the best matching documents as JSON.

    Args:
        query: Words to look for, e.g. "return policy" or a product name.
    """
    hits = bm25_search(query, k=3)
    return json.dumps(
        [
            {
                "doc_id": hit.document.doc_id,
                "title": hit.document.title,
                "kind": hit.document.kind,
                "score": round(hit.score, 3),
                "text": hit.document.text,
            }
            for hit in hits
        ]
    )


@tool
def get_product_details(product_name: str) -> str:
    """Current price, stock and specs of one product from TechHub's catalogue, found by name.

    Args:
        product_name: The product's name, or most of it.
    """
    wanted = product_name.strip().lower()
    if not wanted:
        return "Error: give a product name."
    with closing(sqlite3.connect(f"file:{database_path()}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM products")]
    best = max(rows, key=lambda r: SequenceMatcher(None, wanted, r["name"].lower()).ratio())
    if (
        SequenceMatcher(None, wanted, best["name"].lower()).ratio() < 0.5
        and wanted not in best["name"].lower()
    ):
        return f"Error: no product named like {product_name!r}."
    best["specs"] = json.loads(best["specs"]) if best.get("specs") else {}
    return json.dumps(best)


@tool
def find_products(
    kind_or_category: str,
    sort_by: SortKey = "price",
    descending: bool = False,
    in_stock_only: bool = False,
    max_price: float | None = None,
) -> str:
    """TechHub's products of one kind or category, ranked: use it for the cheapest, most expensive,
    lightest, longest battery, biggest or fastest screen, in-stock or within-budget products of a kind.

    Args:
        kind_or_category: A kind ("laptop", "headphones", "power bank", "mouse"), a category
            ("Laptops", "Monitors", "Keyboards & Mice", "Audio", "Accessories") or a brand ("Sonique");
            empty for all products.
        sort_by: "price" (dollars), "weight" (kg), "battery" (hours), "screen" (inches), "refresh"
            (the screen's Hz), "storage" or "ram" (GB), or "stock" (units).
        descending: True for the most expensive, heaviest, longest battery, biggest or fastest screen,
            most stock.
        in_stock_only: True to leave out products that are out of stock.
        max_price: the customer's budget in dollars, if they gave one.
    """
    if sort_by not in SORT_KEYS:
        return f"Error: sort_by must be one of {', '.join(SORT_KEYS)}."
    catalogue = load_catalogue()
    if kind_or_category.strip() and not catalogue.select(kind_or_category):
        return (
            f"Error: no products of kind or category {kind_or_category!r}. "
            f"Categories: {', '.join(catalogue.categories)}."
        )
    ranked = catalogue.ranked(
        kind_or_category, sort_by, descending=descending, in_stock_only=in_stock_only, max_price=max_price
    )
    return json.dumps(
        {
            "kind_or_category": kind_or_category,
            "sort_by": sort_by,
            "descending": descending,
            "in_stock_only": in_stock_only,
            "max_price": max_price,
            "products": [{**p.as_row(), sort_by: p.figure(sort_by)} for p in ranked],
        }
    )


DOCS_TOOLS = [search_documents, get_product_details, find_products]
