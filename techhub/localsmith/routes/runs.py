"""Run routes: ingest (``/runs/multipart``, ``/runs/batch``, ``/runs``, ``PATCH /runs/{id}``),
``GET /runs/{id}``, ``POST /runs/query`` and ``POST /runs/stats``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from techhub.localsmith import runs
from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.ingest import IngestResult, ingest
from techhub.localsmith.multipart import decompress_zstd, parse_ingest_body
from techhub.localsmith.routes.body import database, json_body

router = APIRouter(tags=["runs"])

INLINE_INGEST_BYTES = 1 << 20  # multipart bodies up to 1 MiB are ingested on the event loop

_QUERY_KEYS = {
    "session": "session_ids", "session_id": "session_ids", "id": "run_ids", "trace": "trace_id",
    "parent_run": "parent_run_id", "run_type": "run_type", "is_root": "is_root", "error": "error",
    "start_time": "start_time", "end_time": "end_time", "reference_example": "reference_example_ids",
    "query": "query", "filter": "filter", "trace_filter": "trace_filter", "tree_filter": "tree_filter",
    "select": "select", "order": "order", "limit": "limit", "cursor": "cursor", "thread_id": "thread_id",
}
# Accepted and ignored: options of LangSmith's query API that change nothing here.
_IGNORED_KEYS = {"data_source_type", "skip_pagination", "search_filter", "use_experimental_search",
                 "skip_prev_cursor"}


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _criteria(body: dict) -> dict:
    unknown = set(body) - set(_QUERY_KEYS) - _IGNORED_KEYS - {"execution_order"}
    if unknown:
        raise BadRequest(f"unknown query keys: {sorted(unknown)}")
    out: dict = {}
    order = body.get("execution_order")
    if order is not None:
        # A run's position in its trace; 1 is the root, the one value clients ask for.
        if order != 1 or isinstance(order, bool):
            raise BadRequest(f"execution_order: only 1 (root runs) is supported, got {order!r}")
        out["is_root"] = True
    for key, value in body.items():
        if key in _QUERY_KEYS and value is not None:
            target = _QUERY_KEYS[key]
            if target == "session_ids" and "session_ids" in out:  # both session and session_id
                value = [*_as_list(out["session_ids"]), *_as_list(value)]
            out[target] = value
    return out


@router.post("/runs/multipart", status_code=202)
async def ingest_multipart(request: Request) -> dict:
    body = await request.body()
    encoding = request.headers.get("content-encoding", "").lower()
    content_type = request.headers.get("content-type", "")
    db = database(request)
    limit = request.app.state.max_body_bytes

    def work() -> IngestResult:
        raw = body
        if encoding == "zstd":
            raw = decompress_zstd(body, limit)
        elif encoding not in ("", "identity"):
            raise BadRequest(f"unsupported Content-Encoding {encoding!r} (use zstd or none)")
        batch = parse_ingest_body(raw, content_type)
        return ingest(db, batch.posts, batch.patches, batch.feedback, batch.attachments)

    # A batch the SDK sends (~150 KB for 100 runs) is written in a few ms: handing it to a worker
    # thread and back cost more than the wait it saves other requests (measured ~5-10% of ingest).
    # Only large bodies, which could hold the event loop for long, go to a thread.
    result = work() if len(body) <= INLINE_INGEST_BYTES else await run_in_threadpool(work)
    if result.rejected_feedback:
        # The runs are stored; a 400 still tells the SDK (which logs it) what was refused and why.
        raise BadRequest(f"{len(result.rejected_feedback)} feedback refused; the {len(result.run_ids)} runs"
                         f" and {len(result.feedback_ids)} other feedback of this request were stored: "
                         + "; ".join(result.rejected_feedback[:5]))
    return {"runs": len(result.run_ids), "feedback": len(result.feedback_ids)}


@router.post("/runs/batch", status_code=202)
async def ingest_batch(request: Request) -> dict:
    body = await json_body(request)
    posts, patches = body.get("post") or [], body.get("patch") or []
    if not isinstance(posts, list) or not isinstance(patches, list):
        raise BadRequest("post and patch must be lists of runs")
    result = await run_in_threadpool(ingest, database(request), posts, patches)
    return {"runs": len(result.run_ids)}


@router.post("/runs", status_code=202)
async def create_run(request: Request) -> dict:
    body = await json_body(request)
    body.setdefault("id", str(uuid.uuid4()))
    result = await run_in_threadpool(ingest, database(request), [body])
    return {"id": result.run_ids[0]}  # canonical, as stored


@router.patch("/runs/{run_id:uuid}", status_code=202)
async def update_run(run_id: uuid.UUID, request: Request) -> dict:
    body = await json_body(request)
    body["id"] = str(run_id)
    await run_in_threadpool(ingest, database(request), (), [body])
    return {"id": str(run_id)}


@router.get("/runs/{run_id:uuid}")
def read_run(run_id: uuid.UUID, request: Request) -> dict:
    return runs.read_run(database(request), str(run_id))


@router.get("/runs/{run_id:uuid}/attachments/{name}")
def read_attachment(run_id: uuid.UUID, name: str, request: Request) -> Response:
    content_type, data = runs.read_attachment(database(request), str(run_id), name)
    return Response(content=data, media_type=content_type or "application/octet-stream")


@router.post("/runs/query")
async def query_runs(request: Request) -> dict:
    criteria = _criteria(await json_body(request, optional=True))
    page, cursor = await run_in_threadpool(lambda: runs.query_runs(database(request), **criteria))
    return {"runs": page, "cursors": {"next": cursor}}


@router.post("/runs/stats")
async def run_stats(request: Request) -> dict:
    criteria = _criteria(await json_body(request, optional=True))
    for key in ("select", "order", "limit", "cursor"):
        criteria.pop(key, None)
    return await run_in_threadpool(lambda: runs.run_stats(database(request), **criteria))

