"""Structured-output handlers of the offline model.

When code asks the offline model for structured output (``with_structured_output(schema)``), the
model receives the schema as its only bound tool and must answer with a tool call whose arguments
fit it. Each kind of structured request a real model would answer from the prompt (the router's
decision, the sentiment judge, the correctness judge, ...) has a handler here: a matcher that
recognises the schema and a function that reads the conversation and returns the arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.messages import BaseMessage

SchemaMatcher = Callable[[dict], bool]
"""Gets the bound tool in OpenAI format (``{"type": "function", "function": {name, description,
parameters}}``) and says whether this handler answers it."""

StructuredAnswer = Callable[[list[BaseMessage], dict], dict]
"""Gets the conversation (system prompt included) and the bound tool; returns the tool-call args."""


@dataclass(frozen=True)
class StructuredHandler:
    name: str
    matches: SchemaMatcher
    answer: StructuredAnswer


_HANDLERS: list[StructuredHandler] = []


def register_structured_handler(name: str, matches: SchemaMatcher, answer: StructuredAnswer) -> None:
    """Teach the offline model to answer one kind of structured request (later registrations win)."""
    _HANDLERS.insert(0, StructuredHandler(name, matches, answer))


def find_structured_handler(tool: dict) -> StructuredHandler | None:
    """The handler for a bound tool, or None when the offline model does not know this schema."""
    for handler in _HANDLERS:
        if handler.matches(tool):
            return handler
    return None
