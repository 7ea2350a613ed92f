"""Model factory: ``ChatOpenAI`` when an OpenAI key is configured, else the offline model.

The choice follows :func:`techhub.config.get_settings` (``TECHHUB_MODEL_BACKEND``); forcing
``openai`` without a key is an error, never a silent fallback to offline.
"""

from __future__ import annotations

from functools import lru_cache

from langchain_core.language_models import BaseChatModel

from techhub.config import get_settings
from techhub.models.offline import OfflineChatModel
from techhub.models.pricing import PRICES, cost_of, price_of


@lru_cache(maxsize=16)
def _cached(backend: str, name: str, temperature: float) -> BaseChatModel:
    if backend == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=name, temperature=temperature)
    return OfflineChatModel(model_name=name)


def get_chat_model(model: str | None = None, *, temperature: float = 0.0) -> BaseChatModel:
    """The chat model for ``model`` (default ``TECHHUB_MODEL``, gpt-4o-mini) in the active mode."""
    settings = get_settings()
    return _cached(settings.model_backend, model or settings.model_name, temperature)


__all__ = ["PRICES", "OfflineChatModel", "cost_of", "get_chat_model", "price_of"]
