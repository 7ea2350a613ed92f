"""Notebook widgets that stand in for LangSmith's UI offline (and work the same against the cloud).

* :class:`TraceView`, :class:`ThreadView` (:mod:`.traces`): a trace's run tree and feedback, a
  conversation turn by turn with its traces and feedback; HTML in Jupyter, text for nbval.
* :class:`QueueReviewer` (:mod:`.review`): work through an annotation queue: read the conversation,
  score the rubric, correct the answer, add it to the dataset, mark it done.
"""

from techhub.widgets.review import QueueReviewer, ReviewError, ReviewItem
from techhub.widgets.traces import ThreadTurn, ThreadView, TraceNode, TraceNotFound, TraceView

__all__ = [
    "QueueReviewer",
    "ReviewError",
    "ReviewItem",
    "ThreadTurn",
    "ThreadView",
    "TraceNode",
    "TraceNotFound",
    "TraceView",
]
