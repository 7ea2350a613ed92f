"""The HTTP layer: a FastAPI app that turns requests into calls on the store modules.

Routes live in :mod:`techhub.localsmith.routes`, one module per area of LangSmith's API. The
classic SDK client sends paths without a prefix (``/runs/multipart``) or with ``/api/v1`` when the
endpoint ends in it, so every router is mounted under both; the v2 API (``/api/v2/...``, what the
SDK's generated clients send) has absolute paths and is mounted once.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from techhub.localsmith.exceptions import LocalSmithError
from techhub.localsmith.guard import RequestGuard
from techhub.localsmith.store import Database

# The LangSmith version /info reports. The SDK sends feedback inside multipart batches from 0.8.10, and
# its generated clients (client.runs, .threads, .traces, .annotation_queues) warn below 0.16.14.
# /info leaves sdb_query_enabled off, so evaluate(), read_run and the pytest plugin stay on v1 paths.
VERSION = "0.16.14"
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


def _routers() -> tuple[list, list]:
    # Imported here so that each area's register_schema() runs before the Database opens.
    from techhub.localsmith.routes import ABSOLUTE_ROUTERS, ROUTERS

    return ROUTERS, ABSOLUTE_ROUTERS


def create_app(
    db_path: str | Path,
    *,
    api_key: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """Build the app over the SQLite file at ``db_path``.

    ``api_key``: when set, every request must carry it in ``x-api-key`` (else 401).
    ``max_body_bytes``: larger request bodies get a 413.
    """
    routers, absolute_routers = _routers()
    from techhub.localsmith.rule_engine import engine_lifespan  # the background rule engine

    app = FastAPI(
        title="techhub localsmith",
        description="A local, SQLite-backed server that the langsmith SDK can talk to.",
        version=VERSION,
        lifespan=engine_lifespan,
    )
    app.state.db = Database(db_path)
    app.state.api_key = api_key
    app.state.max_body_bytes = max_body_bytes

    @app.exception_handler(LocalSmithError)
    async def on_error(_: Request, exc: LocalSmithError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: e[k] for k in ("loc", "msg", "type") if k in e} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.get("/ok", include_in_schema=False)
    async def ok() -> dict:
        return {"ok": True}

    for router in routers:
        app.include_router(router)
        app.include_router(router, prefix="/api/v1", include_in_schema=False)
    for router in absolute_routers:
        app.include_router(router)
    app.add_middleware(RequestGuard, api_key=api_key, max_body_bytes=max_body_bytes)
    return app
