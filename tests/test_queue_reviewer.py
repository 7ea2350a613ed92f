"""``techhub.widgets.QueueReviewer``: workshop section 5's review, on the real agent server and local server.

Why: the review is where the flywheel turns. Gregory's hallucinated cancellation (v1) and the seed's
frustrated customer are judged negative by the ``User Sentiment`` evaluator, queued by the automation,
and reviewed twice: once through the Python interface (as notebook 05 does in CI), once through the
widget's own buttons. Each review must leave feedback and a correction on the production trace, an
example with the corrected answer in ``techhub-baseline-eval``, a completed item, and one item fewer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import langsmith as ls
import pytest
from nbval.plugin import get_sanitize_patterns

from techhub import smith
from techhub.deployment import Conversation, get_deployment_client
from techhub.flywheel import (
    GOLDEN_DATASET,
    QUEUE_NAME,
    create_negative_sentiment_automation,
    create_review_queue,
    create_user_sentiment_evaluator,
    wait_for_rules,
)
from techhub.flywheel.review import queue_items, review_feedback_id
from techhub.widgets import QueueReviewer, ReviewError

if TYPE_CHECKING:
    from conftest import TechhubInstance

SANITIZE = get_sanitize_patterns((Path(__file__).parents[1] / "notebooks" / "sanitize.cfg").read_text())
GREGORY = [
    "I need to cancel order ORD-2025-0030 immediately. my email is gregory.harris@yahoo.com. make it "
    "happen fast.",
    "I never received an email and my order hasn't been cancelled. What the heck??",
]
SARAH = [
    "Where is my order?! It's been weeks!",
    "sarah.chen@gamil.com",
    "sarah.chen@gmail.com",
    "This is ridiculous. I want a refund NOW!",
]
CORRECTED = (
    'I can see your order ORD-2025-0030 is currently in "processing" status. However, I don\'t have the '
    "ability to cancel orders. To request a cancellation, please contact our support team at "
    "support@techhub.com or call 1-800-TECHHUB with your order number. They can help you immediately."
)
COMMENT = "Agent hallucinated cancellation capability - no such tool exists"


def sanitized(text: str) -> str:
    for regex, replacement in SANITIZE:
        text = re.sub(regex, replacement, text)
    return text


@dataclass
class Flywheel:
    client: ls.Client
    queue: dict
    gregory: Conversation
    gregory_again: Conversation
    sarah: Conversation


@pytest.fixture(scope="module")
def flywheel(techhub_services: TechhubInstance) -> Iterator[Flywheel]:
    with pytest.MonkeyPatch.context() as patch:
        techhub_services.apply(patch)
        client = smith.get_client()
        create_user_sentiment_evaluator(client, idle_seconds=2)
        queue = create_review_queue(client)
        create_negative_sentiment_automation(client)
        deployment = get_deployment_client()
        chats = []
        for messages in (GREGORY, GREGORY, SARAH):
            chat = Conversation("v1", client=deployment)
            for message in messages:
                chat.send(message)
            chats.append(chat)
        # Judged once idle for 2 s, queued when negative: wait for exactly these three conversations.
        wait_for_rules(client, thread_ids=[c.thread_id for c in chats], queue_id=queue["id"], timeout=90,
                       progress=False)
        yield Flywheel(client, queue, *chats)


def test_the_reviewer_shows_the_queue_and_the_flagged_conversation(flywheel: Flywheel) -> None:
    gregory = flywheel.gregory
    reviewer = QueueReviewer(QUEUE_NAME, thread_ids=[gregory.thread_id], client=flywheel.client)

    assert reviewer.remaining == 1
    item = reviewer.current
    assert item is not None and item.thread_id == gregory.thread_id
    assert item.run_id == gregory.run_ids[-1]  # the judge scores the thread's latest run; that one is queued
    assert [(m["role"], m["content"]) for m in item.conversation] == gregory.transcript
    assert item.answer == item.output == gregory.transcript[-1][1]
    assert "successfully initiated the cancellation" in item.conversation[1]["content"]
    assert [(s.key, s.kind) for s in reviewer.scales] == [("correctness", "continuous"),
                                                          ("user_sentiment", "categorical")]
    assert [f.value for f in item.thread.feedback if f.key == "user_sentiment"] == ["negative"]

    text = repr(reviewer)
    assert text.startswith(f"QueueReviewer · {QUEUE_NAME} · 1 item left")
    assert "Instructions: Review traces flagged for negative sentiment." in text
    assert "  correctness (a score from 0 to 1)" in text
    assert "  user_sentiment (one of negative (= 0), positive (= 1))" in text
    assert f"Dataset: {GOLDEN_DATASET}" in text and "This review: nothing yet" in text
    bundle = reviewer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and bundle["text/plain"] == text
    assert "Review traces flagged" in bundle["text/html"] and "sql_agent" in bundle["text/html"]
    assert "<b>D</b> key" in bundle["text/html"]

    # The same conversation in another thread: the same output once ids and times are sanitized.
    twin = QueueReviewer(QUEUE_NAME, thread_ids=[flywheel.gregory_again.thread_id], client=flywheel.client)
    assert text != repr(twin) and sanitized(text) == sanitized(repr(twin))
    assert sanitized(bundle["text/html"]) == sanitized(twin._repr_mimebundle_()["text/html"])


def test_the_whole_review_through_the_python_interface(flywheel: Flywheel) -> None:
    client, gregory, sarah = flywheel.client, flywheel.gregory, flywheel.sarah
    reviewer = QueueReviewer(QUEUE_NAME, thread_ids=[gregory.thread_id, sarah.thread_id], client=client)
    assert reviewer.remaining == 2
    item = reviewer.select(gregory.thread_id)
    run_id = item.run_id

    with pytest.raises(ReviewError, match=r"'accuracy' is not in the rubric .*correctness, user_sentiment"):
        reviewer.score("accuracy", 0)
    with pytest.raises(ReviewError, match=r"user_sentiment takes one of negative \(= 0\), positive"):
        reviewer.score("user_sentiment", "meh")
    with pytest.raises(ReviewError, match="correctness takes a score from 0 to 1; got 2"):
        reviewer.score("correctness", 2)
    with pytest.raises(ReviewError, match="empty"):
        reviewer.correct_output("  ")

    reviewer.score("correctness", 1, comment="first thought")
    reviewer.score("correctness", 0, comment=COMMENT)  # changes the answer, adds nothing
    reviewer.score("user_sentiment", "negative")
    reviewer.correct_output(CORRECTED)
    example = reviewer.add_to_dataset()

    mine = [f for f in client.list_feedback(run_ids=[run_id]) if f.id in {
        review_feedback_id(run_id, key) for key in ("correctness", "user_sentiment", "correction")}]
    by_key = {f.key: f for f in mine}
    assert len(mine) == 3
    assert (by_key["correctness"].score, by_key["correctness"].comment) == (0, COMMENT)
    assert (by_key["user_sentiment"].score, by_key["user_sentiment"].value) == (0, "negative")
    assert by_key["correction"].correction == {"messages": [{"role": "assistant", "content": CORRECTED}]}
    assert by_key["correctness"].feedback_source.metadata["annotation_queue"] == QUEUE_NAME

    stored = client.read_example(example.id)
    assert stored.dataset_id == client.read_dataset(dataset_name=GOLDEN_DATASET).id
    assert stored.outputs == {"messages": [{"role": "assistant", "content": CORRECTED}]}
    assert stored.inputs == {"messages": [{"role": "user", "content": m} for m in GREGORY]}
    assert stored.metadata["source_run_id"] == run_id
    assert reviewer.add_to_dataset().id == example.id  # a second click adds nothing

    summary = repr(reviewer)
    assert f'correctness = 0 "{COMMENT}"' in summary and "user_sentiment = negative" in summary
    assert f"correction recorded; added to {GOLDEN_DATASET} as example {example.id}" in summary
    assert "Output (corrected):\n  I can see your order ORD-2025-0030" in summary
    thread_text = repr(reviewer.current.thread)
    assert f"correctness: 0  [api: {QUEUE_NAME}]" in thread_text and f"→ {CORRECTED}" in thread_text

    following = reviewer.done()
    assert reviewer.remaining == 1
    assert run_id in [i.run_id for i in queue_items(client, flywheel.queue["id"], "archived")]
    assert run_id not in [i.run_id for i in queue_items(client, flywheel.queue["id"])]
    assert following is not None and following.thread_id == sarah.thread_id
    assert reviewer.next().run_id == following.run_id  # the only item left: Next comes back to it
    with pytest.raises(ReviewError, match="is not waiting"):
        reviewer.select(gregory.thread_id)


def test_the_widget_buttons_do_the_same_review(flywheel: Flywheel) -> None:
    client, sarah = flywheel.client, flywheel.sarah
    reviewer = QueueReviewer(QUEUE_NAME, run_ids=[sarah.run_ids[-1]], client=client)
    assert reviewer.remaining == 1
    reviewer.widget  # noqa: B018 - builds the panel
    panel = reviewer._widget
    assert panel is not None and panel.output.value == sarah.transcript[-1][1]
    assert "This is ridiculous. I want a refund NOW!" in panel.conversation.value
    assert QUEUE_NAME in panel.header.value and "1 item left" in panel.header.value
    assert "Output (the agent's answer)" not in panel.conversation.value  # the editable box shows it

    panel.submit_button.click()  # nothing chosen: the error shows in the panel, nothing is raised
    assert "nothing to submit" in panel.status.value

    panel.inputs["correctness"].value = 0.0
    panel.inputs["user_sentiment"].value = 0.0
    panel.comment.value = "Refund claimed, none was made."
    panel.output.value = "I can't issue refunds myself: please contact support@techhub.com."
    panel.submit_button.click()
    assert "Feedback saved" in panel.status.value, panel.status.value
    run_id = reviewer.current.run_id
    keys = {f.key: f for f in client.list_feedback(run_ids=[run_id])
            if f.id == review_feedback_id(run_id, f.key)}
    assert keys["correctness"].score == 0 and keys["correctness"].comment == "Refund claimed, none was made."
    assert keys["user_sentiment"].value == "negative"
    assert keys["correction"].correction["messages"][0]["content"].startswith("I can't issue refunds")

    panel.dataset_button.click()
    assert f"Added to {GOLDEN_DATASET}" in panel.status.value
    assert reviewer.current.example.outputs["messages"][0]["content"].startswith("I can't issue refunds")

    panel.done_button.click()
    assert reviewer.current is None and reviewer.remaining == 0
    assert "All reviewed: 1 item done here." in panel.conversation.value
    assert "All reviewed: 1 item done here." in repr(reviewer)
    assert panel.form.layout.display == "none"


def test_a_scope_with_nothing_queued_says_so(flywheel: Flywheel) -> None:
    reviewer = QueueReviewer(QUEUE_NAME, run_ids=[str(uuid.uuid4())], client=flywheel.client)
    assert reviewer.remaining == 0 and reviewer.current is None
    assert "Nothing to review" in repr(reviewer) and "wait_for_rules" in repr(reviewer)
    with pytest.raises(ReviewError, match="nothing to review"):
        reviewer.score("correctness", 0)


def test_a_missing_queue_says_how_to_create_it(flywheel: Flywheel) -> None:
    with pytest.raises(ReviewError, match=r"no annotation queue called 'No such queue'.*create_review_queue"):
        QueueReviewer("No such queue", client=flywheel.client)


def test_a_langsmith_that_does_not_answer_says_to_start_it() -> None:
    from techhub.localsmith.launcher import free_port

    nobody = ls.Client(api_url=f"http://127.0.0.1:{free_port()}", api_key="test",
                       info={"version": "0.16.0"})
    with pytest.raises(ReviewError, match=r"cannot reach LangSmith at .*techhub up"):
        QueueReviewer(QUEUE_NAME, client=nobody)
