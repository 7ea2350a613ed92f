"""Feedback routes: ``/feedback`` and ``/feedback-configs``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from techhub.localsmith import feedback
from techhub.localsmith.routes.body import database, flag, json_body

# A repeatable query parameter (?key=a&key=b).
StrList = Annotated[list[str] | None, Query()]

router = APIRouter(tags=["feedback"])


@router.post("/feedback")
async def create_feedback(request: Request) -> dict:
    body = await json_body(request)
    return await run_in_threadpool(feedback.create_feedback, database(request), body)


@router.get("/feedback")
def list_feedback(
    request: Request,
    run: StrList = None,
    key: StrList = None,
    source: StrList = None,
    session: StrList = None,
    has_score: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    # requests sends enum members as "FeedbackSourceType.MODEL": keep the part after the dot.
    sources = [s.rsplit(".", 1)[-1].lower() for s in source] if source else None
    return feedback.list_feedback(database(request), run_ids=run, keys=key, sources=sources,
                                  session_ids=session, has_score=flag(has_score, "has_score"),
                                  limit=limit, offset=offset)


@router.get("/feedback/{feedback_id:uuid}")
def read_feedback(feedback_id: uuid.UUID, request: Request) -> dict:
    return feedback.get_feedback(database(request), str(feedback_id))


@router.patch("/feedback/{feedback_id:uuid}")
async def update_feedback(feedback_id: uuid.UUID, request: Request) -> dict:
    body = await json_body(request)
    return await run_in_threadpool(feedback.update_feedback, database(request), str(feedback_id), body)


@router.delete("/feedback/{feedback_id:uuid}")
def delete_feedback(feedback_id: uuid.UUID, request: Request) -> Response:
    feedback.delete_feedback(database(request), str(feedback_id))
    return Response(status_code=200, content=b"{}", media_type="application/json")


@router.post("/feedback-configs")
async def create_feedback_config(request: Request) -> dict:
    body = await json_body(request)
    return await run_in_threadpool(feedback.create_feedback_config, database(request), body)


@router.get("/feedback-configs")
def list_feedback_configs(
    request: Request,
    key: StrList = None,
    name_contains: str | None = None,
    include_all_configs: str | None = None,
    is_enforced: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    return feedback.list_feedback_configs(
        database(request), keys=key, name_contains=name_contains,
        include_deleted=bool(flag(include_all_configs, "include_all_configs")),
        is_enforced=flag(is_enforced, "is_enforced"), limit=limit, offset=offset)


@router.patch("/feedback-configs")
async def update_feedback_config(request: Request) -> dict:
    body = await json_body(request)
    return await run_in_threadpool(feedback.update_feedback_config, database(request), body)


@router.delete("/feedback-configs")
def delete_feedback_config(request: Request, feedback_key: str | None = None,
                           id: str | None = None) -> Response:
    feedback.delete_feedback_config(database(request), feedback_key=feedback_key, config_id=id)
    return Response(status_code=204)
