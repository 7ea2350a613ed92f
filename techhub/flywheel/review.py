"""The reviewer's steps on a queued trace, each one a thin wrapper around the SDK call it stands for.

Workshop section 5: read the whole conversation (2a), add feedback to the production trace (2b), write
the corrected answer (2c), add the example to the golden dataset (2d), and mark the item done. The
notebooks show the SDK calls; these helpers keep the cells short and make every step idempotent.
"""

from __future__ import annotations

import uuid
import warnings
from typing import Any

from langsmith import Client
from langsmith.schemas import Example, Feedback, Run, RunBase
from langsmith.utils import LangSmithNotFoundError

from techhub.evaluators.threads import thread_messages
from techhub.flywheel.configure import GOLDEN_DATASET

ITEMS_PATH = "/api/v1/platform/annotation-queues"
_EXAMPLE_NAMESPACE = uuid.UUID("5f0f2d1c-7a53-4d8e-9a39-2d0c9b6f4e11")


def _run(client: Client, run: RunBase | str | uuid.UUID) -> Run:
    """A full ``Run`` (a queue's ``RunWithAnnotationQueueInfo`` lacks the project id)."""
    if isinstance(run, Run):
        return run
    return client.read_run(run.id if isinstance(run, RunBase) else run)


def thread_id_of(run: Run) -> str | None:
    """The conversation a run belongs to (LangGraph puts it in the metadata)."""
    metadata = (run.extra or {}).get("metadata", {})
    for key in ("thread_id", "session_id", "conversation_id"):
        if metadata.get(key):
            return str(metadata[key])
    return None


def thread_root_runs(client: Client, run: RunBase | str) -> list[Run]:
    """The root runs of ``run``'s thread, oldest first (just ``run`` when it has no thread)."""
    run = _run(client, run)
    thread_id = thread_id_of(run)
    if thread_id is None:
        return [run]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # list_runs is deprecated in 0.15, still the API
        runs = list(
            client.list_runs(project_id=run.session_id, is_root=True, filter=f'eq(thread_id, "{thread_id}")')
        )
    return sorted(runs, key=lambda r: (r.start_time, str(r.id)))


def thread_conversation(client: Client, run: RunBase | str) -> list[dict]:
    """The thread's human and AI messages, oldest first, as ``{"role", "content"}`` (no tool traffic)."""
    return thread_messages((r.inputs, r.outputs) for r in thread_root_runs(client, run))


def _run_key(client: Client, run: RunBase | str | uuid.UUID) -> dict:
    """The run's lookup key for feedback: LangSmith wants the project and start time with the id.

    No ``trace_id``: with it the SDK would queue the feedback in its background batch, and a cell
    that reads the feedback right after might not see it yet.
    """
    full = _run(client, run)
    return {"run_id": full.id, "session_id": full.session_id, "start_time": full.start_time}


def add_review_feedback(
    client: Client,
    run_id: RunBase | str | uuid.UUID,
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
    client: Client, run_id: RunBase | str | uuid.UUID, corrected_output: str | dict
) -> Feedback:
    """What the agent should have answered, as a ``correction`` on the trace (LangSmith's "edit output")."""
    correction = corrected_outputs(corrected_output)
    return client.create_feedback(key="correction", correction=correction, **_run_key(client, run_id))


def add_reviewed_example(
    client: Client, queue: dict, run: RunBase | str, corrected_output: str | dict
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
        outputs=corrected_outputs(corrected_output),
        dataset_id=dataset_id,
        example_id=example_id,
        metadata={"source_run_id": str(run.id), "thread_id": thread_id_of(run), "source": "annotation-queue"},
        source_run_id=run.id,
    )


def find_item(
    client: Client, queue_id: str, run_id: str | uuid.UUID, status: str = "needs_my_review"
) -> dict | None:
    """The queue item holding ``run_id`` in the ``status`` section, or None."""
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"status": status, "page_size": 100}
        if cursor:
            params["cursor"] = cursor
        page = client.request_with_retries("GET", f"{ITEMS_PATH}/{queue_id}/items", params=params).json()
        for item in page.get("items", []):
            if item.get("run_id") == str(run_id):
                return item
        cursor = page.get("next_cursor")
        if not cursor:
            return None


def complete_item(client: Client, queue_id: str, run_id: str | uuid.UUID) -> dict:
    """Mark the run's queue item reviewed (LangSmith: "Done"); it leaves the review list."""
    item = find_item(client, str(queue_id), run_id)
    if item is None:
        done = find_item(client, str(queue_id), run_id, status="archived")
        if done is not None:
            return {"queue_item_id": done["id"], "status": "completed", "is_archived": True}
        raise LookupError(f"run {run_id} is not in annotation queue {queue_id}")
    response = client.request_with_retries(
        "POST", f"{ITEMS_PATH}/items/{item['id']}/status", json={"status": "completed"}
    )
    return response.json()
