"""Reading a LangChain conversation the way the offline model needs to: the system prompt, the
current request, and the tool calls and results of the current turn."""

from __future__ import annotations

import json
from dataclasses import dataclass

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from techhub.models.offline.language import Reading, read_message


@dataclass(frozen=True)
class ToolStep:
    """One tool call of the current turn and its result (None while it has not run)."""

    name: str
    args: dict
    result: str | None


@dataclass(frozen=True)
class Turn:
    system: str
    request: Reading
    """What the customer is asking now (an email-only answer to a verification question is skipped)."""
    latest: Reading
    """The latest human message itself."""
    steps: tuple[ToolStep, ...]
    history: tuple[BaseMessage, ...]

    def called(self, name: str) -> list[ToolStep]:
        return [s for s in self.steps if s.name == name]

    def results(self, name: str) -> list[str]:
        return [s.result for s in self.steps if s.name == name and s.result is not None]

    def previous_ai_texts(self) -> list[str]:
        return [m.text for m in self.history if isinstance(m, AIMessage) and m.text.strip()]


def parse_turn(messages: list[BaseMessage]) -> Turn:
    """Split a conversation into the system prompt, the current request and this turn's tool steps."""
    system = "\n".join(m.text for m in messages if isinstance(m, SystemMessage))
    human_indexes = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if not human_indexes:
        empty = read_message("")
        return Turn(system, empty, empty, (), tuple(messages))
    last = human_indexes[-1]
    latest = read_message(messages[last].text)
    request = latest
    if latest.only_email:
        for i in reversed(human_indexes[:-1]):
            earlier = read_message(messages[i].text)
            if not earlier.only_email:
                request = earlier
                break
    results = {m.tool_call_id: m.text for m in messages[last:] if isinstance(m, ToolMessage)}
    steps = []
    for m in messages[last:]:
        if isinstance(m, AIMessage):
            for call in m.tool_calls:
                steps.append(
                    ToolStep(call["name"], dict(call.get("args") or {}), results.get(call.get("id")))
                )
    return Turn(system, request, latest, tuple(steps), tuple(messages[:last]))


def load_json(text: str | None) -> dict | list | None:
    """A tool result as JSON, or None when it is not JSON (e.g. an error message)."""
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return None
