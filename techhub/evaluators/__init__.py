"""The course's judges: user sentiment (online, per thread) and correctness (offline, per example).

Each judge is a prompt plus a JSON schema sent to the judge model through :func:`judge_structured`:
``ChatOpenAI`` in live mode, the deterministic offline model otherwise. The local LangSmith server's
rule engine uses the same prompt, schema, :func:`format_human_ai_pairs` and :func:`judge_structured`,
and reads a thread's turns from its root runs with :mod:`techhub.evaluators.threads`, as the review
helpers do.
"""

from techhub.evaluators.conversation import (
    format_human_ai_pairs,
    human_ai_turns,
    last_ai_text,
    last_human_text,
    parse_human_ai_pairs,
)
from techhub.evaluators.correctness import CORRECTNESS_PROMPT, correctness, judge_correctness
from techhub.evaluators.prompts import (
    CORRECTNESS_FEEDBACK_KEY,
    CORRECTNESS_HUMAN_PROMPT,
    CORRECTNESS_SCHEMA,
    CORRECTNESS_SYSTEM_PROMPT,
    SENTIMENT_CATEGORIES,
    SENTIMENT_EVALUATOR_NAME,
    SENTIMENT_FEEDBACK_KEY,
    SENTIMENT_HUMAN_PROMPT,
    SENTIMENT_SCHEMA,
    SENTIMENT_SYSTEM_PROMPT,
    render_prompt,
)
from techhub.evaluators.sentiment import (
    HUMAN_AI_PAIRS,
    SENTIMENT_PROMPT,
    SentimentVerdict,
    chat_model_config,
    judge_user_sentiment,
    model_name_from_config,
    sentiment_evaluator_config,
)
from techhub.evaluators.structured import JudgeError, build_judge_messages, judge_structured

__all__ = [
    "CORRECTNESS_FEEDBACK_KEY",
    "CORRECTNESS_HUMAN_PROMPT",
    "CORRECTNESS_PROMPT",
    "CORRECTNESS_SCHEMA",
    "CORRECTNESS_SYSTEM_PROMPT",
    "HUMAN_AI_PAIRS",
    "JudgeError",
    "SENTIMENT_CATEGORIES",
    "SENTIMENT_EVALUATOR_NAME",
    "SENTIMENT_FEEDBACK_KEY",
    "SENTIMENT_HUMAN_PROMPT",
    "SENTIMENT_PROMPT",
    "SENTIMENT_SCHEMA",
    "SENTIMENT_SYSTEM_PROMPT",
    "SentimentVerdict",
    "build_judge_messages",
    "chat_model_config",
    "correctness",
    "format_human_ai_pairs",
    "human_ai_turns",
    "judge_correctness",
    "judge_structured",
    "judge_user_sentiment",
    "last_ai_text",
    "last_human_text",
    "model_name_from_config",
    "parse_human_ai_pairs",
    "render_prompt",
    "sentiment_evaluator_config",
]
