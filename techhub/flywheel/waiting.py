"""Wait for the online evaluator and the automation to act, with a progress bar and a clear timeout.

Rules run in the background after a thread has been idle for a while, so a notebook cell that traces
a conversation must wait before it looks for feedback. Three ways to wait:

* for given conversations (``thread_ids``; what notebooks do, so a cell only looks at what it made):
  each thread's latest turn judged with ``feedback_key``, and with ``queue_id``, each one judged
  ``queued_value`` (``negative``) in the queue;
* for counts over the project: ``min_feedback`` root runs scored with ``feedback_key``, and/or
  ``min_queue_items`` runs in the queue ``queue_id``;
* for the local engine to catch up (nothing else given): its progress endpoint
  ``/api/v1/techhub/engine`` says when no run, feedback or idle thread is left to process.

The first two work the same against LangSmith cloud and the local server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from langsmith import Client
from langsmith.types import Run
from langsmith.utils import LangSmithNotFoundError
from tqdm.auto import tqdm

from techhub import smith
from techhub.config import TRACING_PROJECT
from techhub.evaluators.prompts import SENTIMENT_FEEDBACK_KEY

ENGINE_PATH = "/api/v1/techhub/engine"


@dataclass(frozen=True)
class Progress:
    """What has arrived so far (``None`` for a count nobody asked for).

    ``verdicts`` maps each waited-for thread to its latest turn's feedback value (``None`` until
    judged); ``queued`` holds the threads whose judged turn is in the queue.
    """

    feedback: int | None
    queue_items: int | None
    engine: dict | None
    verdicts: dict[str, str | None] = field(default_factory=dict)
    queued: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        """One line a notebook can show: what was judged and queued (no ids)."""
        if self.verdicts:
            counts = {}
            for verdict in self.verdicts.values():
                counts[verdict or "not judged yet"] = counts.get(verdict or "not judged yet", 0) + 1
            split = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
            queued = f"; {len(self.queued)} queued" if self.queue_items is not None else ""
            return f"Progress({self.feedback} of {len(self.verdicts)} threads judged: {split}{queued})"
        return f"Progress({self.describe() or 'nothing counted'})"

    def describe(self) -> str:
        parts = []
        if self.feedback is not None:
            parts.append(f"{self.feedback} scored")
        if self.queue_items is not None:
            parts.append(f"{self.queue_items} queued")
        if self.engine is not None:
            parts.append(f"{self.engine['pending_threads']} threads waiting")
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
    """Items waiting for review in the queue (``annotation_queues.items.retrieve_count``)."""
    items = smith.api_for(client).annotation_queues.items
    return int(items.retrieve_count(str(queue_id), status="needs_my_review").count or 0)


def latest_turns(
    client: Client, thread_ids: Sequence[str], project_name: str = TRACING_PROJECT
) -> dict[str, Run]:
    """Each thread's latest root run (its last turn), read in one query; threads without traces yet
    are missing from the result."""
    if not thread_ids or not client.has_project(project_name):
        return {}
    clauses = [f"eq(thread_id, {json.dumps(str(t))})" for t in thread_ids]
    query = clauses[0] if len(clauses) == 1 else f"or({', '.join(clauses)})"
    latest: dict[str, Run] = {}
    selects = ("ID", "THREAD_ID", "START_TIME", "FEEDBACK_STATS")
    for run in smith.query_root_runs(project_name, filter=query, selects=selects, client=client):
        current = latest.get(run.thread_id)
        if current is None or (run.start_time, run.id) > (current.start_time, current.id):
            latest[run.thread_id] = run
    return latest


def feedback_value(run: Run, key: str) -> str | None:
    """The value of ``key`` feedback on ``run`` (its most frequent one), or None when it has none."""
    stats = (run.feedback_stats or {}).get(key)
    if stats is None:
        return None
    values = stats.values or {}
    if values:
        return max(values, key=lambda value: values[value])
    return None if stats.avg is None else str(stats.avg)


def queued_run_ids(client: Client, queue_id: str, run_ids: set[str]) -> set[str]:
    """Which of ``run_ids`` are items of the queue, reviewed or not (``annotation_queues.items.list``)."""
    api = smith.api_for(client)
    found = set()
    for status in ("needs_my_review", "archived"):
        for item in api.annotation_queues.items.list(str(queue_id), status=status, page_size=100):
            if item.run_id in run_ids:
                found.add(item.run_id)
    return found


def _thread_progress(
    client: Client,
    thread_ids: Sequence[str],
    project_name: str,
    feedback_key: str,
    queue_id: str | None,
    queued_value: str,
) -> Progress:
    turns = latest_turns(client, thread_ids, project_name)
    verdicts = {t: feedback_value(turns[t], feedback_key) if t in turns else None for t in thread_ids}
    to_queue = {str(turns[t].id): t for t, value in verdicts.items() if value == queued_value}
    queued = frozenset()
    if queue_id is not None and to_queue:
        queued = frozenset(to_queue[run_id] for run_id in queued_run_ids(client, queue_id, set(to_queue)))
    scored = sum(value is not None for value in verdicts.values())
    return Progress(scored, len(queued) if queue_id else None, None, verdicts, queued)


def wait_for_rules(
    client: Client,
    *,
    thread_ids: Sequence[str] | None = None,
    project_name: str = TRACING_PROJECT,
    min_feedback: int | None = None,
    feedback_key: str = SENTIMENT_FEEDBACK_KEY,
    queue_id: str | None = None,
    min_queue_items: int | None = None,
    queued_value: str = "negative",
    timeout: float = 180.0,
    poll_seconds: float = 0.5,
    progress: bool = True,
) -> Progress:
    """Block until the rules have done their work; returns what arrived.

    With ``thread_ids`` it waits until each of those conversations is judged (and, with ``queue_id``,
    until each one judged ``queued_value`` is in the queue); with ``min_feedback`` /
    ``min_queue_items`` for those counts over the project; with neither, for the local engine to
    have nothing left to do. Raises ``TimeoutError`` saying what is missing after ``timeout`` seconds.
    """
    if min_queue_items is not None and queue_id is None:
        raise ValueError("min_queue_items needs queue_id")
    if thread_ids is not None and (min_feedback is not None or min_queue_items is not None):
        raise ValueError("wait for thread_ids or for counts (min_feedback, min_queue_items), not both")
    thread_ids = list(dict.fromkeys(str(t) for t in thread_ids)) if thread_ids is not None else None
    by_count = min_feedback is not None or min_queue_items is not None
    if thread_ids is None and not by_count and engine_status(client) is None:
        raise RuntimeError(
            "this LangSmith server has no rule-engine progress endpoint (LangSmith cloud?): "
            "pass thread_ids= or min_feedback= / min_queue_items= to wait for results instead"
        )
    if thread_ids is not None:
        total: int | None = len(thread_ids)
        desc, unit = "waiting for the judge", "thread"
    else:
        total = (min_feedback or 0) + (min_queue_items or 0) if by_count else None
        desc, unit = "waiting for rules", "item"
    deadline = time.monotonic() + timeout
    with tqdm(total=total, desc=desc, unit=unit, disable=not progress, leave=False) as bar:
        while True:
            if thread_ids is not None:
                state = _thread_progress(
                    client, thread_ids, project_name, feedback_key, queue_id, queued_value
                )
                expected_queue = sum(value == queued_value for value in state.verdicts.values())
                done = state.feedback == len(thread_ids) and (
                    queue_id is None or len(state.queued) == expected_queue
                )
                bar.n = state.feedback or 0
            else:
                state = Progress(
                    feedback=count_scored_runs(client, project_name, feedback_key)
                    if min_feedback is not None
                    else None,
                    queue_items=count_queue_items(client, queue_id) if min_queue_items is not None else None,
                    engine=engine_status(client),
                )
                if by_count:
                    bar.n = min(state.feedback or 0, min_feedback or 0) + min(
                        state.queue_items or 0, min_queue_items or 0
                    )
                    done = (min_feedback is None or (state.feedback or 0) >= min_feedback) and (
                        min_queue_items is None or (state.queue_items or 0) >= min_queue_items
                    )
                else:
                    done = bool(state.engine and state.engine["caught_up"])
            bar.set_postfix_str(state.describe(), refresh=False)
            bar.refresh()
            if done:
                return state
            if time.monotonic() >= deadline:
                raise TimeoutError(_timeout_message(timeout, project_name, feedback_key, thread_ids,
                                                    min_feedback, min_queue_items, state))
            time.sleep(poll_seconds)


def _timeout_message(
    timeout: float,
    project: str,
    key: str,
    thread_ids: Sequence[str] | None,
    min_feedback: int | None,
    min_queue: int | None,
    state: Progress,
) -> str:
    wanted = []
    if thread_ids is not None:
        judged = f"{state.feedback}/{len(thread_ids)} threads judged"
        wanted.append(f"{judged} with {key!r} in project {project!r}")
        if state.queue_items is not None:
            wanted.append(f"{state.queue_items} of the negative ones queued")
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
