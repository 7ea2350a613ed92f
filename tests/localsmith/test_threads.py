"""Threads: ``thread_id`` derived from metadata (``thread_id``, ``session_id``, ``conversation_id``),
selectable and filterable, and the SDK's ``list_threads`` / ``read_thread``."""

from __future__ import annotations

import langsmith
import pytest
from langsmith import traceable

# v1 contract: list_threads / read_thread, which the server still answers beside /api/v2/threads.
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated and will be removed:DeprecationWarning")


@traceable(name="supervisor_hitl_sql_agent")
def turn(message: str) -> str:
    return f"echo: {message}"


def _converse(client: langsmith.Client, project: str, key: str, thread: str, messages: list[str]) -> None:
    with langsmith.tracing_context(enabled=True, client=client, project_name=project, metadata={key: thread}):
        for message in messages:
            turn(message)


@pytest.fixture
def threads(ls_client, project_name) -> str:
    _converse(ls_client, project_name, "thread_id", "greg-1", ["hi", "where is ORD-2025-0030?", "thanks"])
    _converse(ls_client, project_name, "session_id", "sarah-1", ["hello"])
    _converse(ls_client, project_name, "conversation_id", "anon-1", ["a", "b"])
    ls_client.flush()
    return project_name


def test_thread_id_is_derived_selectable_and_filterable(http, ls_client, threads):
    project_id = str(ls_client.read_project(project_name=threads).id)
    body = {"session": [project_id], "select": ["id", "thread_id", "inputs"],
            "filter": 'eq(thread_id, "greg-1")', "order": "asc"}
    runs = http.post("/runs/query", json=body).json()["runs"]
    assert [r["inputs"]["message"] for r in runs] == ["hi", "where is ORD-2025-0030?", "thanks"]
    assert {r["thread_id"] for r in runs} == {"greg-1"}
    everything = http.post("/runs/query", json={"session": [project_id], "select": ["thread_id"]}).json()
    assert {r["thread_id"] for r in everything["runs"]} == {"greg-1", "sarah-1", "anon-1"}


def test_list_threads(ls_client, threads):
    found = {t["thread_id"]: t for t in ls_client.list_threads(project_name=threads)}
    assert set(found) == {"greg-1", "sarah-1", "anon-1"}
    assert found["greg-1"]["count"] == 3
    in_order = [r.id for r in ls_client.read_thread(thread_id="greg-1", project_name=threads)]
    assert [r.id for r in found["greg-1"]["runs"]] == in_order  # list_threads does not select inputs
    assert found["anon-1"]["min_start_time"] <= found["anon-1"]["max_start_time"]
    assert len(ls_client.list_threads(project_name=threads, limit=2)) == 2


def test_read_thread(ls_client, threads):
    runs = list(ls_client.read_thread(thread_id="anon-1", project_name=threads))
    assert [r.inputs["message"] for r in runs] == ["a", "b"]  # oldest first
    only_b = list(ls_client.read_thread(thread_id="anon-1", project_name=threads,
                                        filter='search(name, "supervisor")', limit=1))
    assert len(only_b) == 1
    assert list(ls_client.read_thread(thread_id="nobody", project_name=threads)) == []
