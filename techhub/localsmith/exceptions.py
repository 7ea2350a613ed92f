"""Every error the local server returns, as a class with LangSmith's status code.

Routes raise these; :func:`techhub.localsmith.app.create_app` turns them into JSON responses
``{"detail": message}`` with the class's status, the shape the ``langsmith`` SDK reports to users.
"""

from __future__ import annotations


class LocalSmithError(Exception):
    """Base class: an HTTP status and a message meant for the person reading the SDK's error."""

    status_code: int = 500
    MAX_MESSAGE = 2000  # a message quoting a huge bad value is cut: the client sent that value already

    def __init__(self, message: str) -> None:
        if len(message) > self.MAX_MESSAGE:
            message = message[: self.MAX_MESSAGE] + f"... ({len(message) - self.MAX_MESSAGE} more characters)"
        super().__init__(message)
        self.message = message


class BadRequest(LocalSmithError):
    """Malformed input: bad JSON, wrong types, malformed multipart or filters."""

    status_code = 400


class Unauthorized(LocalSmithError):
    """An API key is configured and the request lacks the right ``x-api-key``."""

    status_code = 401


class NotFound(LocalSmithError):
    """No such run, project, feedback, ... (the SDK turns it into ``LangSmithNotFoundError``)."""

    status_code = 404


class Conflict(LocalSmithError):
    """A name or id already taken (the SDK treats 409 on ingest as success)."""

    status_code = 409


class PayloadTooLarge(LocalSmithError):
    """A body (or its zstd-inflated form) over ``--max-body-bytes``."""

    status_code = 413


class UnprocessableEntity(LocalSmithError):
    """Well-formed but impossible (e.g. a categorical config left with fewer than two categories)."""

    status_code = 422


class NotSupported(LocalSmithError):
    """A LangSmith feature that needs its cloud services (semantic search): 501, as LangSmith answers
    when a deployment lacks it."""

    status_code = 501
