"""``GET /info``: what the SDK reads once per client to choose how it sends traces."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["info"])


@router.get("/info")
async def info() -> dict:
    from techhub.localsmith.app import DEFAULT_MAX_BODY_BYTES, VERSION

    return {
        "version": VERSION,
        "license_expiration_time": None,
        "batch_ingest_config": {
            "use_multipart_endpoint": True,
            "size_limit": 100,
            "size_limit_bytes": 20 * 1024 * 1024,
            "scale_up_qsize_trigger": 1000,
            "scale_up_nthreads_limit": 16,
            "scale_down_nempty_trigger": 4,
        },
        "instance_flags": {
            "zstd_compression_enabled": True,
            "dataset_examples_multipart_enabled": True,
            "examples_multipart_enabled": True,
        },
        "max_body_bytes": DEFAULT_MAX_BODY_BYTES,
    }
