"""Timestamps as the store keeps them: UTC, ISO 8601, microseconds, no offset.

One fixed-width text form (``2025-11-20T09:30:00.123456``) sorts and compares correctly as text, so
SQLite indexes and cursors can use it directly, and the SDK parses it (naive means UTC to it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from techhub.localsmith.exceptions import BadRequest

STORED_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def normalize_time(value: object, field: str = "time") -> str | None:
    """Turn an ISO string (any offset, ``Z``, or naive = UTC) or epoch number into the stored form.

    ``None`` and ``""`` stay ``None``; anything unparseable is a :class:`BadRequest` naming ``field``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRequest(f"{field}: expected an ISO 8601 timestamp, got {value!r}")
    if isinstance(value, int | float):
        try:
            parsed = datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise BadRequest(f"{field}: {value!r} is out of range for a timestamp") from None
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise BadRequest(f"{field}: expected an ISO 8601 timestamp, got {value!r}") from None
    else:
        raise BadRequest(f"{field}: expected an ISO 8601 timestamp, got {type(value).__name__}")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.isoformat(timespec="microseconds")  # == strftime(STORED_FORMAT), faster


def parse_stored(value: str) -> datetime:
    """The stored text form back to an aware UTC datetime."""
    return datetime.strptime(value, STORED_FORMAT).replace(tzinfo=UTC)


def seconds_between(start: str | None, end: str | None) -> float | None:
    """Seconds from ``start`` to ``end`` (both stored form), or ``None`` if either is missing."""
    if not start or not end:
        return None
    return (parse_stored(end) - parse_stored(start)).total_seconds()


def now() -> str:
    """The current time in stored form (used only for server-side bookkeeping like ``created_at``)."""
    return datetime.now(UTC).replace(tzinfo=None).strftime(STORED_FORMAT)
