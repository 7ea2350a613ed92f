"""The offline model's answers to the two judges' structured requests (registered at import).

The judges (:mod:`techhub.evaluators`, and the local server's rule engine running the "User
Sentiment" online evaluator) send a prompt and a JSON schema; the offline model recognises the schema
by its shape, reads the material out of the prompt's tagged blocks and answers with the rubric of
:mod:`.sentiment` or the fact comparison of :mod:`.correctness`.
"""

from __future__ import annotations

import html
import re

from langchain_core.messages import BaseMessage, HumanMessage

from techhub.evaluators.conversation import parse_human_ai_pairs
from techhub.models.offline.judges.correctness import grade_answer
from techhub.models.offline.judges.sentiment import judge_conversation
from techhub.models.offline.structured import register_structured_handler

SENTIMENT_VALUES = frozenset({"positive", "negative"})


def _function(tool: dict) -> dict:
    return tool.get("function", {}) if isinstance(tool, dict) else {}


def _properties(tool: dict) -> dict:
    properties = _function(tool).get("parameters", {}).get("properties", {})
    return properties if isinstance(properties, dict) else {}


def _sentiment_key(tool: dict) -> str | None:
    """The property holding the positive/negative verdict, if this tool is a sentiment schema."""
    for name, spec in _properties(tool).items():
        if isinstance(spec, dict) and set(spec.get("enum") or ()) == SENTIMENT_VALUES:
            return name
    if _function(tool).get("name") == "user_sentiment":
        return "user_sentiment"
    return None


def _reasoning_key(tool: dict, taken: set[str]) -> str | None:
    """Where the explanation goes: ``reasoning`` (or a similar name), else the first free string."""
    properties = _properties(tool)
    for name in ("reasoning", "explanation", "comment", "rationale", "reason"):
        if name in properties and name not in taken:
            return name
    for name, spec in properties.items():
        free_string = isinstance(spec, dict) and spec.get("type") == "string" and "enum" not in spec
        if name not in taken and free_string:
            return name
    return None


def tagged_block(messages: list[BaseMessage], tag: str) -> str | None:
    """The text inside the last ``<tag>...</tag>`` of the prompt (human messages first, newest first).

    HTML entities are decoded: a template that used ``{{x}}`` instead of ``{{{x}}}`` escaped the text,
    and a real model reads ``it&#x27;s`` as "it's" too.
    """
    pattern = re.compile(rf"<{tag}>\n?(.*?)\n?</{tag}>", re.DOTALL)
    ordered = sorted(reversed(messages), key=lambda m: not isinstance(m, HumanMessage))
    for message in ordered:
        found = pattern.findall(message.text)
        if found:
            return html.unescape(found[-1])
    return None


def _matches_sentiment(tool: dict) -> bool:
    return _sentiment_key(tool) is not None


def _answer_sentiment(messages: list[BaseMessage], tool: dict) -> dict:
    conversation = tagged_block(messages, "conversation")
    if conversation is None:
        raise ValueError("the sentiment prompt has no <conversation>...</conversation> block to grade")
    verdict = judge_conversation(parse_human_ai_pairs(conversation))
    key = _sentiment_key(tool) or "user_sentiment"
    answer: dict = {}
    reasoning_key = _reasoning_key(tool, {key})
    if reasoning_key:  # reasoning first, as a model following the schema's order would write it
        answer[reasoning_key] = verdict.reasoning
    answer[key] = verdict.sentiment
    return answer


def _matches_correctness(tool: dict) -> bool:
    return _function(tool).get("name") == "correctness"


def _answer_correctness(messages: list[BaseMessage], tool: dict) -> dict:
    answer, reference = tagged_block(messages, "answer"), tagged_block(messages, "reference")
    if answer is None or reference is None:
        raise ValueError("the correctness prompt needs <answer>...</answer> and <reference>...</reference>")
    grade = grade_answer(answer, reference)
    properties = _properties(tool)
    verdict_key = next((k for k, s in properties.items() if s.get("type") == "boolean"), "correct")
    result: dict = {}
    reasoning_key = _reasoning_key(tool, {verdict_key})
    if reasoning_key:
        result[reasoning_key] = grade.comment
    result[verdict_key] = grade.correct
    return result


register_structured_handler("user_sentiment", _matches_sentiment, _answer_sentiment)
register_structured_handler("correctness", _matches_correctness, _answer_correctness)
