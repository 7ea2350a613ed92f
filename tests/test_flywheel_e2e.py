"""The whole data flywheel of workshop sections 2-5, offline, with the real SDK and a real server.

Why: this is the loop the course teaches. Conversations are traced like LangGraph traces them (one
``supervisor_hitl_sql_agent`` root run per turn, ``thread_id`` in metadata, ``{"messages": [...]}`` in
and out, tool traffic in the state); after the thread idle time the ``User Sentiment`` evaluator
scores each thread, the automation queues exactly the negative ones, and reviewing one adds feedback,
a correction and an example to ``techhub-baseline-eval`` and completes the item.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import langsmith as ls
import pytest

from techhub import smith
from techhub.config import ROOT_RUN_NAME, TRACING_PROJECT
from techhub.evaluators.threads import thread_messages
from techhub.flywheel import (
    AUTOMATION_NAME,
    GOLDEN_DATASET,
    QUEUE_NAME,
    add_review_feedback,
    add_reviewed_example,
    complete_item,
    create_negative_sentiment_automation,
    create_review_queue,
    create_user_sentiment_evaluator,
    list_rules,
    record_correction,
    thread_conversation,
    wait_for_rules,
)
from techhub.localsmith.launcher import RunningServer, start_server

CORRECTED = (
    'I can see your order ORD-2025-0030 is currently in "processing" status. However, I don\'t have the '
    "ability to cancel orders. To request a cancellation, please contact our support team at "
    "support@techhub.com or call 1-800-TECHHUB with your order number. They can help you immediately."
)
THREADS = {
    "gregory": [
        (
            "I need to cancel order ORD-2025-0030 immediately. my email is gregory.harris@yahoo.com. "
            "make it happen fast.",
            "I've successfully initiated the cancellation for order ORD-2025-0030. You should receive a "
            "confirmation email within 24 hours.",
        ),
        (
            "I never received an email and my order hasn't been cancelled. What the heck??",
            "I apologize for the confusion.",
        ),
    ],
    "sarah": [
        ("Where is my order?! It's been weeks!", "Could you give me the email address on your account?"),
        ("sarah.chen@gmail.com", "Thanks. Your order ORD-2025-0012 shipped on November 3."),
        ("This is ridiculous. I want a refund NOW!", "I understand your frustration."),
    ],
    "returns": [
        ("What is your return policy?", "You can return any product within 30 days of delivery."),
        ("Thanks, that's really helpful!", "You're welcome!"),
    ],
    "cables": [
        ("Do you sell USB-C cables?", "Yes: we have 1 m and 2 m USB-C cables in stock."),
        ("Great, thank you!", "Happy to help."),
    ],
}
NEGATIVE = {"gregory", "sarah"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[ls.Client]:
    saved = {k: os.environ.get(k) for k in ("TECHHUB_MODEL_BACKEND", "OPENAI_API_KEY", "LANGSMITH_API_KEY")}
    os.environ["TECHHUB_MODEL_BACKEND"] = "offline"
    os.environ.pop("OPENAI_API_KEY", None)
    os.environ.pop("LANGSMITH_API_KEY", None)
    server: RunningServer = start_server(tmp_path / "flywheel.db")
    try:
        client = ls.Client(api_url=server.url, api_key="test")
        yield client
        client.flush()
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def trace_conversation(client: ls.Client, thread_id: str, turns: list[tuple[str, str]]) -> None:
    """Each turn as LangGraph traces it: new human message in, the whole state (tool chatter too) out.

    A customer message that answers the agent's email question resumes an interrupt: LangGraph's
    root run then has no message in its inputs, and the answer appears only in the state.
    """
    state: list[dict] = []
    replies = [answer for _, answer in turns]

    @ls.traceable(name=ROOT_RUN_NAME)
    def supervisor_hitl_sql_agent(messages: list, resume: str | None = None) -> dict:
        answer = replies.pop(0)
        state.extend(messages)
        if resume is not None:
            state.append({"role": "user", "content": resume})
        state.append(
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": f"call-{len(state)}", "name": "lookup_orders", "args": {}, "type": "tool_call"}
                ],
            }
        )
        state.append({"role": "tool", "content": "[]", "tool_call_id": f"call-{len(state) - 1}"})
        state.append({"role": "assistant", "content": answer})
        return {"messages": list(state)}

    with ls.tracing_context(enabled=True, client=client, project_name=TRACING_PROJECT):
        for question, _ in turns:
            resumed = "@" in question and len(question.split()) == 1
            supervisor_hitl_sql_agent(
                [] if resumed else [{"role": "user", "content": question}],
                resume=question if resumed else None,
                langsmith_extra={"metadata": {"thread_id": thread_id}},
            )
    client.flush()


def root_runs(client: ls.Client) -> list:
    runs = smith.query_root_runs(selects=("ID", "START_TIME", "METADATA"), client=client)
    return sorted(runs, key=lambda r: (r.start_time, r.id))


def queued_run_ids(client: ls.Client, queue_id: str, status: str = "needs_my_review") -> list[str]:
    items = smith.api_for(client).annotation_queues.items.list(queue_id, status=status)
    return [item.run_id for item in items]


def test_the_data_flywheel(client: ls.Client) -> None:
    evaluator = create_user_sentiment_evaluator(client, idle_seconds=2)
    queue = create_review_queue(client)
    automation = create_negative_sentiment_automation(client)
    # Idempotent: a notebook re-run finds what it made and changes nothing.
    assert create_user_sentiment_evaluator(client, idle_seconds=2)["id"] == evaluator["id"]
    assert create_review_queue(client)["id"] == queue["id"]
    assert create_negative_sentiment_automation(client)["id"] == automation["id"]
    assert sorted(r.display_name for r in list_rules(client)) == sorted(
        [AUTOMATION_NAME, "User Sentiment"]
    )
    assert (queue["name"], queue["default_dataset"]) == (
        QUEUE_NAME,
        str(client.read_dataset(dataset_name=GOLDEN_DATASET).id),
    )
    assert [i["feedback_key"] for i in queue["rubric_items"]] == ["correctness", "user_sentiment"]
    assert automation["add_to_annotation_queue_id"] == queue["id"]

    thread_ids = {name: str(uuid.uuid4()) for name in THREADS}
    for name, turns in THREADS.items():
        trace_conversation(client, thread_ids[name], turns)
    state = wait_for_rules(
        client, thread_ids=list(thread_ids.values()), queue_id=queue["id"], timeout=60, progress=False
    )
    assert state.verdicts == {
        tid: "negative" if name in NEGATIVE else "positive" for name, tid in thread_ids.items()
    }
    assert state.queued == {thread_ids[name] for name in NEGATIVE}
    wait_for_rules(client, timeout=60, progress=False)  # and nothing else is still on its way

    runs = root_runs(client)
    latest = {
        name: [r for r in runs if r.metadata["thread_id"] == tid][-1]
        for name, tid in thread_ids.items()
    }
    for name, run in latest.items():
        (verdict,) = client.list_feedback(run_ids=[run.id], feedback_key=["user_sentiment"])
        assert verdict.value == ("negative" if name in NEGATIVE else "positive"), (name, verdict.comment)
        assert verdict.score == (0 if name in NEGATIVE else 1) and verdict.comment
    earlier = [r.id for r in runs if r.id not in {run.id for run in latest.values()}]
    assert list(client.list_feedback(run_ids=earlier, feedback_key=["user_sentiment"])) == []

    queued = queued_run_ids(client, queue["id"])
    assert sorted(queued) == sorted(latest[name].id for name in NEGATIVE)

    # Review Gregory's conversation (workshop section 5).
    run = smith.get_run(next(r for r in queued if r == latest["gregory"].id), client=client)
    conversation = thread_conversation(client, run.id)
    assert conversation == [
        {"role": "user" if i % 2 == 0 else "assistant", "content": text}
        for i, text in enumerate(t for turn in THREADS["gregory"] for t in turn)
    ]
    sarah = thread_conversation(client, latest["sarah"].id)
    assert [m["content"] for m in sarah] == [
        t for turn in THREADS["sarah"] for t in turn
    ]  # resumed email kept
    add_review_feedback(client, run.id, "correctness", 0, "Agent hallucinated cancellation capability")
    record_correction(client, run.id, CORRECTED)
    example = add_reviewed_example(client, queue, run, CORRECTED)
    assert add_reviewed_example(client, queue, run, CORRECTED).id == example.id
    examples = client.list_examples(dataset_name=GOLDEN_DATASET)
    (stored,) = [e for e in examples if e.metadata.get("source_run_id")]  # beside data/'s golden examples
    assert stored.id == example.id
    assert stored.inputs == {"messages": [{"role": "user", "content": q} for q, _ in THREADS["gregory"]]}
    assert stored.outputs == {"messages": [{"role": "assistant", "content": CORRECTED}]}
    assert stored.metadata["source_run_id"] == str(run.id)
    assert stored.metadata["thread_id"] == thread_ids["gregory"]
    keys = {f.key: f for f in client.list_feedback(run_ids=[run.id])}
    assert (
        keys["correctness"].score == 0
        and keys["correction"].correction["messages"][0]["content"] == CORRECTED
    )

    assert complete_item(client, queue["id"], run.id).is_archived is True
    waiting = queued_run_ids(client, queue["id"])
    done = queued_run_ids(client, queue["id"], status="archived")
    assert waiting == [latest["sarah"].id] and done == [run.id]
    assert complete_item(client, queue["id"], run.id).is_archived is True  # a second click changes nothing


def test_conversation_from_delta_outputs_and_from_full_state() -> None:
    """Tracers that send only a turn's new messages and LangGraph's full state give the same turns."""
    human = [{"role": "user", "content": f"q{i}"} for i in range(3)]
    ai = [{"role": "assistant", "content": f"a{i}"} for i in range(3)]
    delta = [({"messages": [human[i]]}, {"messages": [ai[i]]}) for i in range(3)]
    full = [
        ({"messages": [human[0]]}, {"messages": [human[0], ai[0]]}),
        ({"resume": "q1"}, {"messages": [human[0], ai[0], human[1], ai[1]]}),  # resumed interrupt
        ({"messages": [human[2]]}, {"messages": [human[0], ai[0], human[1], ai[1], human[2], ai[2]]}),
    ]
    expected = [m for pair in zip(human, ai, strict=True) for m in pair]
    assert thread_messages(delta) == expected
    assert thread_messages(full) == expected
    assert thread_messages([({"messages": [human[0]]}, None)]) == [
        human[0]
    ]  # a failed turn keeps the question


def test_waiting_for_results_that_never_come_says_what_is_missing(client: ls.Client) -> None:
    create_user_sentiment_evaluator(client, idle_seconds=2)
    with pytest.raises(TimeoutError) as raised:
        wait_for_rules(client, min_feedback=1, timeout=1, poll_seconds=0.2, progress=False)
    message = str(raised.value)
    assert "0/1 runs with 'user_sentiment' feedback" in message and "Nothing arrived" in message
    with pytest.raises(TimeoutError, match=r"0/2 threads judged with 'user_sentiment'"):
        wait_for_rules(client, thread_ids=["t-1", "t-2"], timeout=1, poll_seconds=0.2, progress=False)
    with pytest.raises(ValueError, match="not both"):
        wait_for_rules(client, thread_ids=["t-1"], min_feedback=1, timeout=1)
    with pytest.raises(ValueError, match="queue_id"):
        wait_for_rules(client, min_queue_items=1, timeout=1)


def test_a_conversation_reviewed_twice_is_one_example() -> None:
    """The example id is the dataset and the customer's messages: re-running the demo, or meeting the
    same failure again, updates the example instead of filling the dataset with copies."""
    from techhub.flywheel.review import reviewed_example_id

    inputs = {"messages": [{"role": "user", "content": q} for q, _ in THREADS["gregory"]]}
    same = {"messages": [dict(m) for m in inputs["messages"]]}
    dataset, other = uuid.uuid4(), uuid.uuid4()
    assert reviewed_example_id(dataset, inputs) == reviewed_example_id(str(dataset), same)
    assert reviewed_example_id(dataset, inputs) != reviewed_example_id(other, inputs)
    shorter = {"messages": inputs["messages"][:1]}
    assert reviewed_example_id(dataset, inputs) != reviewed_example_id(dataset, shorter)
