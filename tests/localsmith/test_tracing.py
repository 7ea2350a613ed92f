"""Tracing through the real SDK: @traceable trees, LangChain/LangGraph runs with token usage,
compressed and uncompressed multipart, the non-batched endpoints, out-of-order and duplicate
payloads, and feedback riding inside multipart batches."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import langsmith
import pytest
import zstandard
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langsmith import traceable
from langsmith import utils as ls_utils
from langsmith.schemas import Attachment

# v1 contract: traces are read back with list_runs / read_run, the v1 paths evaluate() and the UI use.
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated and will be removed:DeprecationWarning")


def _runs(client: langsmith.Client, project: str, **kwargs) -> list:
    return list(client.list_runs(project_name=project, **kwargs))


def _traced_tree(client: langsmith.Client, project: str) -> str:
    """root -> (retrieve, answer -> format); returns the root run id."""

    @traceable(run_type="retriever")
    def retrieve(question: str) -> list[str]:
        return [f"doc about {question}"]

    @traceable(run_type="tool", tags=["fmt"])
    def format_answer(text: str) -> str:
        return text.upper()

    @traceable
    def answer(question: str, docs: list[str]) -> str:
        return format_answer(f"{question}: {docs[0]}")

    @traceable(name="supervisor", metadata={"customer": "gregory"})
    def root(question: str) -> dict:
        docs = retrieve(question)
        return {"answer": answer(question, docs)}

    with langsmith.tracing_context(enabled=True, client=client, project_name=project):
        root("order status", langsmith_extra={"run_id": (root_id := uuid.uuid4())})
    client.flush()
    return str(root_id)


def test_nested_traceable_builds_a_tree_with_zstd(ls_client, project_name):
    root_id = _traced_tree(ls_client, project_name)
    assert ls_client.compressed_traces is not None, "the zstd path was not used"

    runs = {r.name: r for r in _runs(ls_client, project_name)}
    assert set(runs) == {"supervisor", "retrieve", "answer", "format_answer"}
    root = runs["supervisor"]
    assert str(root.id) == root_id
    assert root.parent_run_id is None and str(root.trace_id) == root_id
    assert runs["retrieve"].parent_run_id == root.id
    assert runs["format_answer"].parent_run_id == runs["answer"].id
    assert all(str(r.trace_id) == root_id for r in runs.values())
    assert runs["format_answer"].dotted_order.startswith(runs["answer"].dotted_order + ".")
    assert runs["format_answer"].parent_run_ids == [root.id, runs["answer"].id]
    assert runs["retrieve"].run_type == "retriever" and runs["format_answer"].tags == ["fmt"]
    assert root.outputs == {"answer": "ORDER STATUS: DOC ABOUT ORDER STATUS"}
    assert root.inputs == {"question": "order status"}
    assert root.metadata["customer"] == "gregory"
    assert runs["answer"].metadata["customer"] == "gregory"  # children inherit metadata
    assert all(r.status == "success" and r.end_time is not None for r in runs.values())

    full = ls_client.read_run(root_id, load_child_runs=True)
    assert [c.name for c in full.child_runs] == ["retrieve", "answer"]
    assert [c.name for c in full.child_runs[1].child_runs] == ["format_answer"]
    assert full.latency is not None and full.latency >= 0


def test_uncompressed_multipart(ls_client_factory, project_name, monkeypatch):
    monkeypatch.setenv("LANGSMITH_DISABLE_RUN_COMPRESSION", "true")
    ls_utils.get_env_var.cache_clear()
    try:
        client = ls_client_factory()
        root_id = _traced_tree(client, project_name)
        assert client.compressed_traces is None, "compression was not disabled"
    finally:
        monkeypatch.delenv("LANGSMITH_DISABLE_RUN_COMPRESSION")
        ls_utils.get_env_var.cache_clear()
    names = sorted(r.name for r in _runs(client, project_name, trace_id=root_id))
    assert names == ["answer", "format_answer", "retrieve", "supervisor"]


def test_error_run_has_error_status(ls_client, project_name):
    @traceable(name="broken")
    def broken() -> None:
        raise ValueError("order ORD-2025-0030 cannot be cancelled")

    with langsmith.tracing_context(enabled=True, client=ls_client, project_name=project_name):
        with pytest.raises(ValueError):
            broken()
    ls_client.flush()
    (run,) = _runs(ls_client, project_name)
    assert run.status == "error"
    assert "cannot be cancelled" in run.error


def _fake_model(replies: list[str], usage: dict | None) -> GenericFakeChatModel:
    messages = [AIMessage(content=text, usage_metadata=usage) for text in replies]
    return GenericFakeChatModel(messages=iter(messages))


def test_langgraph_graph_tokens_and_cost(ls_client, project_name):
    model = _fake_model(["Your order is Processing.", "Anything else?"],
                        {"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200})

    def agent(state: MessagesState) -> dict:
        return {"messages": [model.invoke(state["messages"])]}

    def followup(state: MessagesState) -> dict:
        return {"messages": [model.invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node("followup", followup)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", "followup")
    builder.add_edge("followup", END)
    graph = builder.compile().with_config(run_name="supervisor_hitl_sql_agent")

    with langsmith.tracing_context(enabled=True, client=ls_client, project_name=project_name):
        graph.invoke({"messages": [("user", "where is my order?")]},
                     config={"metadata": {"ls_model_name": "gpt-4o-mini", "thread_id": "conv-1"}})
    ls_client.flush()

    (root,) = _runs(ls_client, project_name, is_root=True)
    assert root.name == "supervisor_hitl_sql_agent"
    llm_runs = _runs(ls_client, project_name, run_type="llm")
    assert len(llm_runs) == 2
    per_call_cost = 1000 * 0.15 / 1e6 + 200 * 0.60 / 1e6
    for run in llm_runs:
        assert (run.prompt_tokens, run.completion_tokens, run.total_tokens) == (1000, 200, 1200)
        assert float(run.total_cost) == pytest.approx(per_call_cost)
        assert float(run.prompt_cost) == pytest.approx(1000 * 0.15 / 1e6)
    # The root sums its whole tree; an intermediate node sums only its own subtree.
    assert (root.prompt_tokens, root.completion_tokens, root.total_tokens) == (2000, 400, 2400)
    assert float(root.total_cost) == pytest.approx(2 * per_call_cost)
    (agent_node,) = _runs(ls_client, project_name, filter='eq(name, "agent")')
    assert agent_node.total_tokens == 1200
    (found,) = _runs(ls_client, project_name, is_root=True, filter='gt(total_tokens, 2000)')
    assert found.id == root.id
    assert _runs(ls_client, project_name, is_root=True, filter="gt(total_tokens, 2400)") == []


def test_unknown_model_costs_nothing_and_usage_from_metadata(ls_client, project_name):
    @traceable(run_type="llm", metadata={"ls_model_name": "some-local-model",
                                         "usage_metadata": {"input_tokens": 7, "output_tokens": 3}})
    def call_model(prompt: str) -> dict:
        return {"text": "ok"}

    with langsmith.tracing_context(enabled=True, client=ls_client, project_name=project_name):
        call_model("hi")
    ls_client.flush()
    (run,) = _runs(ls_client, project_name)
    assert (run.prompt_tokens, run.completion_tokens, run.total_tokens) == (7, 3, 10)
    assert float(run.total_cost) == 0


def test_streamed_llm_run_has_first_token_time(ls_client, project_name):
    model = _fake_model(["one two three"], None)
    with langsmith.tracing_context(enabled=True, client=ls_client, project_name=project_name):
        chunks = list(model.stream("count"))
    assert len(chunks) > 1
    ls_client.flush()
    (run,) = _runs(ls_client, project_name)
    assert run.first_token_time is not None
    first_token = run.first_token_time.replace(tzinfo=UTC)  # naive = UTC, as LangSmith sends it
    assert run.start_time <= first_token <= run.end_time


def test_non_batched_create_and_update_run(ls_client_factory, project_name):
    client = ls_client_factory(auto_batch_tracing=False)
    run_id = uuid.uuid4()
    start = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)
    client.create_run("manual", inputs={"q": 1}, run_type="chain", id=run_id, project_name=project_name,
                      start_time=start, tags=["manual"])
    pending = client.read_run(run_id)
    assert pending.status == "pending" and pending.outputs is None
    client.update_run(run_id, outputs={"a": 2}, end_time=start + timedelta(seconds=1.5))
    run = client.read_run(run_id)
    assert run.status == "success" and run.outputs == {"a": 2}
    assert run.inputs == {"q": 1} and run.tags == ["manual"]  # the patch did not erase them
    assert run.latency == pytest.approx(1.5)


def _run_payload(run_id: str, project: str, *, parent: dict | None = None, name: str = "step",
                 start: str = "2025-11-20T10:00:00.000000Z", run_type: str = "chain", **extra) -> dict:
    segment = start.replace("-", "").replace(":", "").replace(".", "").rstrip("Z") + "Z" + run_id
    dotted = f"{parent['dotted_order']}.{segment}" if parent else segment
    return {"id": run_id, "trace_id": parent["trace_id"] if parent else run_id,
            "parent_run_id": parent["id"] if parent else None, "dotted_order": dotted,
            "session_name": project, "name": name, "run_type": run_type, "start_time": start, **extra}


def test_children_before_parents_patches_before_posts_and_duplicates(http, ls_client, project_name):
    root = _run_payload(str(uuid.uuid4()), project_name, name="root", inputs={"q": "hi"})
    child = _run_payload(str(uuid.uuid4()), project_name, parent=root, name="child",
                         start="2025-11-20T10:00:01.000000Z")
    child_patch = {**{k: child[k] for k in ("id", "trace_id", "parent_run_id", "dotted_order",
                                             "session_name", "name", "run_type", "start_time")},
                   "outputs": {"x": 1}, "end_time": "2025-11-20T10:00:02Z", "inputs": None}
    # The child's patch arrives first, then the child, then the parent, then everything again.
    assert http.post("/runs/batch", json={"patch": [child_patch]}).status_code == 202
    assert http.post("/runs/batch", json={"post": [child]}).status_code == 202
    assert http.post("/runs/batch", json={"post": [root]}).status_code == 202
    for _ in range(2):
        again = http.post("/runs/batch", json={"post": [root, child], "patch": [child_patch]})
        assert again.status_code == 202
    runs = {r.name: r for r in _runs(ls_client, project_name)}
    assert set(runs) == {"root", "child"}
    assert runs["child"].outputs == {"x": 1} and runs["child"].status == "success"
    assert runs["root"].inputs == {"q": "hi"} and runs["root"].status == "pending"
    assert runs["child"].latency == pytest.approx(1.0)
    full = ls_client.read_run(root["id"], load_child_runs=True)
    assert [c.name for c in full.child_runs] == ["child"]
    assert http.get(f"/runs/{root['id']}").json()["child_run_ids"] == [child["id"]]


def test_raw_zstd_multipart_with_feedback_part(http, ls_client, multipart_body, project_name):
    run = _run_payload(str(uuid.uuid4()), project_name, name="zstd-run")
    feedback_id = str(uuid.uuid4())
    body, content_type = multipart_body([
        (f"post.{run['id']}", run),
        (f"post.{run['id']}.inputs", {"question": "zstd?"}),
        (f"post.{run['id']}.outputs", {"answer": "yes"}),
        (f"feedback.{feedback_id}", {"id": feedback_id, "run_id": run["id"], "trace_id": run["id"],
                                     "key": "correctness", "score": 1}),
        (f"attachment.{run['id']}.note", b"raw bytes"),
    ])
    response = http.post("/runs/multipart", content=zstandard.ZstdCompressor().compress(body),
                         headers={"Content-Type": content_type, "Content-Encoding": "zstd"})
    assert response.status_code == 202, response.text
    stored = ls_client.read_run(run["id"])
    assert stored.inputs == {"question": "zstd?"} and stored.outputs == {"answer": "yes"}
    assert stored.feedback_stats["correctness"]["avg"] == 1
    assert str(ls_client.read_feedback(feedback_id).run_id) == run["id"]


def test_sdk_feedback_rides_inside_multipart(ls_client, project_name):
    root_id = _traced_tree(ls_client, project_name)
    project = ls_client.read_project(project_name=project_name)
    feedback = ls_client.create_feedback(trace_id=root_id, key="user_sentiment", score=0, value="negative",
                                         session_id=project.id)
    ls_client.flush()
    stored = ls_client.read_feedback(feedback.id)
    assert (stored.key, stored.score, stored.value) == ("user_sentiment", 0, "negative")
    assert str(stored.trace_id) == root_id and stored.session_id == project.id
    root = ls_client.read_run(root_id)
    assert root.feedback_stats["user_sentiment"]["values"] == {"negative": 1}


def _llm_outputs(prompt: int, completion: int) -> dict:
    message = {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "AIMessage"],
               "kwargs": {"content": "ok",
                          "usage_metadata": {"input_tokens": prompt, "output_tokens": completion}}}
    return {"generations": [[{"text": "ok", "message": message}]]}


def _token_trace(project: str) -> list[dict]:
    """root -> agent -> (llm 100/10 gpt-4o, llm 200/20 unknown model), root -> tool."""
    gpt4o, other = {"metadata": {"ls_model_name": "gpt-4o"}}, {"metadata": {"ls_model_name": "mystery"}}
    root = _run_payload(str(uuid.uuid4()), project, name="root")
    agent = _run_payload(str(uuid.uuid4()), project, parent=root, name="agent")
    llm1 = _run_payload(str(uuid.uuid4()), project, parent=agent, name="llm1", run_type="llm",
                        outputs=_llm_outputs(100, 10), extra=gpt4o, start="2025-11-20T10:00:00.100000Z")
    llm2 = _run_payload(str(uuid.uuid4()), project, parent=agent, name="llm2", run_type="llm",
                        outputs=_llm_outputs(200, 20), extra=other, start="2025-11-20T10:00:00.200000Z")
    tool = _run_payload(str(uuid.uuid4()), project, parent=root, name="tool",
                        start="2025-11-20T10:00:00.300000Z")
    return [root, agent, llm1, llm2, tool]


def test_token_totals_do_not_depend_on_how_a_trace_arrives(http, ls_client, project_name):
    whole, pieces, in_order = (_token_trace(project_name) for _ in range(3))
    assert http.post("/runs/batch", json={"post": whole}).status_code == 202
    for run in reversed(pieces):  # children first, one request each
        assert http.post("/runs/batch", json={"post": [run]}).status_code == 202
    for run in in_order:  # parents first, one request each: each LLM run raises its ancestors' totals
        assert http.post("/runs/batch", json={"post": [run]}).status_code == 202
    fields = ("prompt_tokens", "completion_tokens", "total_tokens", "prompt_cost", "completion_cost",
              "total_cost")

    def totals(runs: list[dict]) -> dict:
        return {r["name"]: tuple(http.get(f"/runs/{r['id']}").json()[f] for f in fields) for r in runs}

    assert totals(whole) == totals(pieces) == totals(in_order)
    got = totals(whole)
    gpt4o_cost = (100 * 2.5 + 10 * 10.0) / 1e6
    assert got["llm1"][:3] == (100, 10, 110) and got["llm2"][:3] == (200, 20, 220)
    assert got["agent"][:3] == (300, 30, 330) and got["root"][:3] == (300, 30, 330)
    assert got["root"][5] == pytest.approx(gpt4o_cost) and got["llm2"][5] == 0
    assert got["tool"][:3] == (0, 0, 0)


def _linkless(run: dict) -> dict:
    """What ``Client.create_run`` sends when the caller passes no trace_id/dotted_order."""
    return {k: v for k, v in run.items() if k not in ("trace_id", "dotted_order")}


def test_token_totals_also_when_children_come_first_without_links(http, project_name):
    whole, pieces = _token_trace(project_name), _token_trace(project_name)
    assert http.post("/runs/batch", json={"post": whole}).status_code == 202
    for run in reversed(pieces):  # children first, each without the links it inherits from its parent
        assert http.post("/runs", json=_linkless(run)).status_code == 202
    for run, twin in zip(whole, pieces, strict=True):
        got, expected = http.get(f"/runs/{twin['id']}").json(), http.get(f"/runs/{run['id']}").json()
        assert got["trace_id"] == pieces[0]["id"] and got["dotted_order"] == twin["dotted_order"]
        for field in ("prompt_tokens", "completion_tokens", "total_tokens", "total_cost"):
            assert got[field] == pytest.approx(expected[field]), (run["name"], field)


@pytest.mark.filterwarnings("ignore:Creating feedback for a run without session_id")
def test_runs_created_before_their_parent_join_its_trace(ls_client_factory, project_name):
    """create_run() without trace_id/dotted_order, grandchild and child before the root: queries work
    meanwhile, and once the root arrives the tree, the links and the token totals are complete."""
    client = ls_client_factory(auto_batch_tracing=False)
    root, child, grandchild = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    usage = {"usage_metadata": {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}}
    client.create_run("llm", inputs={}, run_type="llm", id=grandchild, parent_run_id=child,
                      project_name=project_name, outputs=usage)
    client.create_run("child", inputs={}, run_type="chain", id=child, parent_run_id=root,
                      project_name=project_name)
    waiting = {r.name: r for r in _runs(client, project_name)}
    assert set(waiting) == {"llm", "child"}
    assert waiting["child"].trace_id == root  # its parent, until the parent arrives
    verdict = client.create_feedback(grandchild, key="correctness", score=1)  # before the links too
    client.create_run("root", inputs={}, run_type="chain", id=root, project_name=project_name)

    full = client.read_run(root, load_child_runs=True)
    assert [c.name for c in full.child_runs] == ["child"]
    assert [g.name for g in full.child_runs[0].child_runs] == ["llm"]
    assert full.total_tokens == 12
    runs = {r.name: r for r in _runs(client, project_name)}
    assert {r.trace_id for r in runs.values()} == {root}
    assert runs["llm"].dotted_order.startswith(runs["root"].dotted_order + ".")
    assert runs["llm"].dotted_order.count(".") == 2
    assert client.read_feedback(verdict.id).trace_id == root


def test_a_patch_without_links_keeps_the_runs_links(ls_client_factory, project_name):
    client = ls_client_factory(auto_batch_tracing=False)
    root, child = uuid.uuid4(), uuid.uuid4()
    client.create_run("root", inputs={}, run_type="chain", id=root, project_name=project_name)
    client.create_run("child", inputs={}, run_type="chain", id=child, parent_run_id=root,
                      project_name=project_name)
    before = client.read_run(child)
    client.update_run(child, outputs={"x": 1})
    client.update_run(child, outputs={"x": 2}, end_time=datetime.now(UTC))
    after = client.read_run(child)
    assert (after.trace_id, after.dotted_order) == (root, before.dotted_order)
    assert after.outputs == {"x": 2} and after.status == "success"
    assert [c.name for c in client.read_run(root, load_child_runs=True).child_runs] == ["child"]


@pytest.mark.filterwarnings("ignore:Creating feedback for a run without session_id")
def test_an_invalid_feedback_costs_only_itself(ls_client, project_name, caplog):
    """A score outside the key's categories, batched by the SDK with a run and a valid feedback: the
    run and the valid feedback are stored; the SDK logs the 400 that names the refused one."""
    key = f"verdict-{uuid.uuid4().hex[:8]}"
    ls_client.create_feedback_config(key, feedback_config={
        "type": "categorical", "categories": [{"value": 0, "label": "bad"}, {"value": 1, "label": "good"}]})
    with langsmith.tracing_context(enabled=True), langsmith.trace("judged", client=ls_client,
                                                                  project_name=project_name) as run:
        run.end(outputs={"answer": 42})
    # No session_id yet (the project is created by this very batch): the SDK warns that this is
    # deprecated, and sends the feedback in the same multipart request as the run.
    bad = ls_client.create_feedback(run.id, key=key, score=5, trace_id=run.id)
    good = ls_client.create_feedback(run.id, key=key, score=1, trace_id=run.id)
    ls_client.flush()

    assert [r.name for r in _runs(ls_client, project_name)] == ["judged"]
    assert [(f.id, f.score) for f in ls_client.list_feedback(run_ids=[run.id])] == [(good.id, 1)]
    refused = [r.getMessage() for r in caplog.records if str(bad.id) in r.getMessage()]
    # (Whether the SDK sent the run in the same request depends on its timing: not asserted here.)
    assert refused and "is not one of the categories" in refused[0] and "were stored" in refused[0]


def test_a_batch_with_an_invalid_feedback_stores_the_rest(http, multipart_body, project_name):
    key = f"verdict-{uuid.uuid4().hex[:8]}"
    config = {"type": "categorical", "categories": [{"value": 0}, {"value": 1}]}
    created = http.post("/feedback-configs", json={"feedback_key": key, "feedback_config": config})
    assert created.status_code == 200
    run = _run_payload(str(uuid.uuid4()), project_name, name="judged")
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())

    def verdict(feedback_id: str, score: int) -> tuple[str, dict]:
        return (f"feedback.{feedback_id}",
                {"id": feedback_id, "run_id": run["id"], "trace_id": run["id"], "key": key, "score": score})

    body, content_type = multipart_body([(f"post.{run['id']}", run), verdict(bad, 5), verdict(good, 1)])
    response = http.post("/runs/multipart", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("1 feedback refused; the 1 runs and 1 other feedback of this request were"
                             " stored")
    assert bad in detail and "is not one of the categories" in detail
    assert http.get(f"/runs/{run['id']}").status_code == 200
    assert http.get(f"/feedback/{good}").json()["score"] == 1
    assert http.get(f"/feedback/{bad}").status_code == 404


def test_run_attachments_are_served(ls_client, project_name):
    @traceable(client=ls_client, project_name=project_name)
    def describe(question: str, image: Attachment) -> str:
        return "a cat"

    with langsmith.tracing_context(enabled=True):
        describe("what is it?", Attachment(mime_type="image/png", data=b"\x89PNG fake"))
    ls_client.flush()
    (run,) = _runs(ls_client, project_name)
    for read in (run, ls_client.read_run(run.id)):
        assert set(read.attachments) == {"image"}
        assert read.attachments["image"]["mime_type"] == "image/png"
        assert read.attachments["image"]["reader"].read() == b"\x89PNG fake"


def test_llm_usage_of_an_odd_shape_is_ignored_not_fatal(http, project_name):
    odd = [
        {"extra": {"metadata": "not a dict"}},
        {"outputs": {"llm_output": "not a dict"}, "extra": {"invocation_params": "x"}},
        {"outputs": {"usage_metadata": {"input_tokens": 2**64, "output_tokens": 1e300}}},
        {"outputs": {"usage_metadata": {"input_tokens": -3, "output_tokens": "7"}}},
    ]
    ids = []
    for fields in odd:
        run = _run_payload(str(uuid.uuid4()), project_name, run_type="llm", **fields)
        response = http.post("/runs", content=json.dumps(run), headers={"Content-Type": "application/json"})
        assert response.status_code == 202, response.text
        ids.append(run["id"])
    for run_id in ids:
        stored = http.get(f"/runs/{run_id}").json()
        assert stored["total_tokens"] == 0 and stored["total_cost"] in (0, None)


def test_create_run_answers_the_canonical_id(http, project_name):
    run = _run_payload(str(uuid.uuid4()), project_name)
    shouted = {**_linkless(run), "id": run["id"].upper()}
    response = http.post("/runs", json=shouted)
    assert response.status_code == 202 and response.json() == {"id": run["id"]}


def test_thread_id_reads_the_same_however_the_run_arrives(http, project_name):
    thread = {"org": 7, "user": "u"}
    fresh = _run_payload(str(uuid.uuid4()), project_name, extra={"metadata": {"thread_id": thread}})
    merged = _run_payload(str(uuid.uuid4()), project_name)
    assert http.post("/runs/batch", json={"post": [fresh, merged]}).status_code == 202
    patch = {"id": merged["id"], "extra": {"metadata": {"thread_id": thread}}}
    assert http.post("/runs/batch", json={"patch": [patch]}).status_code == 202
    threads = {http.get(f"/runs/{r['id']}").json()["thread_id"] for r in (fresh, merged)}
    assert threads == {json.dumps(thread)}
