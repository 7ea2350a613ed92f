"""The data flywheel through the LangSmith API: online evaluator, review queue, automation, review.

``configure``: create the ``User Sentiment`` evaluator, the review queue and the negative-sentiment
automation (idempotent, REST or SDK, same calls for LangSmith cloud and the local server).
``waiting``: wait for the rules to act. ``review``: the reviewer's steps on a queued trace (a
thread's turns come from :mod:`techhub.evaluators.threads`, as the local rule engine reads them).
"""

from techhub.flywheel.configure import (
    AUTOMATION_NAME,
    GOLDEN_DATASET,
    QUEUE_DESCRIPTION,
    QUEUE_INSTRUCTIONS,
    QUEUE_NAME,
    RUBRIC_ITEMS,
    create_negative_sentiment_automation,
    create_review_queue,
    create_user_sentiment_evaluator,
    find_queue,
    list_rules,
    negative_sentiment_rule,
    upsert_rule,
    user_sentiment_rule,
)
from techhub.flywheel.review import (
    add_review_feedback,
    add_reviewed_example,
    complete_item,
    record_correction,
    thread_conversation,
)
from techhub.flywheel.waiting import feedback_value, latest_turns, wait_for_rules

__all__ = [
    "AUTOMATION_NAME",
    "GOLDEN_DATASET",
    "QUEUE_DESCRIPTION",
    "QUEUE_INSTRUCTIONS",
    "QUEUE_NAME",
    "RUBRIC_ITEMS",
    "add_review_feedback",
    "add_reviewed_example",
    "complete_item",
    "create_negative_sentiment_automation",
    "create_review_queue",
    "create_user_sentiment_evaluator",
    "feedback_value",
    "find_queue",
    "latest_turns",
    "list_rules",
    "negative_sentiment_rule",
    "record_correction",
    "thread_conversation",
    "upsert_rule",
    "user_sentiment_rule",
    "wait_for_rules",
]
