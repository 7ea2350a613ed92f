"""ASGI middleware that checks the API key and bounds request bodies before any route runs.

A pure ASGI layer (not ``BaseHTTPMiddleware``) so it costs little per request. The body limit holds
for bodies with a ``Content-Length`` (rejected before reading) and for chunked bodies (counted while
reading, rejected as soon as they pass the limit): either way the client gets a 413 JSON error and
the server keeps serving.

It is also the last line of defence: an exception no route turned into a named error (a bug) is
logged with its traceback and answered with a JSON 500 here, so the connection stays usable (had it
reached Starlette's outer error middleware, uvicorn would close the keep-alive connection).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from starlette.requests import ClientDisconnect

from techhub.localsmith.exceptions import BadRequest, LocalSmithError, PayloadTooLarge, Unauthorized

logger = logging.getLogger(__name__)

_OPEN_PATHS = {"/ok", "/docs", "/openapi.json"}


async def _reject(send: Any, error: LocalSmithError) -> None:
    """Answer with the error's status and ``{"detail": message}``, as the app's handlers do."""
    body = json.dumps({"detail": error.message}).encode()
    await send({"type": "http.response.start", "status": error.status_code,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """401 without the right ``x-api-key`` (when a key is set); 413 for bodies over the limit."""

    def __init__(self, app: Any, *, api_key: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.api_key = api_key.encode() if api_key else None
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.api_key and scope.get("path") not in _OPEN_PATHS:
            given = headers.get(b"x-api-key", b"")
            if not hmac.compare_digest(given, self.api_key):
                await _reject(send, Unauthorized("missing or invalid x-api-key"))
                return
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _reject(send, BadRequest("invalid Content-Length header"))
                return
            if int(length) > self.max_body_bytes:
                await _reject(send, PayloadTooLarge(f"request body of {int(length)} bytes exceeds the limit"
                                                    f" of {self.max_body_bytes} bytes"))
                return
            await self._serve(scope, receive, send)
            return
        # No Content-Length (chunked): read the whole body here, counting, then replay it.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _reject(send, PayloadTooLarge(f"request body exceeds the limit of {self.max_body_bytes}"
                                                    " bytes"))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self._serve(scope, replay, send)

    async def _serve(self, scope: dict, receive: Any, send: Any) -> None:
        """Run the app; a bug costs one request a JSON 500, never the connection or the server."""
        started = False

        async def tracked(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except ClientDisconnect:
            return  # the client left mid-request: there is nobody to answer
        except Exception as exc:
            logger.exception("internal error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await _reject(send, LocalSmithError(f"internal error: {type(exc).__name__}: {exc}"))
