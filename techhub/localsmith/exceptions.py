"""Every error the local server returns, as a class with LangSmith's status code.

Routes raise these; :func:`techhub.localsmith.app.create_app` turns them into JSON responses
``{"detail": message}`` with the class's status, the shape the ``langsmith`` SDK reports to users.
"""

from __future__ import annotations


class LocalSmithError(Exception):
    """Base class: an HTTP status and a message meant for the person reading the SDK's error."""

    status_code: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(LocalSmithError):
    status_code = 400


class Unauthorized(LocalSmithError):
    status_code = 401


class NotFound(LocalSmithError):
    status_code = 404


class Conflict(LocalSmithError):
    status_code = 409


class PayloadTooLarge(LocalSmithError):
    status_code = 413


class UnprocessableEntity(LocalSmithError):
    status_code = 422
