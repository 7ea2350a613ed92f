"""Bad input gets a 4xx JSON error with a message, and the server keeps serving: malformed
multipart and zstd, bad JSON, wrong types, unknown routes, oversized bodies (with and without
Content-Length), and the API key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import langsmith
import pytest
import zstandard

from techhub import smith
from techhub.localsmith.launcher import RunningServer, running_server

LIMIT = 4096
KEY = "s3cret-key"
MULTIPART = "multipart/form-data; boundary=b"


def _run(**fields) -> dict:
    run_id = str(uuid.uuid4())
    return {"id": run_id, "trace_id": run_id, "session_name": "errors", "name": "r", "run_type": "chain",
            "start_time": "2025-11-20T10:00:00Z", **fields}


def _still_serving(http: httpx.Client) -> None:
    assert http.get("/ok").status_code == 200
    assert http.get("/info").json()["batch_ingest_config"]["use_multipart_endpoint"] is True


def _detail(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert detail
    return str(detail)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"--b\r\nContent-Disposition: form-data; name=\"post.x\"\r\n\r\n{}", MULTIPART,
         "ends before the closing boundary"),
        (b"garbage", MULTIPART, "malformed multipart"),
        (b"{}", "application/json", "multipart/form-data"),
    ],
)
def test_malformed_multipart(http, body, content_type, expected):
    response = http.post("/runs/multipart", content=body, headers={"Content-Type": content_type})
    assert expected in _detail(response, 400)
    _still_serving(http)


def test_bad_parts(http, multipart_body):
    run = _run()
    cases = [
        ([(f"post.{run['id']}", b"{not json")], "is not valid JSON"),
        ([(f"post.{run['id']}", [1, 2])], "expected a JSON object"),
        ([(f"post.{run['id']}.inputs", {"a": 1})], f"has no post.{run['id']} part"),
        ([("upsert.x", {})], "unknown part kind 'upsert'"),
        ([(f"post.{run['id']}", run), (f"post.{run['id']}.colour", "red")], "unknown run field 'colour'"),
        ([(f"post.{run['id']}", {**run, "id": str(uuid.uuid4())})], "must be the one in its name"),
    ]
    for parts, expected in cases:
        body, content_type = multipart_body(parts)
        response = http.post("/runs/multipart", content=body, headers={"Content-Type": content_type})
        assert expected in _detail(response, 400)
    _still_serving(http)


def test_bad_zstd(http, multipart_body):
    response = http.post("/runs/multipart", content=b"not zstd at all",
                         headers={"Content-Type": MULTIPART, "Content-Encoding": "zstd"})
    assert "zstd" in _detail(response, 400)
    response = http.post("/runs/multipart", content=b"x",
                         headers={"Content-Type": MULTIPART, "Content-Encoding": "br"})
    assert "unsupported Content-Encoding" in _detail(response, 400)


@pytest.mark.parametrize(
    ("path", "payload", "expected"),
    [
        ("/runs/batch", b"{oops", "not valid JSON"),
        ("/runs/batch", b"[1, 2]", "must be a JSON object"),
        ("/runs/batch", b'{"post": {"id": 1}}', "post and patch must be lists"),
        ("/sessions", b"", "body is empty"),
        ("/feedback", b"nope", "not valid JSON"),
        ("/runs/query", b'{"limit": "ten"}', "limit"),
        ("/runs/query", b'{"session": ["not-a-uuid"]}', "is not a UUID"),
        ("/runs/query", b'{"colour": "red"}', "unknown query keys"),
        ("/runs/query", b'{"cursor": "garbage"}', "not a cursor"),
    ],
)
def test_bad_json_bodies(http, path, payload, expected):
    response = http.post(path, content=payload, headers={"Content-Type": "application/json"})
    assert expected in _detail(response, 400)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": 42}, "name must be a string"),
        ({"start_time": "yesterday"}, "expected an ISO 8601 timestamp"),
        ({"tags": "prod"}, "tags must be a list of strings"),
        ({"inputs": [1]}, "inputs must be an object"),
        ({"id": "run-1"}, "is not a UUID"),
        ({"parent_run_id": "p"}, "is not a UUID"),
    ],
)
def test_wrong_types_in_runs_are_rejected_atomically(http, fields, expected):
    good, bad = _run(name="good-in-bad-batch"), _run(**fields)
    response = http.post("/runs/batch", json={"post": [good, bad]})
    assert expected in _detail(response, 400)
    assert http.get(f"/runs/{good['id']}").status_code == 404  # nothing of the batch was written


def test_unknown_routes_are_404_json(http):
    assert "Not Found" in _detail(http.get("/no/such/route"), 404)
    assert _detail(http.get("/runs/not-a-uuid"), 404)
    assert "not found" in _detail(http.get(f"/runs/{uuid.uuid4()}"), 404)
    assert "not found" in _detail(http.patch(f"/sessions/{uuid.uuid4()}", json={}), 404)
    assert "not found" in _detail(http.delete(f"/feedback/{uuid.uuid4()}"), 404)
    assert _detail(http.get("/api/v1/no/such/route"), 404)


def test_openapi_is_served(http):
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/runs/multipart", "/runs/query", "/sessions", "/feedback"} <= set(paths)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> Iterator[RunningServer]:
    """A second server with an API key and a small body limit."""
    db_path = tmp_path_factory.mktemp("guarded") / "g.db"
    with running_server(db_path, api_key=KEY, max_body_bytes=LIMIT) as server:
        yield server


@pytest.fixture
def guarded_http(guarded) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=guarded.url, headers={"x-api-key": KEY}, timeout=30) as client:
        yield client


def test_api_key_is_required(guarded, guarded_http):
    assert "x-api-key" in _detail(httpx.get(f"{guarded.url}/sessions"), 401)
    assert _detail(httpx.get(f"{guarded.url}/api/v1/info", headers={"x-api-key": "wrong"}), 401)
    assert httpx.get(f"{guarded.url}/ok").status_code == 200  # liveness needs no key
    assert guarded_http.get("/sessions").status_code == 200


def test_sdk_with_the_right_key_traces(guarded, project_name):
    client = langsmith.Client(api_url=guarded.url, api_key=KEY, auto_batch_tracing=True)

    @langsmith.traceable
    def hello() -> str:
        return "hi"

    with langsmith.tracing_context(enabled=True, client=client, project_name=project_name):
        hello()
    client.flush()
    # The generated v2 client sends the same key (x-api-key) and is let in too.
    roots = smith.query_root_runs(project_name, client=client, selects=("NAME",))
    assert [r.name for r in roots] == ["hello"]
    wrong = langsmith.Client(api_url=guarded.url, api_key="nope", auto_batch_tracing=False)
    with pytest.raises(langsmith.utils.LangSmithError):
        wrong.read_project(project_name=project_name)


def test_oversized_body_with_content_length_is_413(guarded_http):
    response = guarded_http.post("/runs/batch", json={"post": [_run(inputs={"blob": "x" * LIMIT})]})
    assert "exceeds the limit" in _detail(response, 413)
    _still_serving(guarded_http)


def test_oversized_chunked_body_is_413(guarded_http):
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    response = guarded_http.post("/runs/batch", content=chunks(),
                                 headers={"Content-Type": "application/json"})
    assert "exceeds the limit" in _detail(response, 413)
    small = guarded_http.post("/runs/batch", content=iter([b'{"post": [', b"]}"]))
    assert small.status_code == 202  # a chunked body under the limit is fine
    _still_serving(guarded_http)


def test_zstd_bomb_is_413(guarded_http, multipart_body):
    body, content_type = multipart_body([(f"post.{uuid.uuid4()}", {"inputs": {"x": "y" * 100_000}})])
    compressed = zstandard.ZstdCompressor().compress(body)
    assert len(compressed) < LIMIT
    response = guarded_http.post("/runs/multipart", content=compressed,
                                 headers={"Content-Type": content_type, "Content-Encoding": "zstd"})
    assert "decompressed body exceeds" in _detail(response, 413)
    _still_serving(guarded_http)


def test_a_bug_costs_one_request_a_json_500(tmp_path):
    """The guard's last line of defence: the real app with one more route that raises."""
    from starlette.testclient import TestClient

    from techhub.localsmith.app import create_app

    app = create_app(tmp_path / "bug.db")

    @app.get("/broken")
    def broken() -> dict:
        raise ZeroDivisionError("a bug")

    with TestClient(app, raise_server_exceptions=True) as client:
        assert "internal error: ZeroDivisionError: a bug" in _detail(client.get("/broken"), 500)
        assert client.get("/ok").json() == {"ok": True}


def test_an_error_quoting_a_huge_value_is_short(http):
    response = http.post("/runs", json={"id": list(range(300_000)), "name": "x"})
    assert len(_detail(response, 400)) < 2100


def test_a_cycle_of_parents_is_stored_and_never_blocks_a_write(http):
    """A's parent is B and B's parent is A: neither can ever learn a trace, and linking must stop."""
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    for run_id, parent in ((a, b), (b, a)):
        response = http.post("/runs", json=_run(id=run_id, trace_id=None, parent_run_id=parent), timeout=10)
        assert response.status_code == 202, response.text
    assert http.post("/runs", json=_run(), timeout=10).status_code == 202
    _still_serving(http)
