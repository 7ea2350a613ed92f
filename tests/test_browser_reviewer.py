"""The queue reviewer in a real browser: workshop section 5's review done with clicks and typing.

Why: notebook 05 and ``tests/test_queue_reviewer.py`` drive ``QueueReviewer`` through Python; a
learner drives it through the page. Here the real services flag a conversation (Gregory's
hallucinated cancellation on v1, judged negative by the ``User Sentiment`` evaluator, queued by the
automation), a notebook showing ``QueueReviewer(QUEUE_NAME, thread_ids=[...])`` is opened in
JupyterLab in headless Chromium, and the review is done in the page: ``correctness`` 0 with a
comment, the output edited into the corrected answer, Submit feedback, Add to dataset, Done, each
confirmation awaited in the DOM. Then the SDK (the real local LangSmith server) must show the
feedback, the correction, the dataset example and the archived item. No request leaves loopback; a
screenshot of the review is left in the test's temporary folder (``reviewer.png``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import langsmith as ls
import pytest
from browser import (
    Lab,
    chromium_page,
    keep_screenshot,
    requires_chromium,
    run_first_cell,
    running_lab,
    write_notebook,
)

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
from techhub.traffic.personas import SEED_CANCELLATION_COMPLAINT, SEED_CANCELLATION_REQUEST

if TYPE_CHECKING:
    from conftest import TechhubInstance

pytestmark = requires_chromium

CELL = """from techhub.flywheel import QUEUE_NAME
from techhub.widgets import QueueReviewer

reviewer = QueueReviewer(QUEUE_NAME, thread_ids=["{thread_id}"])
reviewer"""
CORRECTED = (
    'I can see your order ORD-2025-0030 is currently in "processing" status. However, I don\'t have the '
    "ability to cancel orders. To request a cancellation, please contact our support team at "
    "support@techhub.com or call 1-800-TECHHUB with your order number. They can help you immediately."
)
COMMENT = "Agent hallucinated cancellation capability - no such tool exists"
SERVER_WORK_MS = 30_000  # a step that calls the local server from the kernel (Playwright's default: 5 s)


@dataclass
class Flagged:
    client: ls.Client
    queue: dict
    chat: Conversation

    @property
    def run_id(self) -> str:
        return self.chat.run_ids[-1]  # the judge scores the thread's latest run; that one is queued


@pytest.fixture
def flagged(techhub_services: TechhubInstance, monkeypatch: pytest.MonkeyPatch) -> Flagged:
    """Gregory's cancellation conversation on v1, judged negative and queued for review."""
    techhub_services.apply(monkeypatch)
    client = smith.get_client()
    create_user_sentiment_evaluator(client, idle_seconds=2)
    queue = create_review_queue(client)
    create_negative_sentiment_automation(client, queue_id=queue["id"])
    chat = Conversation("v1", client=get_deployment_client())
    chat.send(SEED_CANCELLATION_REQUEST)
    chat.send(SEED_CANCELLATION_COMPLAINT)
    wait_for_rules(client, thread_ids=[chat.thread_id], queue_id=queue["id"], timeout=90, progress=False)
    return Flagged(client, queue, chat)


@pytest.fixture
def lab(techhub_services: TechhubInstance, tmp_path: Path) -> Iterator[Lab]:
    with running_lab(techhub_services.env, tmp_path) as lab:  # the kernel reaches the test's servers
        yield lab


def test_the_queue_reviewer_works_in_jupyterlab_in_headless_chromium(
    flagged: Flagged, lab: Lab, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    agent_answer = flagged.chat.transcript[-1][1]
    write_notebook(lab.root / "review.ipynb", CELL.format(thread_id=flagged.chat.thread_id))

    with chromium_page(tmp_path, height=1900) as (page, traffic):
        page.goto(lab.page_url("review.ipynb"))
        run_first_cell(page)

        # 2a: the queue, its rubric and the flagged conversation.
        header = page.locator(".techhub-review-header")
        title = f"Annotation queue · {QUEUE_NAME} · 1 item left"
        expect(header).to_contain_text(title, timeout=SERVER_WORK_MS)  # the cell read the queue and thread
        expect(header).to_contain_text("Review traces flagged for negative sentiment.")
        expect(header).to_contain_text(f"Reviewed examples go to dataset {GOLDEN_DATASET}.")
        conversation = page.locator(".techhub-review-conversation")
        expect(conversation).to_contain_text(SEED_CANCELLATION_REQUEST)
        expect(conversation).to_contain_text(SEED_CANCELLATION_COMPLAINT)
        expect(conversation).to_contain_text("successfully initiated the cancellation")
        output = page.locator(".techhub-review-output textarea")
        expect(output).to_have_value(agent_answer)
        expect(page.locator(".techhub-review-form")).to_contain_text("the agent's answer in turn 2")
        status = page.locator(".techhub-review-status")

        # 2b and 2c: correctness 0 with a comment, the output edited into the corrected answer.
        zero = page.locator(".techhub-review-score-correctness").get_by_role("button", name="0", exact=True)
        zero.click()
        expect(zero).to_have_class(re.compile(r"\bmod-active\b"))
        one = page.locator(".techhub-review-score-correctness").get_by_role("button", name="1", exact=True)
        chosen, other = ((b.evaluate("e => getComputedStyle(e).backgroundColor"),
                          b.evaluate("e => getComputedStyle(e).color")) for b in (zero, one))
        assert chosen[0] != other[0] and chosen[1] == "rgb(255, 255, 255)", (chosen, other)  # plain to see
        comment = page.locator(".techhub-review-comment textarea")
        comment.click()
        comment.press_sequentially(COMMENT)
        output.fill(CORRECTED)
        page.locator("button.techhub-review-submit").click()
        expect(status).to_have_text("Feedback saved on the trace.", timeout=SERVER_WORK_MS)
        expect(conversation).to_contain_text(COMMENT)  # the thread view shows the new feedback
        expect(output).to_have_value(CORRECTED)

        # 2d: the example, with the corrected answer as its reference.
        page.locator("button.techhub-review-add-to-dataset").click()
        added = re.compile(rf"^Added to {GOLDEN_DATASET} \(example ([0-9a-f-]{{36}})\)\.$")
        expect(status).to_have_text(added, timeout=SERVER_WORK_MS)
        example_id = added.match(status.inner_text().strip()).group(1)
        expect(page.locator(".techhub-review").get_by_text("⚠")).to_have_count(0)  # no error anywhere

        header.scroll_into_view_if_needed()  # the page is tall enough for the whole review
        shot = tmp_path / "reviewer.png"
        page.screenshot(path=str(shot))
        page.locator(".techhub-review").screenshot(path=str(tmp_path / "reviewer-only.png"))
        assert shot.stat().st_size > 10_000
        keep_screenshot(shot)

        # Done: the item leaves the queue and nothing is left in this notebook's scope.
        page.locator("button.techhub-review-done").click()
        expect(conversation).to_have_text("All reviewed: 1 item done here.", timeout=SERVER_WORK_MS)
        expect(header).to_contain_text("0 items left")
        expect(page.locator(".techhub-review-form")).to_be_hidden()
        page.screenshot(path=str(tmp_path / "reviewer-done.png"))

    traffic.assert_loopback_only()

    # What the clicks left on the real local LangSmith server, read through the SDK.
    client, run_id = flagged.client, flagged.run_id
    correctness = client.read_feedback(review_feedback_id(run_id, "correctness"))
    assert (str(correctness.run_id), correctness.score, correctness.comment) == (run_id, 0, COMMENT)
    assert correctness.feedback_source.metadata["annotation_queue"] == QUEUE_NAME
    correction = client.read_feedback(review_feedback_id(run_id, "correction"))
    assert correction.correction == {"messages": [{"role": "assistant", "content": CORRECTED}]}
    on_the_run = client.list_feedback(run_ids=[run_id])
    reviewer_keys = {f.key for f in on_the_run if f.id == review_feedback_id(run_id, f.key)}
    assert reviewer_keys == {"correctness", "correction"}  # user_sentiment was not clicked: no score of ours

    example = client.read_example(example_id)
    assert example.dataset_id == client.read_dataset(dataset_name=GOLDEN_DATASET).id
    assert example.inputs == {"messages": [{"role": "user", "content": m} for m in
                                           (SEED_CANCELLATION_REQUEST, SEED_CANCELLATION_COMPLAINT)]}
    assert example.outputs == {"messages": [{"role": "assistant", "content": CORRECTED}]}
    assert example.metadata["source_run_id"] == run_id
    assert example.metadata["thread_id"] == flagged.chat.thread_id

    assert run_id in [item.run_id for item in queue_items(client, flagged.queue["id"], "archived")]
    assert run_id not in [item.run_id for item in queue_items(client, flagged.queue["id"])]
