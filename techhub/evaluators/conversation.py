"""The conversation as a judge sees it: the ``human_ai_pairs`` text, and the last answer of a run.

Both judging paths (the local server's rule engine and :func:`techhub.evaluators.judge_user_sentiment`)
format a thread with :func:`format_human_ai_pairs`, and the offline judge reads it back with
:func:`parse_human_ai_pairs`, so the format is defined once, here.

Format: one turn per line, in order, ``human: <text>`` or ``ai: <text>``. A turn whose text spans
several lines continues on lines indented by two spaces, so a line of a message that happens to start
with ``ai:`` cannot be mistaken for a new turn. Tool calls, tool results, system prompts and AI
messages with no text (a bare tool call) are left out: the judge grades what the customer saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, convert_to_messages

Speaker = Literal["human", "ai"]
_CONTINUATION = "  "


def to_messages(messages: Sequence[Any]) -> list[BaseMessage]:
    """LangChain messages from whatever a trace or a caller holds.

    Accepts LangChain messages, ``{"role", "content"}`` dicts (user/human, assistant/ai, tool, system),
    ``{"type", "content"}`` dicts (LangGraph state as JSON), serialized ``{"lc": 1, ...}`` messages
    and ``(role, text)`` tuples.
    """
    if isinstance(messages, str | bytes | dict):
        raise TypeError(f"expected a list of messages, got {type(messages).__name__}")
    try:
        return convert_to_messages(list(messages))
    except (ValueError, TypeError, KeyError, NotImplementedError) as error:
        raise ValueError(f"cannot read the conversation: {error}") from error


def human_ai_turns(messages: Sequence[Any]) -> list[tuple[Speaker, str]]:
    """The customer-visible turns, in order: ``("human" | "ai", text)``; tool chatter left out."""
    turns: list[tuple[Speaker, str]] = []
    for message in to_messages(messages):
        text = message.text.strip()
        if not text:
            continue
        if isinstance(message, HumanMessage):
            turns.append(("human", text))
        elif isinstance(message, AIMessage):
            turns.append(("ai", text))
    return turns


def format_human_ai_pairs(messages: Sequence[Any]) -> str:
    """The ``{{{human_ai_pairs}}}`` text of a thread (format in the module docstring)."""
    lines: list[str] = []
    for speaker, text in human_ai_turns(messages):
        first, *rest = text.splitlines() or [""]
        lines.append(f"{speaker}: {first}")
        lines.extend(f"{_CONTINUATION}{line}" for line in rest)
    return "\n".join(lines)


def parse_human_ai_pairs(text: str) -> list[tuple[Speaker, str]]:
    """Read back what :func:`format_human_ai_pairs` wrote.

    Lenient on purpose (the text may come from another tool): a line starting ``user:`` or
    ``assistant:`` also opens a turn, case does not matter, and text before the first turn is dropped.
    """
    openers: dict[str, Speaker] = {"human": "human", "user": "human", "ai": "ai", "assistant": "ai"}
    turns: list[tuple[Speaker, list[str]]] = []
    for line in text.splitlines():
        head, sep, rest = line.partition(":")
        speaker = openers.get(head.strip().lower()) if sep and not line.startswith((" ", "\t")) else None
        if speaker is not None:
            turns.append((speaker, [rest.strip()]))
        elif turns:
            turns[-1][1].append(line.removeprefix(_CONTINUATION))
    return [(speaker, "\n".join(parts).strip()) for speaker, parts in turns]


def last_ai_text(value: Any) -> str:
    """The final answer held by run inputs/outputs or example outputs.

    ``value`` may be a string, ``{"messages": [...]}`` (LangGraph state; the last AI message with text
    wins), ``{"answer" | "output" | "response" | "content": str}``, or a list of messages.
    """
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, BaseMessage):
        return value.text.strip()
    if isinstance(value, dict):
        if "messages" in value:
            return last_ai_text(value["messages"])
        for key in ("answer", "output", "response", "content"):
            if key in value:
                return last_ai_text(value[key])
        raise ValueError(f"no answer found: expected messages, answer or output, got keys {sorted(value)}")
    if isinstance(value, list | tuple):
        for speaker, text in reversed(human_ai_turns(value)):
            if speaker == "ai":
                return text
        return ""
    raise ValueError(f"no answer found in a {type(value).__name__}")


def last_human_text(value: Any) -> str:
    """The customer's last question held by run or example inputs (same shapes as :func:`last_ai_text`)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        if "messages" in value:
            return last_human_text(value["messages"])
        for key in ("question", "input", "query", "content"):
            if key in value:
                return last_human_text(value[key])
        return ""
    if isinstance(value, list | tuple):
        for speaker, text in reversed(human_ai_turns(value)):
            if speaker == "human":
                return text
    return ""
