"""Run rules and the rule engine, through HTTP and the real SDK against real server processes.

Why: the online evaluator and the automation are what turn production traces into review work
(workshop sections 2 and 4). Rules must be validated like LangSmith validates them, and the engine
must act on each run (or idle thread) exactly once, deterministically, across restarts and crashes.
Each test starts its own server with ``TECHHUB_THREAD_IDLE_SECONDS=2`` (the rules' default idle time).
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import langsmith as ls
import pytest
from langsmith.types import Run

from techhub import smith
from techhub.evaluators import sentiment_evaluator_config
from techhub.flywheel import wait_for_rules
from techhub.localsmith import projects, rules
from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.launcher import RunningServer, start_server
from techhub.localsmith.store import Database

IDLE = 2.0
SENTIMENT = sentiment_evaluator_config()  # the workshop's judge: prompt, schema, model


@contextmanager
def _env(**values: str | None) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def launch(db_path: Path) -> RunningServer:
    """The server as ``python -m techhub.localsmith``, offline judge, 2 s thread idle time."""
    with _env(
        TECHHUB_THREAD_IDLE_SECONDS=str(IDLE),
        TECHHUB_MODEL_BACKEND="offline",
        OPENAI_API_KEY=None,
        LANGSMITH_API_KEY=None,
    ):
        return start_server(db_path)


def _nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


class Stack:
    """A running server with an SDK client and a raw HTTP client on it."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.server = launch(db_path)
        self._connect()

    def _connect(self) -> None:
        self.client = ls.Client(api_url=self.server.url, api_key="test")
        self.http = httpx.Client(base_url=self.server.url, timeout=30)

    def restart(self, sig: int) -> None:
        self.client.flush()
        self.server.stop(sig)
        self.http.close()
        self.server = launch(self.db_path)
        self._connect()

    def close(self) -> None:
        self.client.flush()
        self.http.close()
        self.server.stop()

    def project(self) -> tuple[str, str]:
        name = f"rules-{uuid.uuid4()}"
        return name, str(self.client.create_project(name).id)

    def rule(self, **body: object) -> dict:
        response = self.http.post("/api/v1/runs/rules", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def queue(self) -> str:
        return str(self.client.create_annotation_queue(name=f"q-{uuid.uuid4()}").id)

    def queued(self, queue_id: str) -> list[str]:
        """The runs waiting for review in the queue, oldest first (``annotation_queues.items``)."""
        items = smith.api_for(self.client).annotation_queues.items.list(queue_id, status="needs_my_review")
        return [item.run_id for item in items]

    def wait(self) -> dict:
        self.client.flush()
        wait_for_rules(self.client, timeout=60, poll_seconds=0.2, progress=False)
        return self.http.get("/api/v1/techhub/engine").json()

    def engine(self) -> dict:
        return self.http.get("/api/v1/techhub/engine").json()

    def root_runs(self, project: str) -> list[Run]:
        """The project's root runs, oldest first (``runs.query_v2``)."""
        selects = ("NAME", "INPUTS", "OUTPUTS", "START_TIME", "PROJECT_ID", "METADATA")
        runs = smith.query_root_runs(project, client=self.client, selects=selects)
        return sorted(runs, key=lambda r: (r.start_time, r.id))


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A server of the test's own: engine tests count what the engine did since it started."""
    running = Stack(tmp_path / "rules.db")
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One server for the API tests (each uses its own project)."""
    running = Stack(tmp_path_factory.mktemp("rules-api") / "rules.db")
    try:
        yield running
    finally:
        running.close()


def trace(
    stack: Stack,
    project: str,
    text: str,
    *,
    name: str = "agent",
    thread_id: str | None = None,
    answer: str = "Done.",
    child: str | None = None,
) -> None:
    """One root run shaped like a LangGraph turn (``{"messages": [...]}`` in and out)."""

    @ls.traceable(name=child or "step")
    def step() -> str:
        return answer

    @ls.traceable(name=name)
    def agent(messages: list) -> dict:
        if child:
            step()
        return {"messages": [*messages, {"role": "assistant", "content": answer}]}

    metadata = {"thread_id": thread_id} if thread_id else {}
    with ls.tracing_context(enabled=True, client=stack.client, project_name=project):
        agent([{"role": "user", "content": text}], langsmith_extra={"metadata": metadata})
    stack.client.flush()


# ------------------------------------------------------------------------------------------- the API


def test_rule_crud_round_trips_langsmith_fields(api: Stack) -> None:
    _, project_id = api.project()
    queue_id = api.queue()
    rule = api.rule(
        display_name="Flag errors",
        session_id=project_id,
        sampling_rate=0.25,
        filter='eq(status, "error")',
        add_to_annotation_queue_id=queue_id,
        webhooks=[{"url": "http://127.0.0.1:9/hook"}],
        num_few_shot_examples=3,
    )
    assert (rule["display_name"], rule["sampling_rate"], rule["is_enabled"]) == ("Flag errors", 0.25, True)
    assert rule["add_to_annotation_queue_id"] == queue_id and rule["webhooks"] == [
        {"url": "http://127.0.0.1:9/hook"}
    ]
    assert rule["session_name"].startswith("rules-") and rule["group_by"] is None
    assert api.http.get(f"/api/v1/runs/rules/{rule['id']}").json() == rule
    assert [
        r["id"] for r in api.http.get("/api/v1/runs/rules", params={"session_id": project_id}).json()
    ] == [rule["id"]]

    patched = api.http.patch(
        f"/api/v1/runs/rules/{rule['id']}", json={"sampling_rate": 1, "is_enabled": False}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["sampling_rate"], patched.json()["is_enabled"]) == (1.0, False)
    assert patched.json()["filter"] == 'eq(status, "error")' and patched.json()["evaluator_version"] == 2

    # The SDK's generated rules resource parses the responses into its typed models, so this checks
    # our fields against LangSmith's schema (see also the strict check below).
    listed = list(smith.api_for(api.client).evaluators.list_v2(project_id=project_id, page_size=1))
    assert [(r.id, r.display_name, r.add_to_annotation_queue_id) for r in listed] == [
        (rule["id"], "Flag errors", queue_id)
    ]

    assert api.http.delete(f"/api/v1/runs/rules/{rule['id']}").status_code == 200
    assert api.http.get(f"/api/v1/runs/rules/{rule['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"colour": "red"}, 400, "colour"),
        ({"sampling_rate": 1.5}, 400, "sampling_rate"),
        ({"sampling_rate": "all"}, 400, "sampling_rate"),
        ({"is_enabled": "maybe"}, 400, "is_enabled"),
        ({"filter": 'and(eq(name, "x")'}, 400, "filter"),
        ({"trace_filter": "gt(name, 3)"}, 400, "trace_filter"),
        ({"tree_filter": "not(" * 5000 + 'eq(name, "x")' + ")" * 5000}, 400, "tree_filter"),
        ({"group_by": "trace_id"}, 400, "group_by"),
        ({"session_id": str(uuid.uuid4())}, 404, "session_id"),
        ({"add_to_annotation_queue_id": str(uuid.uuid4())}, 404, "add_to_annotation_queue_id"),
        ({"add_to_dataset_id": str(uuid.uuid4())}, 404, "add_to_dataset_id"),
        ({"add_to_annotation_queue_id": None}, 400, "action"),
        ({"thread_idle_seconds": -1}, 400, "thread_idle_seconds"),
        ({"evaluators": [{"structured": {"prompt": [["system", "x"]]}}]}, 400, "schema"),
        ({"display_name": ""}, 400, "display_name"),
        # Values the engine could not use, so that the rule would have failed on every pass:
        ({"backfill_from": "0001-01-01T00:00:00+05:00"}, 400, "backfill_from"),
        ({"backfill_from": "9999-12-31T23:59:59-05:00"}, 400, "backfill_from"),
        ({"filter": 'eq(name, "\\ud800")'}, 400, "filter"),  # a JSON-escaped lone surrogate
        ({"trace_filter": 'gt(start_time, "0001-01-01T00:00:00+05:00")'}, 400, "trace_filter"),
        ({"thread_idle_seconds": "inf"}, 400, "thread_idle_seconds"),
        ({"thread_idle_seconds": 1e308}, 400, "thread_idle_seconds"),  # the engine would wait forever
        ({"webhooks": [{"url": "http://x", "headers": _nested(300)}]}, 400, "rule nests deeper"),
    ],
)
def test_invalid_rules_are_rejected_naming_the_field(
    api: Stack, change: dict, status: int, field: str
) -> None:
    _, project_id = api.project()
    body = {
        "display_name": "r",
        "session_id": project_id,
        "add_to_annotation_queue_id": api.queue(),
        **change,
    }
    response = api.http.post("/api/v1/runs/rules", json=body)
    assert response.status_code == status, response.text
    assert field in response.json()["detail"]
    assert api.http.get("/api/v1/runs/rules", params={"session_id": project_id}).json() == []


def test_invalid_patch_leaves_the_rule_unchanged(api: Stack) -> None:
    _, project_id = api.project()
    rule = api.rule(display_name="r", session_id=project_id, add_to_annotation_queue_id=api.queue())
    response = api.http.patch(f"/api/v1/runs/rules/{rule['id']}", json={"sampling_rate": -0.1})
    assert response.status_code == 400 and "sampling_rate" in response.json()["detail"]
    assert api.http.get(f"/api/v1/runs/rules/{rule['id']}").json()["sampling_rate"] == 1.0
    assert api.http.get("/api/v1/runs/rules/not-a-uuid").status_code == 400
    response = api.http.patch(
        f"/api/v1/runs/rules/{rule['id']}", json={"backfill_from": "0001-01-01T00:00:00+05:00"}
    )
    assert response.status_code == 400 and response.json()["detail"].startswith("backfill_from")
    assert api.http.get(f"/api/v1/runs/rules/{rule['id']}").json()["backfill_from"] is None


def test_backfill_from_is_stored_in_utc_and_huge_numbers_are_fine(api: Stack) -> None:
    _, project_id = api.project()
    rule = api.rule(
        display_name="r",
        session_id=project_id,
        add_to_annotation_queue_id=api.queue(),
        backfill_from="2025-01-01T05:00:00+05:00",
        filter="gt(total_tokens, 99999999999999999999)",  # beyond 64 bits: compared as a real number
    )
    assert rule["backfill_from"] == "2025-01-01T00:00:00Z"


@pytest.mark.parametrize("cursor", ["²", "9" * 5000, "-1", "x"])
def test_a_cursor_the_server_never_wrote_is_400(api: Stack, cursor: str) -> None:
    response = api.http.get("/api/v2/runs/rules", params={"cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()["detail"]


def test_rules_list_as_the_sdks_rule_type_and_take_either_group_by_casing(api: Stack, tmp_path: Path) -> None:
    """``group_by`` as the REST API spells it (``thread_id``) or as the SDK's types do (``THREAD_ID``);
    ``evaluators.list_v2`` (strictly validated) gets the SDK's ``Rule``; the engine reads both alike."""
    _, project_id = api.project()
    upper, lower = (
        api.rule(display_name=name, session_id=project_id, group_by=casing, evaluators=[SENTIMENT])
        for name, casing in (("upper", "THREAD_ID"), ("lower", "thread_id"))
    )
    assert (upper["group_by"], lower["group_by"]) == ("THREAD_ID", "thread_id")  # v1: as it was sent
    with ls.Langsmith(base_url=api.server.url, api_key="test", _strict_response_validation=True) as sdk:
        listed = {rule.display_name: rule for rule in sdk.evaluators.list_v2(project_id=project_id)}
    assert {name: r.group_by for name, r in listed.items()} == {"upper": "THREAD_ID", "lower": "THREAD_ID"}
    assert listed["upper"].project_id == project_id and listed["upper"].project_name.startswith("rules-")
    assert listed["upper"].evaluators[0].structured.prompt == SENTIMENT["structured"]["prompt"]

    db = Database(tmp_path / "casing.db")
    try:
        session = projects.create_project(db, {"name": "casing"})["id"]
        for casing in ("THREAD_ID", "thread_id"):
            rules.create_rule(db, {"display_name": casing, "session_id": session, "group_by": casing,
                                   "evaluators": [SENTIMENT]})
        assert [rule["group_by"] for rule in rules.enabled_rules(db)] == ["thread_id", "thread_id"]
    finally:
        db.close()


@pytest.mark.parametrize(
    "compiled", [("{a}.name = ?", [2**64]), ("{a}.name = ?", ["\ud800"]), ("{a}.no_such_column = 1", [])]
)
def test_a_filter_sqlite_refuses_is_a_400_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: tuple[str, list]
) -> None:
    """The filter compiler already turns such values into ones SQLite takes; should one slip through,
    SQLite's own check at create time (``EXPLAIN``) refuses the rule instead of the engine failing."""
    sql, params = compiled
    monkeypatch.setattr(rules, "filter_sql", lambda text, alias="r": (sql.format(a=alias), params))
    db = Database(tmp_path / "rules.db")
    try:
        with pytest.raises(BadRequest, match="^tree_filter: invalid filter"):
            rules.check_filter(db, 'eq(name, "x")', "tree_filter")
    finally:
        db.close()


# ------------------------------------------------------------------------------------------ the engine


def test_automation_queues_each_matching_run_once(stack: Stack) -> None:
    project, project_id = stack.project()
    trace(stack, project, "before the rule")  # rules act on runs written after they were created
    queue_id = stack.queue()
    stack.rule(
        display_name="lookups",
        session_id=project_id,
        filter='eq(name, "agent")',
        tree_filter='eq(name, "lookup")',
        add_to_annotation_queue_id=queue_id,
    )
    trace(stack, project, "plain")
    trace(stack, project, "looks something up", child="lookup")
    trace(stack, project, "other root", name="other", child="lookup")
    trace(stack, project, "looks up again", child="lookup")
    status = stack.wait()
    expected = [str(r.id) for r in stack.root_runs(project) if r.name == "agent" and "looks" in str(r.inputs)]
    assert len(expected) == 2 and stack.queued(queue_id) == expected
    assert status["caught_up"] and status["counts"]["applications"] == 2


def test_backfill_from_applies_a_new_rule_to_earlier_runs(stack: Stack) -> None:
    project, project_id = stack.project()
    trace(stack, project, "old")
    cutoff = datetime.now(UTC)
    trace(stack, project, "recent")
    queue_id = stack.queue()
    stack.rule(
        display_name="backfill",
        session_id=project_id,
        add_to_annotation_queue_id=queue_id,
        backfill_from=cutoff.isoformat(),
    )
    trace(stack, project, "new")
    stack.wait()
    old, recent, new = stack.root_runs(project)
    assert sorted(stack.queued(queue_id)) == sorted([str(recent.id), str(new.id)])


def test_a_disabled_rule_skips_what_happens_meanwhile(stack: Stack) -> None:
    project, project_id = stack.project()
    queue_id = stack.queue()
    rule = stack.rule(display_name="toggle", session_id=project_id, add_to_annotation_queue_id=queue_id)
    stack.http.patch(f"/api/v1/runs/rules/{rule['id']}", json={"is_enabled": False}).raise_for_status()
    trace(stack, project, "while disabled")
    stack.wait()
    stack.http.patch(f"/api/v1/runs/rules/{rule['id']}", json={"is_enabled": True}).raise_for_status()
    trace(stack, project, "enabled again")
    stack.wait()
    assert stack.queued(queue_id) == [str(stack.root_runs(project)[-1].id)]


def test_sampling_is_a_stable_hash_of_the_run_id(stack: Stack) -> None:
    project, project_id = stack.project()
    queue_id = stack.queue()
    stack.rule(
        display_name="half", session_id=project_id, sampling_rate=0.5, add_to_annotation_queue_id=queue_id
    )
    for i in range(30):
        trace(stack, project, f"q{i}")
    stack.wait()
    runs = [str(r.id) for r in stack.root_runs(project)]
    in_sample = [
        run_id
        for run_id in runs
        if int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:8], "big") / 2**64 < 0.5
    ]
    assert 0 < len(in_sample) < 30
    assert sorted(stack.queued(queue_id)) == sorted(in_sample)


def test_a_root_run_is_handled_once_it_finishes(stack: Stack) -> None:
    project, project_id = stack.project()
    queue_id = stack.queue()
    stack.rule(
        display_name="finished",
        session_id=project_id,
        filter='eq(status, "success")',
        add_to_annotation_queue_id=queue_id,
    )
    client = ls.Client(api_url=stack.server.url, api_key="test", auto_batch_tracing=False)
    run_id = uuid.uuid4()
    client.create_run(
        "agent",
        inputs={"messages": []},
        run_type="chain",
        id=run_id,
        project_name=project,
        start_time=datetime.now(UTC),
    )
    stack.wait()
    assert stack.queued(queue_id) == []
    client.update_run(run_id, end_time=datetime.now(UTC), outputs={"messages": []})
    stack.wait()
    assert stack.queued(queue_id) == [str(run_id)]


def test_feedback_given_later_triggers_the_automation(stack: Stack) -> None:
    project, project_id = stack.project()
    queue_id = stack.queue()
    stack.rule(
        display_name="bad ones",
        session_id=project_id,
        add_to_annotation_queue_id=queue_id,
        filter='and(eq(name, "agent"), eq(feedback_key, "flag"), eq(feedback_value, "bad"))',
    )
    trace(stack, project, "first")
    trace(stack, project, "second")
    stack.wait()
    assert stack.queued(queue_id) == []
    first, second = stack.root_runs(project)
    stack.client.create_feedback(run_id=first.id, key="flag", value="good", session_id=first.project_id)
    stack.client.create_feedback(run_id=second.id, key="flag", value="bad", session_id=second.project_id)
    stack.wait()
    assert stack.queued(queue_id) == [str(second.id)]


def test_dataset_action_prefers_the_correction(stack: Stack) -> None:
    project, project_id = stack.project()
    dataset = stack.client.create_dataset(f"ds-{uuid.uuid4()}")
    stack.rule(
        display_name="to dataset",
        session_id=project_id,
        add_to_dataset_id=str(dataset.id),
        add_to_dataset_prefer_correction=True,
        filter='eq(feedback_key, "correction")',
    )
    trace(stack, project, "cancel my order", answer="I cancelled it.")
    trace(stack, project, "where is my order", answer="It ships tomorrow.")
    first, _ = stack.root_runs(project)
    stack.client.create_feedback(
        session_id=first.project_id,
        run_id=first.id,
        key="correction",
        correction={"messages": [{"role": "assistant", "content": "I cannot cancel."}]},
    )
    stack.wait()
    examples = list(stack.client.list_examples(dataset_id=dataset.id))
    assert len(examples) == 1
    assert examples[0].inputs == first.inputs
    assert examples[0].outputs == {"messages": [{"role": "assistant", "content": "I cannot cancel."}]}
    assert examples[0].metadata["source_run_id"] == str(first.id)


def test_a_dataset_action_that_cannot_write_records_an_error_and_writes_nothing(stack: Stack) -> None:
    """The example is written in the rule's transaction: when it cannot be (its dataset was deleted),
    nothing of the application is, and the run's outcome says why."""
    project, project_id = stack.project()
    dataset = stack.client.create_dataset(f"ds-{uuid.uuid4()}")
    queue_id = stack.queue()
    stack.rule(display_name="gone dataset", session_id=project_id, add_to_dataset_id=str(dataset.id),
               add_to_annotation_queue_id=queue_id)
    stack.client.delete_dataset(dataset_id=dataset.id)
    trace(stack, project, "where is my order")
    stack.wait()
    (run,) = stack.root_runs(project)
    with sqlite3.connect(stack.db_path) as conn:
        (outcome,) = conn.execute("SELECT outcome FROM rule_applications WHERE run_id = ?",
                                  (str(run.id),)).fetchone()
    assert outcome.startswith("error: NotFound") and "dataset" in outcome
    assert stack.queued(queue_id) == []  # the queue item was rolled back with the example


IDLE_HERE = 5.0  # this rule's own idle time: long enough to see the threads wait, even on a busy machine


def test_thread_evaluator_waits_for_idle_and_rescores_a_reopened_thread(stack: Stack) -> None:
    project, project_id = stack.project()
    rule = stack.rule(
        display_name="User Sentiment",
        session_id=project_id,
        group_by="thread_id",
        filter='eq(name, "supervisor_hitl_sql_agent")',
        evaluators=[SENTIMENT],
        thread_idle_seconds=IDLE_HERE,
    )
    angry, happy = str(uuid.uuid4()), str(uuid.uuid4())
    agent = "supervisor_hitl_sql_agent"
    trace(
        stack,
        project,
        "Where is my order?! It's been weeks!",
        name=agent,
        thread_id=angry,
        answer="Please give me your email address.",
    )
    trace(
        stack,
        project,
        "This is ridiculous. I want a refund NOW!",
        name=agent,
        thread_id=angry,
        answer="I understand.",
    )
    trace(stack, project, "What laptops do you sell?", name=agent, thread_id=happy, answer="We sell three.")
    started = time.monotonic()
    stack.client.flush()
    while (engine := stack.http.get("/api/v1/techhub/engine").json())["pending_threads"] < 2:
        assert time.monotonic() - started < IDLE_HERE - 1, engine
        time.sleep(0.05)
    assert (
        list(
            stack.client.list_feedback(
                feedback_key=["user_sentiment"], run_ids=[r.id for r in stack.root_runs(project)]
            )
        )
        == []
    )  # idle time not over yet

    stack.wait()
    assert time.monotonic() - started >= IDLE_HERE - 1.5
    runs = stack.root_runs(project)
    latest = {
        thread: [r for r in runs if r.metadata["thread_id"] == thread][-1]
        for thread in (angry, happy)
    }
    verdicts, comments = {}, {}
    for thread, run in latest.items():
        (feedback,) = stack.client.list_feedback(run_ids=[run.id], feedback_key=["user_sentiment"])
        verdicts[thread], comments[thread] = (feedback.value, feedback.score), feedback.comment
        assert feedback.comment and feedback.feedback_source.type == "model"
        assert feedback.feedback_source.metadata["rule_id"] == rule["id"]
        assert feedback.feedback_source.metadata["thread_id"] == thread
    assert verdicts == {angry: ("negative", 0), happy: ("positive", 1)}
    assert "refund NOW" in comments[angry]  # the reasoning quotes the deciding message

    # A new message reopens the happy thread; the later verdict replaces the earlier one.
    trace(
        stack,
        project,
        "Sure, whatever. I'll figure it out myself.",
        name=agent,
        thread_id=happy,
        answer="Sorry to hear that.",
    )
    stack.wait()
    newest = stack.root_runs(project)[-1]
    all_feedback = list(
        stack.client.list_feedback(
            run_ids=[r.id for r in stack.root_runs(project)], feedback_key=["user_sentiment"]
        )
    )
    assert sorted((str(f.run_id), f.value) for f in all_feedback) == sorted(
        [(str(latest[angry].id), "negative"), (str(newest.id), "negative")]
    )


def test_idle_time_comes_from_the_rule_then_the_project_then_the_server(stack: Stack) -> None:
    project, _ = stack.project()
    slow_project = f"slow-{uuid.uuid4()}"
    slow_id = str(stack.client.create_project(slow_project, metadata={"thread_idle_seconds": 300}).id)
    stack.rule(
        display_name="server default",
        session_id=stack.client.read_project(project_name=project).id.hex,
        group_by="thread_id",
        evaluators=[SENTIMENT],
    )
    stack.rule(
        display_name="own idle",
        session_id=slow_id,
        group_by="thread_id",
        evaluators=[SENTIMENT],
        thread_idle_seconds=600,
    )
    stack.rule(display_name="project idle", session_id=slow_id, group_by="thread_id", evaluators=[SENTIMENT])
    trace(stack, slow_project, "Thanks!", thread_id=str(uuid.uuid4()))
    started = time.monotonic()
    while (engine := stack.http.get("/api/v1/techhub/engine").json())["pending_threads"] < 2:
        assert time.monotonic() - started < 10, engine
        time.sleep(0.05)
    due = {r["display_name"]: [t["due_in_seconds"] for t in r["pending_threads"]] for r in engine["rules"]}
    assert due["server default"] == []  # its project got no trace
    assert 590 < due["own idle"][0] <= 600 and 290 < due["project idle"][0] <= 300
    trace(stack, project, "Thanks!", thread_id=str(uuid.uuid4()))
    # The server default (2 s) applies to the other project: judged while the slow ones still wait.
    while not (applied := {r["display_name"]: r["applications"] for r in stack.engine()["rules"]})[
        "server default"
    ]:
        assert time.monotonic() - started < 30, applied
        time.sleep(0.1)
    assert applied == {"server default": 1, "own idle": 0, "project idle": 0}


def test_a_thread_the_judge_cannot_read_fails_alone(stack: Stack) -> None:
    project, project_id = stack.project()
    stack.rule(
        display_name="User Sentiment", session_id=project_id, group_by="thread_id", evaluators=[SENTIMENT]
    )
    client = ls.Client(api_url=stack.server.url, api_key="test", auto_batch_tracing=False)
    now = datetime.now(UTC)
    client.create_run(
        "agent",
        inputs={"query": 42},
        outputs={"result": []},
        run_type="chain",
        project_name=project,
        start_time=now,
        end_time=now,
        extra={"metadata": {"thread_id": "empty"}},
    )
    trace(stack, project, "Thanks, that's really helpful!", thread_id="fine")
    status = stack.wait()
    (rule,) = status["rules"]
    assert (rule["failed_threads"], rule["applications"]) == (1, 1)
    assert "no human or AI text" in status["last_error"]
    assert [
        f.value for f in stack.client.list_feedback(run_ids=[r.id for r in stack.root_runs(project)])
    ] == ["positive"]


def test_a_thread_rule_with_only_an_action_queues_idle_threads(stack: Stack) -> None:
    """No evaluator, so nothing to judge: once idle, the thread's latest turn goes to the queue."""
    project, project_id = stack.project()
    queue_id = stack.queue()
    stack.rule(display_name="every thread", session_id=project_id, group_by="thread_id",
               add_to_annotation_queue_id=queue_id)
    thread = str(uuid.uuid4())
    trace(stack, project, "hello", thread_id=thread)
    trace(stack, project, "bye", thread_id=thread)
    status = stack.wait()
    assert status["counts"]["threads_evaluated"] == 1
    assert stack.queued(queue_id) == [str(stack.root_runs(project)[-1].id)]


def test_sampled_out_threads_are_never_judged(stack: Stack) -> None:
    project, project_id = stack.project()
    stack.rule(
        display_name="none",
        session_id=project_id,
        group_by="thread_id",
        sampling_rate=0.0,
        evaluators=[SENTIMENT],
    )
    trace(stack, project, "Thanks!", thread_id=str(uuid.uuid4()))
    status = stack.wait()
    assert status["pending_threads"] == 0 and status["counts"]["threads_evaluated"] == 0
    assert list(stack.client.list_feedback(run_ids=[r.id for r in stack.root_runs(project)])) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_restart_never_applies_a_rule_twice(stack: Stack, sig: int) -> None:
    project, project_id = stack.project()
    queue_id = stack.queue()
    stack.rule(
        display_name="queue all",
        session_id=project_id,
        filter='eq(name, "agent")',
        add_to_annotation_queue_id=queue_id,
    )
    stack.rule(  # idle long enough that the thread is still pending when the server goes down
        display_name="User Sentiment",
        session_id=project_id,
        group_by="thread_id",
        evaluators=[SENTIMENT],
        thread_idle_seconds=IDLE_HERE,
    )
    for i in range(3):
        trace(stack, project, f"before {i}")
    assert stack.wait()["counts"]["applications"] == 3
    thread_id = str(uuid.uuid4())
    trace(stack, project, "I want a refund NOW!", name="chat", thread_id=thread_id)
    stack.client.flush()
    stack.restart(sig)  # the thread is still idle-pending: it must survive the restart

    for i in range(2):
        trace(stack, project, f"after {i}")
    status = stack.wait()
    # The new process applied only what was new: 2 runs and the pending thread.
    assert status["counts"]["applications"] == 3 and status["counts"]["threads_evaluated"] == 1
    assert len(stack.queued(queue_id)) == 5
    chat = [r for r in stack.root_runs(project) if r.name == "chat"]
    assert [f.value for f in stack.client.list_feedback(run_ids=[chat[0].id])] == ["negative"]
    totals = {r["display_name"]: r["applications"] for r in status["rules"]}
    assert totals == {"queue all": 5, "User Sentiment": 1}


def test_a_broken_rule_is_reported_logged_once_and_holds_nothing_back(stack: Stack) -> None:
    project, project_id = stack.project()
    queue_id = stack.queue()
    stack.rule(display_name="good", session_id=project_id, add_to_annotation_queue_id=queue_id)
    backfill_queue, filter_queue = stack.queue(), stack.queue()
    by_backfill = stack.rule(display_name="bad backfill", session_id=project_id,
                             add_to_annotation_queue_id=backfill_queue)
    by_filter = stack.rule(display_name="bad filter", session_id=project_id,
                           add_to_annotation_queue_id=filter_queue)
    # As a server stored them before rules were fully validated: values the engine cannot use.
    conn = sqlite3.connect(stack.db_path, timeout=30)
    with conn:
        conn.execute("UPDATE run_rules SET body = json_set(body, '$.backfill_from', ?) WHERE id = ?",
                     ("0001-01-01T00:00:00+05:00", by_backfill["id"]))
        conn.execute("UPDATE rule_cursors SET backfilled = 0 WHERE rule_id = ?", (by_backfill["id"],))
        conn.execute("UPDATE run_rules SET body = json_set(body, '$.filter', ?) WHERE id = ?",
                     ('eq(name, "\\ud800")', by_filter["id"]))
    before = datetime.now(UTC)
    for i in range(3):
        trace(stack, project, f"question {i}")

    status = stack.wait()  # caught up once the broken rules are stuck: they do not hold it back
    by_name = {rule["display_name"]: rule for rule in status["rules"]}
    good = by_name["good"]
    assert (good["applications"], good["error"], good["stuck"]) == (3, None, False)
    assert len(stack.queued(queue_id)) == 3
    assert "backfill_from" in by_name["bad backfill"]["error"] and "filter" in by_name["bad filter"]["error"]
    assert all(by_name[name]["stuck"] and by_name[name]["failing_passes"] >= 5
               for name in ("bad backfill", "bad filter"))
    # Nor do they hold back pruning: the events only they have not seen go.
    deadline = time.monotonic() + 30
    while conn.execute("SELECT count(*) FROM rule_events").fetchone()[0]:
        assert time.monotonic() < deadline, "rule_events was never pruned"
        time.sleep(0.2)
    conn.close()
    log = stack.server.log_path.read_text(errors="replace")
    assert log.count("rule 'bad backfill' failed") == 1 and log.count("rule 'bad filter' failed") == 1

    # Fixing a rule retries it at once. The backfill rule backfills; the other has lost the pruned
    # events and acts on what comes next.
    for rule, change in ((by_backfill, {"backfill_from": before.isoformat()}),
                         (by_filter, {"filter": 'eq(name, "agent")'})):
        stack.http.patch(f"/api/v1/runs/rules/{rule['id']}", json=change).raise_for_status()
    trace(stack, project, "after the fix")
    status = stack.wait()
    assert [(r["error"], r["stuck"]) for r in status["rules"]] == [(None, False)] * 3
    assert len(stack.queued(backfill_queue)) == 4 and len(stack.queued(filter_queue)) == 1
