"""The v2 query API (``/api/v2/...``) through the SDK's own clients: the generated synchronous
``langsmith.Langsmith`` (with strict response validation: every response must parse into the SDK's
types) and the asynchronous ``Client().runs`` / ``.threads`` / ``.traces``.

Why: the course reads runs, traces and threads only through this API (``Client.list_runs`` and
friends are deprecated), so each parameter the SDK sends must do what LangSmith documents: filters,
the one-day default window, ``selects`` (only those fields come back), pages and cursors. The v1
paths keep working beside it (last test; the other modules of this folder cover them in depth).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import get_args

import langsmith
import pytest
from langsmith._internal._beta_decorator import LangSmithDeprecationWarning
from langsmith.types import RunSelectField

from techhub.localsmith.runs_v2 import RUN_SELECT_FIELDS

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Corpus:
    project: str
    project_id: str
    roots: dict[str, str] = field(default_factory=dict)  # label -> root run id
    runs: dict[str, str] = field(default_factory=dict)  # label -> child run id


def _run(
    project: str,
    name: str,
    start: datetime,
    *,
    parent: dict | None = None,
    run_type: str = "chain",
    thread: str | None = None,
    **fields,
) -> dict:
    run_id = str(uuid.uuid4())
    segment = start.strftime("%Y%m%dT%H%M%S%fZ") + run_id
    return {
        "id": run_id,
        "name": name,
        "run_type": run_type,
        "session_name": project,
        "trace_id": parent["trace_id"] if parent else run_id,
        "parent_run_id": parent["id"] if parent else None,
        "dotted_order": f"{parent['dotted_order']}.{segment}" if parent else segment,
        "start_time": start,
        "end_time": start + timedelta(seconds=2),
        "extra": {"metadata": {"thread_id": thread} if thread else {}},
        **fields,
    }


@pytest.fixture(scope="module")
def corpus(localsmith_server) -> Corpus:
    """Two threads (A: three turns, the second failing; B: two turns, the last scored negative),
    each turn a chain -> retriever -> LLM trace, and a trace from two days ago."""
    client = langsmith.Client(api_url=localsmith_server.url, api_key="test")
    project = f"v2-{uuid.uuid4()}"
    client.create_project(project)
    corpus = Corpus(project, str(client.read_project(project_name=project).id))
    runs: list[dict] = []
    turns = [("A1", "A", 50), ("A2", "A", 40), ("A3", "A", 30), ("B1", "B", 20), ("B2", "B", 10)]
    for label, thread, minutes in turns:
        start = NOW - timedelta(minutes=minutes)
        root = _run(
            project,
            "agent",
            start,
            thread=thread,
            inputs={"messages": [{"role": "user", "content": f"question {label}"}]},
            outputs={"messages": [{"role": "assistant", "content": f"answer {label}"}]},
            **({"error": "boom"} if label == "A2" else {}),
        )
        docs = _run(
            project,
            "docs",
            start + timedelta(milliseconds=10),
            parent=root,
            run_type="retriever",
            thread=thread,
            inputs={"query": label},
            outputs={"documents": []},
        )
        llm = _run(
            project,
            "model",
            start + timedelta(milliseconds=20),
            parent=docs,
            run_type="llm",
            thread=thread,
            inputs={"prompt": label},
            outputs={"usage_metadata": {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}},
        )
        runs += [root, docs, llm]
        corpus.roots[label] = root["id"]
        corpus.runs[f"{label}.docs"], corpus.runs[f"{label}.llm"] = docs["id"], llm["id"]
    old = _run(project, "old_agent", NOW - timedelta(days=2), inputs={"x": 1}, outputs={"y": 2})
    runs.append(old)
    corpus.roots["old"] = old["id"]
    client.batch_ingest_runs(create=[dict(r) for r in runs])
    client.flush()
    client.create_feedback(
        run_id=corpus.roots["B2"],
        key="user_sentiment",
        score=0,
        value="negative",
        session_id=corpus.project_id,
        start_time=NOW - timedelta(minutes=10),
    )
    return corpus


@pytest.fixture
def api(localsmith_server) -> Iterator[langsmith.Langsmith]:
    with langsmith.Langsmith(
        base_url=localsmith_server.url, api_key="test", max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


def _ids(items) -> list[str]:
    return [item.id for item in items]


def test_our_select_names_are_the_sdks() -> None:
    assert set(RUN_SELECT_FIELDS) == set(get_args(RunSelectField))


def test_info_reports_a_version_the_generated_clients_accept(ls_client, caplog) -> None:
    info = ls_client.info
    assert tuple(int(p) for p in info.version.split(".")) >= (0, 16, 14)
    assert not (info.instance_flags or {}).get("sdb_query_enabled")  # evaluate() & co stay on v1
    with caplog.at_level(logging.WARNING, logger="langsmith"):
        for name in ("runs", "threads", "traces", "annotation_queues", "evaluators"):
            getattr(ls_client, name)
    assert "older than the minimum version" not in caplog.text


def test_runs_query_filters_and_scopes(api, corpus) -> None:
    def ids(**kwargs) -> set[str]:
        return set(_ids(api.runs.query_v2(project_ids=[corpus.project_id], **kwargs)))

    roots = {corpus.roots[label] for label in ("A1", "A2", "A3", "B1", "B2")}
    assert ids(is_root=True) == roots  # the two-day-old trace is outside the default window
    assert ids(is_root=True, min_start_time=NOW - timedelta(days=3)) == roots | {corpus.roots["old"]}
    assert ids(
        is_root=True, min_start_time=NOW - timedelta(days=3), max_start_time=NOW - timedelta(days=1)
    ) == {corpus.roots["old"]}
    assert ids(filter='eq(run_type, "llm")') == {
        corpus.runs[f"{t}.llm"] for t in ("A1", "A2", "A3", "B1", "B2")
    }
    assert ids(run_type="LLM") == ids(filter='eq(run_type, "llm")')
    assert ids(is_root=True, has_error=True) == {corpus.roots["A2"]}
    assert ids(trace_id=corpus.roots["B1"]) == {
        corpus.roots["B1"],
        corpus.runs["B1.docs"],
        corpus.runs["B1.llm"],
    }
    assert ids(ids=[corpus.roots["A1"], corpus.runs["A3.llm"]]) == {corpus.roots["A1"], corpus.runs["A3.llm"]}
    # trace_filter: runs whose root matches; tree_filter: runs of traces with a matching run anywhere.
    assert ids(is_root=False, trace_filter='eq(feedback_key, "user_sentiment")') == {
        corpus.runs["B2.docs"],
        corpus.runs["B2.llm"],
    }
    assert ids(is_root=True, tree_filter='and(eq(name, "docs"), search("A3"))') == {corpus.roots["A3"]}
    assert ids(is_root=True, filter='eq(thread_id, "B")') == {corpus.roots["B1"], corpus.roots["B2"]}
    assert _ids(api.runs.query_v2(project_ids=[str(uuid.uuid4())])) == []


def test_runs_query_returns_only_the_selected_fields(api, corpus) -> None:
    (run,) = api.runs.query_v2(
        project_ids=[corpus.project_id],
        ids=[corpus.runs["A1.llm"]],
        selects=[
            "NAME",
            "RUN_TYPE",
            "STATUS",
            "PARENT_RUN_IDS",
            "TOTAL_TOKENS",
            "PROMPT_COST",
            "LATENCY_SECONDS",
            "START_TIME",
            "THREAD_ID",
        ],
    )
    assert run.model_fields_set == {
        "id",
        "name",
        "run_type",
        "status",
        "parent_run_ids",
        "total_tokens",
        "prompt_cost",
        "latency_seconds",
        "start_time",
        "thread_id",
    }
    assert (run.name, run.run_type, run.status, run.thread_id) == ("model", "LLM", "SUCCESS", "A")
    assert run.parent_run_ids == [corpus.roots["A1"], corpus.runs["A1.docs"]]
    assert run.total_tokens == 120 and run.latency_seconds == pytest.approx(2.0)
    assert run.start_time == NOW - timedelta(minutes=50, milliseconds=-20)
    (bare,) = api.runs.query_v2(project_ids=[corpus.project_id], ids=[corpus.roots["A2"]])
    assert bare.model_fields_set == {"id"}  # nothing selected: only the id
    (failed,) = api.runs.query_v2(
        project_ids=[corpus.project_id],
        ids=[corpus.roots["A2"]],
        selects=["STATUS", "ERROR", "INPUTS_PREVIEW", "OUTPUTS_PREVIEW", "METADATA"],
    )
    assert (failed.status, failed.error, failed.inputs_preview) == ("ERROR", "boom", "question A2")
    assert failed.outputs_preview == "answer A2" and failed.metadata["thread_id"] == "A"


def test_runs_query_usage_is_the_runs_own_unless_the_subtree_is_asked(api, corpus) -> None:
    select = {"project_ids": [corpus.project_id], "ids": [corpus.roots["B1"]], "selects": ["TOTAL_TOKENS"]}
    (own,) = api.runs.query_v2(**select)
    (subtree,) = api.runs.query_v2(**select, include_subtree_usage=True)
    assert (own.total_tokens, subtree.total_tokens) == (0, 120)


def test_runs_query_pages_with_an_opaque_cursor(api, corpus) -> None:
    first = api.runs.query_v2(
        project_ids=[corpus.project_id], is_root=True, page_size=2, selects=["START_TIME"]
    )
    pages = list(first.iter_pages())
    assert [len(p.items) for p in pages] == [2, 2, 1] and pages[-1].next_cursor is None
    runs = [run for page in pages for run in page.items]
    assert len({r.id for r in runs}) == 5
    assert [r.start_time for r in runs] == sorted((r.start_time for r in runs), reverse=True)  # newest first


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"selects": ["NOPE"]}, langsmith.BadRequestError),
        ({"page_size": 0}, langsmith.BadRequestError),
        ({"filter": "eq(name"}, langsmith.BadRequestError),
        ({"cursor": "not-a-cursor"}, langsmith.BadRequestError),
        ({"ai_search": "angry customers"}, langsmith.InternalServerError),  # 501: needs LangSmith cloud
    ],
)
def test_runs_query_refuses_what_it_cannot_answer(api, corpus, body, error) -> None:
    with pytest.raises(error) as raised:
        api.runs.query_v2(project_ids=[corpus.project_id], **body)
    assert raised.value.status_code in (400, 501)


def test_runs_query_by_dataset_reads_its_experiments(api, ls_client, corpus) -> None:
    dataset = ls_client.create_dataset(f"v2-{uuid.uuid4()}")
    experiment = ls_client.create_project(f"v2-exp-{uuid.uuid4()}", reference_dataset_id=dataset.id)
    # Without min_start_time the window starts when the dataset's first experiment was created.
    before, during = (
        _run(experiment.name, "target", moment)
        for moment in (experiment.start_time - timedelta(minutes=5), datetime.now(UTC))
    )
    expected = during["id"]
    ls_client.batch_ingest_runs(create=[before, during])
    ls_client.flush()
    assert _ids(api.runs.query_v2(reference_dataset_id=str(dataset.id))) == [expected]
    with pytest.raises(langsmith.BadRequestError):  # exactly one of project_ids / reference_dataset_id
        api.runs.query_v2()


def test_runs_retrieve(api, corpus) -> None:
    run = api.runs.retrieve_v2(
        corpus.roots["B2"],
        project_id=corpus.project_id,
        selects=["NAME", "INPUTS", "OUTPUTS", "FEEDBACK_STATS", "PROJECT_ID", "IS_ROOT"],
    )
    assert (run.name, run.project_id, run.is_root) == ("agent", corpus.project_id, True)
    assert run.inputs == {"messages": [{"role": "user", "content": "question B2"}]}
    assert run.feedback_stats["user_sentiment"].values == {"negative": 1}
    assert run.model_fields_set == {
        "id",
        "name",
        "inputs",
        "outputs",
        "feedback_stats",
        "project_id",
        "is_root",
    }
    with pytest.raises(langsmith.NotFoundError):
        api.runs.retrieve_v2(corpus.roots["B2"], project_id=str(uuid.uuid4()), selects=["NAME"])


def test_traces_query_and_a_traces_runs(api, corpus) -> None:
    traces = list(
        api.traces.query(project_id=corpus.project_id, selects=["NAME", "TOTAL_TOKENS", "TOTAL_COST"])
    )
    assert [t.root_run.id for t in traces] == [corpus.roots[x] for x in ("B2", "B1", "A3", "A2", "A1")]
    assert {t.trace_aggregates.total_tokens for t in traces} == {120}  # the whole trace's
    assert traces[0].root_run.model_fields_set == {"id", "name"}  # aggregates are not on the root run
    picked = api.traces.query(
        project_id=corpus.project_id, trace_ids=[corpus.roots["A1"], corpus.roots["old"]]
    )
    assert [t.root_run.id for t in picked] == [corpus.roots["A1"]]  # the old one is outside the window
    negative = api.traces.query(project_id=corpus.project_id, trace_filter='eq(feedback_value, "negative")')
    assert [t.root_run.id for t in negative] == [corpus.roots["B2"]]
    in_tree = api.traces.query(project_id=corpus.project_id, tree_filter='search("question A3")')
    assert [t.root_run.id for t in in_tree] == [corpus.roots["A3"]]

    runs = api.traces.list_runs(
        corpus.roots["A1"],
        project_id=corpus.project_id,
        selects=["NAME", "RUN_TYPE", "PARENT_RUN_IDS", "DOTTED_ORDER"],
    ).items
    assert [(r.name, r.run_type) for r in runs] == [
        ("agent", "CHAIN"),
        ("docs", "RETRIEVER"),
        ("model", "LLM"),
    ]
    assert [r.parent_run_ids for r in runs] == [
        [],
        [corpus.roots["A1"]],
        [corpus.roots["A1"], corpus.runs["A1.docs"]],
    ]
    llm_only = api.traces.list_runs(
        corpus.roots["A1"], project_id=corpus.project_id, filter='eq(run_type, "llm")'
    )
    assert _ids(llm_only.items) == [corpus.runs["A1.llm"]]


def test_threads_query(api, corpus) -> None:
    threads = list(api.threads.query(project_id=corpus.project_id))
    assert [t.thread_id for t in threads] == ["B", "A"]  # most recently active first
    b, a = threads
    assert (a.count, a.num_errored_turns, a.last_error, a.total_tokens) == (3, 1, "boom", 360)
    assert (a.first_trace_id, a.last_trace_id) == (corpus.roots["A1"], corpus.roots["A3"])
    assert (a.first_inputs, a.last_outputs) == ("question A1", "answer A3")
    assert a.min_start_time == NOW - timedelta(minutes=50) and a.max_start_time == NOW - timedelta(minutes=30)
    assert b.feedback_stats["user_sentiment"].values == {"negative": 1}
    scored = api.threads.query(project_id=corpus.project_id, filter='eq(feedback_key, "user_sentiment")')
    assert [t.thread_id for t in scored] == ["B"]
    failing = api.threads.query(project_id=corpus.project_id, thread_filter='eq(status, "error")')
    assert [t.thread_id for t in failing] == ["A"]
    recent = api.threads.query(
        project_id=corpus.project_id, min_start_time=NOW - timedelta(minutes=35), max_start_time=NOW
    )
    assert [(t.thread_id, t.count) for t in recent] == [("B", 2), ("A", 1)]
    paged = api.threads.query(project_id=corpus.project_id, page_size=1)
    assert [[t.thread_id for t in page.items] for page in paged.iter_pages()] == [["B"], ["A"]]


def test_a_threads_traces_and_stats(api, corpus) -> None:
    traces = api.threads.list_traces(
        "A",
        project_id=corpus.project_id,
        page_size=2,
        selects=["TURN_NUMBER", "INPUTS_PREVIEW", "TOTAL_TOKENS", "ERROR"],
    )
    pages = list(traces.iter_pages())
    items = [t for page in pages for t in page.items]
    assert len(pages) == 2 and [t.turn_number for t in items] == [1, 2, 3]
    assert [t.trace_id for t in items] == [corpus.roots[x] for x in ("A1", "A2", "A3")]
    assert [t.inputs_preview for t in items] == ["question A1", "question A2", "question A3"]
    assert [t.error for t in items] == [None, "boom", None] and {t.total_tokens for t in items} == {120}
    ok = api.threads.list_traces(
        "A", project_id=corpus.project_id, filter='eq(status, "success")', selects=["TURN_NUMBER"]
    )
    assert [t.turn_number for t in ok] == [1, 3]  # numbered within the whole thread

    stats = api.threads.stats(
        "A",
        session_id=corpus.project_id,
        selects=["TURNS", "TOTAL_TOKENS", "LATENCY_P50", "FIRST_START_TIME"],
    )
    assert (stats.turns, stats.total_tokens, stats.latency_p50_seconds) == (3, 360, pytest.approx(2.0))
    assert stats.first_start_time == NOW - timedelta(minutes=50) and stats.feedback_stats is None
    with pytest.raises(langsmith.BadRequestError):
        api.threads.stats("A", session_id=corpus.project_id, selects=[])


def test_thread_aggregate_stats(api, corpus) -> None:
    select = [
        "THREAD_COUNT",
        "TRACE_COUNT",
        "TOTAL_TOKENS",
        "ERROR_RATE",
        "MEDIAN_TOKENS",
        "THREAD_FEEDBACK_STATS",
    ]
    stats = api.threads.aggregate_stats(project_id=corpus.project_id, select=select)
    assert (stats.thread_count, stats.trace_count, stats.total_tokens) == (2, 5, 600)
    assert stats.error_rate == pytest.approx(0.2) and stats.median_tokens == 300
    assert stats.thread_feedback_stats["user_sentiment"].n == 1 and stats.buckets is None
    series = api.threads.aggregate_stats(
        project_id=corpus.project_id,
        select=["THREAD_COUNT"],
        min_start_time=NOW - timedelta(hours=2),
        max_start_time=NOW,
        stride={"unit": "HOUR", "value": 1},
    )
    assert [b.thread_count for b in series.buckets] == [0, 2]  # each thread in the hour of its last turn
    assert series.buckets[0].bucket_start_time == NOW - timedelta(hours=2)


def test_the_async_resources_of_client(ls_client, corpus) -> None:
    """What a notebook awaits: ``Client().runs`` / ``.threads`` / ``.traces``."""

    async def read() -> tuple[list, list, list]:
        runs = [
            r
            async for r in ls_client.runs.query_v2(
                project_ids=[corpus.project_id], is_root=True, filter='eq(thread_id, "B")', selects=["NAME"]
            )
        ]
        threads = [t async for t in ls_client.threads.query(project_id=corpus.project_id)]
        trace = await ls_client.traces.list_runs(corpus.roots["B2"], project_id=corpus.project_id)
        return runs, threads, trace.items

    runs, threads, trace = asyncio.run(read())
    assert {r.id for r in runs} == {corpus.roots["B1"], corpus.roots["B2"]}
    assert [t.thread_id for t in threads] == ["B", "A"] and len(trace) == 3


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # v1 contract: the deprecated reads still work
def test_v1_reads_still_answer_beside_v2(ls_client, corpus) -> None:
    with pytest.warns(LangSmithDeprecationWarning):
        roots = list(ls_client.list_runs(project_id=corpus.project_id, is_root=True))
    assert len(roots) == 6  # v1 has no default window
    full = ls_client.read_run(corpus.roots["A1"], load_child_runs=True)
    assert [c.name for c in full.child_runs] == ["docs"] and full.child_runs[0].child_runs[0].name == "model"
