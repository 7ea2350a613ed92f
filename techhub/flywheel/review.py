"""The reviewer's steps on a queued trace, each one a thin wrapper around the SDK call it stands for.

Workshop section 5: read the whole conversation (2a), add feedback to the production trace (2b), write
the corrected answer (2c), add the example to the golden dataset (2d), and mark the item done. The
notebooks show the SDK calls; these helpers keep the cells short and make every step idempotent: a
second call with the same run and key changes the reviewer's earlier answer instead of adding another
(as editing a score in LangSmith's queue does).

Also here: what the queue asks reviewers to fill in (:func:`rubric_scales`: each rubric key's scale,
from the workspace's feedback configs, else the course's defaults) and the items waiting in a queue
(:func:`queue_items`). :class:`techhub.widgets.QueueReviewer` is built on these.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langsmith import Client
from langsmith.schemas import Example, Feedback, FeedbackConfig, RunBase
from langsmith.types import Run
from langsmith.types.annotation_queues import ItemCreateStatusResponse, ItemListResponse
from langsmith.utils import LangSmithNotFoundError

from techhub import smith
from techhub.config import TRACING_PROJECT
from techhub.evaluators.prompts import CORRECTNESS_FEEDBACK_KEY, SENTIMENT_FEEDBACK_KEY
from techhub.evaluators.threads import thread_messages
from techhub.flywheel.configure import GOLDEN_DATASET

ReviewSection = Literal["needs_my_review", "needs_others_review", "archived"]
_EXAMPLE_NAMESPACE = uuid.UUID("5f0f2d1c-7a53-4d8e-9a39-2d0c9b6f4e11")
_REVIEW_NAMESPACE = uuid.UUID("0c6d3b52-31c4-4f57-9a7e-54d1f2a8c0e3")

RunRef = Run | RunBase | str | uuid.UUID
"""A run as the review steps accept it: a v2 ``Run`` read with :data:`techhub.smith.ROOT_RUN_FIELDS`,
any object with an ``id`` (a classic run), or its id."""


_REVIEW_FIELDS = {"project_id", "start_time", "inputs", "outputs", "metadata", "thread_id"}


def _run(client: Client, run: RunRef, project: str = TRACING_PROJECT) -> Run:
    """The root run with every field a review step reads (``api.runs.retrieve_v2``)."""
    if isinstance(run, Run) and _REVIEW_FIELDS <= run.model_fields_set:
        return run
    run_id = run if isinstance(run, str | uuid.UUID) else run.id
    return smith.get_run(run_id, project=project, client=client)


def thread_id_of(run: Run) -> str | None:
    """The conversation a run belongs to (LangGraph puts it in the metadata; the server derives it)."""
    if run.thread_id:
        return run.thread_id
    metadata = run.metadata or {}
    for key in ("thread_id", "session_id", "conversation_id"):
        if metadata.get(key):
            return str(metadata[key])
    return None


def _turns(client: Client, run: RunRef, project: str = TRACING_PROJECT) -> list[Run]:
    """The root runs of ``run``'s thread, oldest first (just ``run`` when it has no thread)."""
    run = _run(client, run, project)
    thread_id = thread_id_of(run)
    if thread_id is None:
        return [run]
    return smith.thread_root_runs(thread_id, project=project, client=client)


def thread_conversation(client: Client, run: RunRef, project: str = TRACING_PROJECT) -> list[dict]:
    """The thread's human and AI messages, oldest first, as ``{"role", "content"}`` (no tool traffic)."""
    return thread_messages((r.inputs, r.outputs) for r in _turns(client, run, project))


def _run_key(client: Client, run: RunRef) -> dict:
    """The run's lookup key for feedback: LangSmith wants the project and start time with the id.

    No ``trace_id``: with it the SDK would queue the feedback in its background batch, and a cell
    that reads the feedback right after might not see it yet.
    """
    full = _run(client, run)
    return {"run_id": full.id, "session_id": full.project_id, "start_time": full.start_time}


def review_feedback_id(run_id: str | uuid.UUID, key: str) -> uuid.UUID:
    """The id of the reviewer's feedback ``key`` on a run: one per run and key, so a second answer
    replaces the first."""
    return uuid.uuid5(_REVIEW_NAMESPACE, f"{run_id}:{key}")


def _upsert_feedback(
    client: Client, run: RunRef, key: str, fields: dict, source_info: dict | None
) -> Feedback:
    """Create the reviewer's feedback ``key`` on ``run``, or change the one an earlier call made
    (``client.create_feedback`` / ``client.update_feedback``); returns it as stored."""
    run_key = _run_key(client, run)
    feedback_id = review_feedback_id(run_key["run_id"], key)
    try:
        client.read_feedback(feedback_id)
    except LangSmithNotFoundError:
        return client.create_feedback(
            key=key, feedback_id=feedback_id, source_info=source_info, **fields, **run_key
        )
    client.update_feedback(feedback_id, **fields)
    return client.read_feedback(feedback_id)


def add_review_feedback(
    client: Client,
    run_id: RunRef,
    key: str,
    score: float | None,
    comment: str | None = None,
    *,
    value: str | None = None,
    source_info: dict | None = None,
) -> Feedback:
    """A reviewer's score on the production trace (``client.create_feedback``).

    ``value`` is the category of a categorical key (``user_sentiment``: ``"negative"`` with score 0).
    ``source_info`` goes to the feedback's source metadata (the queue it was given in). A second call
    for the same run and key updates that feedback (``client.update_feedback``).
    """
    fields = {"score": score, "value": value, "comment": comment}
    return _upsert_feedback(client, run_id, key, fields, source_info)


def corrected_outputs(corrected_output: str | dict) -> dict:
    """Outputs in the agent's shape (``{"messages": [AI message]}``) from a corrected answer."""
    if isinstance(corrected_output, dict):
        return corrected_output
    return {"messages": [{"role": "assistant", "content": corrected_output}]}


def record_correction(
    client: Client, run_id: RunRef, corrected_output: str | dict, *, source_info: dict | None = None
) -> Feedback:
    """What the agent should have answered, as a ``correction`` on the trace (LangSmith's "edit output").

    A second call for the same run replaces the correction.
    """
    correction = corrected_outputs(corrected_output)
    return _upsert_feedback(client, run_id, "correction", {"correction": correction}, source_info)


def add_reviewed_example(
    client: Client, queue: dict, run: RunRef, corrected_output: str | dict
) -> Example:
    """Add the reviewed conversation to the queue's default dataset (workshop step 2d).

    Inputs are the conversation's human messages, outputs the corrected answer, metadata links the
    production trace (``source_run_id``, ``thread_id``). The example's id derives from the dataset
    and the inputs (:func:`reviewed_example_id`): reviewing the same conversation again (a second
    click, or the same failure met twice) updates that example instead of adding a copy.
    """
    run = _run(client, run)
    dataset_id = queue.get("default_dataset")
    if dataset_id is None:
        dataset_id = client.read_dataset(dataset_name=GOLDEN_DATASET).id
    inputs = {"messages": [m for m in thread_conversation(client, run) if m["role"] == "user"]}
    example_id = reviewed_example_id(dataset_id, inputs)
    outputs = corrected_outputs(corrected_output)
    metadata = {"source_run_id": str(run.id), "thread_id": thread_id_of(run), "source": "annotation-queue"}
    try:
        existing = client.read_example(example_id)
    except LangSmithNotFoundError:
        return client.create_example(
            inputs=inputs,
            reference_outputs=outputs,
            dataset_id=dataset_id,
            example_id=example_id,
            metadata=metadata,
            source_run_id=run.id,
        )
    if (existing.outputs, existing.metadata) != (outputs, metadata):
        client.update_example(example_id, outputs=outputs, metadata=metadata)
        return client.read_example(example_id)
    return existing


def reviewed_example_id(dataset_id: str | uuid.UUID, inputs: dict) -> uuid.UUID:
    """The id of the dataset example a review adds: one per dataset and conversation (its inputs)."""
    key = json.dumps([str(dataset_id), inputs], sort_keys=True)
    return uuid.uuid5(_EXAMPLE_NAMESPACE, key)


def queue_items(
    client: Client, queue_id: str, status: ReviewSection = "needs_my_review"
) -> list[ItemListResponse]:
    """The items (runs or threads) of the queue's ``status`` section, in queue order
    (``annotation_queues.items.list``, every page)."""
    items = smith.api_for(client).annotation_queues.items.list(str(queue_id), status=status, page_size=100)
    return list(items)


def find_item(
    client: Client, queue_id: str, run_id: str | uuid.UUID, status: ReviewSection = "needs_my_review"
) -> ItemListResponse | None:
    """The queue item holding ``run_id`` in the ``status`` section, or None."""
    return next((item for item in queue_items(client, queue_id, status) if item.run_id == str(run_id)), None)


def complete_item(client: Client, queue_id: str, run_id: str | uuid.UUID) -> ItemCreateStatusResponse:
    """Mark the run's queue item reviewed (LangSmith: "Done"; ``annotation_queues.items.create_status``);
    it leaves the review list. A second call finds it archived and changes nothing."""
    item = find_item(client, str(queue_id), run_id)
    if item is None:
        done = find_item(client, str(queue_id), run_id, status="archived")
        if done is not None:
            return ItemCreateStatusResponse(queue_item_id=done.id, status="completed", is_archived=True)
        raise LookupError(f"run {run_id} is not in annotation queue {queue_id}")
    return smith.api_for(client).annotation_queues.items.create_status(str(item.id), status="completed")


# ------------------------------------------------------------------------------------------ rubric


@dataclass(frozen=True)
class RubricScale:
    """What a reviewer may answer for one rubric key, and how the answer becomes feedback.

    ``categorical``: one of ``categories`` (label, score), stored as ``value`` = label and ``score``;
    ``continuous``: a number from ``minimum`` to ``maximum``, stored as ``score``; ``freeform``: text,
    stored as ``value``.
    """

    key: str
    description: str | None
    kind: Literal["categorical", "continuous", "freeform"]
    categories: tuple[tuple[str, float], ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def describe(self) -> str:
        """The allowed answers: ``negative = 0, positive = 1``; ``0 to 1``; ``text``."""
        if self.kind == "categorical":
            return "one of " + ", ".join(f"{label} (= {score:g})" for label, score in self.categories)
        if self.kind == "continuous":
            low = "" if self.minimum is None else f"{self.minimum:g}"
            high = "" if self.maximum is None else f"{self.maximum:g}"
            return f"a score from {low} to {high}" if low and high else "a score"
        return "text"

    def feedback(self, answer: Any) -> tuple[float | None, str | None]:
        """``(score, value)`` for ``answer``, or ``ValueError`` saying what this key takes."""
        wrong = ValueError(f"{self.key} takes {self.describe()}; got {answer!r}")
        if self.kind == "freeform":
            if not isinstance(answer, str) or not answer.strip():
                raise wrong
            return None, answer
        if self.kind == "categorical":
            for label, score in self.categories:
                if isinstance(answer, str) and answer.strip().lower() == label.lower():
                    return score, label
                if _is_number(answer) and float(answer) == score:
                    return score, label
            raise wrong
        if not _is_number(answer):
            raise wrong
        score = float(answer)
        if (self.minimum is not None and score < self.minimum) or (
            self.maximum is not None and score > self.maximum
        ):
            raise wrong
        return score, None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and (isinstance(value, bool) or math.isfinite(value))


DEFAULT_SCALE: FeedbackConfig = {"type": "continuous", "min": 0, "max": 1}
COURSE_SCALES: dict[str, FeedbackConfig] = {
    CORRECTNESS_FEEDBACK_KEY: {"type": "continuous", "min": 0, "max": 1},
    SENTIMENT_FEEDBACK_KEY: {
        "type": "categorical",
        "categories": [{"value": 0, "label": "negative"}, {"value": 1, "label": "positive"}],
    },
}
"""The scales of the course's rubric keys when the workspace has no feedback config for them:
``correctness`` a score from 0 (wrong) to 1 (right); ``user_sentiment`` the judge's categories, scored
as the online evaluator scores them (negative 0, positive 1). Other keys: :data:`DEFAULT_SCALE`."""


def scale_from_config(key: str, description: str | None, config: Mapping[str, Any]) -> RubricScale:
    """The :class:`RubricScale` a feedback config describes."""
    kind = config.get("type") or "continuous"
    if kind == "categorical":
        categories = tuple(
            (f"{float(c['value']):g}" if c.get("label") is None else str(c["label"]), float(c["value"]))
            for c in config.get("categories") or []
        )
        return RubricScale(key, description, "categorical", categories=categories)
    if kind == "freeform":
        return RubricScale(key, description, "freeform")
    low, high = config.get("min"), config.get("max")
    return RubricScale(
        key,
        description,
        "continuous",
        minimum=None if low is None else float(low),
        maximum=None if high is None else float(high),
    )


def rubric_scales(client: Client, queue: Mapping[str, Any]) -> list[RubricScale]:
    """The queue's rubric, one :class:`RubricScale` per key, in the queue's order.

    A key's scale is its feedback config in the workspace (``client.list_feedback_configs``), else
    :data:`COURSE_SCALES`, else :data:`DEFAULT_SCALE`.
    """
    items: Sequence[Mapping[str, Any]] = queue.get("rubric_items") or []
    keys = [item["feedback_key"] for item in items]
    configs = {}
    if keys:
        configs = {c.feedback_key: c.feedback_config for c in client.list_feedback_configs(feedback_key=keys)}
    return [
        scale_from_config(
            item["feedback_key"],
            item.get("description"),
            configs.get(item["feedback_key"]) or COURSE_SCALES.get(item["feedback_key"], DEFAULT_SCALE),
        )
        for item in items
    ]
