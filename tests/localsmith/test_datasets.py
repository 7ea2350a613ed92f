"""Datasets, examples, versions, tags and splits through the real ``langsmith`` Client.

Every test talks to the real server process (fixtures in ``conftest.py``) and isolates itself by a
unique dataset name. Where the SDK has no method for an endpoint (``PATCH /datasets/{id}``, the
legacy JSON example endpoints it only uses when multipart is off), the test goes through
``Client.request_with_retries`` (the SDK's own HTTP layer) or raw ``httpx`` for error bodies.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import langsmith
import pytest
from langsmith.utils import LangSmithConflictError, LangSmithNotFoundError


@pytest.fixture
def api_v1_client(localsmith_server) -> langsmith.Client:
    """A client whose endpoint ends in /api/v1: the SDK then builds every path differently."""
    return langsmith.Client(api_url=f"{localsmith_server.url}/api/v1", api_key="test")


def _create_three(client: langsmith.Client, dataset_id) -> list[str]:
    response = client.create_examples(
        dataset_id=dataset_id,
        examples=[
            {
                "inputs": {"q": "one"},
                "reference_outputs": {"a": 1},
                "split": "train",
                "metadata": {"level": 1},
            },
            {"inputs": {"q": "two"}, "reference_outputs": {"a": 2}, "metadata": {"level": 2, "tag": "x"}},
            {"inputs": {"q": "three"}, "reference_outputs": {"a": 3}, "split": ["test", "train"]},
        ],
    )
    assert response["count"] == 3
    return [str(i) for i in response["example_ids"]]


# ---------------------------------------------------------------- datasets


@pytest.mark.parametrize("endpoint", ["root", "api_v1"])
def test_create_and_read_dataset_by_id_and_name(request, dataset_name, endpoint):
    client = request.getfixturevalue("ls_client" if endpoint == "root" else "api_v1_client")
    created = client.create_dataset(
        dataset_name,
        description="golden questions",
        inputs_schema={"type": "object", "properties": {"q": {"type": "string"}}},
        outputs_schema={"type": "object"},
        metadata={"owner": "course"},
    )
    assert created.name == dataset_name
    assert created.description == "golden questions"
    assert created.data_type.value == "kv"
    assert created.inputs_schema == {"type": "object", "properties": {"q": {"type": "string"}}}
    assert created.metadata["owner"] == "course"
    assert created.example_count == 0 and created.session_count == 0

    by_name = client.read_dataset(dataset_name=dataset_name)
    by_id = client.read_dataset(dataset_id=created.id)
    assert by_name.id == by_id.id == created.id
    assert by_id.outputs_schema == {"type": "object"}
    assert client.has_dataset(dataset_name=dataset_name)
    assert not client.has_dataset(dataset_name=dataset_name + "-missing")


def test_duplicate_dataset_name_is_a_conflict(ls_client, dataset_name):
    ls_client.create_dataset(dataset_name)
    with pytest.raises(LangSmithConflictError):
        ls_client.create_dataset(dataset_name)


def test_list_datasets_filters(ls_client):
    stem = f"lst-{uuid.uuid4().hex[:8]}"
    a = ls_client.create_dataset(f"{stem}-alpha", metadata={"team": "red"})
    b = ls_client.create_dataset(f"{stem}-beta", metadata={"team": "blue"})
    c = ls_client.create_dataset(f"{stem}-gamma", data_type=langsmith.schemas.DataType.chat)

    def names(**kwargs) -> set[str]:
        return {d.name for d in ls_client.list_datasets(**kwargs)}

    assert names(dataset_name_contains=stem) == {a.name, b.name, c.name}
    assert names(dataset_name=b.name) == {b.name}
    assert names(dataset_name_contains=stem, metadata={"team": "red"}) == {a.name}
    assert names(dataset_name_contains=stem, data_type="chat") == {c.name}
    assert names(dataset_ids=[a.id, c.id]) == {a.name, c.name}
    # offset pagination: the SDK pages with limit=1 and stops on a short page
    assert len(list(ls_client.list_datasets(dataset_name_contains=stem, limit=2))) == 2


def test_patch_dataset_and_delete_with_examples(ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    ids = _create_three(ls_client, dataset.id)
    response = ls_client.request_with_retries(
        "PATCH", f"/datasets/{dataset.id}", json={"description": "renamed", "name": dataset_name + "-2"}
    )
    assert response.json()["description"] == "renamed"
    assert ls_client.read_dataset(dataset_id=dataset.id).name == dataset_name + "-2"

    ls_client.delete_dataset(dataset_id=dataset.id)
    assert not ls_client.has_dataset(dataset_id=dataset.id)
    with pytest.raises(LangSmithNotFoundError):
        ls_client.read_example(ids[0])


def test_bad_dataset_requests_get_clear_4xx(http):
    assert http.post("/datasets", json={"description": "no name"}).status_code == 400
    bad_type = http.post("/datasets", json={"name": f"x-{uuid.uuid4()}", "data_type": "tabular"})
    assert bad_type.status_code == 400 and "data_type" in bad_type.json()["detail"]
    assert (
        http.post("/datasets", content=b"{not json", headers={"content-type": "application/json"}).status_code
        == 400
    )
    assert http.get("/datasets/not-a-uuid").status_code == 400
    missing = http.get(f"/datasets/{uuid.uuid4()}")
    assert missing.status_code == 404 and "dataset not found" in missing.json()["detail"]


# ---------------------------------------------------------------- examples


@pytest.mark.parametrize("endpoint", ["root", "api_v1"])
def test_examples_create_read_list_through_multipart(request, dataset_name, endpoint):
    client = request.getfixturevalue("ls_client" if endpoint == "root" else "api_v1_client")
    dataset = client.create_dataset(dataset_name)
    ids = _create_three(client, dataset.id)
    single = client.create_example(
        inputs={"q": "four"}, reference_outputs={"a": 4}, dataset_id=dataset.id, metadata={"level": 3}
    )
    assert single.inputs == {"q": "four"} and single.outputs == {"a": 4}
    assert single.metadata == {"level": 3, "dataset_split": ["base"]}

    examples = list(client.list_examples(dataset_id=dataset.id))
    assert [e.inputs["q"] for e in examples] == ["one", "two", "three", "four"]
    assert all(e.dataset_id == dataset.id for e in examples)
    assert client.read_dataset(dataset_id=dataset.id).example_count == 4

    read = client.read_example(ids[2])
    assert read.outputs == {"a": 3} and read.metadata["dataset_split"] == ["test", "train"]
    assert read.modified_at is not None and read.created_at is not None


def test_list_examples_filters_and_paging(ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    ids = _create_three(ls_client, dataset.id)

    def qs(**kwargs) -> list[str]:
        return [e.inputs["q"] for e in ls_client.list_examples(dataset_id=dataset.id, **kwargs)]

    assert qs(splits=["train"]) == ["one", "three"]
    assert qs(splits=["test"]) == ["three"]
    assert qs(metadata={"tag": "x"}) == ["two"]
    assert qs(filter="has(metadata, '{\"level\": 1}')") == ["one"]
    assert qs(filter="has(\"metadata\", '{\"level\": 1}')") == ["one"]  # a quoted field, as the SDK writes it
    assert qs(filter='and(exists(metadata, "level"), not(eq(metadata.tag, "x")))') == ["one"]
    assert qs(filter="gte(metadata.level, 2)") == ["two"]
    assert qs(offset=1, limit=1) == ["two"]
    assert set(ids) <= {str(e.id) for e in ls_client.list_examples()}  # no dataset: every example
    assert [str(e.id) for e in ls_client.list_examples(example_ids=[ids[2], ids[0]])] == [ids[0], ids[2]]
    assert [e.inputs["q"] for e in ls_client.list_examples(dataset_name=dataset_name, limit=2)] == [
        "one",
        "two",
    ]


def test_bad_example_filter_is_a_400(http, ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    for bad, why in [
        ("has(metadata, ", "expected"),
        ('exists(inputz, "a")', "inputz"),
        ("has(inputs, '{x')", "JSON"),
        ("has(\"meta data\", '{}')", "field"),  # quoted, still a field name
    ]:
        # checked even when the dataset is empty, so a typo never passes silently
        response = http.get("/examples", params={"dataset": str(dataset.id), "filter": bad})
        assert response.status_code == 400 and why in response.json()["detail"]


def test_missing_example_is_a_json_404(http, ls_client):
    response = http.get(f"/examples/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "example not found" in response.json()["detail"]
    with pytest.raises(LangSmithNotFoundError):
        ls_client.read_example(uuid.uuid4())


def test_duplicate_example_id_is_a_conflict_and_writes_nothing(ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    example_id = uuid.uuid4()
    ls_client.create_example(inputs={"q": 1}, dataset_id=dataset.id, example_id=example_id)
    with pytest.raises(LangSmithConflictError):
        ls_client.create_examples(
            dataset_id=dataset.id,
            examples=[{"inputs": {"q": 2}}, {"id": example_id, "inputs": {"q": 3}}],
        )
    assert [e.inputs for e in ls_client.list_examples(dataset_id=dataset.id)] == [{"q": 1}]


def test_update_examples_single_and_bulk(ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    ids = _create_three(ls_client, dataset.id)
    ls_client.update_example(ids[0], outputs={"a": 10}, split="validation")
    first = ls_client.read_example(ids[0])
    assert first.inputs == {"q": "one"}  # untouched fields are kept
    assert first.outputs == {"a": 10}
    assert first.metadata == {"level": 1, "dataset_split": ["validation"]}

    result = ls_client.update_examples(
        dataset_id=dataset.id,
        updates=[{"id": ids[1], "inputs": {"q": "TWO"}}, {"id": ids[2], "metadata": {"level": 9}}],
    )
    assert result["count"] == 2
    assert ls_client.read_example(ids[1]).inputs == {"q": "TWO"}
    third = ls_client.read_example(ids[2])
    assert third.metadata == {
        "level": 9,
        "dataset_split": ["test", "train"],
    }  # split survives a metadata edit


def test_move_example_to_another_dataset_and_delete_the_first(ls_client, ls_client_factory, dataset_name):
    first = ls_client.create_dataset(dataset_name)
    second = ls_client.create_dataset(dataset_name + "-b")
    ids = _create_three(ls_client, first.id)
    # A move is an update naming the new dataset (PATCH /examples/{id}, the SDK's JSON path); the
    # multipart path updates examples of the dataset in its URL only (see test_update_conflicts).
    json_client = ls_client_factory(info={"instance_flags": {"dataset_examples_multipart_enabled": False}})
    json_client.update_example(ids[0], dataset_id=second.id)
    with pytest.raises(LangSmithConflictError):
        ls_client.update_example(ids[1], dataset_id=second.id, inputs={"q": "moved?"})
    assert ls_client.read_example(ids[0]).dataset_id == second.id
    assert [str(e.id) for e in ls_client.list_examples(dataset_id=second.id)] == [ids[0]]
    assert len(list(ls_client.list_examples(dataset_id=first.id))) == 2

    ls_client.delete_dataset(dataset_id=first.id)
    assert ls_client.read_example(ids[0]).inputs == {"q": "one"}
    with pytest.raises(LangSmithNotFoundError):
        ls_client.read_example(ids[1])


def test_legacy_json_example_endpoints(ls_client, dataset_name):
    """The endpoints the SDK uses when ``dataset_examples_multipart_enabled`` is off."""
    dataset = ls_client.create_dataset(dataset_name)
    created = ls_client.request_with_retries(
        "POST",
        "/examples/bulk",
        json=[
            {"dataset_id": str(dataset.id), "inputs": {"q": "a"}, "outputs": {"r": 1}},
            {"dataset_id": str(dataset.id), "inputs": {"q": "b"}, "split": "test"},
        ],
    ).json()
    assert [e["inputs"] for e in created] == [{"q": "a"}, {"q": "b"}]
    one = ls_client.request_with_retries(
        "POST", "/examples", json={"dataset_id": str(dataset.id), "inputs": {"q": "c"}}
    ).json()
    patched = ls_client.request_with_retries(
        "PATCH", f"/examples/{one['id']}", json={"outputs": {"r": 3}}
    ).json()
    assert patched["inputs"] == {"q": "c"} and patched["outputs"] == {"r": 3}
    bulk = ls_client.request_with_retries(
        "PATCH", "/examples/bulk", json=[{"id": created[0]["id"], "outputs": {"r": 100}}]
    ).json()
    assert bulk["count"] == 1
    assert ls_client.read_example(created[0]["id"]).outputs == {"r": 100}


def test_source_run_id_and_attachments_are_stored(ls_client, http, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    run_id = uuid.uuid4()
    png = b"\x89PNG\r\n\x1a\n\x00\xff binary"
    example = ls_client.create_example(
        inputs={"q": "picture"},
        dataset_id=dataset.id,
        source_run_id=run_id,
        attachments={"diagram": ("image/png", png)},
    )
    assert example.source_run_id == run_id
    assert example.attachments["diagram"]["mime_type"] == "image/png"
    assert example.attachments["diagram"]["reader"].read() == png

    ls_client.update_example(
        example.id, attachments_operations={"rename": {"diagram": "figure"}, "retain": []}
    )
    renamed = ls_client.read_example(example.id)
    assert set(renamed.attachments) == {"figure"}
    assert http.get(f"/api/v1/examples/{example.id}/attachments/diagram").status_code == 404  # renamed
    assert renamed.attachments["figure"]["reader"].read() == png
    listed = next(ls_client.list_examples(dataset_id=dataset.id, include_attachments=True))
    assert set(listed.attachments) == {"figure"}
    # plain listings leave attachments out (the SDK would download every one of them)
    assert not next(ls_client.list_examples(dataset_id=dataset.id)).attachments


def test_delete_example_and_examples(ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    ids = _create_three(ls_client, dataset.id)
    ls_client.delete_example(ids[0])
    ls_client.delete_examples([ids[1]])
    assert [str(e.id) for e in ls_client.list_examples(dataset_id=dataset.id)] == [ids[2]]
    with pytest.raises(LangSmithNotFoundError):
        ls_client.read_example(ids[0])
    ls_client.delete_examples([ids[2]], hard_delete=True)
    assert list(ls_client.list_examples(dataset_id=dataset.id)) == []


# ---------------------------------------------------------------- versions, tags, splits


def test_versions_tags_and_as_of(ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    ids = _create_three(ls_client, dataset.id)
    v1 = ls_client.read_dataset_version(dataset_id=dataset.id, as_of=datetime.now(UTC))
    ls_client.update_dataset_tag(dataset_id=dataset.id, as_of=v1.as_of, tag="prod")

    ls_client.update_example(ids[0], outputs={"a": "changed"})
    ls_client.delete_example(ids[1])
    ls_client.create_example(inputs={"q": "new"}, dataset_id=dataset.id)

    versions = list(ls_client.list_dataset_versions(dataset_id=dataset.id))
    assert len(versions) == 5  # creation, bulk create, update, delete, create
    assert versions[0].tags == ["latest"]
    assert [v.tags for v in versions if "prod" in (v.tags or [])] == [["prod"]]
    assert ls_client.read_dataset_version(dataset_id=dataset.id, tag="prod").as_of == v1.as_of

    now = [e.inputs["q"] for e in ls_client.list_examples(dataset_id=dataset.id)]
    assert now == ["one", "three", "new"]
    then = list(ls_client.list_examples(dataset_id=dataset.id, as_of="prod"))
    assert [e.inputs["q"] for e in then] == ["one", "two", "three"]
    assert then[0].outputs == {"a": 1}  # the value as of that version, not the current one
    by_time = list(ls_client.list_examples(dataset_id=dataset.id, as_of=v1.as_of))
    assert [e.id for e in by_time] == [e.id for e in then]
    assert ls_client.read_example(ids[0], as_of=v1.as_of).outputs == {"a": 1}
    assert ls_client.read_example(ids[1], as_of=v1.as_of).inputs == {"q": "two"}  # deleted since

    diff = ls_client.diff_dataset_versions(dataset_id=dataset.id, from_version="prod", to_version="latest")
    assert [str(i) for i in diff.examples_removed] == [ids[1]]
    assert [str(i) for i in diff.examples_modified] == [ids[0]]
    assert len(diff.examples_added) == 1

    # moving a tag to a later version
    latest = versions[0].as_of
    ls_client.update_dataset_tag(dataset_id=dataset.id, as_of=latest, tag="prod")
    assert ls_client.read_dataset_version(dataset_id=dataset.id, tag="prod").as_of == latest


def test_unknown_tag_and_bad_as_of_are_4xx(http, ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    unknown = http.get("/examples", params={"dataset": str(dataset.id), "as_of": "nope"})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    too_early = http.put(f"/datasets/{dataset.id}/tags", json={"as_of": "2000-01-01T00:00:00Z", "tag": "old"})
    assert too_early.status_code == 404
    assert (
        http.put(f"/datasets/{dataset.id}/tags", json={"as_of": "yesterday", "tag": "x"}).status_code == 400
    )


def test_splits_read_and_update(ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    ids = _create_three(ls_client, dataset.id)
    assert ls_client.list_dataset_splits(dataset_id=dataset.id) == ["base", "test", "train"]

    ls_client.update_dataset_splits(dataset_id=dataset.id, split_name="gold", example_ids=[ids[1], ids[2]])
    assert [e.inputs["q"] for e in ls_client.list_examples(dataset_id=dataset.id, splits=["gold"])] == [
        "two",
        "three",
    ]
    ls_client.update_dataset_splits(
        dataset_id=dataset.id, split_name="gold", example_ids=[ids[2]], remove=True
    )
    assert ls_client.read_example(ids[2]).metadata["dataset_split"] == ["test", "train"]

    # the older PUT /datasets/{id}/splits the SDK falls back to on servers without bulk metadata
    response = ls_client.request_with_retries(
        "PUT",
        f"/datasets/{dataset.id}/splits",
        json={"split_name": "hard", "examples": [ids[0]], "remove": False},
    )
    assert response.json() == [ids[0]]
    assert ls_client.list_dataset_splits(dataset_id=dataset.id) == ["base", "gold", "hard", "test", "train"]
    # splits as of the first version of examples
    first = list(ls_client.list_dataset_versions(dataset_id=dataset.id))[-2].as_of
    assert ls_client.list_dataset_splits(dataset_id=dataset.id, as_of=first) == ["base", "test", "train"]


def test_multipart_endpoint_rejects_malformed_bodies(localsmith_server, ls_client, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    url = f"{localsmith_server.url}/v1/platform/datasets/{dataset.id}/examples"
    not_multipart = httpx.post(url, json={"inputs": {}})
    assert not_multipart.status_code == 400 and "multipart" in not_multipart.json()["detail"]
    bad_json = httpx.post(url, files={str(uuid.uuid4()) + ".inputs": (None, b"{oops", "application/json")})
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["detail"]
