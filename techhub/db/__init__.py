"""The TechHub SQLite store: built from ``data/``, read through verified, customer-scoped access.

Public API: :func:`build_database`, :func:`database_path`, :class:`Customer`,
:func:`find_customer_by_email`, :func:`get_customer`, :func:`run_customer_query`,
:class:`QueryResult`, :class:`ScopedQueryError` and :data:`CUSTOMER_SCHEMA`.
"""

from techhub.db.build import build_database, database_path
from techhub.db.customers import EMAIL_PATTERN, Customer, find_customer_by_email, get_customer
from techhub.db.schema import CUSTOMER_SCHEMA
from techhub.db.scoped import QueryResult, ScopedQueryError, run_customer_query

__all__ = [
    "CUSTOMER_SCHEMA",
    "EMAIL_PATTERN",
    "Customer",
    "QueryResult",
    "ScopedQueryError",
    "build_database",
    "database_path",
    "find_customer_by_email",
    "get_customer",
    "run_customer_query",
]
