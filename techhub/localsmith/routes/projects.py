"""Project routes (LangSmith's ``/sessions``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from techhub.localsmith import projects
from techhub.localsmith.routes.body import database, flag, json_body, json_object_param

# A repeatable query parameter (?key=a&key=b).
StrList = Annotated[list[str] | None, Query()]

router = APIRouter(tags=["projects"])


@router.post("/sessions")
async def create_project(request: Request, upsert: str | None = None) -> dict:
    body = await json_body(request)
    return await run_in_threadpool(projects.create_project, database(request), body,
                                   upsert=bool(flag(upsert, "upsert")))


@router.get("/sessions")
def list_projects(
    request: Request,
    id: StrList = None,
    name: str | None = None,
    name_contains: str | None = None,
    reference_dataset: StrList = None,
    reference_free: str | None = None,
    include_stats: str | None = None,
    metadata: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    parsed_metadata = json_object_param(metadata, "metadata")
    return projects.list_projects(
        database(request), ids=id, name=name, name_contains=name_contains,
        reference_dataset=reference_dataset, reference_free=flag(reference_free, "reference_free"),
        metadata=parsed_metadata, include_stats=bool(flag(include_stats, "include_stats")),
        limit=limit, offset=offset,
    )


@router.get("/sessions/{project_id:uuid}")
def read_project(project_id: uuid.UUID, request: Request, include_stats: str | None = None) -> dict:
    return projects.get_project(database(request), str(project_id),
                                include_stats=bool(flag(include_stats, "include_stats")))


@router.patch("/sessions/{project_id:uuid}")
async def update_project(project_id: uuid.UUID, request: Request) -> dict:
    body = await json_body(request)
    return await run_in_threadpool(projects.update_project, database(request), str(project_id), body)


@router.delete("/sessions/{project_id:uuid}", status_code=202, response_class=Response)
def delete_project(project_id: uuid.UUID, request: Request) -> Response:
    projects.delete_project(database(request), str(project_id))
    return Response(status_code=202)
