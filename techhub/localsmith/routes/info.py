"""``GET /info``: what the SDK reads once per client to choose how it sends traces."""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(tags=["info"])


@router.get("/info")
async def info(request: Request) -> dict:
    from techhub.localsmith.app import VERSION

    max_body_bytes = request.app.state.max_body_bytes

    return {
        "version": VERSION,
        "license_expiration_time": None,
        "batch_ingest_config": {
            "use_multipart_endpoint": True,
            "size_limit": 100,
            # The SDK batches up to this many bytes per request: keep it under our own body limit.
            "size_limit_bytes": min(20 * 1024 * 1024, max_body_bytes // 2),
            "scale_up_qsize_trigger": 1000,
            "scale_up_nthreads_limit": 16,
            "scale_down_nempty_trigger": 4,
        },
        "instance_flags": {
            "zstd_compression_enabled": True,
            "dataset_examples_multipart_enabled": True,
            "examples_multipart_enabled": True,
        },
        "max_body_bytes": max_body_bytes,
    }
