"""Reading requests: the server's database, and JSON bodies with a clear 400 when they are not JSON
or not the expected shape."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.store import Database
from techhub.localsmith.values import check_depth


def database(request: Request) -> Database:
    """The database of the app serving this request."""
    return request.app.state.db


async def json_body(
    request: Request, expect: type | tuple[type, ...] = dict, *, optional: bool = False
) -> Any:
    """The request body parsed as JSON; ``expect`` is the type the top level must have."""
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {} if expect is dict else None
        raise BadRequest("request body is empty; expected JSON")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from None
    if not isinstance(value, expect):
        names = " or ".join(t.__name__ for t in (expect if isinstance(expect, tuple) else (expect,)))
        wanted = {"dict": "a JSON object", "list": "a JSON array"}.get(names, names)
        raise BadRequest(f"request body must be {wanted}")
    return value


def json_object_param(value: str | None, name: str) -> dict | None:
    """A query parameter that holds a JSON object (``?metadata={...}``); absent or empty is ``None``.

    A 400 when it is not JSON, not an object, or nested too deep to store.
    """
    if not value:
        return None
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"query parameter {name!r} must be a JSON object: {exc}") from None
    if not isinstance(parsed, dict):
        raise BadRequest(f"query parameter {name!r} must be a JSON object, got {type(parsed).__name__}")
    check_depth(parsed, f"query parameter {name!r}")
    return parsed


def flag(value: str | None, name: str) -> bool | None:
    """A boolean query parameter (``true/false/1/0``); anything else is a 400."""
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise BadRequest(f"{name}: expected true or false, got {value!r}")
