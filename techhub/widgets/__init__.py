"""Notebook widgets: what LangSmith Studio and LangSmith's UI show, inside JupyterLab.

They stand in for those UIs offline and work the same against LangSmith cloud and a deployment.

* :class:`ChatPanel` (:mod:`.chat`): chat with the deployed agent as a customer, Studio's chat.
* :class:`TraceView`, :class:`ThreadView` (:mod:`.traces`): a trace's run tree and feedback, a
  conversation turn by turn with its traces and feedback; HTML in Jupyter, text for nbval.
* :class:`QueueReviewer` (:mod:`.review`): work through an annotation queue: read the conversation,
  score the rubric, correct the answer, add it to the dataset, mark it done.
"""

from techhub.widgets.chat import ChatPanel
from techhub.widgets.review import QueueReviewer, ReviewError, ReviewItem
from techhub.widgets.traces import ThreadTurn, ThreadView, TraceNode, TraceNotFound, TraceView

__all__ = [
    "ChatPanel",
    "QueueReviewer",
    "ReviewError",
    "ReviewItem",
    "ThreadTurn",
    "ThreadView",
    "TraceNode",
    "TraceNotFound",
    "TraceView",
]
