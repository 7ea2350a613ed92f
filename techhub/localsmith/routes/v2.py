"""The v2 query API (``/api/v2/...``): runs, traces and threads as the SDK's generated clients
(``client.runs``, ``client.traces``, ``client.threads``; ``langsmith.Langsmith``) read them.

Mounted once, at its absolute paths: the generated clients strip ``/api/v1`` from the endpoint.
Pages are ``{"items": [...], "next_cursor": ...}``; list parameters of GET requests repeat
(``?selects=NAME&selects=INPUTS``), as the generated clients send them.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from techhub.localsmith import runs_v2, threads
from techhub.localsmith.routes.body import database, json_body

router = APIRouter(prefix="/api/v2", tags=["v2"])

Selects = Annotated[list[str] | None, Query()]


def _base_url(request: Request) -> str:
    """This server's address as the client reached it (attachment links are absolute in v2)."""
    return str(request.base_url).rstrip("/")


def _page(items: list[dict], cursor: str | None) -> dict:
    return {"items": items, "next_cursor": cursor}


@router.post("/runs/query")
async def query_runs(request: Request) -> dict:
    body = await json_body(request, optional=True)
    base = _base_url(request)
    return _page(*await run_in_threadpool(runs_v2.query_runs, database(request), body, base_url=base))


@router.get("/runs/{run_id:uuid}")
def retrieve_run(run_id: uuid.UUID, request: Request, project_id: str, selects: Selects = None,
                 start_time: str | None = None) -> dict:
    """``start_time`` only speeds up LangSmith's lookup; here the id is the key."""
    return runs_v2.retrieve_run(database(request), str(run_id), project_id, selects,
                                base_url=_base_url(request))


@router.post("/traces/query")
async def query_traces(request: Request) -> dict:
    body = await json_body(request, optional=True)
    base = _base_url(request)
    return _page(*await run_in_threadpool(runs_v2.query_traces, database(request), body, base_url=base))


@router.get("/traces/{trace_id:uuid}/runs")
def trace_runs(trace_id: uuid.UUID, request: Request, project_id: str, selects: Selects = None,
               filter: str | None = None, min_start_time: str | None = None,  # noqa: A002
               max_start_time: str | None = None) -> dict:
    items = runs_v2.trace_runs(database(request), str(trace_id), project_id, selects=selects, filter=filter,
                               min_start_time=min_start_time, max_start_time=max_start_time,
                               base_url=_base_url(request))
    return {"items": items}


@router.post("/threads/query")
async def query_threads(request: Request) -> dict:
    body = await json_body(request, optional=True)
    return _page(*await run_in_threadpool(threads.query_threads, database(request), body))


@router.post("/threads/stats")
async def aggregate_thread_stats(request: Request) -> dict:
    body = await json_body(request)
    return await run_in_threadpool(threads.aggregate_stats, database(request), body)


@router.get("/threads/{thread_id}/traces")
def thread_traces(thread_id: str, request: Request, project_id: str, selects: Selects = None,
                  filter: str | None = None, trace_filter: str | None = None,  # noqa: A002
                  tree_filter: str | None = None, page_size: int = 20, cursor: str | None = None) -> dict:
    return _page(*threads.thread_traces(
        database(request), thread_id, project_id, selects=selects, filter=filter, trace_filter=trace_filter,
        tree_filter=tree_filter, page_size=page_size, cursor=cursor))


@router.get("/threads/{thread_id}/stats")
def thread_stats(thread_id: str, request: Request, session_id: str, selects: Selects = None,
                 filter: str | None = None) -> dict:  # noqa: A002
    return threads.thread_stats(database(request), thread_id, session_id, selects, filter)
