"""A thread's conversation from its root runs: what the customer said and what the agent answered.

LangGraph traces one root run per turn. Its inputs hold the new human message (or, when the turn
resumes an interrupt such as the email question, no message at all), and its outputs the whole graph
state: every earlier turn again, the resumed answer, and tool traffic. Other tracers send only the
turn's new messages. So the conversation is built run by run:

* if a run's outputs start with the conversation so far and contain the run's new human messages,
  they are the whole state: the conversation becomes those outputs (this keeps the customer's answer
  to an interrupt, which appears in no run's inputs);
* otherwise the run adds its new human messages (those after the last AI message of its inputs) and
  the AI messages after the last human message of its outputs.

Tool calls, tool results and system prompts are left out (see
:func:`techhub.evaluators.conversation.human_ai_turns`). The rule engine (the judge's
``{{human_ai_pairs}}``) and the review helpers (the example's inputs) both read threads this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from techhub.evaluators.conversation import format_human_ai_pairs, human_ai_turns

Turn = tuple[str, str]


def _turns(payload: Any) -> list[Turn]:
    """The human/AI turns of ``{"messages": [...]}`` (or a bare list); none for anything else."""
    if isinstance(payload, dict):
        payload = payload.get("messages", [])
    if not isinstance(payload, list | tuple) or not payload:
        return []
    return human_ai_turns(payload)


def _after_last(turns: list[Turn], speaker: str) -> list[Turn]:
    last = max((i for i, (who, _) in enumerate(turns) if who == speaker), default=-1)
    return turns[last + 1 :]


def _contains_in_order(turns: list[Turn], wanted: list[Turn]) -> bool:
    remaining = iter(turns)
    return all(any(turn == w for turn in remaining) for w in wanted)


def extend_conversation(conversation: list[Turn], inputs: Any, outputs: Any) -> list[Turn]:
    """The conversation after one more root run (rules in the module docstring)."""
    asked = [t for t in _after_last(_turns(inputs), "ai") if t[0] == "human"]
    state = _turns(outputs)
    known = len(conversation)
    if state[:known] == conversation and _contains_in_order(state[known:], asked):
        return state
    answered = [t for t in _after_last(state, "human") if t[0] == "ai"]
    return [*conversation, *asked, *answered]


def thread_messages(root_runs: Iterable[tuple[Any, Any]]) -> list[dict]:
    """The thread's messages from ``(inputs, outputs)`` of its root runs, oldest first.

    Returned as ``{"role": "user" | "assistant", "content": text}``.
    """
    conversation: list[Turn] = []
    for inputs, outputs in root_runs:
        conversation = extend_conversation(conversation, inputs, outputs)
    return [
        {"role": "user" if who == "human" else "assistant", "content": text} for who, text in conversation
    ]


def thread_human_ai_pairs(root_runs: Sequence[tuple[Any, Any]]) -> str:
    """The judge's ``human_ai_pairs`` text for a thread (format of :mod:`.conversation`)."""
    return format_human_ai_pairs(thread_messages(root_runs))
