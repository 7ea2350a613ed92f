"""The golden dataset: every reference fact checked against the store and its documents, and its
creation in LangSmith idempotent (real SDK, real local server)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import langsmith as ls
import pytest

from techhub.config import REPO_ROOT
from techhub.db import database_path
from techhub.golden import agent_target, ensure_golden_dataset, load_golden_examples
from techhub.localsmith.launcher import RunningServer, start_server

EXAMPLES = load_golden_examples()
DOCUMENTS = REPO_ROOT / "data" / "documents"


def test_the_dataset_covers_what_the_course_needs():
    categories = {e.category for e in EXAMPLES}
    assert len(EXAMPLES) >= 15
    needed = {"order status", "order history", "spending", "products", "policies", "verification", "refusal"}
    assert needed <= categories
    assert len({e.key for e in EXAMPLES}) == len(EXAMPLES)
    assert len({e.example_id for e in EXAMPLES}) == len(EXAMPLES)
    # The cancellation case is the one the flywheel adds from the review queue: not in the baseline.
    assert not any("cancel" in " ".join(e.messages).lower() for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.key for e in EXAMPLES])
def test_every_reference_fact_is_true(example):
    """Each check's query (or document) gives the expected value, and the reference states it."""
    assert example.reference.strip()
    with closing(sqlite3.connect(f"file:{database_path()}?mode=ro", uri=True)) as conn:
        for check in example.checks:
            if "sql" in check:
                value = conn.execute(check["sql"]).fetchone()[0]
                assert str(value) == check["expect"], check["sql"]
            else:
                text = (DOCUMENTS / check["document"]).read_text()
                assert check["expect"] in " ".join(text.split()), check["document"]
            shown = check.get("shown_as", check["expect"])
            where = check.get("in", "reference")
            if where == "none":  # a fact the reference expresses in words ("all delivered", "out of stock")
                continue
            haystack = example.reference if where == "reference" else " ".join(example.messages)
            split = check.get("split")
            parts = shown.split(split if isinstance(split, str) else None) if split else [shown]
            for part in parts:
                assert part.lower() in haystack.lower(), f"{example.key}: {part!r} missing from the {where}"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[ls.Client]:
    server: RunningServer = start_server(tmp_path / "smith.db")
    try:
        yield ls.Client(api_url=server.url, api_key="test", auto_batch_tracing=False)
    finally:
        server.stop()


def test_creating_the_dataset_twice_keeps_one_copy_and_reviewer_examples(client):
    dataset = ensure_golden_dataset(client)
    reviewed = client.create_example(
        inputs={"messages": [{"role": "user", "content": "cancel ORD-2025-0030"}]},
        reference_outputs={"messages": [{"role": "assistant", "content": "I can't cancel orders."}]},
        dataset_id=dataset.id,
    )
    again = ensure_golden_dataset(client)
    assert again.id == dataset.id
    stored = list(client.list_examples(dataset_id=dataset.id))
    assert len(stored) == len(EXAMPLES) + 1
    assert reviewed.id in {e.id for e in stored}
    by_id = {e.id: e for e in stored}
    first = EXAMPLES[0]
    assert by_id[first.example_id].outputs == first.outputs
    assert by_id[first.example_id].metadata["category"] == first.category


def test_an_edited_example_is_brought_back_to_the_file(client):
    dataset = ensure_golden_dataset(client)
    first = EXAMPLES[0]
    client.update_example(first.example_id, outputs={"messages": [{"role": "assistant", "content": "wrong"}]})
    ensure_golden_dataset(client)
    assert client.read_example(first.example_id).outputs == first.outputs
    assert dataset.id == client.read_dataset(dataset_name=dataset.name).id


def test_the_target_plays_the_messages_through_the_verification():
    target = agent_target("v1")
    example = next(e for e in EXAMPLES if e.key == "verification-retry")
    answer = target(example.inputs)["messages"][0]["content"]
    assert "ORD-2025-0047" in answer
    refusal = target({"messages": [{"role": "user", "content": "What's the weather in Paris?"}]})
    assert refusal["messages"][0]["content"]
