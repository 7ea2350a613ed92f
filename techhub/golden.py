"""The golden dataset ``techhub-baseline-eval`` and the target that runs an agent revision on it.

The examples live in ``data/golden_dataset.json``, reviewed like code: each is a customer conversation
(the customer's messages in order; an email answers the verification question) and the reference
answer, and every fact in a reference is checked against the store and its documents by
``tests/test_golden_dataset.py``. :func:`ensure_golden_dataset` puts them in LangSmith (idempotently:
fixed example ids, so re-running a notebook never duplicates them, and examples added by reviewers
from the annotation queue are left alone). :func:`agent_target` is what ``evaluate()`` calls: it
plays an example's messages through one revision of the agent, in this process.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from langsmith import Client
from langsmith.schemas import Dataset

from techhub.config import REPO_ROOT

GOLDEN_DATASET = "techhub-baseline-eval"
GOLDEN_FILE = REPO_ROOT / "data" / "golden_dataset.json"
_ID_NAMESPACE = uuid.UUID("8a5e0c7e-52a4-4f1e-9a55-0d7e1c0f6b21")


@dataclass(frozen=True)
class GoldenExample:
    """One conversation of the golden dataset and the answer the agent should end it with."""

    key: str
    category: str
    messages: tuple[str, ...]
    reference: str
    checks: tuple[dict, ...] = ()

    @property
    def example_id(self) -> uuid.UUID:
        """Fixed per key, so creating the dataset twice finds the examples made the first time."""
        return uuid.uuid5(_ID_NAMESPACE, self.key)

    @property
    def inputs(self) -> dict:
        return {"messages": [{"role": "user", "content": text} for text in self.messages]}

    @property
    def outputs(self) -> dict:
        return {"messages": [{"role": "assistant", "content": self.reference}]}

    @property
    def metadata(self) -> dict:
        return {"key": self.key, "category": self.category, "source": "data/golden_dataset.json"}


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[str, str, tuple[GoldenExample, ...]]:
    data = json.loads(path.read_text())
    examples = tuple(
        GoldenExample(
            key=item["key"],
            category=item["category"],
            messages=tuple(item["messages"]),
            reference=item["reference"],
            checks=tuple(item.get("checks", ())),
        )
        for item in data["examples"]
    )
    return data["name"], data["description"], examples


def load_golden_examples(path: Path = GOLDEN_FILE) -> list[GoldenExample]:
    """The examples of ``data/golden_dataset.json``, in file order."""
    return list(_load(path)[2])


def ensure_golden_dataset(client: Client, path: Path = GOLDEN_FILE) -> Dataset:
    """Create the golden dataset and its examples in LangSmith where missing; return the dataset.

    Examples are matched by their fixed ids: a missing one is created, one whose content differs
    from the file is updated, any other example (a reviewer's, added from the queue) is kept.
    """
    name, description, examples = _load(path)
    if client.has_dataset(dataset_name=name):
        dataset = client.read_dataset(dataset_name=name)
    else:
        dataset = client.create_dataset(name, description=description)
    stored = {example.id: example for example in client.list_examples(dataset_id=dataset.id)}
    missing, changed = [], []
    for example in examples:
        current = stored.get(example.example_id)
        wanted = (example.inputs, example.outputs, example.metadata)
        if current is None:
            missing.append(example)
        elif (current.inputs, current.outputs, current.metadata) != wanted:
            changed.append(example)
    if missing:
        rows = [
            {"id": e.example_id, "inputs": e.inputs, "reference_outputs": e.outputs, "metadata": e.metadata}
            for e in missing
        ]
        client.create_examples(dataset_id=dataset.id, examples=rows)
    for example in changed:
        client.update_example(
            example.example_id, inputs=example.inputs, outputs=example.outputs, metadata=example.metadata
        )
    return dataset


def _user_messages(inputs: dict) -> list[str]:
    """The customer's messages of an example (``{"messages": [...]}`` or a bare ``question``)."""
    if "messages" not in inputs:
        return [str(inputs.get("question") or inputs.get("input") or "")]
    texts = []
    for message in inputs["messages"]:
        if isinstance(message, dict):
            if message.get("role", "user") in ("user", "human"):
                texts.append(str(message.get("content", "")))
        elif isinstance(message, (list, tuple)) and len(message) == 2:
            if message[0] in ("user", "human"):
                texts.append(str(message[1]))
        else:
            texts.append(str(message))
    return texts


def agent_target(
    version: str, *, model: str | None = None, tools: Sequence[BaseTool] = ()
) -> Callable[[dict], dict]:
    """``evaluate()``'s target for agent revision ``version`` (``v1``, ``v2``, ...), with ``tools``
    given to its supervisor when the revision adds a capability (see ``build_graph``).

    Each example's messages are played in order on a fresh thread, like a customer in the chat: a
    message that answers the verification question resumes the interrupt. The output is the
    agent's final reply, in the shape of the reference (``{"messages": [assistant message]}``).
    """
    from techhub.agent import build_graph  # the agent pulls in the models: only when evaluating

    graph = build_graph(version, checkpointer=InMemorySaver(), tools=tools)

    def target(inputs: dict) -> dict:
        configurable: dict[str, Any] = {"thread_id": str(uuid.uuid4()), "version": version}
        if model:
            configurable["model"] = model
        config = {"configurable": configurable}
        state: dict = {}
        for text in _user_messages(inputs):
            waiting = bool(graph.get_state(config).next)
            payload = Command(resume=text) if waiting else {"messages": [("user", text)]}
            state = graph.invoke(payload, config)
        replies = [m for m in state.get("messages", []) if isinstance(m, AIMessage) and m.text.strip()]
        answer = replies[-1].text if replies else ""
        return {"messages": [{"role": "assistant", "content": answer}]}

    target.__name__ = f"techhub_{version}"
    return target
