"""Annotation queues through the real ``langsmith`` SDK against the real server process.

Why: the review step of the flywheel (workshop section 3 and 5) is annotation queues. Learners call
the classic Client methods (``create_annotation_queue``, ``add_runs_to_annotation_queue``, ...) and the
newer generated API (``client.annotation_queues.items``); both must work on the same items.
"""

from __future__ import annotations

import asyncio
import uuid
import warnings

import httpx
import langsmith as ls
import pytest
from langsmith.utils import LangSmithConflictError, LangSmithNotFoundError

# v1 contract: the classic queue methods (add_runs_to_annotation_queue, list_runs_from_annotation_queue...).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def trace_runs(client: ls.Client, project: str, count: int, name: str = "agent") -> list[str]:
    """Trace ``count`` root runs into ``project`` and return their ids, oldest first."""

    @ls.traceable(name=name)
    def agent(messages: list) -> dict:
        return {"messages": [*messages, {"role": "assistant", "content": "Done."}]}

    with ls.tracing_context(enabled=True, client=client, project_name=project):
        for i in range(count):
            agent([{"role": "user", "content": f"question {i}"}])
    client.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        runs = list(client.list_runs(project_name=project, is_root=True))
    return [str(r.id) for r in sorted(runs, key=lambda r: r.start_time)]


@pytest.fixture
def queue(ls_client: ls.Client):
    created = ls_client.create_annotation_queue(
        name=f"queue-{uuid.uuid4()}",
        description="review",
        rubric_instructions="look closely",
        rubric_items=[
            {"feedback_key": "correctness", "description": "right?"},
            {"feedback_key": "user_sentiment"},
        ],
    )
    yield created
    try:
        ls_client.delete_annotation_queue(created.id)
    except LangSmithNotFoundError:
        pass


def test_create_read_list_update_delete(ls_client: ls.Client, queue) -> None:
    read = ls_client.read_annotation_queue(queue.id)
    assert (read.name, read.description, read.rubric_instructions) == (queue.name, "review", "look closely")
    assert [item["feedback_key"] for item in read.rubric_items] == ["correctness", "user_sentiment"]
    assert read.rubric_items[0]["description"] == "right?"

    assert [q.id for q in ls_client.list_annotation_queues(name=queue.name)] == [queue.id]
    assert queue.id in {q.id for q in ls_client.list_annotation_queues(name_contains=queue.name[6:20])}
    assert [q.id for q in ls_client.list_annotation_queues(queue_ids=[queue.id])] == [queue.id]
    assert list(ls_client.list_annotation_queues(name=f"missing-{uuid.uuid4()}")) == []

    ls_client.update_annotation_queue(
        queue.id, name=queue.name + "-renamed", rubric_items=[{"feedback_key": "x"}]
    )
    read = ls_client.read_annotation_queue(queue.id)
    assert read.name == queue.name + "-renamed" and read.description == "review"
    assert [item["feedback_key"] for item in read.rubric_items] == ["x"]

    ls_client.delete_annotation_queue(queue.id)
    with pytest.raises(LangSmithNotFoundError):
        ls_client.read_annotation_queue(queue.id)


def test_duplicate_name_is_a_conflict(ls_client: ls.Client, queue) -> None:
    with pytest.raises(LangSmithConflictError):
        ls_client.create_annotation_queue(name=queue.name)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "q", "rubric_items": "correctness"}, "rubric_items"),
        ({"name": "q", "colour": "red"}, "colour"),
        ({"name": "q", "num_reviewers_per_item": 0}, "num_reviewers_per_item"),
        ({"description": "no name"}, "name"),
        ({"name": "q", "id": "not-a-uuid"}, "id"),
    ],
)
def test_invalid_queue_bodies_are_400_naming_the_field(http: httpx.Client, body: dict, field: str) -> None:
    response = http.post("/api/v1/annotation-queues", json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["detail"]


def test_unknown_default_dataset_is_404(http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/annotation-queues", json={"name": f"q-{uuid.uuid4()}", "default_dataset": str(uuid.uuid4())}
    )
    assert response.status_code == 404 and "default_dataset" in response.json()["detail"]


def test_classic_run_api(ls_client: ls.Client, queue, project_name: str) -> None:
    first, second, third = trace_runs(ls_client, project_name, 3)
    ls_client.add_runs_to_annotation_queue(queue.id, run_ids=[first, second])
    ls_client.add_runs_to_annotation_queue(queue.id, run_ids=[first])  # already there: no second item
    run = ls_client.read_run(third)
    ls_client.add_runs_to_annotation_queue(
        queue.id, runs=[{"run_id": third, "session_id": run.session_id, "start_time": run.start_time}]
    )

    listed = list(ls_client.list_runs_from_annotation_queue(queue.id))
    assert [str(r.id) for r in listed] == [first, second, third]
    assert all(r.added_at is not None and r.last_reviewed_time is None for r in listed)
    at_one = ls_client.get_run_from_annotation_queue(queue.id, index=1)
    assert str(at_one.id) == second and at_one.outputs["messages"][-1]["content"] == "Done."
    with pytest.raises(LangSmithNotFoundError):
        ls_client.get_run_from_annotation_queue(queue.id, index=3)

    ls_client.delete_run_from_annotation_queue(queue.id, run_id=second)
    assert [str(r.id) for r in ls_client.list_runs_from_annotation_queue(queue.id)] == [first, third]
    with pytest.raises(LangSmithNotFoundError):
        ls_client.delete_run_from_annotation_queue(queue.id, run_id=second)


def test_adding_an_unknown_run_is_404_and_adds_nothing(
    ls_client: ls.Client, queue, project_name: str
) -> None:
    (known,) = trace_runs(ls_client, project_name, 1)
    with pytest.raises(LangSmithNotFoundError):
        ls_client.add_runs_to_annotation_queue(queue.id, run_ids=[known, str(uuid.uuid4())])
    assert list(ls_client.list_runs_from_annotation_queue(queue.id)) == []


def test_items_api_of_the_generated_client(ls_client: ls.Client, queue, project_name: str) -> None:
    run_a, run_b = trace_runs(ls_client, project_name, 2)
    thread_id = str(uuid.uuid4())
    project_id = str(ls_client.read_project(project_name=project_name).id)
    items = ls_client.annotation_queues.items

    async def scenario() -> dict:
        created = await items.create(
            str(queue.id),
            items=[
                {"item_type": "RUN", "run_id": run_a},
                {"item_type": "RUN", "run_id": run_b},
                {"item_type": "THREAD", "thread_id": thread_id, "project_id": project_id},
            ],
        )
        waiting = [i async for i in items.list(str(queue.id), status="needs_my_review")]
        runs_only = [i async for i in items.list(str(queue.id), status="needs_my_review", item_type="RUN")]
        done = await items.create_status(created.items[0].id, status="completed")
        archived = [i async for i in items.list(str(queue.id), status="archived")]
        left = [i async for i in items.list(str(queue.id), status="needs_my_review")]
        count = await items.retrieve_count(str(queue.id), status="needs_my_review")
        moved = await items.update(
            created.items[1].id, queue_id=str(queue.id), added_at="2025-11-20T09:30:00"
        )
        return {
            "created": created,
            "waiting": waiting,
            "runs_only": runs_only,
            "done": done,
            "archived": archived,
            "left": left,
            "count": count,
            "moved": moved,
        }

    result = asyncio.run(scenario())
    assert [i.item_type for i in result["created"].items] == ["RUN", "RUN", "THREAD"]
    assert [i.run_id for i in result["waiting"]] == [run_a, run_b, None]
    assert result["waiting"][2].thread_id == thread_id
    assert [i.run_id for i in result["runs_only"]] == [run_a, run_b]
    assert result["done"].is_archived is True
    assert [i.run_id for i in result["archived"]] == [run_a]
    assert result["archived"][0].last_reviewed_time is not None
    assert [i.run_id for i in result["left"]] == [run_b, None]
    assert result["count"].count == 2
    assert result["moved"].added_at.startswith("2025-11-20T09:30:00") and result["moved"].run_id == run_b
    # The classic index skips reviewed runs: the first run waiting for review is now run_b.
    assert str(ls_client.get_run_from_annotation_queue(queue.id, index=0).id) == run_b


def test_items_pages_follow_the_cursor(ls_client: ls.Client, queue, project_name: str) -> None:
    run_ids = trace_runs(ls_client, project_name, 5)
    ls_client.add_runs_to_annotation_queue(queue.id, run_ids=run_ids)

    async def all_items() -> list:
        return [
            i
            async for i in ls_client.annotation_queues.items.list(
                str(queue.id), status="needs_my_review", page_size=2
            )
        ]

    assert [i.run_id for i in asyncio.run(all_items())] == run_ids


def test_size_and_queue_created_with_default_dataset(
    ls_client: ls.Client, http: httpx.Client, project_name: str
) -> None:
    dataset = ls_client.create_dataset(f"golden-{uuid.uuid4()}")
    response = http.post(
        "/api/v1/annotation-queues",
        json={
            "name": f"q-{uuid.uuid4()}",
            "default_dataset": str(dataset.id),
            "rubric_items": [{"feedback_key": "correctness"}],
        },
    )
    assert response.status_code == 200, response.text
    queue_id = response.json()["id"]
    assert http.get(f"/api/v1/annotation-queues/{queue_id}").json()["default_dataset"] == str(dataset.id)
    listed = http.get("/api/v1/annotation-queues", params={"dataset_id": str(dataset.id)}).json()
    assert [q["id"] for q in listed] == [queue_id]

    run_ids = trace_runs(ls_client, project_name, 2)
    ls_client.add_runs_to_annotation_queue(queue_id, run_ids=run_ids)
    assert http.get(f"/api/v1/annotation-queues/{queue_id}/size").json() == {"size": 2}
    assert http.get(f"/api/v1/annotation-queues/{run_ids[0]}/queues").json()[0]["id"] == queue_id


def test_bad_status_and_cursor_are_400(http: httpx.Client, queue) -> None:
    base = f"/api/v1/platform/annotation-queues/{queue.id}/items"
    assert http.get(base, params={"status": "sleeping"}).status_code == 400
    assert http.get(base, params={"status": "archived", "cursor": "xyz"}).status_code == 400
    assert http.get(f"/api/v1/annotation-queues/{uuid.uuid4()}/size").status_code == 404


def test_queue_lifecycle_through_the_generated_client(ls_client: ls.Client, project_name: str) -> None:
    dataset = ls_client.create_dataset(f"golden-{uuid.uuid4()}")
    name = f"generated-{uuid.uuid4()}"
    (run_id,) = trace_runs(ls_client, project_name, 1)
    api = ls_client.annotation_queues

    async def scenario() -> tuple:
        created = await api.annotation_queues(
            name=name, default_dataset=str(dataset.id), rubric_items=[{"feedback_key": "correctness"}]
        )
        await api.update(created.id, description="reviewed weekly", rubric_instructions="be kind")
        await api.runs.create(created.id, body=[run_id])
        read = await api.retrieve(created.id)
        listed = [q async for q in api.retrieve_annotation_queues(name=name)]
        runs = await api.runs.list(created.id)
        size = await api.retrieve_size(created.id)
        await api.delete(created.id)
        return created, read, listed, runs, size

    created, read, listed, runs, size = asyncio.run(scenario())
    assert (created.name, created.queue_type, created.default_dataset) == (name, "single", str(dataset.id))
    assert (read.description, read.rubric_instructions) == ("reviewed weekly", "be kind")
    assert [(q.id, q.total_runs, q.rubric_keys) for q in listed] == [(created.id, 1, ["correctness"])]
    assert [(r.id, r.status) for r in runs] == [(run_id, "success")] and runs[0].queue_run_id
    assert size.size == 1
    assert list(ls_client.list_annotation_queues(name=name)) == []


# ------------------------------------------------------------------ malformed input is a 400, never a 500


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"run_ids": 5}, "run_ids"),
        ({"run_ids": [{}]}, "run_ids"),
        ({"delete_all": True, "exclude_run_ids": 5}, "exclude_run_ids"),
        ({"delete_all": True, "exclude_run_ids": [1]}, "exclude_run_ids"),
        ({"delete_all": "false"}, "delete_all"),  # was read as true: it emptied the queue
    ],
)
def test_malformed_bulk_deletes_are_400_and_delete_nothing(
    http: httpx.Client, ls_client: ls.Client, queue, project_name: str, body: dict, field: str
) -> None:
    run_ids = trace_runs(ls_client, project_name, 2)
    ls_client.add_runs_to_annotation_queue(queue.id, run_ids=run_ids)
    response = http.post(f"/api/v1/annotation-queues/{queue.id}/runs/delete", json=body)
    assert response.status_code == 400 and response.json()["detail"].startswith(field)
    items = http.post(f"/api/v1/platform/annotation-queues/{queue.id}/items/delete", json={"item_ids": [{}]})
    assert items.status_code == 400 and items.json()["detail"].startswith("item_ids")
    assert [str(r.id) for r in ls_client.list_runs_from_annotation_queue(queue.id)] == run_ids


def test_bulk_delete_through_the_generated_client(ls_client: ls.Client, queue, project_name: str) -> None:
    first, second, third = trace_runs(ls_client, project_name, 3)
    ls_client.add_runs_to_annotation_queue(queue.id, run_ids=[first, second, third])
    # More ids than SQLite takes as parameters (250000 in Debian's build, twice each): they travel as
    # one JSON parameter.
    exclude = [first, *(str(uuid.uuid4()) for _ in range(130_000))]

    async def delete() -> None:
        runs = ls_client.annotation_queues.runs
        await runs.delete_all(str(queue.id), run_ids=[second])
        await runs.delete_all(str(queue.id), delete_all=True, exclude_run_ids=exclude)

    asyncio.run(delete())
    assert [str(r.id) for r in ls_client.list_runs_from_annotation_queue(queue.id)] == [first]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/annotation-queues", {"limit": -5}),
        ("/api/v1/annotation-queues", {"offset": 2**64}),
        ("/api/v1/annotation-queues/{id}/runs", {"offset": 2**63}),
        ("/api/v1/annotation-queues/{id}/runs", {"limit": 0}),
        ("/api/v1/annotation-queues/{id}/run/9223372036854775808", {}),
        ("/api/v1/annotation-queues/{id}/run/-1", {}),
        ("/api/v1/platform/annotation-queues/{id}/items", {"status": "all", "cursor": str(2**64)}),
        ("/api/v1/platform/annotation-queues/{id}/items", {"status": "all", "cursor": "9" * 5000}),
        ("/api/v1/platform/annotation-queues/{id}/items", {"status": "all", "cursor": "²"}),
    ],
)
def test_pages_and_indexes_out_of_range_are_400(http: httpx.Client, queue, path: str, params: dict) -> None:
    response = http.get(path.format(id=queue.id), params=params)
    assert response.status_code == 400, response.text
