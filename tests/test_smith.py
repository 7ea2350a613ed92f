"""``techhub.smith``: the active mode's clients and the shared v2 reads, against the real local server.

Why: the trace view, the queue reviewer, the traffic summaries and the rollout metrics all read runs
through these helpers, on LangSmith's current API (``langsmith.Langsmith``: ``runs.query_v2``,
``traces.list_runs``, ``runs.retrieve_v2``). The corpus is ingested with the SDK and holds what the
helpers must get right: a turn older than the server's one-day default window, one older than
:data:`techhub.smith.LOOKBACK`, nested runs with their own usage, more roots than one page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import langsmith
import pytest
from langsmith.utils import LangSmithNotFoundError

from techhub import smith
from techhub.config import get_settings
from techhub.localsmith.launcher import RunningServer, start_server

NOW = datetime.now(UTC)
BULK = 130  # roots beyond one page (100) of query_v2


@dataclass
class Corpus:
    client: langsmith.Client
    project: str
    thread: str
    turns: list[str]  # root run ids of the thread, oldest first (within LOOKBACK)
    ancient: str  # a turn of the thread older than LOOKBACK
    trace: dict[str, str]  # root, tool, llm ids of the first turn
    scored: str  # the one root run with user_sentiment feedback


def _run(project: str, name: str, start: datetime, *, parent: dict | None = None, run_type: str = "chain",
         metadata: dict | None = None, **fields) -> dict:
    run_id = str(uuid.uuid4())
    segment = start.strftime("%Y%m%dT%H%M%S%fZ") + run_id
    return {
        "id": run_id, "name": name, "run_type": run_type, "session_name": project,
        "trace_id": parent["trace_id"] if parent else run_id,
        "parent_run_id": parent["id"] if parent else None,
        "dotted_order": f"{parent['dotted_order']}.{segment}" if parent else segment,
        "start_time": start, "end_time": start + timedelta(milliseconds=40),
        "extra": {"metadata": metadata or {}}, "inputs": fields.pop("inputs", {"messages": []}),
        "outputs": fields.pop("outputs", {"messages": []}), **fields,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("smith") / "smith.db")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def corpus(server: RunningServer) -> Iterator[Corpus]:
    client = langsmith.Client(api_url=server.url, api_key="test")
    project, thread = f"smith-{uuid.uuid4()}", str(uuid.uuid4())
    runs: list[dict] = []
    turns = []
    for age, question in ((timedelta(days=3), "hi"), (timedelta(hours=2), "where is my order?"),
                          (timedelta(minutes=1), "thanks")):
        root = _run(project, "supervisor_hitl_sql_agent", NOW - age, metadata={"thread_id": thread},
                    inputs={"messages": [{"role": "user", "content": question}]},
                    outputs={"messages": [{"role": "assistant", "content": f"re: {question}"}]})
        runs.append(root)
        turns.append(root["id"])
    ancient = _run(project, "supervisor_hitl_sql_agent", NOW - timedelta(days=20),
                   metadata={"thread_id": thread})
    first = runs[0]
    tool = _run(project, "sql_agent", first["start_time"] + timedelta(milliseconds=5), parent=first)
    llm = _run(project, "ChatOpenAI", first["start_time"] + timedelta(milliseconds=10), parent=tool,
               run_type="llm", outputs={"usage_metadata": {"input_tokens": 120, "output_tokens": 30,
                                                           "total_tokens": 150}})
    bulk = [_run(project, "other_agent", NOW - timedelta(hours=5, seconds=i)) for i in range(BULK)]
    ancient_id, tool_id, llm_id = ancient["id"], tool["id"], llm["id"]  # ingest turns the dicts' ids to UUIDs
    client.batch_ingest_runs(create=[*runs, ancient, tool, llm, *bulk])
    client.flush()
    client.create_feedback(run_id=runs[1]["id"], key="user_sentiment", score=0, value="negative",
                           session_id=client.read_project(project_name=project).id,
                           start_time=runs[1]["start_time"])
    trace = {"root": turns[0], "tool": tool_id, "llm": llm_id}
    yield Corpus(client, project, thread, turns, ancient_id, trace, turns[1])
    client.flush()


def test_clients_point_at_the_active_mode(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TECHHUB_OFFLINE", "1")
    monkeypatch.setenv("TECHHUB_LOCALSMITH_PORT", str(server.port))
    monkeypatch.setenv("LANGCHAIN_BASE_URL", "http://127.0.0.1:9")  # what Langsmith() alone would read
    settings = get_settings()
    client = smith.get_client(settings)
    assert (client.api_url, client.api_key) == (settings.langsmith_endpoint, settings.langsmith_api_key)
    assert smith.get_client(settings) is client  # shared
    with smith.get_api(settings) as api:
        assert str(api.base_url).rstrip("/") == server.url and api.api_key == settings.langsmith_api_key
        assert api.runs.query_v2(project_ids=[str(uuid.uuid4())]).items == []  # it reaches the server
    assert smith.api_for(client) is smith.api_for(client)
    assert smith._openapi_base_url("https://ls.example.com/api/v1/") == "https://ls.example.com"


def test_project_id(corpus: Corpus) -> None:
    assert smith.project_id(corpus.project, client=corpus.client) == str(
        corpus.client.read_project(project_name=corpus.project).id)
    with pytest.raises(LangSmithNotFoundError):
        smith.project_id(f"missing-{uuid.uuid4()}", client=corpus.client)


def test_thread_root_runs_are_the_turns_oldest_first(corpus: Corpus) -> None:
    turns = smith.thread_root_runs(corpus.thread, project=corpus.project, client=corpus.client)
    # The 3-day-old turn is outside the server's one-day default window: the helper looks back further.
    assert [run.id for run in turns] == corpus.turns
    first = turns[0]
    assert first.inputs == {"messages": [{"role": "user", "content": "hi"}]}
    assert first.outputs == {"messages": [{"role": "assistant", "content": "re: hi"}]}
    assert (first.run_type, first.status, first.thread_id) == ("CHAIN", "SUCCESS", corpus.thread)
    assert first.total_tokens == 150  # the whole turn's usage
    assert turns[1].feedback_stats["user_sentiment"].values == {"negative": 1}
    everything = smith.thread_root_runs(corpus.thread, project=corpus.project, client=corpus.client,
                                        min_start_time=NOW - timedelta(days=30))
    assert [run.id for run in everything] == [corpus.ancient, *corpus.turns]
    assert smith.thread_root_runs("no-such-thread", project=corpus.project, client=corpus.client) == []


def test_trace_runs_is_the_tree(corpus: Corpus) -> None:
    runs = smith.trace_runs(corpus.trace["root"], project=corpus.project, client=corpus.client)
    assert [run.id for run in runs] == [corpus.trace["root"], corpus.trace["tool"], corpus.trace["llm"]]
    assert [smith.parent_id(run) for run in runs] == [None, corpus.trace["root"], corpus.trace["tool"]]
    llm = runs[-1]
    assert (llm.name, llm.run_type) == ("ChatOpenAI", "LLM")
    assert (llm.prompt_tokens, llm.completion_tokens) == (120, 30)
    assert runs[0].total_tokens == 0  # each run's own usage: the root made no LLM call itself
    assert all(run.start_time and run.end_time and run.latency_seconds is not None for run in runs)
    assert runs[0].metadata["thread_id"] == corpus.thread


def test_query_root_runs_walks_every_page_and_filters(corpus: Corpus) -> None:
    kwargs = {"project": corpus.project, "client": corpus.client}
    roots = list(smith.query_root_runs(**kwargs, selects=("ID", "NAME", "START_TIME")))
    assert len(roots) == BULK + len(corpus.turns) and len({r.id for r in roots}) == len(roots)
    assert [r.start_time for r in roots] == sorted((r.start_time for r in roots), reverse=True)
    assert roots[0].inputs is None  # only what was selected
    (scored,) = smith.query_root_runs(**kwargs, filter='eq(feedback_key, "user_sentiment")')
    assert scored.id == corpus.scored
    recent = smith.query_root_runs(**kwargs, filter='eq(name, "supervisor_hitl_sql_agent")',
                                   min_start_time=NOW - timedelta(hours=3), max_start_time=NOW)
    assert [r.id for r in recent] == corpus.turns[:0:-1]


def test_get_run(corpus: Corpus) -> None:
    run = smith.get_run(corpus.scored, project=corpus.project, client=corpus.client)
    assert run.id == corpus.scored
    assert run.project_id == smith.project_id(corpus.project, client=corpus.client)
    assert run.inputs == {"messages": [{"role": "user", "content": "where is my order?"}]}
    other = f"smith-other-{uuid.uuid4()}"
    corpus.client.create_project(other)
    with pytest.raises(langsmith.NotFoundError):
        smith.get_run(corpus.scored, project=other, client=corpus.client)

