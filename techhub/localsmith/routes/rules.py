"""Run rules (online evaluators, automations) over HTTP, and the rule engine's progress.

``/runs/rules`` is LangSmith's REST API (the SDK lists rules, ``evaluators.list_v2`` on
``/api/v2/runs/rules``, but has no call that creates one with an inline prompt). ``/techhub/engine`` is ours:
what the background engine has still to do, so notebooks and tests can wait for it.
This router must come before the runs router: ``/runs/rules`` would otherwise match ``/runs/{run_id}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from techhub.localsmith import rules
from techhub.localsmith.exceptions import BadRequest, NotFound
from techhub.localsmith.routes.body import database, json_body
from techhub.localsmith.store import offset_cursor

router = APIRouter(tags=["rules"])



@router.post("/runs/rules")
async def create_rule(request: Request) -> dict:
    return rules.create_rule(database(request), await json_body(request, (dict, list)))


@router.get("/runs/rules")
def list_rules(
    request: Request,
    session_id: str | None = None,
    dataset_id: str | None = None,
    id: Annotated[list[str] | None, Query()] = None,  # noqa: A002 - LangSmith's parameter name
    name_contains: str | None = None,
    type: str | None = None,  # noqa: A002
) -> list[dict]:
    return rules.list_rules(
        database(request),
        session_id=session_id,
        dataset_id=dataset_id,
        ids=id,
        name_contains=name_contains,
        type=type,
    )


@router.get("/api/v2/runs/rules")
def list_rules_v2(
    request: Request,
    project_id: str | None = None,
    dataset_id: str | None = None,
    id: Annotated[list[str] | None, Query()] = None,  # noqa: A002
    name_contains: str | None = None,
    type: str | None = None,  # noqa: A002
    page_size: int = 100,
    cursor: str | None = None,
) -> dict:
    """The cursor-paginated list (``client.evaluators.list_v2``): newest change first."""
    if not 1 <= page_size <= 100:
        raise BadRequest("page_size must be between 1 and 100")
    start = offset_cursor(cursor)
    found = rules.list_rules(
        database(request),
        session_id=project_id,
        dataset_id=dataset_id,
        ids=id,
        name_contains=name_contains,
        type=type,
    )
    found.sort(key=lambda rule: (rule["updated_at"], rule["id"]), reverse=True)
    page = found[start : start + page_size]
    more = start + page_size < len(found)
    return {"items": [rules.rule_v2(rule) for rule in page],
            "next_cursor": str(start + page_size) if more else None}


@router.get("/runs/rules/{rule_id}")
def get_rule(request: Request, rule_id: str) -> dict:
    return rules.get_rule(database(request), rule_id)


@router.patch("/runs/rules/{rule_id}")
async def update_rule(request: Request, rule_id: str) -> dict:
    return rules.update_rule(database(request), rule_id, await json_body(request, (dict, list)))


@router.delete("/runs/rules/{rule_id}")
def delete_rule(request: Request, rule_id: str) -> dict:
    rules.delete_rule(database(request), rule_id)
    return {"message": f"rule {rule_id} deleted"}


@router.get("/techhub/engine")
def engine_status(request: Request) -> dict:
    engine = getattr(request.app.state, "rule_engine", None)
    if engine is None:
        raise NotFound("the rule engine is not running in this server")
    return engine.status()
