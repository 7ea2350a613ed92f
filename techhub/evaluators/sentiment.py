"""The "User Sentiment" judge: a thread-level online evaluator, also callable from Python.

:func:`sentiment_evaluator_config` is what the flywheel sends to the rules API to create the online
evaluator; :func:`judge_user_sentiment` runs the same prompt and schema on a conversation at hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from techhub.config import get_settings
from techhub.evaluators.conversation import format_human_ai_pairs
from techhub.evaluators.prompts import (
    SENTIMENT_FEEDBACK_KEY,
    SENTIMENT_HUMAN_PROMPT,
    SENTIMENT_SCHEMA,
    SENTIMENT_SYSTEM_PROMPT,
)
from techhub.evaluators.structured import judge_structured

HUMAN_AI_PAIRS = "human_ai_pairs"
"""The prompt variable of a thread evaluator: the thread's turns, see :mod:`.conversation`."""

SENTIMENT_PROMPT: list[tuple[str, str]] = [
    ("system", SENTIMENT_SYSTEM_PROMPT),
    ("human", SENTIMENT_HUMAN_PROMPT),
]


class SentimentVerdict(TypedDict):
    value: str
    score: int
    reasoning: str


def chat_model_config(model: str) -> dict:
    """A chat model as LangSmith stores it in an evaluator: the LangChain-serialized ``ChatOpenAI``."""
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "chat_models", "openai", "ChatOpenAI"],
        "kwargs": {"model_name": model, "temperature": 0},
    }


def model_name_from_config(model: dict | str | None) -> str | None:
    """The model name inside an evaluator's ``model`` field (serialized, ``{"model": ..}`` or a str)."""
    if model is None or isinstance(model, str):
        return model or None
    if not isinstance(model, dict):
        raise ValueError(f"evaluator model must be an object or a name, got {type(model).__name__}")
    kwargs = model.get("kwargs", model)
    for key in ("model_name", "model", "name"):
        if isinstance(kwargs.get(key), str) and kwargs[key]:
            return kwargs[key]
    return None


def sentiment_evaluator_config(model: str | None = None) -> dict:
    """One entry of a rule's ``evaluators`` list: the workshop's structured "User Sentiment" judge.

    ``variable_mapping`` maps the prompt variable to its source; for a thread-level rule
    (``group_by="thread_id"``) the source ``human_ai_pairs`` is the thread's turns formatted by
    :func:`techhub.evaluators.format_human_ai_pairs`.
    """
    return {
        "structured": {
            "prompt": [[role, text] for role, text in SENTIMENT_PROMPT],
            "template_format": "mustache",
            "schema": SENTIMENT_SCHEMA,
            "model": chat_model_config(model or get_settings().judge_model_name),
            "variable_mapping": {HUMAN_AI_PAIRS: HUMAN_AI_PAIRS},
            "include_reasoning": True,
        }
    }


def judge_user_sentiment(messages: Sequence[Any], *, model: str | None = None) -> SentimentVerdict:
    """Grade the overall user sentiment of a conversation: positive (score 1) or negative (score 0).

    ``messages``: ``{"role", "content"}`` dicts (user/human, assistant/ai, tool, system) or LangChain
    messages. Tool traffic is not shown to the judge.
    """
    pairs = format_human_ai_pairs(messages)
    if not pairs:
        raise ValueError("the conversation has no human or AI text to judge")
    answer = judge_structured(SENTIMENT_PROMPT, SENTIMENT_SCHEMA, {HUMAN_AI_PAIRS: pairs}, model=model)
    value = answer[SENTIMENT_FEEDBACK_KEY]
    return {"value": value, "score": 1 if value == "positive" else 0, "reasoning": answer["reasoning"]}
