"""Annotation queues over HTTP: the classic API (runs) and the platform API (items).

Thin: read the request the way the ``langsmith`` SDK sends it, call :mod:`techhub.localsmith.queues`,
return JSON. Served with and without ``/api/v1`` like every router (see :mod:`..app`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from techhub.localsmith import queues
from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.routes.body import database, json_body

router = APIRouter(tags=["annotation-queues"])

QUEUE = "/annotation-queues/{queue_id}"
ITEMS = "/platform/annotation-queues"


# ---------------------------------------------------------------------------------------------- queues


@router.post("/annotation-queues")
async def create_queue(request: Request) -> dict:
    return queues.create_queue(database(request), await json_body(request, (dict, list)))


@router.get("/annotation-queues")
def list_queues(
    request: Request,
    ids: Annotated[list[str] | None, Query()] = None,
    name: str | None = None,
    name_contains: str | None = None,
    dataset_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    return queues.list_queues(
        database(request),
        ids=ids,
        name=name,
        name_contains=name_contains,
        dataset_id=dataset_id,
        limit=min(limit, 1000),
        offset=offset,
    )


@router.get(QUEUE)
def read_queue(request: Request, queue_id: str) -> dict:
    return queues.read_queue(database(request), queue_id)


@router.patch(QUEUE)
async def update_queue(request: Request, queue_id: str) -> dict:
    return queues.update_queue(database(request), queue_id, await json_body(request, (dict, list)))


@router.delete(QUEUE)
def delete_queue(request: Request, queue_id: str) -> dict:
    queues.delete_queue(database(request), queue_id)
    return {"message": f"annotation queue {queue_id} deleted"}


@router.get(QUEUE + "/size")
def queue_size(request: Request, queue_id: str, status: str | None = "needs_my_review") -> dict:
    return {"size": queues.count_items(database(request), queue_id, status)}


@router.get(QUEUE + "/total_size")
def queue_total_size(request: Request, queue_id: str) -> dict:
    return {"size": queues.count_items(database(request), queue_id, None)}


@router.get(QUEUE + "/total_archived")
def queue_total_archived(request: Request, queue_id: str) -> dict:
    return {"size": queues.count_items(database(request), queue_id, "archived")}


@router.get("/annotation-queues/{run_id}/queues")
def queues_of_run(request: Request, run_id: str) -> list[dict]:
    return queues.queues_of_run(database(request), run_id)


# ------------------------------------------------------------------------------------ classic: runs


def _item_response(item: dict) -> dict:
    return {
        key: item[key]
        for key in (
            "id",
            "queue_id",
            "run_id",
            "added_at",
            "last_reviewed_time",
            "source_proposed_example_id",
        )
    }


@router.post(QUEUE + "/runs")
async def add_runs(request: Request, queue_id: str) -> list[dict]:
    items = queues.add_items(database(request), queue_id, await json_body(request, (dict, list)))
    return [_item_response(item) for item in items]


@router.post(QUEUE + "/runs/by-key")
async def add_runs_by_key(request: Request, queue_id: str) -> list[dict]:
    return await add_runs(request, queue_id)


@router.get(QUEUE + "/runs")
def list_runs(
    request: Request,
    queue_id: str,
    status: str | None = None,
    archived: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    return queues.list_queue_runs(
        database(request), queue_id, status=status, archived=archived, limit=min(limit, 1000), offset=offset
    )


@router.get(QUEUE + "/run/{index}")
def run_at_index(request: Request, queue_id: str, index: int) -> dict:
    return queues.run_at_index(database(request), queue_id, index)


@router.patch(QUEUE + "/runs/{queue_run_id}")
async def update_run(request: Request, queue_id: str, queue_run_id: str) -> dict:
    body = await json_body(request, (dict, list))
    return queues.update_item(database(request), queue_id, queue_run_id, body)


@router.delete(QUEUE + "/runs/{queue_run_id}")
def delete_run(request: Request, queue_id: str, queue_run_id: str) -> dict:
    queues.delete_run(database(request), queue_id, queue_run_id)
    return {"message": f"removed {queue_run_id} from annotation queue {queue_id}"}


@router.post(QUEUE + "/runs/delete")
async def delete_runs(request: Request, queue_id: str) -> dict:
    body = await json_body(request, (dict, list))
    if not isinstance(body, dict):
        raise BadRequest("expected {run_ids: [...]} or {delete_all: true, exclude_run_ids: [...]}")
    removed = queues.delete_items(
        database(request),
        queue_id,
        body.get("run_ids"),
        every=body.get("delete_all"),
        exclude=body.get("exclude_run_ids"),
    )
    return {"deleted": removed}


# --------------------------------------------------------------------------------- platform: items


@router.post(ITEMS + "/{queue_id}/items")
async def add_items(request: Request, queue_id: str) -> dict:
    body = await json_body(request, (dict, list))
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise BadRequest("expected {items: [{item_type: RUN | THREAD, run_id | thread_id, ...}]}")
    return {"items": queues.add_items(database(request), queue_id, body["items"])}


@router.get(ITEMS + "/{queue_id}/items")
def list_items(
    request: Request,
    queue_id: str,
    status: str,
    item_type: str | None = None,
    cursor: str | None = None,
    page_size: int = 100,
) -> dict:
    return queues.list_items(
        database(request), queue_id, status=status, item_type=item_type, cursor=cursor, page_size=page_size
    )


@router.get(ITEMS + "/{queue_id}/items/count")
def count_items(request: Request, queue_id: str, status: str) -> dict:
    return {"count": queues.count_items(database(request), queue_id, status)}


@router.patch(ITEMS + "/{queue_id}/items/{item_id}")
async def update_item(request: Request, queue_id: str, item_id: str) -> dict:
    return queues.update_item(database(request), queue_id, item_id, await json_body(request, (dict, list)))


@router.post(ITEMS + "/{queue_id}/items/delete")
async def delete_items(request: Request, queue_id: str) -> dict:
    body = await json_body(request, (dict, list))
    if not isinstance(body, dict) or not isinstance(body.get("item_ids"), list):
        raise BadRequest("expected {item_ids: [...]}")
    removed = queues.delete_items(database(request), queue_id, body["item_ids"], field="item_ids")
    return {"deleted": str(removed)}


@router.post(ITEMS + "/items/{queue_item_id}/status")
async def set_item_status(request: Request, queue_item_id: str) -> dict:
    body = await json_body(request, (dict, list))
    if not isinstance(body, dict):
        raise BadRequest("expected {status: viewed | completed | null}")
    return queues.set_item_status(database(request), queue_item_id, body.get("status"))
