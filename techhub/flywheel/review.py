"""The reviewer's steps on a queued trace, each one a thin wrapper around the SDK call it stands for.

Workshop section 5: read the whole conversation (2a), add feedback to the production trace (2b), write
the corrected answer (2c), add the example to the golden dataset (2d), and mark the item done. The
notebooks show the SDK calls; these helpers keep the cells short and make every step idempotent.
"""

from __future__ import annotations

import uuid
from typing import Literal

from langsmith import Client
from langsmith.schemas import Example, Feedback, RunBase
from langsmith.types import Run
from langsmith.types.annotation_queues import ItemCreateStatusResponse, ItemListResponse
from langsmith.utils import LangSmithNotFoundError

from techhub import smith
from techhub.config import TRACING_PROJECT
from techhub.evaluators.threads import thread_messages
from techhub.flywheel.configure import GOLDEN_DATASET

ReviewSection = Literal["needs_my_review", "needs_others_review", "archived"]
_EXAMPLE_NAMESPACE = uuid.UUID("5f0f2d1c-7a53-4d8e-9a39-2d0c9b6f4e11")

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


def thread_root_runs(client: Client, run: RunRef, project: str = TRACING_PROJECT) -> list[Run]:
    """The root runs of ``run``'s thread, oldest first (just ``run`` when it has no thread)."""
    run = _run(client, run, project)
    thread_id = thread_id_of(run)
    if thread_id is None:
        return [run]
    return smith.thread_root_runs(thread_id, project=project, client=client)


def thread_conversation(client: Client, run: RunRef, project: str = TRACING_PROJECT) -> list[dict]:
    """The thread's human and AI messages, oldest first, as ``{"role", "content"}`` (no tool traffic)."""
    return thread_messages((r.inputs, r.outputs) for r in thread_root_runs(client, run, project))


def _run_key(client: Client, run: RunRef) -> dict:
    """The run's lookup key for feedback: LangSmith wants the project and start time with the id.

    No ``trace_id``: with it the SDK would queue the feedback in its background batch, and a cell
    that reads the feedback right after might not see it yet.
    """
    full = _run(client, run)
    return {"run_id": full.id, "session_id": full.project_id, "start_time": full.start_time}


def add_review_feedback(
    client: Client,
    run_id: RunRef,
    key: str,
    score: float | None,
    comment: str | None = None,
) -> Feedback:
    """A reviewer's score on the production trace (``client.create_feedback``)."""
    return client.create_feedback(key=key, score=score, comment=comment, **_run_key(client, run_id))


def corrected_outputs(corrected_output: str | dict) -> dict:
    """Outputs in the agent's shape (``{"messages": [AI message]}``) from a corrected answer."""
    if isinstance(corrected_output, dict):
        return corrected_output
    return {"messages": [{"role": "assistant", "content": corrected_output}]}


def record_correction(
    client: Client, run_id: RunRef, corrected_output: str | dict
) -> Feedback:
    """What the agent should have answered, as a ``correction`` on the trace (LangSmith's "edit output")."""
    correction = corrected_outputs(corrected_output)
    return client.create_feedback(key="correction", correction=correction, **_run_key(client, run_id))


def add_reviewed_example(
    client: Client, queue: dict, run: RunRef, corrected_output: str | dict
) -> Example:
    """Add the reviewed conversation to the queue's default dataset (workshop step 2d).

    Inputs are the conversation's human messages, outputs the corrected answer, metadata links the
    production trace (``source_run_id``, ``thread_id``). The example id derives from the run id, so a
    second call returns the example the first one made.
    """
    run = _run(client, run)
    dataset_id = queue.get("default_dataset")
    if dataset_id is None:
        dataset_id = client.read_dataset(dataset_name=GOLDEN_DATASET).id
    example_id = uuid.uuid5(_EXAMPLE_NAMESPACE, str(run.id))
    try:
        return client.read_example(example_id)
    except LangSmithNotFoundError:
        pass
    humans = [m for m in thread_conversation(client, run) if m["role"] == "user"]
    return client.create_example(
        inputs={"messages": humans},
        reference_outputs=corrected_outputs(corrected_output),
        dataset_id=dataset_id,
        example_id=example_id,
        metadata={"source_run_id": str(run.id), "thread_id": thread_id_of(run), "source": "annotation-queue"},
        source_run_id=run.id,
    )


def find_item(
    client: Client, queue_id: str, run_id: str | uuid.UUID, status: ReviewSection = "needs_my_review"
) -> ItemListResponse | None:
    """The queue item holding ``run_id`` in the ``status`` section, or None
    (``annotation_queues.items.list``, every page)."""
    items = smith.api_for(client).annotation_queues.items.list(str(queue_id), status=status, page_size=100)
    return next((item for item in items if item.run_id == str(run_id)), None)


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
