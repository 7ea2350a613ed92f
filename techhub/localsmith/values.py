"""JSON values clients send, as the store keeps them: text, nested no deeper than a response can carry.

A value is stored as JSON text and sent back inside a response that wraps it in a few more levels
(``{"runs": [{"inputs": ...}]}``). Response encoders stop at about 255 levels (orjson at 254,
pydantic at 255), so a value stored without a bound could be written once and then break every
listing that includes it. Everything a client stores goes through :func:`json_text` (a 400 when too
deep) except run fields, which ingest bounds the same way more cheaply (its ``_dump``). One bound
for all, so that whatever a run holds can become an example.
"""

from __future__ import annotations

import json
from typing import Any

from techhub.localsmith.exceptions import BadRequest

RESPONSE_LEVELS = 8  # levels a response may add around a stored value, with room to spare
MAX_JSON_DEPTH = 254 - RESPONSE_LEVELS


def check_depth(value: Any, what: str) -> None:
    """A 400 naming ``what`` when ``value`` nests objects/arrays deeper than :data:`MAX_JSON_DEPTH`."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def json_text(value: Any, what: str = "a JSON value") -> str | None:
    """A value as stored in a JSON text column (``None`` stays SQL NULL); too deep is a 400."""
    if value is None:
        return None
    check_depth(value, what)
    return json.dumps(value)


def json_value(text: str | None) -> Any:
    """A JSON text column read back."""
    return None if text is None else json.loads(text)
