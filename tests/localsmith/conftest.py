"""Fixtures for integration tests of the local LangSmith-compatible server.

Every test here talks to the real server process through HTTP, with the real ``langsmith`` SDK.
Fixtures other test modules may reuse:

``localsmith_server`` (session)
    A :class:`techhub.localsmith.launcher.RunningServer` started with ``python -m techhub.localsmith``
    on a free 127.0.0.1 port and a fresh SQLite file. Attributes: ``url``, ``port``, ``db_path``,
    ``process``, ``log_path``. Shared by all tests of the session: isolate tests by project name.
``ls_client``
    ``langsmith.Client(api_url=url, api_key="test", auto_batch_tracing=True)`` on that server.
    Flushed at teardown so no background upload outlives the test.
``ls_client_factory``
    ``factory(**client_kwargs)``: more clients on the same server (e.g. ``auto_batch_tracing=False``),
    each flushed at teardown.
``project_name``
    A project name unique to the test (``test-<uuid>``), so tests never see each other's runs.
``dataset_name``
    A dataset name unique to the test (``ds-<uuid>``).
``http``
    An ``httpx.Client`` with ``base_url`` set to the server, for raw requests.
``multipart_body``
    A function ``(parts: list[tuple[name, bytes | dict | list | str]]) -> (body, content_type)``
    that encodes parts the way the SDK does (JSON-encodes non-bytes), for raw ``/runs/multipart``.

Nothing leaves the machine: tracing is off by default (tests turn it on with
``langsmith.tracing_context(enabled=True, client=ls_client, project_name=...)`` or
``@traceable(client=ls_client)``) and every SDK endpoint variable points at the local server.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator

import httpx
import langsmith
import pytest

from techhub.localsmith.launcher import RunningServer, start_server

_NETWORK_ENV = ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "OPENAI_API_KEY", "LANGCHAIN_ENDPOINT")


@pytest.fixture(scope="session")
def localsmith_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    db_path = tmp_path_factory.mktemp("localsmith") / "localsmith.db"
    server = start_server(db_path)
    saved = {k: os.environ.get(k) for k in (*_NETWORK_ENV, "LANGSMITH_ENDPOINT", "LANGSMITH_TRACING")}
    for key in _NETWORK_ENV:
        os.environ.pop(key, None)
    os.environ["LANGSMITH_ENDPOINT"] = server.url
    os.environ["LANGSMITH_TRACING"] = "false"
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


@pytest.fixture
def ls_client(localsmith_server: RunningServer) -> Iterator[langsmith.Client]:
    client = langsmith.Client(api_url=localsmith_server.url, api_key="test", auto_batch_tracing=True)
    try:
        yield client
    finally:
        client.flush()


@pytest.fixture
def ls_client_factory(localsmith_server: RunningServer) -> Iterator[Callable[..., langsmith.Client]]:
    made: list[langsmith.Client] = []

    def factory(**kwargs) -> langsmith.Client:
        kwargs.setdefault("auto_batch_tracing", True)
        made.append(langsmith.Client(api_url=localsmith_server.url, api_key="test", **kwargs))
        return made[-1]

    try:
        yield factory
    finally:
        for client in made:
            client.flush()


@pytest.fixture
def project_name() -> str:
    return f"test-{uuid.uuid4()}"


@pytest.fixture
def dataset_name() -> str:
    return f"ds-{uuid.uuid4()}"


@pytest.fixture
def http(localsmith_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=localsmith_server.url, timeout=30) as client:
        yield client


def _encode_multipart(parts: list[tuple[str, object]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    chunks = []
    for name, value in parts:
        data = value if isinstance(value, bytes) else json.dumps(value).encode()
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data + b"\r\n"
        )
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def multipart_body() -> Callable[[list[tuple[str, object]]], tuple[bytes, str]]:
    return _encode_multipart
