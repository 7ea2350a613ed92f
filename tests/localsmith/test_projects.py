"""Projects (``/sessions``) through the SDK: create, upsert, read, list and its filters, update,
delete, run counts and stats."""

from __future__ import annotations

import uuid

import langsmith
import pytest
from langsmith import traceable
from langsmith.utils import LangSmithConflictError, LangSmithNotFoundError

from techhub import smith


def test_create_read_and_has_project(ls_client, project_name):
    created = ls_client.create_project(project_name, description="demo", metadata={"owner": "course"})
    assert created.name == project_name and created.description == "demo"
    assert created.metadata == {"owner": "course"} and created.reference_dataset_id is None
    by_name = ls_client.read_project(project_name=project_name)
    by_id = ls_client.read_project(project_id=created.id)
    assert by_name.id == by_id.id == created.id
    assert by_name.tenant_id == created.tenant_id
    assert by_name.run_count == 0
    assert ls_client.has_project(project_name)
    assert not ls_client.has_project(f"missing-{uuid.uuid4()}")
    with pytest.raises(LangSmithNotFoundError):
        ls_client.read_project(project_id=uuid.uuid4())


def test_duplicate_name_conflicts_unless_upsert(ls_client, project_name):
    first = ls_client.create_project(project_name)
    with pytest.raises(LangSmithConflictError):
        ls_client.create_project(project_name)
    again = ls_client.create_project(project_name, upsert=True, description="now described")
    assert again.id == first.id and again.description == "now described"


def test_list_projects_filters(ls_client):
    tag = uuid.uuid4().hex[:8]
    dataset_id = uuid.uuid4()
    plain = ls_client.create_project(f"list-{tag}-plain")
    experiment = ls_client.create_project(f"list-{tag}-experiment", reference_dataset_id=dataset_id)
    ls_client.create_project(f"other-{tag}", metadata={"kind": "other"})

    def names(**kwargs) -> set[str]:
        return {p.name for p in ls_client.list_projects(**kwargs)}

    assert names(name=plain.name) == {plain.name}
    assert names(name_contains=f"list-{tag}") == {plain.name, experiment.name}
    assert names(name_contains=tag.upper()) == {plain.name, experiment.name, f"other-{tag}"}
    assert names(name_contains=tag, reference_free=True) == {plain.name, f"other-{tag}"}
    assert names(name_contains=tag, reference_free=False) == {experiment.name}
    assert names(reference_dataset_id=dataset_id) == {experiment.name}
    assert names(project_ids=[plain.id, experiment.id]) == {plain.name, experiment.name}
    assert names(name_contains=tag, metadata={"kind": "other"}) == {f"other-{tag}"}
    assert len(list(ls_client.list_projects(name_contains=tag, limit=2))) == 2


def test_list_projects_paginates_with_offset(ls_client, http):
    tag = uuid.uuid4().hex[:8]
    for i in range(5):
        ls_client.create_project(f"page-{tag}-{i}")
    first = http.get("/sessions", params={"name_contains": tag, "limit": 2, "offset": 0}).json()
    second = http.get("/sessions", params={"name_contains": tag, "limit": 2, "offset": 2}).json()
    third = http.get("/sessions", params={"name_contains": tag, "limit": 2, "offset": 4}).json()
    seen = [p["name"] for p in first + second + third]
    assert len(seen) == 5 and len(set(seen)) == 5
    assert len(list(ls_client.list_projects(name_contains=tag))) == 5


def test_update_and_delete_project(ls_client, project_name):
    @traceable
    def step(x: int) -> int:
        return x + 1

    with langsmith.tracing_context(enabled=True, client=ls_client, project_name=project_name):
        step(1)
    ls_client.flush()
    project = ls_client.read_project(project_name=project_name)  # created by the first run
    assert project.run_count == 1 and project.last_run_start_time is not None
    renamed = f"{project_name}-renamed"
    updated = ls_client.update_project(project.id, name=renamed, description="closed", metadata={"v": 2})
    assert (updated.name, updated.description, updated.metadata) == (renamed, "closed", {"v": 2})
    ls_client.delete_project(project_name=renamed)
    assert not ls_client.has_project(renamed)
    assert list(smith.api_for(ls_client).runs.query_v2(project_ids=[str(project.id)])) == []  # runs went too


def test_project_stats(ls_client, project_name):
    @traceable(name="ok_run")
    def ok() -> str:
        return "fine"

    @traceable(name="bad_run")
    def bad() -> None:
        raise RuntimeError("nope")

    with langsmith.tracing_context(enabled=True, client=ls_client, project_name=project_name):
        ok()
        ok()
        with pytest.raises(RuntimeError):
            bad()
    ls_client.flush()
    stats = ls_client.read_project(project_name=project_name, include_stats=True)
    assert stats.run_count == 3
    assert stats.error_rate == pytest.approx(1 / 3)
    assert stats.latency_p50 is not None and stats.latency_p99 >= stats.latency_p50


def test_project_stats_count_traces_interpolate_percentiles_and_include_summary_feedback(
        http, ls_client, project_name):
    """Four traces of 1-4 s (each with a child run): run_count counts traces, like every other stat
    of the project; the median latency is interpolated; feedback on the project itself (what an
    experiment's summary evaluators write) is in session_feedback_stats."""
    posts = []
    for i, seconds in enumerate((1, 2, 3, 4)):
        root_id, child_id = str(uuid.uuid4()), str(uuid.uuid4())
        start = f"2025-11-20T10:0{i}:00.000000"
        segment = f"20251120T10{i:02d}00000000Z"
        posts += [
            {"id": root_id, "trace_id": root_id, "dotted_order": segment + root_id, "name": "root",
             "run_type": "chain", "session_name": project_name, "start_time": start,
             "end_time": f"2025-11-20T10:0{i}:0{seconds}.000000"},
            {"id": child_id, "trace_id": root_id, "parent_run_id": root_id, "name": "child",
             "dotted_order": f"{segment}{root_id}.{segment}{child_id}", "run_type": "tool",
             "session_name": project_name, "start_time": start, "end_time": start},
        ]
    assert http.post("/runs/batch", json={"post": posts}).status_code == 202
    project = ls_client.read_project(project_name=project_name)
    assert http.post("/feedback", json={"session_id": str(project.id), "key": "accuracy_summary",
                                        "score": 0.75}).status_code == 200
    stats = ls_client.read_project(project_name=project_name, include_stats=True)
    assert stats.run_count == 4
    assert stats.latency_p50.total_seconds() == pytest.approx(2.5)
    assert stats.session_feedback_stats["accuracy_summary"]["avg"] == pytest.approx(0.75)
