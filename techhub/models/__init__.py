"""Model factory: ``ChatOpenAI`` when an OpenAI key is configured, else the offline model.

The choice follows :func:`techhub.config.get_settings` (``TECHHUB_MODEL_BACKEND``); forcing
``openai`` without a key is an error, never a silent fallback to offline.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

from langchain_core.caches import BaseCache, InMemoryCache
from langchain_core.globals import get_llm_cache
from langchain_core.language_models import BaseChatModel

from techhub.config import get_settings
from techhub.models.offline import OfflineChatModel
from techhub.models.pricing import PRICES, cost_of, price_of

CacheMode = Literal["default", "on", "off"]

_RESPONSE_CACHES: dict[str, InMemoryCache] = {}


def response_cache(scope: str = "") -> BaseCache:
    """The response cache of this process for ``scope``: LangChain's global cache when one is set
    (``set_llm_cache``), else one ``InMemoryCache`` per scope, kept for the life of the process.

    Deployed, the process is the agent server: every run of a configuration that enables caching
    shares it. A scope (e.g. a configuration's version) starts empty, so a new revision of a prompt or
    an experiment never reads answers cached for another.
    """
    if not scope and get_llm_cache() is not None:
        return get_llm_cache()
    return _RESPONSE_CACHES.setdefault(scope, InMemoryCache())


@lru_cache(maxsize=32)
def _cached(
    backend: str,
    name: str,
    temperature: float,
    endpoint: str | None,
    timeout: float | None,
    max_retries: int | None,
    cache: CacheMode,
    cache_scope: str,
) -> BaseChatModel:
    options: dict[str, Any] = {}
    if cache == "on":
        options["cache"] = response_cache(cache_scope)
    elif cache == "off":
        options["cache"] = False
    if backend == "openai":
        from langchain_openai import ChatOpenAI

        if timeout is not None:
            options["timeout"] = timeout
        if max_retries is not None:
            options["max_retries"] = max_retries
        # stream_usage: ChatOpenAI asks for usage in streams by default only when it talks to
        # api.openai.com; behind OPENAI_BASE_URL (a proxy, a gateway) streamed runs would report no
        # tokens, and the course's cost tracking would read zero.
        return ChatOpenAI(model=name, temperature=temperature, stream_usage=True, **options)
    return OfflineChatModel(model_name=name, **options)


def get_chat_model(
    model: str | None = None,
    *,
    temperature: float = 0.0,
    timeout: float | None = None,
    max_retries: int | None = None,
    cache: CacheMode = "default",
    cache_scope: str = "",
) -> BaseChatModel:
    """The chat model for ``model`` (default ``TECHHUB_MODEL``, gpt-4o-mini) in the active mode.

    ``timeout`` (seconds) and ``max_retries`` go to the live client (the offline model neither waits
    nor fails). ``cache``: ``default`` follows LangChain (the global cache if one is set), ``on``
    answers repeated prompts from :func:`response_cache` (``cache_scope``), ``off`` never caches.
    One instance per set of options and endpoint: ``ChatOpenAI`` reads ``OPENAI_API_BASE`` /
    ``OPENAI_BASE_URL`` when it is built, so a changed endpoint gets a new instance, never a stale one.
    """
    settings = get_settings()
    endpoint = None
    if settings.model_backend == "openai":
        endpoint = os.environ.get("OPENAI_API_BASE") or os.environ.get("OPENAI_BASE_URL")
    return _cached(
        settings.model_backend,
        model or settings.model_name,
        temperature,
        endpoint,
        timeout,
        max_retries,
        cache,
        cache_scope,
    )


def configured_chat_model(model: str | None, configurable: Mapping[str, Any] | None = None) -> BaseChatModel:
    """The chat model a run's ``config["configurable"]`` asks for.

    Besides ``model``, a rollout configuration (:meth:`techhub.rollout.ModelConfig.configurable`)
    carries ``temperature``, ``timeout_seconds``, ``max_retries`` and ``enable_caching`` (with an
    optional ``cache_scope``); keys left out keep :func:`get_chat_model`'s defaults, so the course's
    plain assistants (``{"version": "v1"}``) are unaffected.
    """
    options = configurable or {}
    caching = options.get("enable_caching")
    return get_chat_model(
        model,
        temperature=float(options.get("temperature", 0.0)),
        timeout=None if options.get("timeout_seconds") is None else float(options["timeout_seconds"]),
        max_retries=None if options.get("max_retries") is None else int(options["max_retries"]),
        cache="default" if caching is None else ("on" if caching else "off"),
        cache_scope=str(options.get("cache_scope") or ""),
    )


__all__ = [
    "PRICES",
    "OfflineChatModel",
    "configured_chat_model",
    "cost_of",
    "get_chat_model",
    "price_of",
    "response_cache",
]
