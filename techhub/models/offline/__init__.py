"""The deterministic offline model: a LangChain chat model that stands in for OpenAI without network.

Importing this package registers the structured-output handlers (router, judges).
"""

from techhub.models.offline import routing  # noqa: F401  (registers the router handler)
from techhub.models.offline.chat_model import OfflineChatModel, approximate_tokens

try:  # the judges' handlers live with the evaluators' offline rubric
    from techhub.models.offline import judges  # noqa: F401
except ImportError:  # pragma: no cover - only while the judges module is being written
    pass

__all__ = ["OfflineChatModel", "approximate_tokens"]
