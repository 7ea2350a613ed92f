"""``POST /runs/query``, ``GET /runs/{id}`` and ``POST /runs/stats`` through the SDK: criteria,
``select``, ordering and cursor pagination over several pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from langsmith.utils import LangSmithNotFoundError

# v1 contract: this module is about POST /runs/query and GET /runs/{id} (list_runs, read_run).
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated and will be removed:DeprecationWarning")

BASE = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)
N_TRACES = 130  # more than one page (100) of roots


def _run(project: str, i: int, *, parent: dict | None = None, name: str = "root", **fields) -> dict:
    run_id = str(uuid.uuid4())
    start = BASE + timedelta(seconds=i, milliseconds=10 if parent else 0)
    segment = start.strftime("%Y%m%dT%H%M%S%fZ") + run_id
    return {"id": run_id, "trace_id": parent["id"] if parent else run_id,
            "parent_run_id": parent["id"] if parent else None,
            "dotted_order": f"{parent['dotted_order']}.{segment}" if parent else segment,
            "session_name": project, "name": name, "run_type": "chain" if not parent else "tool",
            "start_time": start.isoformat(), "end_time": (start + timedelta(milliseconds=5)).isoformat(),
            **fields}


@pytest.fixture(scope="module")
def corpus(localsmith_server) -> dict:
    project = f"query-{uuid.uuid4()}"
    example_id = str(uuid.uuid4())
    roots, children = [], []
    for i in range(N_TRACES):
        root = _run(project, i, inputs={"i": i},
                    **({"reference_example_id": example_id} if i == 7 else {}))
        roots.append(root)
        children.append(_run(project, i, parent=root, name=f"child-{i % 3}",
                             **({"error": "failed"} if i % 10 == 0 else {})))
    with httpx.Client(base_url=localsmith_server.url) as http:
        assert http.post("/runs/batch", json={"post": roots + children}).status_code == 202
    return {"project": project, "roots": roots, "children": children, "example_id": example_id}


def test_cursor_pagination_walks_every_page_once(ls_client, corpus):
    runs = list(ls_client.list_runs(project_name=corpus["project"], is_root=True))
    assert len(runs) == N_TRACES
    assert len({r.id for r in runs}) == N_TRACES
    starts = [r.start_time for r in runs]
    assert starts == sorted(starts, reverse=True)  # newest first


def test_pages_and_cursors_over_http(http, ls_client, corpus):
    project_id = str(ls_client.read_project(project_name=corpus["project"]).id)
    body = {"session": [project_id], "is_root": True, "limit": 50, "order": "asc", "select": ["id", "inputs"]}
    seen = []
    pages = 0
    while True:
        page = http.post("/runs/query", json=body).json()
        pages += 1
        seen += [r["inputs"]["i"] for r in page["runs"]]
        if not page["cursors"]["next"]:
            break
        body["cursor"] = page["cursors"]["next"]
    assert pages == 3 and seen == list(range(N_TRACES))
    assert "outputs" not in page["runs"][0]  # select limits the fields


def test_limit_stops_early(ls_client, corpus):
    assert len(list(ls_client.list_runs(project_name=corpus["project"], limit=7))) == 7


def test_criteria(ls_client, corpus):
    project = corpus["project"]
    root = corpus["roots"][5]

    def count(**kwargs) -> int:
        return len(list(ls_client.list_runs(project_name=project, **kwargs)))

    assert count() == 2 * N_TRACES
    assert count(is_root=False) == N_TRACES
    assert count(is_root=1) == count(is_root=0) == N_TRACES  # as the SDK's own docs write it
    assert count(run_type="tool") == N_TRACES
    assert count(error=True) == len(range(0, N_TRACES, 10))
    assert count(error=False) == 2 * N_TRACES - len(range(0, N_TRACES, 10))
    assert count(trace_id=root["id"]) == 2
    assert count(parent_run_id=root["id"]) == 1
    assert count(run_ids=[root["id"], corpus["roots"][6]["id"]]) == 2
    # More ids than SQLite takes parameters (32,766): still one query.
    many = [str(uuid.uuid4()) for _ in range(40_000)] + [root["id"], corpus["roots"][6]["id"]]
    assert count(run_ids=many) == 2
    assert count(reference_example_id=corpus["example_id"]) == 1
    assert count(start_time=BASE + timedelta(seconds=N_TRACES - 3)) == 6
    assert count(query="child-2") == len(range(2, N_TRACES, 3))


def test_read_run_and_child_run_ids(ls_client, http, corpus):
    root, child = corpus["roots"][3], corpus["children"][3]
    run = ls_client.read_run(root["id"])
    assert run.inputs == {"i": 3} and run.status == "success"
    assert run.latency == pytest.approx(0.005)
    body = http.get(f"/runs/{root['id']}").json()
    assert body["child_run_ids"] == [child["id"]] and body["parent_run_ids"] == []
    with_children = ls_client.read_run(root["id"], load_child_runs=True)
    assert [str(c.id) for c in with_children.child_runs] == [child["id"]]
    with pytest.raises(LangSmithNotFoundError):
        ls_client.read_run(uuid.uuid4())


def test_run_stats(ls_client, corpus):
    stats = ls_client.get_run_stats(project_names=[corpus["project"]], is_root=False)
    assert stats["run_count"] == N_TRACES
    assert stats["error_rate"] == pytest.approx(len(range(0, N_TRACES, 10)) / N_TRACES)
    assert stats["latency_p50"] == pytest.approx(0.005)
    filtered = ls_client.get_run_stats(project_names=[corpus["project"]], filter='eq(name, "child-1")')
    assert filtered["run_count"] == len(range(1, N_TRACES, 3))
