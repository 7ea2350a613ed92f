"""A thread's conversation from its root runs: what the customer said and what the agent answered.

LangGraph traces one root run per turn. Its inputs usually hold only the new human message, and its
outputs the whole graph state (every earlier turn again, plus tool traffic). So each root run gives
the human messages after the last AI message of its inputs, and the AI messages after the last human
message of its outputs; joined in order, the turns appear once each. The rule engine (the judge's
``{{human_ai_pairs}}``) and the review helpers (the example's inputs) both read threads this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from techhub.evaluators.conversation import format_human_ai_pairs, human_ai_turns


def _messages(payload: Any) -> list:
    if isinstance(payload, dict):
        payload = payload.get("messages", [])
    if not isinstance(payload, list | tuple):
        return []
    return list(payload)


def _after_last(turns: list[tuple[str, str]], speaker: str) -> list[tuple[str, str]]:
    last = max((i for i, (who, _) in enumerate(turns) if who == speaker), default=-1)
    return turns[last + 1 :]


def turn_messages(inputs: Any, outputs: Any) -> list[dict]:
    """The new human and AI messages of one root run, as ``{"role", "content"}`` dicts."""
    asked = [t for t in _after_last(human_ai_turns(_messages(inputs)), "ai") if t[0] == "human"]
    answered = [t for t in _after_last(human_ai_turns(_messages(outputs)), "human") if t[0] == "ai"]
    return [
        {"role": "user" if who == "human" else "assistant", "content": text} for who, text in asked + answered
    ]


def thread_messages(root_runs: Iterable[tuple[Any, Any]]) -> list[dict]:
    """The thread's messages from ``(inputs, outputs)`` of its root runs, oldest first."""
    messages: list[dict] = []
    for inputs, outputs in root_runs:
        messages.extend(turn_messages(inputs, outputs))
    return messages


def thread_human_ai_pairs(root_runs: Sequence[tuple[Any, Any]]) -> str:
    """The judge's ``human_ai_pairs`` text for a thread (format of :mod:`techhub.evaluators.conversation`)."""
    return format_human_ai_pairs(thread_messages(root_runs))
