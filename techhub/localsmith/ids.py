"""Ids as the store keeps them: canonical UUID text (lowercase, dashed).

Clients may send any form :class:`uuid.UUID` reads (upper case, braces, no dashes); the store and
every response use the canonical one, so an id compares equal however it was written. Anything
that is not a UUID is a :class:`BadRequest` naming the field.
"""

from __future__ import annotations

import re
import reprlib
import uuid
from typing import Any

from techhub.localsmith.exceptions import BadRequest

CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def as_uuid(value: Any, *what: str) -> str:
    """``value`` as canonical UUID text; anything else is a 400 naming ``what``.

    ``what`` may come in parts (``"run <id>", "trace_id"``), joined only for an error message: run
    ingest checks several ids of every run.
    """
    if type(value) is str and CANONICAL_UUID.fullmatch(value):
        return value  # already canonical (what the SDK sends): skip the slower UUID round trip
    try:
        if isinstance(value, str | uuid.UUID):
            return str(uuid.UUID(str(value)))
    except ValueError:
        pass
    raise BadRequest(f"{': '.join(what)}: {reprlib.repr(value)} is not a UUID")


def optional_uuid(value: Any, *what: str) -> str | None:
    """:func:`as_uuid`, except that ``None`` and ``""`` (an id left out) are ``None``."""
    if value is None or value == "":
        return None
    if type(value) is str and CANONICAL_UUID.fullmatch(value):
        return value  # as in as_uuid, without a second call (ingest checks four of these per run)
    return as_uuid(value, *what)
