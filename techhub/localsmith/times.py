"""Timestamps as the store keeps them: UTC, ISO 8601, microseconds, no offset.

One fixed-width text form (``2025-11-20T09:30:00.123456``) sorts and compares correctly as text, so
SQLite indexes and cursors can use it directly, and the SDK parses it (naive means UTC to it).
"""

from __future__ import annotations

import reprlib
from datetime import UTC, datetime

from techhub.localsmith.exceptions import BadRequest

STORED_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def parse_time(value: object, field: str = "time", *, epoch: bool = True) -> datetime | None:
    """An ISO 8601 string (any offset, ``Z``, or naive = UTC) as a naive UTC datetime.

    ``None`` and ``""`` are ``None``. With ``epoch``, a number is seconds since 1970; without it (run
    payloads, which the SDK always sends as text) a number is an error. Anything unparseable, or out
    of the range of a datetime once converted to UTC, is a :class:`BadRequest` naming ``field``.
    """
    if value is None or value == "":
        return None
    if type(value) is str and value.endswith("+00:00"):
        # What the SDK writes: parsing the naive part skips a time zone conversion.
        try:
            return datetime.fromisoformat(value[:-6])
        except ValueError:
            pass  # the general path below names the error
    if isinstance(value, bool) or (not epoch and not isinstance(value, str)):
        raise BadRequest(f"{field}: expected an ISO 8601 timestamp, got {reprlib.repr(value)}")
    try:
        if isinstance(value, int | float):
            parsed = datetime.fromtimestamp(float(value), tz=UTC)
        elif isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            parsed = datetime.fromisoformat(text)
        else:
            raise BadRequest(f"{field}: expected an ISO 8601 timestamp, got {type(value).__name__}")
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, OSError):
        raise BadRequest(f"{field}: {reprlib.repr(value)} is out of range for a timestamp") from None
    except ValueError:
        raise BadRequest(f"{field}: expected an ISO 8601 timestamp, got {reprlib.repr(value)}") from None
    return parsed


def stored_time(moment: datetime | None) -> str | None:
    """A naive UTC datetime in stored form (``None`` stays ``None``)."""
    # isoformat() writes the stored form several times faster than strftime(STORED_FORMAT).
    return moment.isoformat(timespec="microseconds") if moment is not None else None


def normalize_time(value: object, field: str = "time") -> str | None:
    """:func:`parse_time` in stored form: what the store writes for a timestamp given by a client."""
    return stored_time(parse_time(value, field))


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
