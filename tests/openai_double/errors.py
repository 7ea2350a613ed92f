"""The errors the double answers with, each with the HTTP status and the body shape OpenAI uses.

OpenAI's error body is ``{"error": {"message", "type", "param", "code"}}``; the ``openai`` client turns
400 into ``BadRequestError``, 401 into ``AuthenticationError`` and 404 into ``NotFoundError``, and
does not retry any of them, so a mistake fails at once with OpenAI's own wording.
"""

from __future__ import annotations


class OpenAIError(Exception):
    """An API error: ``status`` and the fields of OpenAI's error object."""

    status = 400
    type = "invalid_request_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class InvalidRequest(OpenAIError):
    """A malformed or contradictory request (400)."""


class InvalidAPIKey(OpenAIError):
    """No bearer key, or not the key the double was told to expect (401)."""

    status = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, code="invalid_api_key")


class ModelNotFound(OpenAIError):
    """A model name OpenAI does not serve (404, as OpenAI answers a typo in the model name)."""

    status = 404

    def __init__(self, model: str) -> None:
        super().__init__(
            f"The model `{model}` does not exist or you do not have access to it.", code="model_not_found"
        )


class UnknownURL(OpenAIError):
    """A path the double does not serve (404, OpenAI's "Invalid URL")."""

    status = 404

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"Invalid URL ({method} {path})")


class UnsupportedByDouble(InvalidRequest):
    """Valid for OpenAI, but beyond what the offline model behind the double can answer (400)."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(
            f"{message} (not supported by the OpenAI test double)",
            param=param,
            code="unsupported_by_test_double",
        )
