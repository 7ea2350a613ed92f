"""The real local agent server (``langgraph dev`` started by ``techhub up``) driven with ``langgraph_sdk``.

Covers what the course does through the deployment: the email interrupt and its resume, the two
assistants (v1 claims a cancellation it cannot perform, v2 refuses and escalates), and the traces
landing in the local LangSmith server's project, queried with the real ``langsmith.Client``.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import langsmith
import pytest
from langgraph_sdk.client import SyncLangGraphClient

from techhub.config import LOCAL_API_KEY, ROOT_RUN_NAME
from techhub.deployment import deployment_url, ensure_assistants, get_deployment_client
from techhub.smith import query_root_runs, thread_root_runs

if TYPE_CHECKING:
    from conftest import TechhubInstance

SARAH = "sarah.chen@gmail.com"
GREGORY = "gregory.harris@yahoo.com"
CANCEL_ORDER = "ORD-2025-0030"


@pytest.fixture(scope="module")
def client(techhub_services: TechhubInstance) -> Iterator[SyncLangGraphClient]:
    with pytest.MonkeyPatch.context() as patch:
        techhub_services.apply(patch)
        assert deployment_url() == techhub_services.agent_url
        yield get_deployment_client()


@pytest.fixture(scope="module")
def assistants(client: SyncLangGraphClient) -> dict[str, str]:
    return {name: a["assistant_id"] for name, a in ensure_assistants(client).items()}


def _orders_of(home, email: str) -> dict[str, str]:
    with sqlite3.connect(home / "techhub.db") as conn:
        rows = conn.execute(
            "SELECT order_id, status FROM orders JOIN customers USING (customer_id) WHERE email = ?", (email,)
        ).fetchall()
    return dict(rows)


def _ask_then_verify(
    client: SyncLangGraphClient, assistant_id: str, question: str, email: str
) -> tuple[str, dict]:
    """Send ``question``, check the run stops to ask for the email, resume with ``email``."""
    thread = client.threads.create()
    client.runs.wait(
        thread["thread_id"], assistant_id, input={"messages": [{"role": "user", "content": question}]}
    )
    assert client.threads.get(thread["thread_id"])["status"] == "interrupted"
    state = client.threads.get_state(thread["thread_id"])
    assert state["next"] == ["await_email"]
    (interrupt,) = [i["value"] for task in state["tasks"] for i in task["interrupts"]]
    assert interrupt["expects"] == "email" and "email" in interrupt["question"].lower()
    result = client.runs.wait(thread["thread_id"], assistant_id, command={"resume": email})
    assert client.threads.get(thread["thread_id"])["status"] == "idle"
    return thread["thread_id"], result


def test_ensure_assistants_is_idempotent(client: SyncLangGraphClient, assistants: dict[str, str]) -> None:
    again = ensure_assistants(client)
    assert {name: a["assistant_id"] for name, a in again.items()} == assistants
    for name, version in (("techhub-v1", "v1"), ("techhub-v2", "v2")):
        found = [a for a in client.assistants.search(graph_id=ROOT_RUN_NAME, limit=100) if a["name"] == name]
        assert len(found) == 1
        assert found[0]["config"]["configurable"]["version"] == version

    # A config changed by hand is put back.
    client.assistants.update(assistants["techhub-v2"], config={"configurable": {"version": "v1"}})
    fixed = ensure_assistants(client)["techhub-v2"]
    assert fixed["assistant_id"] == assistants["techhub-v2"]
    assert client.assistants.get(assistants["techhub-v2"])["config"]["configurable"]["version"] == "v2"


def test_order_question_interrupts_for_email_and_answers_with_her_orders(
    client: SyncLangGraphClient, assistants: dict[str, str], techhub_services: TechhubInstance
) -> None:
    _, result = _ask_then_verify(client, assistants["techhub-v1"], "Where is my order?", SARAH)
    answer = result["messages"][-1]["content"]
    hers = _orders_of(techhub_services.home, SARAH)
    assert hers, "the store must have orders for the demo customer"
    assert set(re.findall(r"ORD-\d{4}-\d{4}", answer)) & set(hers)
    others = set(re.findall(r"ORD-\d{4}-\d{4}", answer)) - set(hers)
    assert not others, f"answer shows orders of another customer: {others}"


def test_v1_claims_the_cancellation_and_v2_refuses_and_escalates(
    client: SyncLangGraphClient, assistants: dict[str, str], techhub_services: TechhubInstance
) -> None:
    question = f"Please cancel my order {CANCEL_ORDER}"
    _, v1 = _ask_then_verify(client, assistants["techhub-v1"], question, GREGORY)
    _, v2 = _ask_then_verify(client, assistants["techhub-v2"], question, GREGORY)
    v1_answer, v2_answer = v1["messages"][-1]["content"], v2["messages"][-1]["content"]

    assert CANCEL_ORDER in v1_answer and re.search(r"cancel", v1_answer, re.I)
    assert "support@techhub.com" not in v1_answer
    assert re.search(r"can't|cannot|unable|don't have the ability", v2_answer, re.I)
    assert "support@techhub.com" in v2_answer and "1-800-TECHHUB" in v2_answer
    # v1's claim is false: nothing can cancel an order, the store still has it Processing.
    assert _orders_of(techhub_services.home, GREGORY)[CANCEL_ORDER] == "Processing"


def test_traces_land_in_the_local_project_with_the_thread_id(
    client: SyncLangGraphClient, assistants: dict[str, str], techhub_services: TechhubInstance
) -> None:
    thread_id, _ = _ask_then_verify(client, assistants["techhub-v2"], "Where is my order?", SARAH)
    smith = langsmith.Client(api_url=techhub_services.localsmith_url, api_key=LOCAL_API_KEY)
    deadline = time.monotonic() + 30
    mine: list = []
    while time.monotonic() < deadline:
        try:
            mine = thread_root_runs(thread_id, client=smith, selects=("NAME",))
        except langsmith.utils.LangSmithNotFoundError:  # the project appears with the first trace
            mine = []
        if len(mine) >= 2:
            break
        time.sleep(0.5)
    # The interrupted run and its resume are two traces of the same thread.
    assert len(mine) == 2, f"expected 2 root runs for thread {thread_id}, got {len(mine)}"
    assert {r.name for r in mine} == {ROOT_RUN_NAME}


def test_each_turn_s_topic_is_root_run_metadata_the_sdk_can_filter_on(
    client: SyncLangGraphClient, assistants: dict[str, str], techhub_services: TechhubInstance
) -> None:
    assistant = assistants["techhub-v2"]
    thread_id, _ = _ask_then_verify(client, assistant, "Where is my order?", SARAH)
    for question in ("How much is the Vantor Aerobook 13?", "what's your return policy?"):
        client.runs.wait(thread_id, assistant, input={"messages": [{"role": "user", "content": question}]})
    smith = langsmith.Client(api_url=techhub_services.localsmith_url, api_key=LOCAL_API_KEY)

    def mine(topic: str) -> list:
        """Root runs whose metadata has this topic: the SDK's v2 query API (``runs.query_v2``)."""
        query = f'and(eq(metadata_key, "topic"), eq(metadata_value, "{topic}"))'
        return [r for r in query_root_runs(filter=query, client=smith) if str(r.thread_id) == thread_id]

    expected = {"orders": 2, "products": 1, "policies": 1}  # the interrupted run and its resume: 2 traces
    deadline = time.monotonic() + 30
    found: dict[str, list] = {}
    while time.monotonic() < deadline:
        try:
            found = {topic: mine(topic) for topic in (*expected, "chitchat", "out_of_scope")}
        except langsmith.utils.LangSmithNotFoundError:
            found = {}
        if {topic: len(found.get(topic, [])) for topic in expected} == expected:
            break
        time.sleep(0.5)
    assert {topic: len(runs) for topic, runs in found.items()} == {
        **expected,
        "chitchat": 0,
        "out_of_scope": 0,
    }
    for topic, runs in found.items():
        assert {r.name for r in runs} <= {ROOT_RUN_NAME}
        assert all(r.metadata.get("topic") == topic for r in runs)


def test_client_targets_the_remote_deployment_with_the_key_and_the_local_server_without(
    monkeypatch: pytest.MonkeyPatch, techhub_instance: TechhubInstance
) -> None:
    techhub_instance.apply(monkeypatch)
    monkeypatch.setenv("LANGSMITH_API_KEY", LOCAL_API_KEY)  # as notebooks set it for the local server
    local = get_deployment_client().http.client
    assert str(local.base_url).rstrip("/") == techhub_instance.agent_url
    assert "x-api-key" not in local.headers

    monkeypatch.delenv("TECHHUB_OFFLINE")
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-learner-key")
    monkeypatch.setenv("LANGGRAPH_DEPLOYMENT_URL", "https://techhub.example.invalid")
    remote = get_deployment_client().http.client  # built, never called: no network in tests
    assert str(remote.base_url).rstrip("/") == "https://techhub.example.invalid"
    assert remote.headers["x-api-key"] == "lsv2-learner-key"
