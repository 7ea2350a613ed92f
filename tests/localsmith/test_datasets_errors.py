"""Wrong-typed or out-of-range input to the dataset API gets a clear 4xx, never a 500.

Raw ``httpx`` (fixture ``http``) for bodies and query strings the SDK would never send; the real
``langsmith`` Client where it can send them (filters). Each case once crashed the server with a
``TypeError``, ``AttributeError``, ``OverflowError`` or ``RecursionError``, or answered the wrong
status.
"""

from __future__ import annotations

import uuid
from datetime import timedelta, timezone

import pytest
from langsmith.utils import LangSmithError

from techhub.localsmith.values import MAX_JSON_DEPTH

BEYOND_INT64 = str(2**63 + 1)
OUT_OF_RANGE = "0001-01-01T00:00:00+05:00"  # a valid ISO string that is before year 1 in UTC


@pytest.fixture
def dataset(ls_client):
    return ls_client.create_dataset(f"ds-{uuid.uuid4()}")


@pytest.fixture
def example_id(ls_client, dataset) -> str:
    return str(ls_client.create_example(inputs={"q": 1}, dataset_id=dataset.id, metadata={"level": 1}).id)


def _assert_400(response, *words: str) -> None:
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, detail


# ---------------------------------------------------------------- attachments_operations


@pytest.mark.parametrize(
    "ops, why",
    [
        (5, "attachments_operations"),
        ("retain", "attachments_operations"),
        ({"retain": 5}, "retain"),
        ({"retain": [1]}, "retain"),
        ({"rename": ["a"]}, "rename"),
        ({"rename": {"a": {"b": 1}}}, "rename"),
        ({"keep": []}, "keep"),
    ],
)
def test_bad_attachments_operations_are_400s(http, ls_client, example_id, ops, why):
    single = http.patch(f"/examples/{example_id}", json={"attachments_operations": ops})
    _assert_400(single, why)
    bulk = http.patch("/examples/bulk", json=[{"id": example_id, "attachments_operations": ops}])
    _assert_400(bulk, why)
    assert ls_client.read_example(example_id).inputs == {"q": 1}  # untouched


def test_attachments_in_a_json_body_are_a_400(http, dataset, example_id):
    for attachments in (5, {"a": "b"}, [["a", "text/plain", "bytes?"]]):
        created = http.post(
            "/examples", json={"dataset_id": str(dataset.id), "inputs": {}, "attachments": attachments}
        )
        _assert_400(created, "multipart")
        patched = http.patch(f"/examples/{example_id}", json={"attachments": attachments})
        _assert_400(patched, "multipart")


# ---------------------------------------------------------------- paging


@pytest.mark.parametrize("path", ["/datasets", "/examples", "/datasets/{dataset}/versions"])
def test_huge_offset_is_a_400(http, dataset, path):
    url, params = path.format(dataset=dataset.id), {"dataset": str(dataset.id)}
    _assert_400(http.get(url, params={**params, "offset": BEYOND_INT64}), "offset")
    # a limit over the page size is cut to it, as in LangSmith
    assert http.get(url, params={**params, "limit": BEYOND_INT64}).status_code == 200


def test_huge_offset_with_a_filter_and_on_experiment_results(http, dataset, example_id):
    filtered = http.get(
        "/examples", params={"dataset": str(dataset.id), "offset": BEYOND_INT64, "splits": ["base"]}
    )
    _assert_400(filtered, "offset")
    for body in (
        {"session_ids": [str(uuid.uuid4())], "offset": 2**63 + 1},
        {"session_ids": [str(uuid.uuid4())], "offset": True},
        {"session_ids": [str(uuid.uuid4())], "limit": "10"},
    ):
        _assert_400(http.post(f"/datasets/{dataset.id}/runs", json=body), "offset")


# ---------------------------------------------------------------- as_of out of range


def test_out_of_range_as_of_is_a_400_everywhere(http, dataset, example_id):
    ds = dataset.id
    for response in (
        http.get("/examples", params={"dataset": str(ds), "as_of": OUT_OF_RANGE}),
        http.get("/examples", params={"id": example_id, "as_of": OUT_OF_RANGE}),
        http.get(f"/examples/{example_id}", params={"as_of": OUT_OF_RANGE}),
        http.get(f"/datasets/{ds}/version", params={"as_of": OUT_OF_RANGE}),
        http.get(f"/datasets/{ds}/splits", params={"as_of": OUT_OF_RANGE}),
        http.put(f"/datasets/{ds}/tags", json={"as_of": OUT_OF_RANGE, "tag": "old"}),
        http.get(
            f"/datasets/{ds}/versions/diff", params={"from_version": OUT_OF_RANGE, "to_version": "latest"}
        ),
        http.get(
            f"/datasets/{ds}/versions/diff", params={"from_version": "latest", "to_version": OUT_OF_RANGE}
        ),
        http.get(f"/examples/{example_id}/attachments/x", params={"as_of": OUT_OF_RANGE}),
    ):
        _assert_400(response, "out of range")


def test_a_tag_that_looks_like_a_date_still_resolves(http, ls_client, dataset, example_id):
    version = ls_client.read_dataset_version(dataset_id=dataset.id, tag="latest").as_of
    ls_client.update_dataset_tag(dataset_id=dataset.id, as_of=version, tag="2024-13-45-release")
    tagged = http.get("/examples", params={"dataset": str(dataset.id), "as_of": "2024-13-45-release"})
    assert tagged.status_code == 200 and [e["id"] for e in tagged.json()] == [example_id]
    untagged = http.get("/examples", params={"dataset": str(dataset.id), "as_of": "2024-13-46-release"})
    _assert_400(untagged, "as_of")  # looks like a time, is none, and names no tag
    assert http.get("/examples", params={"dataset": str(dataset.id), "as_of": "nope"}).status_code == 404
    # ?tag= means a tag, even one that parses as a date.
    ls_client.update_dataset_tag(dataset_id=dataset.id, as_of=version, tag="2024-01-01")
    assert ls_client.read_dataset_version(dataset_id=dataset.id, tag="2024-01-01").as_of == version
    missing = http.get(f"/datasets/{dataset.id}/version", params={"tag": "2024-01-02"})
    assert missing.status_code == 404 and "2024-01-02" in missing.json()["detail"]


# ---------------------------------------------------------------- example filters


def test_unknown_filter_field_is_a_400_listing_the_known_ones(http, ls_client, dataset, example_id):
    for bad in ("eq(metdata.level, 1)", 'eq(name, "x")', "gt(id.x, 1)"):
        response = http.get("/examples", params={"dataset": str(dataset.id), "filter": bad})
        _assert_400(response, "unknown field", "metadata", "created_at")
    with pytest.raises(LangSmithError, match="unknown field"):
        list(ls_client.list_examples(dataset_id=dataset.id, filter='eq(split, "base")'))


def test_filter_numbers_with_exponents(ls_client, dataset):
    ls_client.create_examples(
        dataset_id=dataset.id,
        examples=[
            {"inputs": {"q": "small"}, "metadata": {"score": -2000}},
            {"inputs": {"q": "big"}, "metadata": {"score": 0.5}},
        ],
    )

    def qs(text: str) -> list[str]:
        return [e.inputs["q"] for e in ls_client.list_examples(dataset_id=dataset.id, filter=text)]

    assert qs("lt(metadata.score, -1.5e3)") == ["small"]
    assert qs("gte(metadata.score, 5E-1)") == ["big"]
    assert qs("eq(metadata.score, -2e3)") == ["small"]
    assert qs("gt(metadata.score, .25)") == ["big"]


def test_filter_on_time_fields_compares_instants(ls_client, dataset, example_id):
    created = ls_client.read_example(example_id).created_at
    # The same instant written with another offset selects the example.
    shifted = created.astimezone(timezone(timedelta(hours=2))).isoformat()
    found = ls_client.list_examples(dataset_id=dataset.id, filter=f'eq(created_at, "{shifted}")')
    assert [str(e.id) for e in found] == [example_id]


@pytest.mark.parametrize(
    "bad, why",
    [
        ("not(" * 200 + 'exists(metadata, "a")' + ")" * 200, "nested"),
        ("eq(metadata.level, " + "9" * 5000 + ")", "too long"),
        ("has(metadata, '" + "[" * 3000 + "]" * 3000 + "')", "JSON"),
        ("exists(metadata, 5)", "key"),
        ('gt(created_at, "yesterday")', "created_at"),
    ],
)
def test_pathological_filters_are_400s(http, dataset, bad, why):
    _assert_400(http.get("/examples", params={"dataset": str(dataset.id), "filter": bad}), why)


# ---------------------------------------------------------------- other wrong types


_SPLIT_OP = {"key": "k", "operation": "array_add", "values": [1]}


@pytest.mark.parametrize(
    "method, path, body, why",
    [
        ("POST", "/datasets", {"name": "<unique>", "description": {"a": 1}}, "description"),
        ("PATCH", "/datasets/<ds>", {"description": 2**64 - 1}, "description"),
        ("PATCH", "/datasets/<ds>", {"description": ["a"]}, "description"),
        ("GET", "/datasets?metadata=[1]", None, "metadata"),
        ("GET", "/datasets?metadata=" + "[" * 3000 + "]" * 3000, None, "metadata"),
        ("GET", "/examples?metadata=" + "[" * 3000 + "]" * 3000, None, "metadata"),
        (
            "POST",
            "/datasets/comparative",
            {
                "name": "c",
                "experiment_ids": ["<ds>"],
                "reference_dataset_id": "<ds>",
                "description": {"a": 1},
            },
            "description",
        ),
        (
            "PATCH",
            "/v1/platform/datasets/<ds>/examples/metadata",
            {"example_ids": 5, "operations": [_SPLIT_OP]},
            "example_ids",
        ),
        (
            "PATCH",
            "/v1/platform/datasets/<ds>/examples/metadata",
            {"example_ids": ["<example>"], "operations": [{**_SPLIT_OP, "key": "level"}]},
            "not a list",
        ),
        (
            "POST",
            "/examples",
            {"dataset_id": "<ds>", "inputs": {}, "use_source_run_io": "yes"},
            "use_source_run_io",
        ),
        (
            "POST",
            "/examples",
            {
                "dataset_id": "<ds>",
                "inputs": {},
                "source_run_id": "<example>",
                "use_source_run_attachments": "all",
            },
            "use_source_run_attachments",
        ),
    ],
)
def test_wrong_typed_values_are_400s(http, dataset, example_id, method, path, body, why):
    names = {"<ds>": str(dataset.id), "<example>": example_id, "<unique>": f"x-{uuid.uuid4()}"}

    def fill(value):
        if isinstance(value, str):
            return names.get(value, value)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    response = http.request(method, path.replace("<ds>", str(dataset.id)), json=fill(body))
    _assert_400(response, why)


def _nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_too_deeply_nested_values_are_refused_and_do_not_poison_the_dataset(http, ls_client, dataset):
    ds = str(dataset.id)
    too_deep = MAX_JSON_DEPTH + 1
    for response in (
        http.post("/examples", json={"dataset_id": ds, "inputs": _nested(400)}),
        http.post("/examples/bulk",
                  json=[{"dataset_id": ds, "inputs": {"q": 1}, "outputs": _nested(too_deep)}]),
        http.post("/datasets", json={"name": f"x-{uuid.uuid4()}", "metadata": _nested(300)}),
        http.patch(f"/datasets/{ds}", json={"metadata": _nested(too_deep)}),
    ):
        _assert_400(response, f"deeper than {MAX_JSON_DEPTH}")
    # As deep as allowed (as deep as a run's inputs may be): stored, and every listing still works.
    ls_client.create_example(inputs=_nested(MAX_JSON_DEPTH), dataset_id=dataset.id)
    assert [e.inputs for e in ls_client.list_examples(dataset_id=dataset.id)] == [_nested(MAX_JSON_DEPTH)]
    assert http.get("/examples", params={"dataset": ds}).status_code == 200


def test_experiment_results_with_odd_project_metadata(http, ls_client, dataset, example_id):
    """``extra.metadata`` of a project is free-form: a string there must not crash the results view."""
    project = http.post(
        "/sessions",
        json={
            "name": f"exp-{uuid.uuid4()}",
            "reference_dataset_id": str(dataset.id),
            "extra": {"metadata": "v1"},
        },
    )
    assert project.status_code == 200, project.text
    results = http.post(f"/datasets/{dataset.id}/runs", json={"session_ids": [project.json()["id"]]})
    assert results.status_code == 200, results.text
    assert [(e["id"], e["runs"]) for e in results.json()] == [(example_id, [])]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_multipart_example_part_nested_too_deep_is_a_400(http, dataset, multipart_body, method):
    example_id = str(uuid.uuid4())
    body, content_type = multipart_body([(example_id, {"id": example_id}),
                                         (f"{example_id}.inputs", b"[" * 1000 + b"]" * 1000)])
    response = http.request(method, f"/v1/platform/datasets/{dataset.id}/examples", content=body,
                            headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text


def test_metadata_list_edits_on_long_lists(http, ls_client, dataset):
    """60,000 values added to a 60,000-value list, one of them already there (it once held the
    server for 30 s; the timeout only keeps a regression from hanging the suite)."""
    example = ls_client.create_example(inputs={"q": 1}, dataset_id=dataset.id,
                                       metadata={"tags": [f"old-{i}" for i in range(60_000)]})
    response = http.patch(f"/v1/platform/datasets/{dataset.id}/examples/metadata", json={
        "example_ids": [str(example.id)],
        "operations": [{"operation": "array_add", "key": "tags",
                        "values": [f"new-{i}" for i in range(60_000)] + ["old-1"]}]}, timeout=10)
    assert response.status_code == 200, response.text
    tags = ls_client.read_example(example.id).metadata["tags"]
    assert len(tags) == 120_000 and tags[60_000] == "new-0"


# ---------------------------------------------------------------- ?metadata= query parameters


@pytest.mark.parametrize("path", ["/datasets", "/examples", "/sessions"])
@pytest.mark.parametrize(
    ("value", "why"), [("{oops", "JSON object"), ("[1, 2]", "got list"), ('"a"', "got str")]
)
def test_a_metadata_query_that_is_not_a_json_object_is_400(http, path: str, value: str, why: str) -> None:
    _assert_400(http.get(path, params={"metadata": value}), "'metadata'", why)


@pytest.mark.parametrize("path", ["/datasets", "/examples", "/sessions"])
def test_a_metadata_query_filters_by_its_entries(http, ls_client, path: str) -> None:
    tag = str(uuid.uuid4())
    if path == "/datasets":
        ls_client.create_dataset(f"ds-{tag}", metadata={"tag": tag})
    elif path == "/examples":
        ls_client.create_example(inputs={"q": 1}, dataset_id=ls_client.create_dataset(f"ds-{tag}").id,
                                 metadata={"tag": tag})
    else:
        ls_client.create_project(f"p-{tag}", metadata={"tag": tag})
    assert len(http.get(path, params={"metadata": f'{{"tag": "{tag}"}}'}).json()) == 1
    assert http.get(path, params={"metadata": '{"tag": "nobody"}'}).json() == []
