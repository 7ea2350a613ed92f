"""The double's HTTP layer: a Starlette app on a loopback port, served by uvicorn in a thread.

Routes: ``POST /v1/chat/completions`` (JSON or SSE), ``GET /v1/models`` and ``GET /v1/models/{id}``;
any other path is OpenAI's 404 "Invalid URL". Every request is checked for the bearer key and
recorded (:attr:`OpenAIDouble.requests`), whatever its outcome, so a test can prove which calls
reached it.
"""

from __future__ import annotations

import collections
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .completions import SNAPSHOTS, answer, completion_body, completion_chunks
from .errors import InvalidAPIKey, InvalidRequest, OpenAIError, UnknownURL
from .wire import read_chat_request

HOST = "127.0.0.1"
_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True)
class ServedRequest:
    """One request the double answered: what was asked, with which key, and the status it got."""

    method: str
    path: str
    body: Any
    authorization: str | None
    status: int


def _masked(key: str) -> str:
    return f"{key[:3]}***{key[-4:]}" if len(key) > 8 else "***"


class OpenAIDouble:
    """A loopback stand-in for OpenAI's Chat Completions API, answering with the offline model.

    ``api_key`` is the only bearer key accepted (a request without it gets OpenAI's 401).
    """

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.requests: list[ServedRequest] = []
        self.url: str | None = None
        """``http://127.0.0.1:<port>/v1`` while serving: what ``OPENAI_BASE_URL`` should be."""
        self._refusals: collections.deque[str] = collections.deque()
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat_completions, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/v1/models/{model}", self._model, methods=["GET"]),
                Route("/{path:path}", self._unknown, methods=_ALL_METHODS),
            ]
        )

    def refuse_next(self, text: str) -> None:
        """Script a refusal: the next chat completion answers ``refusal=text`` and no content."""
        self._refusals.append(text)

    def chat_requests(self) -> list[ServedRequest]:
        """The chat completions served so far (any status)."""
        return [r for r in self.requests if r.path == "/v1/chat/completions"]

    # --- routes -----------------------------------------------------------------------------------

    async def _chat_completions(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")

        def respond() -> Response:
            self._authorize(request)
            chat = read_chat_request(body)
            refusal = self._refusals.popleft() if self._refusals else None
            completion = answer(chat, refusal=refusal)
            if not chat.stream:
                return JSONResponse(completion_body(completion))
            chunks = completion_chunks(completion, include_usage=chat.include_usage)
            events = (f"data: {json.dumps(chunk)}\n\n" for chunk in chunks)
            return StreamingResponse(
                _then_done(events), media_type="text/event-stream", headers={"cache-control": "no-cache"}
            )

        return await self._record(request, body, respond)

    async def _models(self, request: Request) -> Response:
        def respond() -> Response:
            self._authorize(request)
            return JSONResponse(
                {"object": "list", "data": [_model_object(m) for m in (*SNAPSHOTS, *SNAPSHOTS.values())]}
            )

        return await self._record(request, None, respond)

    async def _model(self, request: Request) -> Response:
        def respond() -> Response:
            self._authorize(request)
            model = request.path_params["model"]
            if model not in SNAPSHOTS and model not in SNAPSHOTS.values():
                raise InvalidRequest(
                    f"The model '{model}' does not exist", param="model", code="model_not_found"
                )
            return JSONResponse(_model_object(model))

        return await self._record(request, None, respond)

    async def _unknown(self, request: Request) -> Response:
        def respond() -> Response:
            raise UnknownURL(request.method, request.url.path)

        return await self._record(request, None, respond)

    # --- helpers ----------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> None:
        header = request.headers.get("authorization") or ""
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise InvalidAPIKey(
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            )
        if key != self.api_key:
            raise InvalidAPIKey(f"Incorrect API key provided: {_masked(key)}.")

    async def _record(self, request: Request, body: Any, respond: Any) -> Response:
        """Run ``respond`` off the event loop (the offline model is synchronous); errors as OpenAI's."""
        try:
            response = await run_in_threadpool(respond)
        except OpenAIError as error:
            response = JSONResponse(error.body(), status_code=error.status)
        self.requests.append(
            ServedRequest(
                request.method, request.url.path, body, request.headers.get("authorization"),
                response.status_code,
            )
        )  # fmt: skip
        return response

    # --- serving ----------------------------------------------------------------------------------

    @contextmanager
    def serve(self, timeout: float = 10.0) -> Iterator[str]:
        """Serve on a free loopback port for the ``with`` block; yields the base URL (``.../v1``)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the OpenAI test double did not start")
            time.sleep(0.02)
        self.url = f"http://{HOST}:{port}/v1"
        try:
            yield self.url
        finally:
            server.should_exit = True
            thread.join(timeout)
            sock.close()
            self.url = None


def _then_done(events: Iterator[str]) -> Iterator[str]:
    yield from events
    yield "data: [DONE]\n\n"


def _model_object(model: str) -> dict:
    return {"id": model, "object": "model", "created": 1721172741, "owned_by": "system"}
