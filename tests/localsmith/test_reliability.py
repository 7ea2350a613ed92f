"""Reliability of the local LangSmith-compatible server, run as a real subprocess on loopback.

Why: the course pushes every simulated conversation through this server, often from several threads,
and learners kill kernels and laptops at any moment. These tests hold the server to what LangSmith
promises the SDK: an acknowledged run is stored, bad input gets a clear 4xx and loses nothing, and
an API key, when configured, is enforced. They use the real ``langsmith`` SDK and raw HTTP bodies
built by the SDK's own serializers (see ``benchmarks/localsmith_bench.py``, whose helpers are reused).
The server is started with :mod:`techhub.localsmith.launcher`, the same command learners run.
"""

from __future__ import annotations

import importlib.util
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import httpx
import langsmith as ls
import pytest
import zstandard
from langsmith.types import Run

from techhub import smith
from techhub.localsmith.launcher import running_server, start_server

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "localsmith_bench", REPO / "benchmarks" / "localsmith_bench.py"
)
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench  # dataclasses resolve their module through sys.modules
_spec.loader.exec_module(bench)

PROJECT = "reliability"
MAX_BODY = 64 * 1024


def stored_ids(http: httpx.Client, project: str, **query: object) -> list[str]:
    """Every run id the server returns for ``project`` (duplicates kept, so tests can see them)."""
    return list(bench.fetch_run_ids(http, bench.project_id(http, project), **query))


def sdk_runs(client: ls.Client, project: str, *, is_root: bool) -> list[Run]:
    """Every run of a project through the SDK's v2 runs API (``runs.query_v2``), as a notebook reads
    them; from any time (the benchmark's traces are dated early 2026)."""
    return list(smith.api_for(client).runs.query_v2(
        project_ids=[smith.project_id(project, client=client)], is_root=is_root, page_size=1000,
        min_start_time=datetime(2000, 1, 1, tzinfo=UTC), selects=["NAME", "TRACE_ID", "PARENT_RUN_IDS"]))


def body_for(tag: str, traces: range, project: str = PROJECT, *, zstd: bool = False):
    """(run ids, body bytes, headers) for a multipart body carrying ``traces`` (2 runs each)."""
    ops = [op for i in traces for op in bench.trace_ops(project, tag, i)]
    data, headers = bench.multipart_body(ops, zstd=zstd)
    return [str(op.id) for op in ops], data, headers


def raw_multipart(parts: list[tuple[str, bytes]], boundary: str = "b0undary") -> tuple[bytes, dict[str, str]]:
    """A hand-written multipart body, to send what the SDK never would."""
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
        f"Content-Type: application/json\r\n\r\n".encode()
        + payload
        + b"\r\n"
        for name, payload in parts
    ]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), {
        "Content-Type": f"multipart/form-data; boundary={boundary}"
    }


# --------------------------------------------------------------------------- concurrency


@pytest.mark.slow
def test_eight_sdk_clients_each_sending_1000_traces_lose_nothing(tmp_path: Path) -> None:
    """8 threads, each its own ``Client``, 1,000 traces of a root and a child each: all 16,000 land."""

    @ls.traceable(name=bench.CHILD_NAME, run_type="llm")
    def child(question: str) -> str:
        return f"answer to {question}"

    @ls.traceable(name=bench.ROOT_NAME)
    def root(question: str) -> tuple[str, str]:
        child(question)
        tree = ls.get_current_run_tree()
        return str(tree.id), str(tree.child_runs[-1].id) if tree.child_runs else ""

    def one_client(url: str, k: int) -> list[tuple[str, str]]:
        client = ls.Client(api_url=url, api_key="unused")
        with ls.tracing_context(enabled=True, client=client, project_name=PROJECT):
            ids = [root(f"client {k} question {i}") for i in range(1000)]
        client.flush(timeout=60)
        client.cleanup(timeout=5)
        return ids

    with running_server(tmp_path / "ls.db") as server:
        with ThreadPoolExecutor(8) as pool:
            sent = [pair for ids in pool.map(lambda k: one_client(server.url, k), range(8)) for pair in ids]
        sent_roots = {r for r, _ in sent}
        assert len(sent_roots) == 8000

        client = ls.Client(api_url=server.url, api_key="unused")
        roots = sdk_runs(client, PROJECT, is_root=True)
        children = sdk_runs(client, PROJECT, is_root=False)
        assert len(roots) == 8000 and {r.id for r in roots} == sent_roots
        assert {r.name for r in roots} == {bench.ROOT_NAME}
        assert len(children) == 8000 and {c.id for c in children} == {c for _, c in sent}
        assert {c.parent_run_ids[-1] for c in children} == sent_roots
        assert all(c.trace_id == c.parent_run_ids[-1] for c in children)


# --------------------------------------------------------------------------- crash safety


@pytest.mark.slow
def test_sigkill_mid_ingest_keeps_every_acknowledged_run(tmp_path: Path) -> None:
    """SIGKILL while two clients stream batches: every 2xx-acknowledged run survives, the file is sound."""
    db = tmp_path / "ls.db"
    bodies = [body_for("kill", range(k * 25, (k + 1) * 25)) for k in range(240)]  # 12,000 runs
    acked: list[str] = []
    acked_lock = threading.Lock()
    server = start_server(db)

    def stream(share: list) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for ids, data, headers in share:
                try:
                    resp = http.post("/runs/multipart", content=data, headers=headers)
                except httpx.TransportError:
                    return  # the server is gone: the rest of this stream is unacknowledged
                if resp.is_success:
                    with acked_lock:
                        acked.extend(ids)

    try:
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(stream, bodies[k::2]) for k in range(2)]
            while len(acked) < 50 * 60 and not all(f.done() for f in futures):
                time.sleep(0.001)
            server.stop(signal.SIGKILL)
            for f in futures:
                f.result()
        assert 0 < len(acked) < 50 * len(bodies), "the kill must land mid-stream"

        with closing(sqlite3.connect(db)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

        server = start_server(db)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            after_restart = stored_ids(http, PROJECT)
            assert set(acked) <= set(after_restart), f"{len(set(acked) - set(after_restart))} acked runs lost"
            assert len(after_restart) == len(set(after_restart)), "duplicate runs after restart"

            for _ids, data, headers in bodies:  # the SDK retries: resending everything must not duplicate
                assert http.post("/runs/multipart", content=data, headers=headers).is_success
            final = stored_ids(http, PROJECT)
            assert len(final) == len(set(final)) == 50 * len(bodies)
    finally:
        server.stop()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


# --------------------------------------------------------------------------- malformed input


@pytest.fixture(scope="module")
def small_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[httpx.Client, list[str]]]:
    """One server with a 64 KiB body limit, seeded with 10 traces that no bad request may remove."""
    db = tmp_path_factory.mktemp("malformed") / "ls.db"
    with (
        running_server(db, max_body_bytes=MAX_BODY) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        seed, data, headers = body_for("seed", range(10))
        assert http.post("/runs/multipart", content=data, headers=headers).is_success
        assert sorted(stored_ids(http, PROJECT)) == sorted(seed)
        yield http, seed


def _valid():
    return body_for("valid", range(2))


RID = str(bench.run_id("typed", 0))


def _one_run(**override: object) -> bytes:
    """The JSON of one valid root run, with fields overridden."""
    run = {
        "id": RID,
        "trace_id": RID,
        "dotted_order": f"20260105T090000000000Z{RID}",
        "name": "x",
        "run_type": "chain",
        "session_name": PROJECT,
        "start_time": "2026-01-05T09:00:00+00:00",
    }
    run.update(override)
    return json.dumps(run).encode()


def _zstd_bomb() -> tuple[bytes, dict[str, str]]:
    """A few KiB on the wire that inflate to 2 MiB: the limit must apply after decompression too."""
    data, headers = raw_multipart(
        [(f"post.{RID}", _one_run()), (f"post.{RID}.inputs", b'{"text": "' + b"a" * 2 * 1024 * 1024 + b'"}')]
    )
    return zstandard.ZstdCompressor().compress(data), {**headers, "Content-Encoding": "zstd"}


def _chunks(data: bytes) -> Iterator[bytes]:
    for k in range(0, len(data), 8192):
        yield data[k : k + 8192]


BAD_REQUESTS = {
    "boundary in header differs from body": lambda: (
        "POST",
        "/runs/multipart",
        _valid()[1],
        {"Content-Type": "multipart/form-data; boundary=not-the-one"},
    ),
    "multipart without boundary": lambda: (
        "POST",
        "/runs/multipart",
        _valid()[1],
        {"Content-Type": "multipart/form-data"},
    ),
    "truncated multipart": lambda: (
        "POST",
        "/runs/multipart",
        _valid()[1][: len(_valid()[1]) // 2],
        _valid()[2],
    ),
    "bad JSON in a part": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", b'{"id": "' + RID.encode() + b'", "na')]),
    ),
    "start_time is a number": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", _one_run(start_time=5))]),
    ),
    "start_time is epoch milliseconds": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", _one_run(start_time=1767600000000))]),
    ),
    "tags is a string": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", _one_run(tags="bench"))]),
    ),
    "dotted_order is garbage": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", _one_run(dotted_order="garbage"))]),
    ),
    "dotted_order names another run": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", _one_run(dotted_order=f"20251120T101010000000Z{uuid.uuid4()}"))]),
    ),
    "id is not a uuid": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([("post.not-a-uuid", _one_run(id="not-a-uuid"))]),
    ),
    "inputs part is not JSON": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", _one_run()), (f"post.{RID}.inputs", b"{")]),
    ),
    "zstd header on a plain body": lambda: (
        "POST",
        "/runs/multipart",
        _valid()[1],
        {**_valid()[2], "Content-Encoding": "zstd"},
    ),
    "oversized body with content-length": lambda: (
        "POST",
        "/runs/multipart",
        *body_for("big", range(200))[1:],
    ),
    "oversized body, chunked without content-length": lambda: (
        "POST",
        "/runs/multipart",
        _chunks(body_for("big", range(200))[1]),
        body_for("big", range(1))[2],
    ),
    "zstd body that inflates past the limit": lambda: ("POST", "/runs/multipart", *_zstd_bomb()),
    "batch body is not JSON": lambda: (
        "POST",
        "/runs/batch",
        b'{"post": [',
        {"Content-Type": "application/json"},
    ),
    "batch run with a wrong type": lambda: (
        "POST",
        "/runs/batch",
        b'{"post": [' + _one_run(start_time="yesterday") + b"]}",
        {"Content-Type": "application/json"},
    ),
    "batch run with end_time out of range": lambda: (
        "POST",
        "/runs/batch",
        b'{"post": [' + _one_run(end_time=1e20) + b"]}",
        {"Content-Type": "application/json"},
    ),
    "start_time out of range once in UTC": lambda: (
        "POST",
        "/runs/batch",
        b'{"post": [' + _one_run(start_time="0001-01-01T00:00:00+05:00") + b"]}",
        {"Content-Type": "application/json"},
    ),
    "run part whose id is not the one in its name": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", _one_run(id=str(uuid.uuid4())))]),
    ),
    "session given twice, as numbers": lambda: (
        "POST",
        "/runs/query",
        b'{"session": 5, "session_id": 5}',
        {"Content-Type": "application/json"},
    ),
    "filter string with a lone surrogate": lambda: (
        "POST",
        "/runs/query",
        b'{"filter": "eq(name, \\"\\ud800\\")"}',
        {"Content-Type": "application/json"},
    ),
    "filter alternating and/or 30 deep": lambda: (
        "POST",
        "/runs/query",
        json.dumps({"filter": "and(or(" * 15 + 'eq(name, "x")' + "))" * 15}).encode(),
        {"Content-Type": "application/json"},
    ),
    "inputs nested 400 levels deep": lambda: (
        "POST",
        "/runs/multipart",
        *raw_multipart([(f"post.{RID}", _one_run()),
                        (f"post.{RID}.inputs", b'{"a": ' + b"[" * 400 + b"]" * 400 + b"}")]),
    ),
    **{
        f"{what} nested {levels} levels deep": (
            lambda path=path, body=body, levels=levels: (
                "POST", path, body.replace(b"DEEP", b"[" * levels + b"]" * levels),
                {"Content-Type": "application/json"})
        )
        for what, path, body in (
            ("feedback value", "/feedback",
             b'{"run_id": "' + RID.encode() + b'", "key": "k", "value": DEEP}'),
            ("project extra", "/sessions", b'{"name": "deep", "extra": {"metadata": DEEP}}'),
            ("queue metadata", "/annotation-queues", b'{"name": "deep", "metadata": {"m": DEEP}}'),
            ("feedback config", "/feedback-configs",
             b'{"feedback_key": "deep", "feedback_config": {"type": "freeform", "x": DEEP}}'),
            ("run inputs", "/runs/batch", b'{"post": [' + _one_run(inputs="DEEP").replace(b'"DEEP"', b"DEEP")
             + b"]}"),
        )
        for levels in (250, 1000)
    },
    "run posted without start_time": lambda: (
        "POST", "/runs", json.dumps({"id": str(uuid.uuid4()), "name": "x", "run_type": "chain"}).encode(),
        {"Content-Type": "application/json"},
    ),
    "run that is its own parent": lambda: (
        "POST", "/runs", _one_run(id=RID, parent_run_id=RID), {"Content-Type": "application/json"},
    ),
    "run id nested 1000 levels deep": lambda: (
        "POST", "/runs", b'{"id": ' + b"[" * 1000 + b"]" * 1000 + b', "name": "x"}',
        {"Content-Type": "application/json"},
    ),
    "feedback score nested 1000 levels deep": lambda: (
        "POST", "/feedback", b'{"run_id": "' + RID.encode() + b'", "key": "k", "score": ' + b"[" * 1000
        + b"]" * 1000 + b"}", {"Content-Type": "application/json"},
    ),
    "events holding a number": lambda: (
        "POST", "/runs", _one_run(id=str(uuid.uuid4()), trace_id=None, dotted_order=None, events=[1, "x"]),
        {"Content-Type": "application/json"},
    ),
    "project metadata filter nested 1000 levels deep": lambda: (
        "GET", "/sessions?metadata=" + "[" * 1000 + "]" * 1000, None, {},
    ),
    "project metadata filter with a 5000-digit number": lambda: (
        "GET", '/sessions?metadata={"a":' + "9" * 5000 + "}", None, {},
    ),
    "offset beyond 64 bits": lambda: ("GET", "/sessions?offset=99999999999999999999999", None, {}),
    "filter that does not parse": lambda: (
        "POST",
        "/runs/query",
        json.dumps({"filter": 'and(eq(name, "x")'}).encode(),
        {"Content-Type": "application/json"},
    ),
    "filter nested 5,000 deep": lambda: (
        "POST",
        "/runs/query",
        json.dumps({"filter": "and(" * 5000 + 'eq(name, "x")' + ")" * 5000}).encode(),
        {"Content-Type": "application/json"},
    ),
    "unknown route": lambda: ("GET", "/no/such/route", None, {}),
    "unknown route under /api/v1": lambda: ("POST", "/api/v1/no/such/route", b"{}", {}),
}
# Where LangSmith's status is specific, hold the server to it; elsewhere any 4xx with a detail will do.
EXPECTED_STATUS = {
    "oversized body with content-length": 413,
    "oversized body, chunked without content-length": 413,
    "zstd body that inflates past the limit": 413,
    "unknown route": 404,
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_malformed_input_gets_a_4xx_json_detail_and_loses_nothing(small_server, case: str) -> None:
    http, seed = small_server
    before = sorted(stored_ids(http, PROJECT))
    assert set(seed) <= set(before)
    method, path, content, headers = BAD_REQUESTS[case]()
    resp = http.request(method, path, content=content, headers=headers)
    assert 400 <= resp.status_code < 500, f"{case}: {resp.status_code} {resp.text[:300]}"
    assert resp.status_code == EXPECTED_STATUS.get(case, resp.status_code), resp.text[:300]
    assert isinstance(resp.json().get("detail"), str | list) and resp.json()["detail"], resp.text
    assert http.get("/ok").status_code == 200
    assert sorted(stored_ids(http, PROJECT)) == before, "a rejected request changed what is stored"


def test_server_still_ingests_after_malformed_input(small_server) -> None:
    """Runs after the malformed cases (file order): the seed is intact and a valid body still lands."""
    http, seed = small_server
    ids, data, headers = body_for("after", range(3))
    assert http.post("/runs/multipart", content=data, headers=headers).is_success
    stored = stored_ids(http, PROJECT)
    assert set(seed) | set(ids) <= set(stored) and len(stored) == len(set(stored))


def test_oversize_limit_leaves_a_body_under_it_alone(small_server) -> None:
    """The 413 is about size, not shape: the same kind of body under the limit is accepted (zstd too)."""
    http, _ = small_server
    for zstd in (False, True):
        ids, data, headers = body_for(f"under-{zstd}", range(5), zstd=zstd)
        assert (
            len(data) < MAX_BODY
            and len(zstandard.ZstdDecompressor().decompress(data) if zstd else data) < MAX_BODY
        )
        resp = http.post("/runs/multipart", content=data, headers=headers)
        assert resp.is_success, resp.text
        assert set(ids) <= set(stored_ids(http, PROJECT))


# --------------------------------------------------------------------------- API key


def test_api_key_is_enforced_and_the_sdk_works_with_the_right_one(tmp_path: Path) -> None:
    with running_server(tmp_path / "ls.db", api_key="secret") as server:
        _, data, headers = body_for("auth", range(2))
        routes = [
            ("GET", "/info", None, {}),
            ("GET", "/sessions", None, {}),
            ("POST", "/runs/query", b"{}", {"Content-Type": "application/json"}),
            ("POST", "/runs/multipart", data, headers),
            ("POST", "/api/v1/runs/multipart", data, headers),
            ("POST", "/runs/batch", b'{"post": []}', {"Content-Type": "application/json"}),
        ]
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for key in (None, "wrong", "secret-but-longer", ""):
                for method, path, content, hdrs in routes:
                    sent = {**hdrs, **({"x-api-key": key} if key is not None else {})}
                    resp = http.request(method, path, content=content, headers=sent)
                    assert resp.status_code == 401, f"{method} {path} key={key!r}: {resp.status_code}"
                    assert resp.json()["detail"]

        client = ls.Client(api_url=server.url, api_key="secret")

        @ls.traceable(name=bench.ROOT_NAME)
        def agent(question: str) -> str:
            return "ok"

        with ls.tracing_context(enabled=True, client=client, project_name="keyed"):
            for i in range(3):
                agent(f"q{i}")
        client.flush(timeout=30)
        assert len(sdk_runs(client, "keyed", is_root=True)) == 3
        assert client.read_project(project_name="keyed").name == "keyed"


# --------------------------------------------------------------------------- benchmark smoke


def test_benchmark_quick_mode_passes() -> None:
    """``benchmarks/localsmith_bench.py --quick`` runs end to end and reports nothing lost."""
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "localsmith_bench.py"), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "RESULT: PASS" in done.stdout and "nothing lost (SDK)" in done.stdout
