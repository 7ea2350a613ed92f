"""Wait for the online evaluator and the automation to act, with a progress bar and a clear timeout.

Rules run in the background after a thread has been idle for a while, so a notebook cell that traces
a conversation must wait before it looks for feedback. Two ways to wait:

* for counts (works with LangSmith cloud and the local server): ``min_feedback`` root runs of the
  project scored with ``feedback_key``, and/or ``min_queue_items`` runs in the queue ``queue_id``;
* for the local engine to catch up (no counts given): its progress endpoint
  ``/api/v1/techhub/engine`` says when no run, feedback or idle thread is left to process.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from langsmith import Client
from langsmith.utils import LangSmithNotFoundError
from tqdm.auto import tqdm

from techhub import smith
from techhub.config import TRACING_PROJECT
from techhub.evaluators.prompts import SENTIMENT_FEEDBACK_KEY

ENGINE_PATH = "/api/v1/techhub/engine"


@dataclass(frozen=True)
class Progress:
    """What has arrived so far (``None`` for a count nobody asked for)."""

    feedback: int | None
    queue_items: int | None
    engine: dict | None

    def describe(self) -> str:
        parts = []
        if self.feedback is not None:
            parts.append(f"{self.feedback} scored")
        if self.queue_items is not None:
            parts.append(f"{self.queue_items} queued")
        if self.engine is not None:
            parts.append(f"{self.engine['pending_threads']} threads waiting")
            if self.engine.get("next_due_in_seconds") is not None:
                parts.append(f"next in {self.engine['next_due_in_seconds']:.0f}s")
        return ", ".join(parts)


def engine_status(client: Client) -> dict | None:
    """The local rule engine's progress, or None when the server has none (LangSmith cloud)."""
    try:
        return client.request_with_retries("GET", ENGINE_PATH).json()
    except LangSmithNotFoundError:
        return None


def count_scored_runs(client: Client, project_name: str, feedback_key: str) -> int:
    """Root runs of ``project_name`` (of the last :data:`techhub.smith.LOOKBACK`) that carry feedback
    ``feedback_key``."""
    if not client.has_project(project_name):
        return 0
    runs = smith.query_root_runs(project_name, filter=f"eq(feedback_key, {json.dumps(feedback_key)})",
                                 selects=("ID",), client=client)
    return sum(1 for _ in runs)


def count_queue_items(client: Client, queue_id: str) -> int:
    """Runs waiting for review in the queue."""
    return int(
        client.request_with_retries("GET", f"/api/v1/annotation-queues/{queue_id}/size").json()["size"]
    )


def wait_for_rules(
    client: Client,
    *,
    project_name: str = TRACING_PROJECT,
    min_feedback: int | None = None,
    feedback_key: str = SENTIMENT_FEEDBACK_KEY,
    queue_id: str | None = None,
    min_queue_items: int | None = None,
    timeout: float = 180.0,
    poll_seconds: float = 0.5,
    progress: bool = True,
) -> Progress:
    """Block until the rules have done their work; returns what arrived.

    With ``min_feedback`` / ``min_queue_items`` it waits for those counts; without, for the local
    engine to have nothing left to do. Raises ``TimeoutError`` saying what is missing after
    ``timeout`` seconds.
    """
    if min_queue_items is not None and queue_id is None:
        raise ValueError("min_queue_items needs queue_id")
    by_count = min_feedback is not None or min_queue_items is not None
    if not by_count and engine_status(client) is None:
        raise RuntimeError(
            "this LangSmith server has no rule-engine progress endpoint (LangSmith cloud?): "
            "pass min_feedback= and/or min_queue_items= to wait for results instead"
        )
    total = (min_feedback or 0) + (min_queue_items or 0) if by_count else None
    deadline = time.monotonic() + timeout
    with tqdm(total=total, desc="waiting for rules", unit="item", disable=not progress, leave=False) as bar:
        while True:
            engine = engine_status(client)
            state = Progress(
                feedback=count_scored_runs(client, project_name, feedback_key)
                if min_feedback is not None
                else None,
                queue_items=count_queue_items(client, queue_id) if min_queue_items is not None else None,
                engine=engine,
            )
            bar.set_postfix_str(state.describe())
            if by_count:
                bar.n = min(state.feedback or 0, min_feedback or 0) + min(
                    state.queue_items or 0, min_queue_items or 0
                )
                bar.refresh()
                done = (min_feedback is None or (state.feedback or 0) >= min_feedback) and (
                    min_queue_items is None or (state.queue_items or 0) >= min_queue_items
                )
            else:
                done = bool(engine and engine["caught_up"])
            if done:
                return state
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    _timeout_message(
                        timeout, project_name, feedback_key, min_feedback, min_queue_items, state
                    )
                )
            time.sleep(poll_seconds)


def _timeout_message(
    timeout: float, project: str, key: str, min_feedback: int | None, min_queue: int | None, state: Progress
) -> str:
    wanted = []
    if min_feedback is not None:
        wanted.append(f"{state.feedback}/{min_feedback} runs with {key!r} feedback in project {project!r}")
    if min_queue is not None:
        wanted.append(f"{state.queue_items}/{min_queue} runs in the annotation queue")
    if not wanted:
        wanted.append("the rule engine to catch up")
    hint = ""
    if not (state.feedback or state.queue_items):
        hint = (
            " Nothing arrived: are traces reaching the project (tracing on, right project name), "
            "are the rules enabled (techhub.flywheel.configure.list_rules), and is the thread idle time "
            "shorter than the timeout?"
        )
    engine = f" Engine: {state.engine}." if state.engine else ""
    return f"gave up after {timeout:.0f}s waiting for {' and '.join(wanted)}.{hint}{engine}"
