"""Datasets, examples, versions, splits and comparative experiments over HTTP.

Thin: parse the request the way the ``langsmith`` SDK sends it, call :mod:`techhub.localsmith.datasets`,
return JSON. The SDK reaches the multipart example endpoints at ``/v1/platform/...`` (endpoint without
``/api/v1``) or ``/api/v1/platform/...``; both are served.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from techhub.localsmith import dataset_versions as versions
from techhub.localsmith import datasets, examples, experiments
from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.multipart import boundary_of, decompress_zstd, split_parts
from techhub.localsmith.routes.body import database, json_body, json_object_param
from techhub.localsmith.store import check_page

router = APIRouter(tags=["datasets"])


def _page(offset: int, limit: int) -> tuple[int, int]:
    """Offset and limit checked like LangSmith's (a limit over the page size is cut to it, as
    before; an offset past 2**53 is a 400, not an SQLite overflow)."""
    limit = min(limit, 1000)
    check_page(limit, offset)
    return offset, limit


# ---------------------------------------------------------------- datasets


@router.post("/datasets")
async def create_dataset(request: Request) -> dict:
    return datasets.create_dataset(database(request), await json_body(request))


@router.get("/datasets")
async def list_datasets(
    request: Request,
    id: Annotated[list[str] | None, Query()] = None,  # noqa: A002 - LangSmith's parameter name
    name: str | None = None,
    name_contains: str | None = None,
    data_type: str | None = None,
    metadata: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[dict]:
    offset, limit = _page(offset, limit)
    return datasets.list_datasets(
        database(request),
        ids=id,
        name=name,
        name_contains=name_contains,
        data_type=data_type,
        metadata=json_object_param(metadata, "metadata"),
        offset=offset,
        limit=limit,
    )


async def _csv_form(request: Request) -> tuple[bytes, str | None, dict[str, list[str]]]:
    """The CSV upload form: the bytes and name of its ``file`` part, and every text field's values."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise BadRequest("expected Content-Type: multipart/form-data with the CSV in a 'file' part")
    texts: dict[str, list[str]] = {}
    try:
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise BadRequest("the form needs a 'file' part holding the CSV")
            content, file_name = await upload.read(), upload.filename
            for key, value in form.multi_items():
                if key == "file":
                    continue
                if not isinstance(value, str):
                    raise BadRequest(f"form field {key!r} must be text, not a file")
                texts.setdefault(key, []).append(value)
    except HTTPException as exc:  # Starlette's answer to a malformed multipart body
        raise BadRequest(f"malformed multipart body: {exc.detail}") from None
    return content, file_name, texts


def _one(fields: dict[str, list[str]], key: str) -> str | None:
    values = fields.get(key) or [""]
    if len(values) > 1:
        raise BadRequest(f"form field {key!r} is given {len(values)} times")
    return values[0] or None


@router.post("/datasets/upload")
async def upload_csv(request: Request) -> dict:
    """``Client.upload_csv``/``upload_dataframe``: the CSV in ``file``, repeated ``input_keys`` and
    ``output_keys`` fields, and ``name``, ``description``, ``data_type``, ``id``."""
    content, file_name, fields = await _csv_form(request)
    return await run_in_threadpool(  # parsing a large CSV must not hold up other requests
        datasets.upload_csv,
        database(request),
        content,
        file_name=file_name,
        input_keys=fields.get("input_keys", []),
        output_keys=fields.get("output_keys", []),
        name=_one(fields, "name"),
        description=_one(fields, "description"),
        data_type=_one(fields, "data_type"),
        dataset_id=_one(fields, "id"),
    )


@router.post("/datasets/comparative")
async def create_comparative_experiment(request: Request) -> dict:
    return experiments.create_comparative_experiment(database(request), await json_body(request))


@router.get("/datasets/{dataset_id}")
async def read_dataset(request: Request, dataset_id: str) -> dict:
    return datasets.get_dataset(database(request), dataset_id)


@router.patch("/datasets/{dataset_id}")
async def update_dataset(request: Request, dataset_id: str) -> dict:
    return datasets.update_dataset(database(request), dataset_id, await json_body(request))


@router.delete("/datasets/{dataset_id}")
async def delete_dataset(request: Request, dataset_id: str) -> dict:
    datasets.delete_dataset(database(request), dataset_id)
    return {"message": f"dataset {dataset_id} deleted"}


@router.get("/datasets/{dataset_id}/versions")
async def list_versions(
    request: Request, dataset_id: str, search: str | None = None, offset: int = 0, limit: int = 100
) -> list[dict]:
    offset, limit = _page(offset, limit)
    return versions.list_versions(database(request), dataset_id, search=search, offset=offset, limit=limit)


@router.get("/datasets/{dataset_id}/version")
async def read_version(
    request: Request, dataset_id: str, as_of: str | None = None, tag: str | None = None
) -> dict:
    return versions.read_version(database(request), dataset_id, as_of=as_of, tag=tag)


@router.get("/datasets/{dataset_id}/versions/diff")
async def diff_versions(request: Request, dataset_id: str, from_version: str, to_version: str) -> dict:
    return examples.diff_versions(
        database(request), dataset_id, from_version=from_version, to_version=to_version
    )


@router.put("/datasets/{dataset_id}/tags")
async def tag_version(request: Request, dataset_id: str) -> dict:
    body = await json_body(request)
    if not body.get("as_of") or not body.get("tag"):
        raise BadRequest("body needs 'as_of' and 'tag'")
    return versions.tag_version(database(request), dataset_id, as_of=body["as_of"], tag=body["tag"])


@router.get("/datasets/{dataset_id}/splits")
async def list_splits(request: Request, dataset_id: str, as_of: str | None = None) -> list[str]:
    return examples.list_splits(database(request), dataset_id, as_of=as_of)


@router.put("/datasets/{dataset_id}/splits")
async def update_splits(request: Request, dataset_id: str) -> list[str]:
    body = await json_body(request)
    example_ids = body.get("examples")
    if not isinstance(example_ids, list):
        raise BadRequest("body needs 'split_name' and a list of 'examples'")
    return examples.update_splits(
        database(request),
        dataset_id,
        split_name=body.get("split_name"),
        example_ids=example_ids,
        remove=bool(body.get("remove", False)),
    )


@router.post("/datasets/{dataset_id}/runs")
async def examples_with_runs(request: Request, dataset_id: str) -> list[dict]:
    return experiments.examples_with_runs(database(request), dataset_id, await json_body(request))


@router.get("/datasets/{dataset_id}/comparative")
async def list_comparative(request: Request, dataset_id: str) -> list[dict]:
    return experiments.list_comparative_experiments(database(request), dataset_id)


# ---------------------------------------------------------------- examples (JSON endpoints)


def _example_create(body: Any) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("each example must be a JSON object")
    if "reference_outputs" in body and "outputs" not in body:
        body = {**body, "outputs": body["reference_outputs"]}
    return body


@router.post("/examples")
async def create_example(request: Request) -> dict:
    body = _example_create(await json_body(request))
    if not body.get("dataset_id"):
        raise BadRequest("'dataset_id' is required")
    result = examples.create_examples(database(request), body["dataset_id"], [body])
    return examples.get_example(database(request), result["example_ids"][0])


@router.post("/examples/bulk")
async def create_examples_bulk(request: Request) -> list[dict]:
    body = await json_body(request, list)
    bodies = [_example_create(b) for b in body]
    db = database(request)

    def create() -> list[dict]:
        created = examples.create_examples_in_datasets(db, bodies)["example_ids"]
        return examples.list_examples(db, example_ids=created, limit=len(created)) if created else []

    return await run_in_threadpool(create)  # thousands of examples must not hold up other requests


@router.patch("/examples/bulk")
async def update_examples_bulk(request: Request) -> dict:
    body = await json_body(request, list)
    result = await run_in_threadpool(examples.update_examples, database(request), body)
    return {"message": f"{result['count']} examples updated", **result}


@router.get("/examples")
async def list_examples(
    request: Request,
    dataset: str | None = None,
    id: Annotated[list[str] | None, Query()] = None,  # noqa: A002 - LangSmith's parameter name
    as_of: str | None = None,
    splits: Annotated[list[str] | None, Query()] = None,
    metadata: str | None = None,
    filter: str | None = None,  # noqa: A002
    select: Annotated[list[str] | None, Query()] = None,
    offset: int = 0,
    limit: int = 100,
) -> list[dict]:
    offset, limit = _page(offset, limit)
    meta = json_object_param(metadata, "metadata")
    return await run_in_threadpool(
        examples.list_examples,
        database(request),
        dataset_id=dataset,
        example_ids=id,
        as_of=as_of,
        splits=splits,
        metadata=meta,
        filter=filter,
        offset=offset,
        limit=limit,
        with_attachments="attachment_urls" in (select or []),
    )


@router.delete("/examples")
async def delete_examples(request: Request, example_ids: Annotated[list[str], Query()]) -> dict:
    ids = [i for raw in example_ids for i in raw.split(",") if i]
    return examples.delete_examples(database(request), ids)


@router.get("/examples/{example_id}")
async def read_example(request: Request, example_id: str, as_of: str | None = None) -> dict:
    return examples.get_example(database(request), example_id, as_of=as_of)


@router.patch("/examples/{example_id}")
async def update_example(request: Request, example_id: str) -> dict:
    body = await json_body(request)
    examples.update_examples(database(request), [{**body, "id": example_id}])
    return examples.get_example(database(request), example_id)


@router.delete("/examples/{example_id}")
async def delete_example(request: Request, example_id: str) -> dict:
    return examples.delete_examples(database(request), [example_id])


@router.get("/examples/{example_id}/attachments/{name}")
async def read_attachment(request: Request, example_id: str, name: str, as_of: str | None = None) -> Response:
    mime_type, data = examples.read_attachment(database(request), example_id, name, as_of)
    return Response(content=data, media_type=mime_type)


# ---------------------------------------------------------------- examples (multipart, "platform")


async def _multipart_examples(request: Request) -> list[dict]:
    """Group the parts ``<id>``, ``<id>.inputs``, ``<id>.outputs``, ``<id>.attachment.<name>``,
    ``<id>.attachments_operations`` into one example body per id (in order of first appearance)."""
    boundary = boundary_of(request.headers.get("content-type", ""))
    raw = await request.body()
    if request.headers.get("content-encoding", "").lower() == "zstd":
        raw = decompress_zstd(raw, request.app.state.max_body_bytes)
    by_id: dict[str, dict] = {}
    for name, part_type, data in split_parts(raw, boundary):
        example_id, _, field = name.partition(".")
        example = by_id.setdefault(example_id, {"id": example_id})
        if field.startswith("attachment."):
            mime_type = (part_type or "application/octet-stream").split(";")[0].strip()
            example.setdefault("attachments", []).append((field[len("attachment.") :], mime_type, data))
            continue
        try:
            value = orjson.loads(data) if data else None
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"part {name!r} is not valid JSON: {exc}") from None
        if field == "":
            if not isinstance(value, dict):
                raise BadRequest(f"part {name!r} must be a JSON object")
            example.update(value)
        elif field in ("inputs", "outputs", "attachments_operations"):
            example[field] = value
        else:
            raise BadRequest(f"unknown multipart part {name!r}")
    return list(by_id.values())


@router.post("/platform/datasets/{dataset_id}/examples")
@router.post("/v1/platform/datasets/{dataset_id}/examples")
async def create_examples_multipart(request: Request, dataset_id: str) -> dict:
    bodies = await _multipart_examples(request)
    return await run_in_threadpool(examples.create_examples, database(request), dataset_id, bodies)


@router.patch("/platform/datasets/{dataset_id}/examples")
@router.patch("/v1/platform/datasets/{dataset_id}/examples")
async def update_examples_multipart(request: Request, dataset_id: str) -> dict:
    changes = await _multipart_examples(request)
    return await run_in_threadpool(examples.update_examples, database(request), changes,
                                   dataset_id=dataset_id)


@router.patch("/platform/datasets/{dataset_id}/examples/metadata")
@router.patch("/v1/platform/datasets/{dataset_id}/examples/metadata")
async def update_example_metadata(request: Request, dataset_id: str) -> dict:
    body = await json_body(request)
    return await run_in_threadpool(
        examples.update_example_metadata, database(request), dataset_id, body.get("example_ids") or [],
        body.get("operations"))


@router.post("/platform/datasets/examples/delete")
@router.post("/v1/platform/datasets/examples/delete")
async def delete_examples_platform(request: Request) -> dict:
    body = await json_body(request)
    ids = body.get("example_ids")
    if not isinstance(ids, list):
        raise BadRequest("body needs a list of 'example_ids'")
    return await run_in_threadpool(examples.delete_examples, database(request), ids,
                                   hard=bool(body.get("hard_delete", False)))
