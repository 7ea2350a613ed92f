"""Customer look-ups used for identity verification (the human-in-the-loop step of the agent).

The email comes straight from a chat message, so it is treated as hostile: normalised, bounded,
passed as a query parameter over a read-only connection. Anything that is not a known email is None.
"""

from __future__ import annotations

import re
from contextlib import closing
from dataclasses import dataclass

from techhub.db.build import connect_readonly, database_path

# RFC 5321 caps an address at 254 characters; anything longer cannot be a customer's email.
_MAX_EMAIL_LENGTH = 254
# How an email address looks in free text (a message, an answer): for finding one, not validating.
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_COLUMNS = "customer_id, first_name, last_name, email"


@dataclass(frozen=True)
class Customer:
    """A verified customer: enough to greet them and to scope their queries."""

    customer_id: int
    first_name: str
    last_name: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _fetch_one(sql: str, param: object) -> Customer | None:
    with closing(connect_readonly(database_path())) as conn:
        row = conn.execute(sql, (param,)).fetchone()
    return Customer(*row) if row else None


def find_customer_by_email(email: str) -> Customer | None:
    """The customer with this email (case and surrounding spaces ignored), or None."""
    if not isinstance(email, str):
        return None
    normalised = email.strip().lower()
    if not normalised or len(normalised) > _MAX_EMAIL_LENGTH or "@" not in normalised:
        return None
    return _fetch_one(f"SELECT {_COLUMNS} FROM customers WHERE email = ?", normalised)


def get_customer(customer_id: int) -> Customer | None:
    """The customer with this id, or None (also for ids that are not integers)."""
    if isinstance(customer_id, bool) or not isinstance(customer_id, int):
        return None
    if not -(2**63) <= customer_id < 2**63:
        return None
    return _fetch_one(f"SELECT {_COLUMNS} FROM customers WHERE customer_id = ?", customer_id)
