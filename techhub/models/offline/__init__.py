"""The deterministic offline model: a LangChain chat model that stands in for OpenAI without network.

Importing this package registers the structured-output handlers (router, judges).
"""

from techhub.models.offline import judges, routing  # noqa: F401  (register their handlers)
from techhub.models.offline.chat_model import OfflineChatModel, approximate_tokens

__all__ = ["OfflineChatModel", "approximate_tokens"]
