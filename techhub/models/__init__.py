"""Model factory: ``ChatOpenAI`` when an OpenAI key is configured, else the offline model.

The choice follows :func:`techhub.config.get_settings` (``TECHHUB_MODEL_BACKEND``); forcing
``openai`` without a key is an error, never a silent fallback to offline.
"""

from __future__ import annotations

import os
from functools import lru_cache

from langchain_core.language_models import BaseChatModel

from techhub.config import get_settings
from techhub.models.offline import OfflineChatModel
from techhub.models.pricing import PRICES, cost_of, price_of


@lru_cache(maxsize=16)
def _cached(backend: str, name: str, temperature: float, endpoint: str | None) -> BaseChatModel:
    if backend == "openai":
        from langchain_openai import ChatOpenAI

        # stream_usage: ChatOpenAI asks for usage in streams by default only when it talks to
        # api.openai.com; behind OPENAI_BASE_URL (a proxy, a gateway) streamed runs would report no
        # tokens, and the course's cost tracking would read zero.
        return ChatOpenAI(model=name, temperature=temperature, stream_usage=True)
    return OfflineChatModel(model_name=name)


def get_chat_model(model: str | None = None, *, temperature: float = 0.0) -> BaseChatModel:
    """The chat model for ``model`` (default ``TECHHUB_MODEL``, gpt-4o-mini) in the active mode.

    One instance per model, temperature and endpoint: ``ChatOpenAI`` reads ``OPENAI_API_BASE`` /
    ``OPENAI_BASE_URL`` when it is built, so a changed endpoint gets a new instance, never a stale one.
    """
    settings = get_settings()
    endpoint = None
    if settings.model_backend == "openai":
        endpoint = os.environ.get("OPENAI_API_BASE") or os.environ.get("OPENAI_BASE_URL")
    return _cached(settings.model_backend, model or settings.model_name, temperature, endpoint)


__all__ = ["PRICES", "OfflineChatModel", "cost_of", "get_chat_model", "price_of"]
