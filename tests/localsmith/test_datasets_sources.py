"""Examples made from elsewhere: from a traced run (``use_source_run_io``), from a CSV or a DataFrame
(``Client.upload_csv``/``upload_dataframe``), and many at once across datasets (``POST /examples/bulk``).

Through the real ``langsmith`` Client where it has a method (fixtures in ``conftest.py``); raw
``httpx`` for malformed requests and the legacy JSON endpoint.
"""

from __future__ import annotations

import io
import uuid

import langsmith
import pandas as pd
import pytest
from langsmith.schemas import Attachment
from langsmith.utils import LangSmithConflictError, LangSmithError, LangSmithNotFoundError


def _traced_run(ls_client, project_name: str, *, chart: bytes | None = None) -> uuid.UUID:
    """A finished traced run with inputs, outputs and (optionally) an attachment, on the server."""
    run_id = uuid.uuid4()

    @langsmith.traceable(client=ls_client, project_name=project_name, name="answer")
    def answer(question: str, chart: Attachment | None = None) -> dict:
        return {"answer": "4"}

    with langsmith.tracing_context(enabled=True):
        answer(
            "what is 2 + 2?",
            Attachment(mime_type="image/png", data=chart) if chart is not None else None,
            langsmith_extra={"run_id": run_id},
        )
    ls_client.flush()
    return run_id


# ---------------------------------------------------------------- from a run


def test_example_from_source_run_takes_its_inputs_outputs_and_attachments(
    ls_client, project_name, dataset_name
):
    png = b"\x89PNG\r\n\x1a\n run attachment"
    run_id = _traced_run(ls_client, project_name, chart=png)
    dataset = ls_client.create_dataset(dataset_name)

    example = ls_client.create_example(
        dataset_id=dataset.id, source_run_id=run_id, use_source_run_io=True, metadata={"from": "run"}
    )
    assert example.inputs == {"question": "what is 2 + 2?"}
    assert example.outputs == {"answer": "4"}
    assert example.source_run_id == run_id
    assert example.metadata == {"from": "run", "dataset_split": ["base"]}
    assert set(example.attachments) == {"chart"}
    assert example.attachments["chart"]["mime_type"] == "image/png"
    assert example.attachments["chart"]["reader"].read() == png

    # Only the named attachments, with the example's own inputs.
    picked = ls_client.create_example(
        inputs={"question": "mine"},
        dataset_id=dataset.id,
        source_run_id=run_id,
        use_source_run_attachments=["chart"],
    )
    assert picked.inputs == {"question": "mine"} and picked.outputs is None
    assert set(picked.attachments) == {"chart"}

    # Without the flag, the run only stays referenced (as before).
    plain = ls_client.create_example(inputs={"q": 1}, dataset_id=dataset.id, source_run_id=run_id)
    assert plain.inputs == {"q": 1} and plain.outputs is None and not plain.attachments


def test_example_from_missing_source_run_is_a_404_naming_it(ls_client, http, dataset_name):
    dataset = ls_client.create_dataset(dataset_name)
    missing = uuid.uuid4()
    with pytest.raises(LangSmithNotFoundError, match=str(missing)):
        ls_client.create_example(dataset_id=dataset.id, source_run_id=missing, use_source_run_io=True)
    # The legacy JSON endpoint too; and the flag without a run id is a 400.
    response = http.post(
        "/examples",
        json={"dataset_id": str(dataset.id), "source_run_id": str(missing), "use_source_run_io": True},
    )
    assert response.status_code == 404 and str(missing) in response.json()["detail"]
    response = http.post("/examples", json={"dataset_id": str(dataset.id), "use_source_run_io": True})
    assert response.status_code == 400 and "source_run_id" in response.json()["detail"]
    assert list(ls_client.list_examples(dataset_id=dataset.id)) == []


def test_source_run_attachment_that_does_not_exist_is_a_404(ls_client, project_name, dataset_name):
    run_id = _traced_run(ls_client, project_name)
    dataset = ls_client.create_dataset(dataset_name)
    with pytest.raises(LangSmithNotFoundError, match="nope"):
        ls_client.create_example(
            inputs={"q": 1}, dataset_id=dataset.id, source_run_id=run_id, use_source_run_attachments=["nope"]
        )


# ---------------------------------------------------------------- CSV and DataFrame uploads


def test_upload_csv_creates_the_dataset_and_its_examples(ls_client, dataset_name):
    csv_file = io.BytesIO(b'question,context,answer\nwhat is 2+2?,math,4\n"a, b?",letters,c\n')
    dataset = ls_client.upload_csv(
        (f"{dataset_name}.csv", csv_file),
        input_keys=["question", "context"],
        output_keys=["answer"],
        name=dataset_name,
        description="from a CSV",
    )
    assert dataset.name == dataset_name and dataset.description == "from a CSV"
    assert dataset.data_type.value == "kv"
    examples = list(ls_client.list_examples(dataset_id=dataset.id))
    assert [(e.inputs, e.outputs) for e in examples] == [
        ({"question": "what is 2+2?", "context": "math"}, {"answer": "4"}),
        ({"question": "a, b?", "context": "letters"}, {"answer": "c"}),
    ]
    assert ls_client.read_dataset(dataset_id=dataset.id).example_count == 2


def test_upload_csv_from_a_path_names_the_dataset_after_the_file(ls_client, tmp_path):
    path = tmp_path / f"golden-{uuid.uuid4().hex[:8]}.csv"
    path.write_text("q,a\none,1\n")
    dataset = ls_client.upload_csv(str(path), input_keys=["q"], output_keys=["a"])
    assert dataset.name == path.name
    assert [e.inputs for e in ls_client.list_examples(dataset_id=dataset.id)] == [{"q": "one"}]


def test_upload_dataframe(ls_client, dataset_name):
    df = pd.DataFrame({"question": ["x?", "y?"], "answer": ["X", "Y"], "unused": [1, 2]})
    dataset = ls_client.upload_dataframe(df, dataset_name, input_keys=["question"], output_keys=["answer"])
    examples = list(ls_client.list_examples(dataset_id=dataset.id))
    assert [(e.inputs, e.outputs) for e in examples] == [
        ({"question": "x?"}, {"answer": "X"}),
        ({"question": "y?"}, {"answer": "Y"}),
    ]


def test_upload_csv_with_a_taken_name_is_a_conflict(ls_client, dataset_name):
    ls_client.create_dataset(dataset_name)
    with pytest.raises(LangSmithConflictError):
        ls_client.upload_csv(
            ("data.csv", io.BytesIO(b"q,a\n1,2\n")), input_keys=["q"], output_keys=["a"], name=dataset_name
        )


@pytest.mark.parametrize(
    "content, input_keys, output_keys, why",
    [
        (b"q,a\n1,2\n", ["question"], ["a"], "'question' are not columns"),
        (b"q,a\n1,2\n", ["q"], ["answer"], "output_keys 'answer'"),
        (b"q,a\n1,2,3\n", ["q"], ["a"], "row 1 has 3 values"),
        (b"", ["q"], [], "empty"),
        (b"q,q\n1,2\n", ["q"], [], "repeats"),
        (b"q,a\n\xff\xfe,2\n", ["q"], ["a"], "UTF-8"),
        (b'q,a\n"unclosed,2\n', ["q"], ["a"], "malformed"),
        (b"q,a\n1,2\n", [], ["a"], "input key"),
    ],
)
def test_bad_csv_upload_is_a_400_and_creates_nothing(
    ls_client, http, dataset_name, content, input_keys, output_keys, why
):
    response = http.post(
        "/datasets/upload",
        data={"input_keys": input_keys, "output_keys": output_keys, "name": dataset_name},
        files={"file": ("data.csv", content, "text/csv")},
    )
    assert response.status_code == 400, response.text
    assert why in response.json()["detail"]
    assert not ls_client.has_dataset(dataset_name=dataset_name)


def test_upload_without_a_csv_file_is_a_400(http):
    no_file = http.post("/datasets/upload", data={"input_keys": ["q"]}, files={"other": ("x", b"")})
    assert no_file.status_code == 400 and "'file'" in no_file.json()["detail"]
    not_a_form = http.post("/datasets/upload", json={"input_keys": ["q"]})
    assert not_a_form.status_code == 400 and "multipart" in not_a_form.json()["detail"]


def test_sdk_reports_a_bad_csv_upload(ls_client, dataset_name):
    with pytest.raises(LangSmithError, match="not columns"):
        ls_client.upload_csv(
            ("data.csv", io.BytesIO(b"q,a\n1,2\n")), input_keys=["x"], output_keys=[], name=dataset_name
        )


# ---------------------------------------------------------------- bulk creation across datasets


def test_bulk_create_across_datasets_is_all_or_nothing(ls_client, http, dataset_name):
    first = ls_client.create_dataset(dataset_name)
    second = ls_client.create_dataset(dataset_name + "-b")
    bad_second = [
        {"dataset_id": str(first.id), "inputs": {"q": "a"}},
        {"dataset_id": str(second.id), "inputs": "not an object"},
    ]
    response = http.post("/examples/bulk", json=bad_second)
    assert response.status_code == 400 and "inputs" in response.json()["detail"]
    unknown_second = [
        {"dataset_id": str(first.id), "inputs": {"q": "a"}},
        {"dataset_id": str(uuid.uuid4()), "inputs": {"q": "b"}},
    ]
    assert http.post("/examples/bulk", json=unknown_second).status_code == 404
    assert list(ls_client.list_examples(dataset_id=first.id)) == []  # nothing was committed
    assert [v.as_of for v in ls_client.list_dataset_versions(dataset_id=first.id)] == [first.modified_at]

    good = [
        {"dataset_id": str(first.id), "inputs": {"q": "a"}},
        {"dataset_id": str(second.id), "inputs": {"q": "b"}},
        {"dataset_id": str(first.id), "inputs": {"q": "c"}},
    ]
    created = http.post("/examples/bulk", json=good).json()
    assert [e["inputs"]["q"] for e in created] == ["a", "b", "c"]
    assert [e.inputs["q"] for e in ls_client.list_examples(dataset_id=first.id)] == ["a", "c"]
    assert [e.inputs["q"] for e in ls_client.list_examples(dataset_id=second.id)] == ["b"]
